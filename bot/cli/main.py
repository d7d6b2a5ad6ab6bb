"""The command line: run the bot, the local console, or an import."""

from __future__ import annotations

import argparse
import asyncio
import gc
import io
import sys
import tempfile
from collections.abc import Callable, Coroutine
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.cli import backup, calendar, dossier, stats, verify
from bot.cli.files import text, written_whole
from bot.cli.limits import COMMAND_LINE_ROWS
from bot.wiring import logs, loop
from bot.wiring.settings import Mode, Settings, SettingsError, describe, load_settings
from bot.wiring.start_check import TokenRefused
from storage import StoreUnavailable
from workflows.ports import Clock

if TYPE_CHECKING:
    from storage.store import Store
    from workflows.review import Review

    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]
    """What ``add_subparsers`` returns (argparse names its class only privately)."""

OPERATOR = "cli"
"""The person at the command line when no ``--as`` names a Slack user: an admin (they
hold the database), who may take only what the workflow gives admins. The history
names them so. It can never be a Slack user's ID (those are U… or W…)."""


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
    top.add_argument("--version", action="version",
                     version=f"%(prog)s {metadata.version('review-bot')}")
    sub = top.add_subparsers(dest="command")
    for add in (_run_parsers, _sweep_parser, _replay_parser, _import_parser, _role_parser,
                _export_parser, calendar.add_parser, verify.add_parser, dossier.add_parser,
                stats.add_parser, backup.add_parsers):
        add(sub)
    for listed in sub._choices_actions:  # `review-bot X --help` opens with what X does
        sub.choices[listed.dest].description = listed.help
    return top


def _run_parsers(sub: Subparsers) -> None:
    sub.add_parser("run", help="connect to Slack (Socket Mode or HTTP), or open the local "
                               "console when no Slack credentials are set (the default)")
    console = sub.add_parser("console", help="type slash commands locally: the real bot "
                                             "against a Slack stand-in, no Slack needed")
    console.add_argument("--as", dest="user", default="you",
                         help="the name you act as at first (default: you, an admin)")


def _sweep_parser(sub: Subparsers) -> None:
    sweep = sub.add_parser("sweep", help="post the reminders that are due, once, as the "
                                         "scheduler would (to Slack, or printed without it)")
    sweep.add_argument("--as-of", dest="as_of", metavar="WHEN",
                       help="the time the sweep runs at, e.g. 2018-02-26T10:00 (team time "
                            "zone unless given); default: now")


def _replay_parser(sub: Subparsers) -> None:
    replay = sub.add_parser("replay", help="play the 2017-2018 public record day by day into "
                                           "a fresh database, printing what the team saw")
    replay.add_argument("--until", metavar="YYYY-MM-DD",
                        help="stop after this day (default: the record's last day)")
    replay.add_argument("--database", type=Path, metavar="FILE",
                        help="the new SQLite file to fill (default: a new temporary file)")
    replay.add_argument("--quiet", action="store_true",
                        help="print only where things stand at the end")


def _import_parser(sub: Subparsers) -> None:
    imports = sub.add_parser(
        "import", help="import a CSV file, all or nothing: jurisdictions (a header like "
                       "data/jurisdictions.csv) or past events (a header like "
                       "data/record.csv); any bad line and nothing is imported")
    imports.add_argument("file", type=Path, help="the CSV file to import")
    imports.add_argument("--dry-run", action="store_true",
                         help="check every line and report; change nothing")
    imports.add_argument("--as", dest="user", metavar="USER_ID",
                         help="import as this Slack user (e.g. U0123ABC): every line is "
                              "judged with their role, as if they imported it from Slack, "
                              "and the history names them. Default: you, an admin, who "
                              "may take only the steps the workflow gives admins (not a "
                              "lead's findings or demands: give someone the lead role "
                              "with `review-bot role` and import --as them)")


def _role_parser(sub: Subparsers) -> None:
    role = sub.add_parser("role", help="give a Slack user a role, as an admin does with "
                                       "/review role (e.g. a lead to import a record as)")
    role.add_argument("user", metavar="USER_ID", help="their Slack user ID, e.g. U0123ABC "
                                                      "(the console's @lena is ULENA)")
    role.add_argument("role", metavar="ROLE", help="viewer, analyst, lead, counsel or admin")


def _export_parser(sub: Subparsers) -> None:
    export = sub.add_parser("export", help="write CSV: where every jurisdiction stands "
                                           "(state) or every event recorded (history)")
    export.add_argument("what", choices=("state", "history"),
                        help="state: one row per jurisdiction; history: one per event")
    export.add_argument("--output", "-o", type=Path, metavar="FILE",
                        help="write to FILE (default: standard output)")


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"review-bot: setting {error}", file=sys.stderr)
        return 2
    logs.configure(settings.log_level, settings.log_format)
    command = args.command or "run"
    try:
        run = _RUNS.get(command)
        if run is not None:
            return asyncio.run(run(settings, args))
        if command == "console" or settings.mode is Mode.CONSOLE:
            from bot.console.repl import run_console

            asyncio.run(run_console(settings, getattr(args, "user", "you")))
            return 0
        loop.run(_serve(settings))
    except KeyboardInterrupt:
        pass
    except TokenRefused as error:
        print(f"review-bot: {error}", file=sys.stderr)
        return 2
    except StoreUnavailable as error:
        print(f"review-bot: cannot open the database {settings.database_name}: {error}",
              file=sys.stderr)
        return 2
    return 0


async def _serve(settings: Settings) -> None:
    from bot.wiring.app import SlackAccess, build
    from bot.wiring.runtime import serve_http, serve_socket
    from bot.wiring.start_check import check_tokens

    assert settings.slack_bot_token is not None
    secret = settings.slack_signing_secret
    access = SlackAccess(settings.slack_bot_token.get_secret_value(),
                         secret.get_secret_value() if secret and settings.mode is Mode.HTTP
                         else None, settings.slack_api_url)
    bot = await build(settings, access)
    # What start-up built (modules, holiday tables, the workflow) lives as long as the
    # process: keep it out of the collector's way, so collections during a burst of
    # commands only walk what the commands made.
    gc.collect()
    gc.freeze()
    try:
        app_token = (settings.slack_app_token.get_secret_value()
                     if settings.mode is Mode.SOCKET and settings.slack_app_token else None)
        await check_tokens(bot.app.client, settings.slack_api_url, app_token)
        if app_token is not None:
            await serve_socket(bot, settings, app_token)
        else:
            await serve_http(bot, settings)
    finally:
        await bot.close()


async def _sweep(settings: Settings, as_of: str | None) -> int:
    """One sweep at ``as_of``: to Slack when configured, else to a stand-in, printed."""
    from bot.console.repl import parse_when, show
    from bot.console.stand_in.server import LocalSlack
    from bot.wiring.app import SlackAccess, build
    from bot.wiring.review import FixedClock, SystemClock

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
    try:
        bot = await build(settings, access, clock)
        try:
            report = await bot.sweeper.sweep()
        finally:
            await bot.close()
        if slack is not None:
            for message in slack.posted:
                print(show(slack, message))
    finally:
        if slack:
            await slack.stop()
    state = "" if report.in_hours else " (outside business hours: nothing was posted)"
    print(f"Sweep at {report.at.astimezone(settings.timezone):%Y-%m-%d %H:%M %Z}: "
          f"{report.posted} reminder(s) in {report.messages} message(s), "
          f"{report.recovered} recovered, {report.released} put back{state}.")
    return 1 if report.failed_channels else 0


async def _replay(settings: Settings, until: str | None, database: Path | None,
                  quiet: bool) -> int:
    from datetime import date

    from bot.cli.replay import replay

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


async def _open_review(settings: Settings) -> tuple[Store, Review]:
    from bot.wiring.review import SystemClock, make_review
    from storage import open_store

    store = await open_store(settings.database_url)
    return store, make_review(settings, store, SystemClock(), frozenset({OPERATOR}))


def _slack_user(text: str) -> str | None:
    """A Slack user ID as given on the command line, or None (after saying why)."""
    from bot.subcommands.parsing import user_id
    from workflows.errors import BadInput

    try:
        return user_id(text)
    except BadInput:
        print(f"review-bot: “{text}” is not a Slack user ID; give one such as U0123ABC "
              "(the console's @lena is ULENA)", file=sys.stderr)
        return None


async def _role(settings: Settings, user: str, name: str) -> int:
    """Give ``user`` a role, as the operator (an admin)."""
    from workflows.errors import ReviewError
    from workflows.model import Role

    who = _slack_user(user)
    if who is None:
        return 2
    try:
        role = Role(name.strip().lower())
    except ValueError:
        print(f"review-bot: “{name}” is not a role ({', '.join(r.value for r in Role)})",
              file=sys.stderr)
        return 2
    store, review = await _open_review(settings)
    try:
        await review.grant(OPERATOR, who, role)
    except ReviewError as refusal:
        print(f"review-bot: {refusal.message}", file=sys.stderr)
        return 1
    finally:
        await store.close()
    print(f"{who} is now {role.value}.")
    return 0


async def _import(settings: Settings, path: Path, dry_run: bool, user: str | None) -> int:
    """Import a jurisdictions or events file (told apart by its header), all or nothing,
    as ``user`` (a Slack user ID) or, without one, as the operator."""
    from bot.cli.progress import drawn
    from workflows.errors import ReviewError
    from workflows.imports import RowLimit
    from workflows.transfer import import_csv

    actor = _slack_user(user) if user is not None else OPERATOR
    if actor is None:
        return 2
    try:
        handle = path.open(newline="", encoding="utf-8-sig")  # read as it is checked
    except OSError as error:
        print(f"review-bot: cannot read {path}: {error.strerror}", file=sys.stderr)
        return 2
    store, review = await _open_review(settings)
    try:
        limit = RowLimit(COMMAND_LINE_ROWS, f"Split it into files of at most "
                                            f"{COMMAND_LINE_ROWS:,} rows.")
        async with drawn(sys.stderr) as tally:
            report = await import_csv(review, actor, handle, dry_run, limit, tally)
    except ReviewError as refusal:
        print(f"{path}: {refusal.message}")
        return 1
    except UnicodeDecodeError:
        print(f"review-bot: {path} is not UTF-8 text; save it as CSV (UTF-8)", file=sys.stderr)
        return 2
    finally:
        handle.close()
        await store.close()
    for line in report.errors:
        print(f"{path}:{line}")
    print(report.outcome())
    if not report.errors and report.standing():
        print(f"Where they {'would ' if dry_run else ''}stand: "
              + "; ".join(report.standing()) + ".")
    if report.applied:
        print(f"Database: {settings.database_name}")
    return 1 if report.errors else 0


async def _export(settings: Settings, what: str, output: Path | None) -> int:
    """Write the state or history CSV to ``output`` (whole or not at all) or stdout."""
    from workflows.transfer import EXPORTS

    if not settings.on_postgres and not settings.database_path.exists():
        print(f"review-bot: there is no database at {settings.database_path}", file=sys.stderr)
        return 2
    store, review = await _open_review(settings)
    try:
        if output is None:
            out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
            try:
                await EXPORTS[what](review, out)
                out.flush()
            finally:
                out.detach()
            return 0
        try:
            with written_whole(output, text) as handle:
                count = await EXPORTS[what](review, handle)
        except OSError as error:
            print(f"review-bot: cannot write {output}: {error.strerror}", file=sys.stderr)
            return 2
    finally:
        await store.close()
    print(f"{count} row(s) written to {output}.", file=sys.stderr)
    return 0


_RUNS: dict[str, Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]] = {
    "import": lambda s, a: _import(s, a.file, a.dry_run, a.user),
    "role": lambda s, a: _role(s, a.user, a.role),
    "export": lambda s, a: _export(s, a.what, a.output),
    "calendar": lambda s, a: calendar.run(s, a.output, a.owner, a.channel),
    "verify": lambda s, a: verify.run(s, a.head, a.json, a.dossier),
    "dossier": lambda s, a: dossier.run(s, a.jurisdictions, a.everything, a.output),
    "stats": lambda s, a: stats.run(s, {"kind": a.kind, "state": a.state, "since": a.since},
                                    a.csv, a.as_of),
    "sweep": lambda s, a: _sweep(s, a.as_of),
    "replay": lambda s, a: _replay(s, a.until, a.database, a.quiet),
    "backup": lambda s, a: backup.run_backup(s, a.output),
    "restore": lambda s, a: backup.run_restore(s, a.file),
}
"""The subcommands that run once and exit, with the code each returns."""
