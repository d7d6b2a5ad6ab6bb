"""Serving the bot: HTTP mode (aiohttp) or Socket Mode, until told to stop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import TYPE_CHECKING

from aiohttp import web

from bot.slack.channels import check_default_channel
from bot.wiring import loop
from bot.wiring.app import Bot
from bot.wiring.observe import serve_metrics
from bot.wiring.schedule import add_periodic_jobs
from bot.wiring.settings import Settings

if TYPE_CHECKING:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

log = logging.getLogger(__name__)
SOCKET_CLOSE_SECONDS = 2


async def start_http(bot: Bot, host: str, port: int) -> tuple[web.AppRunner, int]:
    """Serve POST /slack/events and GET /healthz; returns the runner and the real port."""
    runner = web.AppRunner(bot.web_app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    sockets = site._server.sockets  # type: ignore[union-attr]
    return runner, int(sockets[0].getsockname()[1])


async def until_signalled() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def work_until_signalled(bot: Bot, settings: Settings) -> None:
    """Run the scheduled jobs (sweeps, outbox, summaries, with the summaries missed
    while the bot was down) until SIGINT or SIGTERM; check, meanwhile, that the default
    channel will take announcements (one line in the log either way)."""
    scheduler = bot.scheduler
    add_periodic_jobs(scheduler, bot.sweeper, bot.relay, settings)
    scheduler.start()
    bot.spawn(check_default_channel(bot.relay.notifier.channels, settings.review_channel))
    try:
        await bot.summaries.start()
        await until_signalled()
    finally:
        scheduler.shutdown(wait=False)


async def serve_http(bot: Bot, settings: Settings) -> None:
    runner, port = await start_http(bot, settings.host, settings.port)
    log.info("HTTP mode: listening on %s:%s (POST /slack/events, GET /healthz, GET /metrics;"
             " %s event loop)", settings.host, port, loop.name())
    try:
        await work_until_signalled(bot, settings)
    finally:
        await runner.cleanup()


async def start_socket(bot: Bot, app_token: str) -> AsyncSocketModeHandler:
    """Connect to Slack over Socket Mode (``apps.connections.open`` with ``app_token``);
    the handler reconnects by itself when Slack asks it to or the connection drops."""
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    handler = AsyncSocketModeHandler(bot.app, app_token)
    await handler.connect_async()  # type: ignore[no-untyped-call]  # Bolt leaves it unannotated
    return handler


async def stop_socket(handler: AsyncSocketModeHandler) -> None:
    # The SDK's close waits up to its ping interval (10 s) for the socket to wind
    # down; the process is leaving anyway.
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(handler.close_async(),  # type: ignore[no-untyped-call]  # as above
                               SOCKET_CLOSE_SECONDS)


async def serve_socket(bot: Bot, settings: Settings, app_token: str) -> None:
    handler = await start_socket(bot, app_token)
    log.info("Socket Mode: connected (%s event loop)", loop.name())
    metrics = await start_metrics(bot, settings)
    try:
        await work_until_signalled(bot, settings)
    finally:
        if metrics is not None:
            await metrics.cleanup()
        await stop_socket(handler)


async def start_metrics(bot: Bot, settings: Settings) -> web.AppRunner | None:
    """Socket Mode's own small server for GET /metrics and GET /healthz, on
    ``METRICS_PORT`` if it is set."""
    if settings.metrics_port is None:
        return None
    runner, port = await serve_metrics(bot.scrape, bot.healthz, settings.host,
                                       settings.metrics_port)
    log.info("Socket Mode: metrics on %s:%s (GET /metrics, GET /healthz)", settings.host, port)
    return runner
