"""The command line: run the bot, the local console, or an import."""

from __future__ import annotations

import argparse
import asyncio
import csv
import logging
import sys
from pathlib import Path

from bot.settings import Mode, Settings, SettingsError, describe, load_settings


def _settings_epilog() -> str:
    rows = "\n".join(f"  {name:<22} {meaning}" + (f" (default {default})" if default else "")
                     for name, default, meaning in describe())
    return ("Settings come from the environment or a .env file in the current folder:\n"
            + rows + "\n\nWith no Slack credentials, `run` starts the local console.")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="review-bot",
        description="A Slack bot for running a multi-jurisdiction compliance review.",
        epilog=_settings_epilog(), formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = top.add_subparsers(dest="command")
    sub.add_parser("run", help="connect to Slack (Socket Mode or HTTP), or open the local "
                               "console when no Slack credentials are set (the default)")
    console = sub.add_parser("console", help="type slash commands locally: the real bot "
                                             "against a Slack stand-in, no Slack needed")
    console.add_argument("--as", dest="user", default="you",
                         help="the name you act as at first (default: you, an admin)")
    imports = sub.add_parser("import", help="add jurisdictions from a CSV file shaped like "
                                            "data/jurisdictions.csv")
    imports.add_argument("file", type=Path)
    imports.add_argument("--dry-run", action="store_true",
                         help="check every line and report; change nothing")
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"review-bot: setting {error}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("transitions").setLevel(logging.WARNING)
    command = args.command or "run"
    try:
        if command == "import":
            return asyncio.run(_import(settings, args.file, args.dry_run))
        if command == "console" or settings.mode is Mode.CONSOLE:
            from bot.console import run_console

            asyncio.run(run_console(settings, getattr(args, "user", "you")))
            return 0
        asyncio.run(_serve(settings))
    except KeyboardInterrupt:
        pass
    return 0


async def _serve(settings: Settings) -> None:
    from bot.app import SlackAccess, build
    from bot.runtime import serve_http, serve_socket

    assert settings.slack_bot_token is not None
    secret = settings.slack_signing_secret
    access = SlackAccess(settings.slack_bot_token.get_secret_value(),
                         secret.get_secret_value() if secret and settings.mode is Mode.HTTP
                         else None, settings.slack_api_url)
    bot = await build(settings, access)
    try:
        if settings.mode is Mode.SOCKET and settings.slack_app_token is not None:
            await serve_socket(bot, settings.slack_app_token.get_secret_value())
        else:
            await serve_http(bot, settings.host, settings.port)
    finally:
        await bot.close()


async def _import(settings: Settings, path: Path, dry_run: bool) -> int:
    from bot.app import SystemClock
    from storage.sqlite import SqliteStore
    from workflows.imports import plan_jurisdictions
    from workflows.review import Review, ReviewConfig

    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            rows = list(reader)
    except OSError as error:
        print(f"review-bot: cannot read {path}: {error.strerror}", file=sys.stderr)
        return 2
    store = await SqliteStore.open(settings.database_path)
    try:
        plan = plan_jurisdictions(header, rows, await store.taken_keys())
        for error in plan.errors:
            print(f"{path}:{error}")
        if plan.errors:
            print(f"{len(plan.errors)} bad line(s); nothing was imported.")
            return 1
        if dry_run:
            print(f"{len(plan.jurisdictions)} jurisdiction(s) would be added (dry run: "
                  "nothing changed).")
            return 0
        review = Review(store, SystemClock(), ReviewConfig(settings.review_channel))
        count = await review.import_jurisdictions("import", plan.jurisdictions)
        print(f"{count} jurisdiction(s) added to {settings.database_path}.")
        return 0
    finally:
        await store.close()
