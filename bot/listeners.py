"""The Slack surfaces the bot listens on, and the one place errors become words.

Every listener acks first (Slack's 3-second limit), then works, then answers through
``respond`` (ephemeral). ``answer`` turns a domain refusal into its own words and any
other failure into a short apology with a reference that is also in the log: no stack
trace reaches Slack. (Errors are handled here rather than in ``app.error`` because
Bolt's async runner drops the ack of a listener that fails within ~10 ms of acking.)
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot import commands, render
from bot.commands import SLASH, Caller
from bot.notifier import OutboxRelay
from bot.render import Reply
from workflows.errors import ReviewError
from workflows.review import Review

log = logging.getLogger(__name__)


def as_response(reply: Reply) -> dict[str, Any]:
    return {"text": reply.text, "blocks": reply.blocks, "replace_original": False,
            "response_type": "in_channel" if reply.in_channel else "ephemeral"}


async def answer(respond: AsyncRespond, work: Awaitable[Reply]) -> None:
    """Run ``work`` and respond with its reply, its refusal, or an apology."""
    try:
        reply = await work
    except ReviewError as error:
        reply = render.refusal(error)
    except Exception:
        reference = secrets.token_hex(4)
        log.exception("unexpected error, reference %s", reference)
        reply = render.unexpected(reference)
    await respond(**as_response(reply))


def register(app: AsyncApp, review: Review, relay: OutboxRelay) -> None:
    async def run_command(command: dict[str, Any]) -> Reply:
        caller = Caller(command["user_id"], command.get("channel_id", ""))
        reply = await commands.run(review, caller, command.get("text", ""))
        await relay.flush()
        return reply

    @app.command(SLASH)
    async def on_review(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        await answer(respond, run_command(command))
