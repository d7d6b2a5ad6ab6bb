"""``review-bot calendar``: every running deadline as an iCalendar file (.ics), the
file ``/review calendar`` uploads to Slack.

Its links open the jurisdiction's channel in Slack through ``app_redirect`` on the
host of ``SLACK_API_URL`` (they name no workspace: the command line does not ask Slack
which it is). Exit status 0 when written, 2 when it could not be (no database, a bad
``--owner``, a file that cannot be written)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.files import binary, written_whole
from bot.subcommands.parsing import channel_id, user_id
from bot.wiring.settings import Settings
from storage.feeds import CalendarFeeds
from workflows.agenda import Scope
from workflows.errors import BadInput
from workflows.feeds import Calendars

if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]


def add_parser(sub: Subparsers) -> None:
    parser = sub.add_parser(
        "calendar", help="write every running deadline as a calendar file (.ics) that "
                         "calendar apps open: one all-day event per deadline")
    parser.add_argument("--output", "-o", type=Path, metavar="FILE",
                        help="write to FILE, whole or not at all (default: standard output)")
    parser.add_argument("--owner", metavar="USER_ID",
                        help="only the deadlines of jurisdictions this Slack user owns")
    parser.add_argument("--channel", metavar="CHANNEL",
                        help="only those announced in this channel (#name or ID)")


def scope_of(owner: str | None, channel: str | None) -> Scope:
    """The ``--owner`` and ``--channel`` asked for (``BadInput`` if malformed)."""
    return Scope(user_id(owner) if owner else "",
                 frozenset({channel_id(channel)}) if channel else frozenset())


async def run(settings: Settings, output: Path | None, owner: str | None,
              channel: str | None) -> int:
    from bot.slack.links import SlackLinks  # here: Slack's SDK is no other command's cost
    from bot.wiring.review import SystemClock, make_review
    from storage import open_store

    try:
        scope = scope_of(owner, channel)
    except BadInput as error:
        print(f"review-bot: {error.message}", file=sys.stderr)
        return 2
    if not settings.on_postgres and not settings.database_path.exists():
        print(f"review-bot: there is no database at {settings.database_path}", file=sys.stderr)
        return 2
    store = await open_store(settings.database_url)
    try:
        review = make_review(settings, store, SystemClock())
        calendars = Calendars(review, CalendarFeeds(store), SlackLinks(settings.slack_api_url))
        export = await calendars.export(scope)
    finally:
        await store.close()
    if output is None:
        sys.stdout.buffer.write(export.ics)
        sys.stdout.flush()
        return 0
    try:
        with written_whole(output, binary) as handle:
            handle.write(export.ics)
    except OSError as error:
        print(f"review-bot: cannot write {output}: {error.strerror}", file=sys.stderr)
        return 2
    print(f"{export.events} running deadline(s) written to {output}.", file=sys.stderr)
    return 0


