"""Buttons and menus: steps taken from a jurisdiction's card, its court order button and
its "Why this date?" (the ``deadline`` command's answer), a batch's approve and reject,
a reminder's snooze menu, and a list page's Previous and Next.

A card's buttons carry the version they were drawn from; a click on an out-of-date
card is refused and the card redrawn. A step that needs input opens its form
(``bot/slack/views.py`` takes it from there).
"""

from __future__ import annotations

import json
import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.answers import answer, as_response, keep_reply, redraw
from bot.slack.deps import Deps
from bot.slack.posting.reminders import SlackMembers
from bot.subcommands.commands import Caller
from bot.ui import batches, cards, changes, deadlines, forms, pages, reminders, render
from bot.ui.render import Reply
from workflows.batches import Progress
from workflows.errors import BadInput, Stale
from workflows.model import Jurisdiction

SNOOZE_VALUE = re.compile(r"(\d{1,18}):(\d{1,2})", re.ASCII)
"""A snooze menu option's value: reminder id, business days."""
Body = dict[str, Any]
READERS = {deadlines.WHY_ACTION: "deadline", cards.WORKFLOW_ACTION: "workflow"}
"""A card's buttons that only read: the command each runs on the jurisdiction."""


def register(app: AsyncApp, deps: Deps) -> None:
    register_pages(app, deps)
    @app.action(reminders.SNOOZE_ACTION)
    async def on_snooze(ack: AsyncAck, body: Body, action: Body,
                        respond: AsyncRespond) -> None:
        await ack()
        value = str((action.get("selected_option") or {}).get("value", ""))
        clicked_in = str((body.get("channel") or {}).get("id", ""))
        await answer(respond, snooze(deps, body["user"]["id"], value, clicked_in))

    @app.action(re.compile(f"^{cards.STEP_ACTION}"))
    async def on_step(ack: AsyncAck, body: Body, action: Body, respond: AsyncRespond,
                      client: AsyncWebClient) -> None:
        await ack()
        await answer(respond, click(deps, body["user"]["id"], action, body, respond,
                                    client), silent_when_empty=True)

    @app.action(cards.ORDER_ACTION)
    async def on_order(ack: AsyncAck, body: Body, action: Body, respond: AsyncRespond,
                       client: AsyncWebClient) -> None:
        await ack()
        await answer(respond, open_order(deps, body["user"]["id"], action, body, client),
                     silent_when_empty=True)

    @app.action(re.compile(f"^({'|'.join(READERS)})$"))
    async def on_read(ack: AsyncAck, body: Body, action: Body, respond: AsyncRespond) -> None:
        await ack()
        where = str((body.get("channel") or {}).get("id", ""))
        caller = Caller(body["user"]["id"], where)
        command = READERS[action["action_id"]]
        await answer(respond, deps.run_command(caller, f"{command} {action.get('value', '')}"))

    @app.action(re.compile(f"^({batches.BATCH_APPROVE}|{batches.BATCH_REJECT})$"))
    async def on_decide(ack: AsyncAck, body: Body, action: Body, respond: AsyncRespond,
                        client: AsyncWebClient) -> None:
        await ack()
        approve = action["action_id"] == batches.BATCH_APPROVE
        await answer(respond, decide(deps, body["user"]["id"], action, approve, body,
                                     respond, client), silent_when_empty=True)


def register_pages(app: AsyncApp, deps: Deps) -> None:
    """A list page's Previous and Next: the rest of a `list` command, cursor and all."""

    @app.action(re.compile(f"^{pages.PAGE_ACTION}_[0-9]+$"))
    async def on_page(ack: AsyncAck, body: Body, action: Body, respond: AsyncRespond) -> None:
        await ack()
        caller = Caller(body["user"]["id"], str((body.get("channel") or {}).get("id", "")))
        await answer(respond, deps.run_command(caller, f"list {action.get('value', '')}"))


async def snooze(deps: Deps, user: str, value: str, clicked_in: str) -> Reply:
    """Put a reminder off by the business days chosen in its menu."""
    chosen = SNOOZE_VALUE.fullmatch(value)
    if chosen is None:
        raise BadInput("That snooze button is out of date.")
    review = deps.review
    await review.require_reader(user)
    members = SlackMembers(deps.client, clicked_in)
    name, when = await deps.snooze(int(chosen[1]), user, int(chosen[2]), members)
    local = when.astimezone(review.config.timezone)
    text = (f":zzz: Snoozed: this channel hears about {render.escape(name)} again on "
            f"{local:%A %Y-%m-%d at %H:%M} ({review.config.timezone.key}).")
    return Reply(text, [render.section(text)])


def clicked(action: Body) -> Body:
    """A card button's value: the jurisdiction (``j``) and the version drawn (``v``)."""
    try:
        value = json.loads(action.get("value") or "{}")
    except json.JSONDecodeError:
        value = {}
    if not isinstance(value, dict) or "j" not in value or "v" not in value:
        raise BadInput("That button is out of date; ask for the card again with `show`.")
    return value


async def click(deps: Deps, user: str, action: Body, body: Body, respond: AsyncRespond,
                client: AsyncWebClient) -> Reply:
    """Take the step the button names, or open its form if it needs input."""
    value = clicked(action)
    step = action["action_id"].removeprefix(cards.STEP_ACTION)
    review = deps.review
    await review.require_reader(user)
    j = await current(deps, respond, user, await review.resolve(value["j"]), value["v"])
    candidates = (review.workflow.candidates(j, step)
                  or review.workflow.definition.steps_named(step))
    if candidates and forms.needs_form(candidates[0]):
        await review.check_step(user, j, step)  # a crafted click opens no form
        meta = {"j": j.id, "v": j.version, "s": step, "ch": body.get("channel", {}).get("id"),
                "rt": await keep_reply(deps, user, body)}
        await client.views_open(trigger_id=body["trigger_id"], view=forms.step_modal(
            j, candidates[0], review.today(), meta, review.workflow.definition.label_of))
        return Reply("")
    change = await review.take(user, j.id, step, expected_version=j.version)
    await redraw(respond, review, user, change.jurisdiction, deps.mutes)
    return changes.done(change.event, change.jurisdiction,
                        await review.allowed(user, change.jurisdiction), review.today(),
                        definition=review.workflow.definition)


async def current(deps: Deps, respond: AsyncRespond, user: str, j: Jurisdiction,
                  drawn: object) -> Jurisdiction:
    """``j`` if the card was drawn from its version; else the card is redrawn and the
    click refused."""
    if j.version == drawn:
        return j
    await redraw(respond, deps.review, user, j, deps.mutes)
    raise Stale(f"{j.name} changed since this card was drawn: it is now "
                f"{deps.review.workflow.definition.label_of(j.state)}. Nothing was "
                "changed; the card is "
                "up to date again.")


async def open_order(deps: Deps, user: str, action: Body, body: Body,
                     client: AsyncWebClient) -> Reply:
    """Open the court order form for the card's jurisdiction."""
    review = deps.review
    await review.require(user, "order")
    j = await review.resolve(clicked(action)["j"])
    meta = {"j": j.id, "ch": body.get("channel", {}).get("id"),
            "rt": await keep_reply(deps, user, body)}
    await client.views_open(trigger_id=body["trigger_id"],
                            view=forms.order_modal(j, review.today(), meta,
                                                   review.workflow.definition))
    return Reply("")


async def decide(deps: Deps, user: str, action: Body, approve: bool, body: Body,
                 respond: AsyncRespond, client: AsyncWebClient) -> Reply:
    """Approve (and run) or reject a batch; its request becomes the batch's report."""
    if deps.batches is None or not action.get("value", "").isdigit():
        raise BadInput("That batch button is out of date.")
    progress = batch_progress(client, action["value"], body)
    batch = await deps.batches.decide(int(action["value"]), user, approve, progress)
    await respond(**{**as_response(batches.batch_report(batch)), "replace_original": True})
    # A batch announces each step in its team channel, about one a second per
    # channel: the report goes first, the announcements follow on their own.
    return Reply("")


def batch_progress(client: AsyncWebClient, batch_id: str, body: Body) -> Progress:
    """Redraw the request as "Running: 250 of 5,000" while a big batch runs."""
    channel = body.get("channel", {}).get("id")
    ts = body.get("container", {}).get("message_ts")

    async def progress(done: int, total: int) -> None:
        if channel and ts:
            text = f":hourglass_flowing_sand: Running batch #{batch_id}: " \
                   f"{done:,} of {total:,} done so far."
            await client.chat_update(channel=channel, ts=ts, text=text,
                                     blocks=[render.section(text)])

    return progress
