"""The HTTP edge: malformed, oversized and slow requests, as an attacker sends them."""

from __future__ import annotations

import asyncio
import io
import logging
import time

import pytest
from aiohttp import web

from bot.console.stand_in.sender import sign
from bot.slack import http_edge
from bot.wiring.app import EVENTS_PATH
from tests.bot.conftest import ADMIN, SECRET, Harness

MALFORMED = [("application/json", b"{not json"),
             ("application/x-www-form-urlencoded", b"payload=%7Bnot+json"),
             ("application/x-www-form-urlencoded", b"\xff\xfe\x00"),
             ("application/json", b"[]")]


async def post(h: Harness, body: bytes, content_type: str,
               headers: dict[str, str] | None = None) -> int:
    async with h.session.post(h.sender.bot_url, data=body, headers={
            "Content-Type": content_type, **(headers or {})}) as response:
        return response.status


def signed(body: bytes) -> dict[str, str]:
    now = str(int(time.time()))
    return {"X-Slack-Request-Timestamp": now,
            "X-Slack-Signature": sign(SECRET, now, body.decode("utf-8", "replace"))}


async def test_malformed_requests_get_400_or_401_and_no_traceback(
        harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        for content_type, body in MALFORMED:
            assert await post(harness, body, content_type) == 401, body
            bad = {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=00"}
            assert await post(harness, body, content_type, bad) == 401, body
        for content_type, body in MALFORMED[:2]:
            assert await post(harness, body, content_type, signed(body)) == 400, body
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert harness.slack.posted == []


async def test_a_body_over_a_megabyte_is_refused_unread(harness: Harness) -> None:
    body = b"command=%2Freview&text=" + b"x" * (http_edge.MAX_BODY + 1)
    async with harness.session.post(harness.sender.bot_url, data=io.BytesIO(body), headers={
            "Content-Type": "application/x-www-form-urlencoded", **signed(b"")}) as response:
        assert response.status == 413
    assert harness.slack.posted == []


async def test_a_body_that_trickles_in_times_out(harness: Harness) -> None:
    application = http_edge.web_app(harness.bot.app, EVENTS_PATH, SECRET, body_seconds=0.5)
    runner = web.AppRunner(application, access_log=None, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"POST {EVENTS_PATH} HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n"
                     "Content-Type: application/x-www-form-urlencoded\r\n\r\ntext=".encode())
        await writer.drain()
        started = time.monotonic()
        status = await asyncio.wait_for(reader.readline(), 5)
        assert status.startswith(b"HTTP/1.1 408"), status
        assert time.monotonic() - started < 2
        writer.close()
        await writer.wait_closed()
    finally:
        await runner.cleanup()


async def test_a_command_is_counted_as_being_acked_until_its_ack(harness: Harness) -> None:
    """The workers hold answers while requests are being acked: a command's own
    answer must not wait for its own request to end (Bolt polls for the ack)."""
    acks = harness.bot.workers.acks
    harness.bot.workers.max_defer = 30.0  # a count left behind would stall the answer
    started = time.monotonic()
    posted = await harness.sender.run(harness.session, ADMIN, "whoami")
    assert "You are" in posted[-1].text and time.monotonic() - started < 5
    await asyncio.sleep(0.05)  # Bolt's last poll for the ack, then the response
    assert acks.pending == 0
