"""The command line: run the bot, the local console, or an import."""

from __future__ import annotations

import argparse
import asyncio
import csv
import logging
import sys
from pathlib import Path

from bot.settings import Mode, Settings, SettingsError, describe, load_settings
from workflows.ports import Clock


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
    sweep = sub.add_parser("sweep", help="post the reminders that are due, once, as the "
                                         "scheduler would (to Slack, or printed without it)")
    sweep.add_argument("--as-of", dest="as_of", metavar="WHEN",
                       help="the time the sweep runs at, e.g. 2018-02-26T10:00 (team time "
                            "zone unless given); default: now")
    replay = sub.add_parser("replay", help="play the 2017-2018 public record day by day into "
                                           "a fresh database, printing what the team saw")
    replay.add_argument("--until", metavar="YYYY-MM-DD",
                        help="stop after this day (default: the record's last day)")
    replay.add_argument("--database", type=Path, metavar="FILE",
                        help="the new SQLite file to fill (default: a new temporary file)")
    replay.add_argument("--quiet", action="store_true",
                        help="print only where things stand at the end")
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
        if command == "sweep":
            return asyncio.run(_sweep(settings, args.as_of))
        if command == "replay":
            return asyncio.run(_replay(settings, args.until, args.database, args.quiet))
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
            await serve_socket(bot, settings, settings.slack_app_token.get_secret_value())
        else:
            await serve_http(bot, settings)
    finally:
        await bot.close()


async def _sweep(settings: Settings, as_of: str | None) -> int:
    """One sweep at ``as_of``: to Slack when configured, else to a stand-in, printed."""
    from bot.app import FixedClock, SlackAccess, SystemClock, build
    from bot.console import parse_when, show
    from bot.local_slack import LocalSlack

    clock: Clock = SystemClock()
    if as_of:
        try:
            clock = FixedClock(parse_when(as_of, settings.timezone))
        except ValueError:
            print(f"review-bot: “{as_of}” is not a time; try 2018-02-26T10:00", file=sys.stderr)
            return 2
    slack = None
    if settings.mode is Mode.CONSOLE:
        slack = LocalSlack()
        await slack.start()
        access = SlackAccess(slack.token, None, slack.api_url)
    else:
        assert settings.slack_bot_token is not None
        access = SlackAccess(settings.slack_bot_token.get_secret_value(), None,
                             settings.slack_api_url)
    bot = await build(settings, access, clock)
    try:
        report = await bot.sweeper.sweep()
    finally:
        await bot.close()
    for message in slack.posted if slack else []:
        print(show(slack, message))
    if slack:
        await slack.stop()
    state = "" if report.in_hours else " (outside business hours: nothing was posted)"
    print(f"Sweep at {report.at.astimezone(settings.timezone):%Y-%m-%d %H:%M %Z}: "
          f"{report.posted} reminder(s) in {report.messages} message(s), "
          f"{report.recovered} recovered, {report.released} put back{state}.")
    return 1 if report.failed_channels else 0


async def _replay(settings: Settings, until: str | None, database: Path | None,
                  quiet: bool) -> int:
    import tempfile
    from datetime import date

    from bot.replay import replay

    try:
        last = date.fromisoformat(until) if until else None
    except ValueError:
        print(f"review-bot: “{until}” is not a date (YYYY-MM-DD)", file=sys.stderr)
        return 2
    database = database or Path(tempfile.mkdtemp(prefix="review-replay-")) / "replay.db"
    try:
        standing = await replay(settings, database, last, quiet=quiet)
    except (FileExistsError, ValueError) as error:
        print(f"review-bot: {error}", file=sys.stderr)
        return 2
    print("\n".join(standing.lines()))
    print(f"\nThe replayed database is {database}; look around with:\n"
          f"  DATABASE_URL=sqlite:///{database} review-bot console")
    return 0


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
