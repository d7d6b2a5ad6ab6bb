"""How every listener answers: the one place errors become words, and the card redrawn.

Every listener acks first (Slack's 3-second limit), then works, then answers through
``respond`` (ephemeral); a slash command's work waits for one of a few workers
(``bot/slack/workers.py``). ``answer`` turns a domain refusal into its own words and any
other failure into a short apology with a reference that is also in the log: no stack
trace reaches Slack. (Errors are handled here rather than in ``app.error`` because
Bolt's async runner drops the ack of a listener that fails within ~10 ms of acking.)

A form opened from a card keeps the click's response_url server side, under a token the
form carries (``keep_reply``), so that once it is submitted the card can be redrawn
(``take_reply``).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.metrics import ERROR, OK, REFUSED
from bot.slack.deps import Deps
from bot.subcommands.commands import card
from bot.ui import render
from bot.ui.render import Reply
from workflows.errors import ReviewError
from workflows.model import Jurisdiction
from workflows.muting import Mutes
from workflows.review import Review

log = logging.getLogger(__name__)
REPLY_URL_LIFETIME = timedelta(minutes=30)
"""How long Slack lets a response_url be used."""
Respond = Callable[..., Awaitable[Any]]


def as_response(reply: Reply) -> dict[str, Any]:
    return {"text": reply.text, "blocks": reply.blocks, "replace_original": False,
            "response_type": "in_channel" if reply.in_channel else "ephemeral"}


async def answer(respond: Respond, work: Awaitable[Reply],
                 silent_when_empty: bool = False) -> str:
    """Run ``work`` and respond with its reply, its refusal, or an apology. An empty
    reply (the work opened a form instead) is not sent when ``silent_when_empty``.
    Returns the outcome, for the metrics: ``ok``, ``refused`` or ``error``."""
    reply, outcome = await worked_out(work)
    await send(respond, reply, silent_when_empty)
    return outcome


async def worked_out(work: Awaitable[Reply]) -> tuple[Reply, str]:
    """``work``'s reply, its refusal or an apology, and the outcome (``answer``)."""
    try:
        return await work, OK
    except ReviewError as error:
        return render.refusal(error), REFUSED
    except Exception:
        reference = secrets.token_hex(4)
        log.exception("unexpected error, reference %s", reference)
        return render.unexpected(reference), ERROR


async def send(respond: Respond, reply: Reply, silent_when_empty: bool = False) -> None:
    if not (silent_when_empty and not reply.text and not reply.blocks):
        await respond(**as_response(reply))


async def redraw(respond: Respond, review: Review, user: str, j: Jurisdiction,
                 mutes: Mutes | None = None) -> None:
    """Replace the card that was clicked with the card as it stands now."""
    await respond(**{**as_response(await card(review, user, j, mutes)),
                     "replace_original": True})


async def keep_reply(deps: Deps, user: str, body: dict[str, Any]) -> str | None:
    """Keep the click's response_url server side; the form carries only a token."""
    if not body.get("response_url"):
        return None
    token = secrets.token_urlsafe(16)
    await deps.reply_urls.keep_reply_url(token, user, str(body["response_url"]),
                                         deps.review.now(), REPLY_URL_LIFETIME)
    return token


async def take_reply(deps: Deps, user: str, meta: dict[str, Any]) -> str | None:
    """The response_url kept for the form ``meta`` describes, once, if still usable."""
    if not meta.get("rt"):
        return None
    return await deps.reply_urls.take_reply_url(str(meta["rt"]), user, deps.review.now(),
                                                REPLY_URL_LIFETIME)


async def after_form(deps: Deps, client: AsyncWebClient, user: str, meta: dict[str, Any],
                      j: Jurisdiction, reply: Reply) -> None:
    """Redraw the card the form came from, and tell the person it worked."""
    try:
        url = await take_reply(deps, user, meta)
        if url:
            fresh = await card(deps.review, user, j, deps.mutes)
            await AsyncWebhookClient(url).send(
                **{**as_response(fresh), "replace_original": True})
        if meta.get("ch"):
            await client.chat_postEphemeral(channel=str(meta["ch"]), user=user,
                                            text=reply.text, blocks=reply.blocks)
    except Exception:
        reference = secrets.token_hex(4)
        log.exception("could not confirm a form, reference %s", reference)
