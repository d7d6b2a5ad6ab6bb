"""The Slack surfaces the bot listens on, and the one place errors become words.

Every listener acks first (Slack's 3-second limit), then works, then answers through
``respond`` (ephemeral); a slash command's work waits for one of a few workers
(``bot/slack/workers.py``). ``answer`` turns a domain refusal into its own words and any
other failure into a short apology with a reference that is also in the log: no stack
trace reaches Slack. (Errors are handled here rather than in ``app.error`` because
Bolt's async runner drops the ack of a listener that fails within ~10 ms of acking.)
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.posting.reminders import SlackMembers
from bot.subcommands import commands
from bot.subcommands.commands import SLASH, Caller
from bot.ui import render
from bot.ui.render import Reply
from storage.seen import EVENTS, REQUESTS, Seen
from workflows.errors import BadInput, ReviewError

if TYPE_CHECKING:
    from bot.wiring.app import Bot

log = logging.getLogger(__name__)
SNOOZE_VALUE = re.compile(r"(\d{1,18}):(\d{1,2})", re.ASCII)
"""A snooze menu option's value: reminder id, business days."""


def as_response(reply: Reply) -> dict[str, Any]:
    return {"text": reply.text, "blocks": reply.blocks, "replace_original": False,
            "response_type": "in_channel" if reply.in_channel else "ephemeral"}


async def answer(respond: Callable[..., Awaitable[Any]], work: Awaitable[Reply],
                 silent_when_empty: bool = False) -> None:
    """Run ``work`` and respond with its reply, its refusal, or an apology. An empty
    reply (the work opened a form instead) is not sent when ``silent_when_empty``."""
    try:
        reply = await work
    except ReviewError as error:
        reply = render.refusal(error)
    except Exception:
        reference = secrets.token_hex(4)
        log.exception("unexpected error, reference %s", reference)
        reply = render.unexpected(reference)
    if silent_when_empty and not reply.text and not reply.blocks:
        return
    await respond(**as_response(reply))


def register(app: AsyncApp, bot: Bot) -> None:
    requests, events = Seen(bot.store.db, REQUESTS), Seen(bot.store.db, EVENTS)

    @app.middleware
    async def once_per_signature(req: AsyncBoltRequest, next: Callable[[], Awaitable[None]]
                                 ) -> BoltResponse | None:
        """Bolt refuses a request signed more than five minutes ago; a copy of one
        signed since is refused here, whichever replica got the first (the signatures
        are in the database). Events are left to ``once_per_event``, which answers a
        copy (or one of Slack's retries) with a 200 and does nothing, so Slack stops
        retrying."""
        signature = (req.headers.get("x-slack-signature") or [""])[0]
        event = bool(req.body.get("event_id"))
        if signature and not event and not await requests.first_time(signature, time.time()):
            log.warning("refused a replayed request")
            return BoltResponse(status=401, body="")
        await next()
        return None

    @app.middleware
    async def once_per_event(body: dict[str, Any], next: Callable[[], Awaitable[None]]
                             ) -> BoltResponse | None:
        """Slack retries an event it thinks was missed; handle each event_id once,
        across restarts and replicas."""
        event_id = body.get("event_id")
        if event_id and not await events.first_time(str(event_id), time.time()):
            return BoltResponse(status=200, body="")
        await next()
        return None

    async def run_command(command: dict[str, Any]) -> Reply:
        caller = Caller(command["user_id"], command.get("channel_id", ""))
        reply = await commands.run(bot.services, caller, command.get("text", ""))
        if reply.modal is not None:
            await bot.app.client.views_open(trigger_id=command["trigger_id"],
                                            view=reply.modal)
            return Reply("")
        return reply

    @app.command(SLASH)
    async def on_review(ack: AsyncAck, command: dict[str, Any]) -> None:
        await ack()
        respond = bot.responder.to(command["response_url"])
        bot.workers.submit(lambda: answer(respond, run_command(command),
                                          silent_when_empty=True), command["user_id"])

    async def snooze(user: str, value: str, clicked_in: str) -> Reply:
        chosen = SNOOZE_VALUE.fullmatch(value)
        if chosen is None:
            raise BadInput("That snooze button is out of date.")
        await bot.review.require_reader(user)
        members = SlackMembers(bot.app.client, clicked_in)
        name, when = await bot.sweeper.snooze(int(chosen[1]), user, int(chosen[2]), members)
        local = when.astimezone(bot.review.config.timezone)
        text = (f":zzz: Snoozed: this channel hears about {render.escape(name)} again on "
                f"{local:%A %Y-%m-%d at %H:%M} ({bot.review.config.timezone.key}).")
        return Reply(text, [render.section(text)])

    @app.action(render.SNOOZE_ACTION)
    async def on_snooze(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any],
                        respond: AsyncRespond) -> None:
        await ack()
        value = str((action.get("selected_option") or {}).get("value", ""))
        clicked_in = str((body.get("channel") or {}).get("id", ""))
        await answer(respond, snooze(body["user"]["id"], value, clicked_in))

    @app.event("app_home_opened")
    async def on_home(event: dict[str, Any], client: AsyncWebClient) -> None:
        user = event["user"]
        try:
            await bot.review.require_reader(user)
        except ReviewError as refusal:
            await client.views_publish(user_id=user, view=render.home_closed(refusal))
            return
        view = render.home(user, await bot.review.home(user), bot.review.today(),
                           label=bot.review.workflow.definition.label_of)
        await client.views_publish(user_id=user, view=view)
