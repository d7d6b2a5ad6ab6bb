"""The yardstick: a Bolt AsyncApp whose only listener acks ``/review`` (and, with
``--answer TEXT``, then answers TEXT through Bolt's ``respond()``, for the time to answer).

It is configured from the same environment as the bot (``SLACK_BOT_TOKEN``,
``SLACK_SIGNING_SECRET``, ``SLACK_API_URL``, ``HOST``, ``PORT``) and served the same way
as the bot's HTTP mode: Bolt's aiohttp app on ``/slack/events`` (plus ``/healthz``)
behind an ``AppRunner`` without access log, on the same event loop (uvloop's where it
is installed: ``bot.wiring.loop``), until SIGINT or SIGTERM. Whatever the two apps' ack
latencies differ by is the bot's own doing.

Run as ``python -m bench.bare [--answer TEXT]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal

from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.wiring import loop  # (two packages' docstrings and this small module: not the bot)

EVENTS_PATH = "/slack/events"
SLASH = "/review"
"""The bot's (``bot.wiring.app.EVENTS_PATH``, ``bot.subcommands.commands.SLASH``),
written out so that this process imports Bolt alone and not the bot: its memory is
Bolt's."""


def bare_app(token: str, signing_secret: str, api_url: str, answer: str = "") -> AsyncApp:
    app = AsyncApp(client=AsyncWebClient(token=token, base_url=api_url),
                   signing_secret=signing_secret)

    if answer:
        @app.command(SLASH)
        async def on_review_answered(ack: AsyncAck, respond: AsyncRespond) -> None:
            await ack()
            await respond(answer)
    else:
        @app.command(SLASH)
        async def on_review(ack: AsyncAck) -> None:
            await ack()

    return app


async def _healthz(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


async def serve(app: AsyncApp, host: str, port: int) -> None:
    application = app.web_app(path=EVENTS_PATH)
    application.router.add_get("/healthz", _healthz)
    runner = web.AppRunner(application, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> int:
    args = argparse.ArgumentParser(prog="python -m bench.bare", description=__doc__)
    args.add_argument("--answer", default="",
                      help="after the ack, answer this text at the command's response_url")
    opts = args.parse_args(argv)
    env = os.environ
    app = bare_app(env["SLACK_BOT_TOKEN"], env["SLACK_SIGNING_SECRET"],
                   env.get("SLACK_API_URL", "https://slack.com/api/"), opts.answer)
    loop.run(serve(app, env.get("HOST", "127.0.0.1"), int(env.get("PORT", "3000"))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
