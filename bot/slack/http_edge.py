"""What reaches Bolt over HTTP, and what does not.

Bolt's own aiohttp server reads a body of any pace, parses it before it checks the
signature and lets a body it cannot parse end in a 500 with a traceback in the log.
This edge serves ``POST /slack/events`` itself: a body is read within
``BODY_SECONDS`` and up to ``MAX_BODY`` bytes (Slack's payloads are a few kilobytes), a
request without a valid signature is answered 401 before its body is parsed, and a
signed body Bolt cannot parse is answered 400 with one log line. Everything else is
Bolt's (``async_dispatch``), which does not check the signature again. Each request is
counted as being acked while it is here (``acks``, for the workers:
``bot/slack/acks_first.py``).
"""

from __future__ import annotations

import asyncio
import logging
import time

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from bot.slack.acks_first import ARRIVAL, Acks, Arrival
from bot.slack.stopwatch import RECEIVED

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024
"""Bytes a request body may have (a modal's submitted state is the largest Slack sends,
well under this)."""
BODY_SECONDS = 10.0
"""How long a client may take to send its body: Slack sends at once; a slow trickle
only holds a connection open."""


def web_app(app: AsyncApp, path: str, signing_secret: str | None,
            body_seconds: float = BODY_SECONDS, acks: Acks | None = None) -> web.Application:
    """The aiohttp application serving Slack's requests at ``path``; with
    ``signing_secret`` None (the local console's stand-in), signatures are not checked."""
    verifier = SignatureVerifier(signing_secret) if signing_secret else None
    acks = acks or Acks()

    async def handle(request: web.Request) -> web.StreamResponse:
        arrival = acks.arrived()
        try:
            return await _handle(request, arrival)
        finally:
            arrival.done()

    async def _handle(request: web.Request, arrival: Arrival) -> web.StreamResponse:
        received = time.monotonic()
        body = await _body(request, body_seconds)
        if verifier is not None and not _signed(verifier, request, body):
            return web.json_response({"error": "invalid request"}, status=401)
        try:
            bolt_request = AsyncBoltRequest(body=body.decode("utf-8"),
                                            query=request.query_string,
                                            headers=request.headers)  # type: ignore[arg-type]
        except (ValueError, KeyError, TypeError) as error:
            log.warning("refused a signed request that cannot be parsed (%s)",
                        type(error).__name__)
            return web.json_response({"error": "malformed request"}, status=400)
        bolt_request.context[RECEIVED] = received
        bolt_request.context[ARRIVAL] = arrival
        return await to_aiohttp_response(await app.async_dispatch(bolt_request))

    application = web.Application(client_max_size=MAX_BODY)
    application.router.add_post(path, handle)
    return application


async def _body(request: web.Request, seconds: float) -> bytes:
    try:  # (a timeout scope, not wait_for: no task of its own for every request)
        async with asyncio.timeout(seconds):
            return await request.read()
    except TimeoutError:
        raise web.HTTPRequestTimeout(text="the request body took too long") from None


def _signed(verifier: SignatureVerifier, request: web.Request, body: bytes) -> bool:
    """Slack's v0 signature over the raw body, within its five minutes."""
    timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
    signature = request.headers.get("X-Slack-Signature", "")
    return timestamp.isdigit() and bool(signature) and verifier.is_valid(body, timestamp,
                                                                         signature)
