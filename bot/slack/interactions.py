"""Buttons and forms: steps taken from a jurisdiction's card, and the modals for the
steps and facts that need input.

A card's buttons carry the version they were drawn from; a click on an out-of-date
card is refused and the card redrawn. Forms are validated field by field and their
errors shown in the form (``response_action: errors``); nothing changes until every
field is right and the workflow allows the step.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.slack.listeners import answer, as_response
from bot.subcommands.commands import card
from bot.ui import forms, render
from bot.ui.render import Reply
from workflows.deadlines import DueSpec, parse_date
from workflows.errors import BadInput, ReviewError, Stale
from workflows.model import CourtOrder, Jurisdiction, OrderKind
from workflows.review import Change

if TYPE_CHECKING:
    from bot.wiring.app import Bot

log = logging.getLogger(__name__)
REPLY_URL_LIFETIME = timedelta(minutes=30)
"""How long Slack lets a response_url be used."""


def _clicked(action: dict[str, Any]) -> dict[str, Any]:
    try:
        value = json.loads(action.get("value") or "{}")
    except json.JSONDecodeError:
        value = {}
    if not isinstance(value, dict) or "j" not in value or "v" not in value:
        raise BadInput("That button is out of date; ask for the card again with `show`.")
    return value


def register(app: AsyncApp, bot: Bot) -> None:
    review = bot.review

    async def reply_token(user: str, body: dict[str, Any]) -> str | None:
        """Keep the click's response_url server side; the form carries only a token."""
        if not body.get("response_url"):
            return None
        token = secrets.token_urlsafe(16)
        await bot.store.keep_reply_url(token, user, str(body["response_url"]), review.now(),
                                       REPLY_URL_LIFETIME)
        return token

    async def redraw(respond: AsyncRespond, user: str, j: Jurisdiction) -> None:
        await respond(**{**as_response(await card(review, user, j)), "replace_original": True})

    async def click(user: str, action: dict[str, Any], body: dict[str, Any],
                    respond: AsyncRespond, client: AsyncWebClient) -> Reply:
        value = _clicked(action)
        step = action["action_id"].removeprefix(render.STEP_ACTION)
        await review.require_reader(user)
        j = await review.resolve(value["j"])
        if j.version != value["v"]:
            await redraw(respond, user, j)
            raise Stale(f"{j.name} changed since this card was drawn: it is now "
                        f"{review.workflow.definition.label_of(j.state)}. Nothing was "
                        "changed; the card is "
                        "up to date again.")
        candidates = (review.workflow.candidates(j, step)
                      or review.workflow.definition.steps_named(step))
        if candidates and forms.needs_form(candidates[0]):
            await review.check_step(user, j, step)  # a crafted click opens no form
            meta = {"j": j.id, "v": j.version, "s": step, "ch": body.get("channel", {}).get("id"),
                    "rt": await reply_token(user, body)}
            await client.views_open(trigger_id=body["trigger_id"], view=forms.step_modal(
                j, candidates[0], review.today(), meta, review.workflow.definition.label_of))
            return Reply("")
        change = await review.take(user, j.id, step, expected_version=j.version)
        await redraw(respond, user, change.jurisdiction)
        return render.done(change.event, change.jurisdiction,
                           await review.allowed(user, change.jurisdiction), review.today(),
                           label=review.workflow.definition.label_of)

    @app.action(re.compile(f"^{render.STEP_ACTION}"))
    async def on_step(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any],
                      respond: AsyncRespond, client: AsyncWebClient) -> None:
        await ack()
        await answer(respond, click(body["user"]["id"], action, body, respond, client),
                     silent_when_empty=True)

    async def open_order(user: str, action: dict[str, Any], body: dict[str, Any],
                         client: AsyncWebClient) -> Reply:
        await review.require(user, "order")
        j = await review.resolve(_clicked(action)["j"])
        meta = {"j": j.id, "ch": body.get("channel", {}).get("id"),
                "rt": await reply_token(user, body)}
        await client.views_open(trigger_id=body["trigger_id"],
                                view=forms.order_modal(j, review.today(), meta,
                                                       review.workflow.definition))
        return Reply("")

    @app.action(render.ORDER_ACTION)
    async def on_order(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any],
                       respond: AsyncRespond, client: AsyncWebClient) -> None:
        await ack()
        await answer(respond, open_order(body["user"]["id"], action, body, client),
                     silent_when_empty=True)

    async def decide(user: str, action: dict[str, Any], approve: bool, body: dict[str, Any],
                     respond: AsyncRespond, client: AsyncWebClient) -> Reply:
        if bot.services.batches is None or not action.get("value", "").isdigit():
            raise BadInput("That batch button is out of date.")
        channel = body.get("channel", {}).get("id")
        ts = body.get("container", {}).get("message_ts")

        async def progress(done: int, total: int) -> None:
            """Redraw the request as "Running: 250 of 5,000" while a big batch runs."""
            if channel and ts:
                text = f":hourglass_flowing_sand: Running batch #{action['value']}: " \
                       f"{done:,} of {total:,} done so far."
                await client.chat_update(channel=channel, ts=ts, text=text,
                                         blocks=[render.section(text)])

        batch = await bot.services.batches.decide(int(action["value"]), user, approve,
                                                  progress)
        await respond(**{**as_response(render.batch_report(batch)), "replace_original": True})
        # A batch announces each step in its team channel, about one a second per
        # channel: the report goes first, the announcements follow on their own.
        return Reply("")

    @app.action(re.compile(f"^({render.BATCH_APPROVE}|{render.BATCH_REJECT})$"))
    async def on_decide(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any],
                        respond: AsyncRespond, client: AsyncWebClient) -> None:
        await ack()
        approve = action["action_id"] == render.BATCH_APPROVE
        await answer(respond, decide(body["user"]["id"], action, approve, body, respond,
                                     client), silent_when_empty=True)

    async def submit(ack: AsyncAck, client: AsyncWebClient, user: str, meta: dict[str, Any],
                     errors: dict[str, str], work: Callable[[], Awaitable[Change]],
                     where: Callable[[ReviewError], str]) -> None:
        """Show field errors in the form, or run the change and show its refusal under
        the field ``where`` picks; on success close the form, redraw the card the form
        came from and tell the person."""
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        try:
            change = await work()
        except ReviewError as error:
            await ack(response_action="errors", errors={where(error): error.message[:2000]})
            return
        await ack()
        j = change.jurisdiction
        await _after_form(client, user, meta, j, render.done(
            change.event, j, await review.allowed(user, j), review.today(),
            label=review.workflow.definition.label_of))

    @app.view(forms.STEP_FORM)
    async def on_step_form(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any],
                           client: AsyncWebClient) -> None:
        user, meta, fields = body["user"]["id"], forms.metadata(view), forms.values(view)
        errors: dict[str, str] = {}
        on = _field(errors, "date", fields, parse_date)
        due = _field(errors, "due", fields, DueSpec.parse)
        for unmet in review.workflow.definition.unmet(str(meta.get("s")), fields):
            errors[_step_field(fields, unmet)] = unmet.message  # with the others at once
        await submit(ack, client, user, meta, errors, lambda: review.take(
            user, str(meta.get("j")), str(meta.get("s")), on, due, fields.get("note", ""),
            fields.get("link", ""), expected_version=meta.get("v")),
            partial(_step_field, fields))

    @app.view(forms.ORDER_FORM)
    async def on_order_form(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any],
                            client: AsyncWebClient) -> None:
        user, meta, fields = body["user"]["id"], forms.metadata(view), forms.values(view)
        errors: dict[str, str] = {}
        on = _field(errors, "date", fields, lambda raw: review.day_of(parse_date(raw)))
        blocks = _field(errors, "blocks", fields, review.workflow.definition.expand_blocks)
        if not fields.get("case"):
            errors["case"] = "Give the case number."
        order = CourtOrder(OrderKind(fields.get("kind") or "injunction"), on or review.today(),
                           fields.get("case", ""), fields.get("court", ""),
                           fields.get("scope", ""), blocks or frozenset())
        await submit(ack, client, user, meta, errors,
                     lambda: review.attach_order(user, str(meta.get("j")), order),
                     partial(_order_field, fields))

    @app.view(forms.ADD_FORM)
    async def on_add_form(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any],
                          client: AsyncWebClient) -> None:
        user, meta, fields = body["user"]["id"], forms.metadata(view), forms.values(view)
        aliases = tuple(a for a in fields.get("aliases", "").split(",") if a.strip())
        await submit(ack, client, user, meta, {}, lambda: review.add(
            user, fields.get("id", ""), fields.get("name", ""), fields.get("kind", ""),
            fields.get("state", ""), aliases), partial(_add_field, fields))

    async def _after_form(client: AsyncWebClient, user: str, meta: dict[str, Any],
                          j: Jurisdiction, reply: Reply) -> None:
        """Redraw the card the form came from, and tell the person it worked."""
        try:
            url = (await bot.store.take_reply_url(str(meta["rt"]), user, review.now(),
                                                  REPLY_URL_LIFETIME)
                   if meta.get("rt") else None)
            if url:
                fresh = await card(review, user, j)
                await AsyncWebhookClient(url).send(
                    **{**as_response(fresh), "replace_original": True})
            if meta.get("ch"):
                await client.chat_postEphemeral(channel=str(meta["ch"]), user=user,
                                                text=reply.text, blocks=reply.blocks)
        except Exception:
            reference = secrets.token_hex(4)
            log.exception("could not confirm a form, reference %s", reference)


def _field(errors: dict[str, str], name: str, fields: dict[str, Any], parse: Any) -> Any:
    """Parse one field; on BadInput note the error under that field's block."""
    raw = fields.get(name)
    if not raw:
        return None
    try:
        return parse(raw)
    except BadInput as error:
        errors[name] = error.message[:2000]
        return None


def _named_field(error: ReviewError, fields: Mapping[str, object], otherwise: str) -> str:
    """The block a refusal goes under: the field it names (``ReviewError.field``; a
    form's block ids are the domain's field names) when the form has that field, else
    ``otherwise``, the form's block for refusals of the request as a whole."""
    return error.field if error.field is not None and error.field in fields else otherwise


def _step_field(fields: Mapping[str, object], error: ReviewError) -> str:
    """The step form: the workflow's refusals of the step itself go under its date."""
    return _named_field(error, fields, "date")


def _order_field(fields: Mapping[str, object], error: ReviewError) -> str:
    return _named_field(error, fields, "case")


def _add_field(fields: Mapping[str, object], error: ReviewError) -> str:
    return _named_field(error, fields, "id")

