"""``review-bot verify``: check the record's hash chains, and a fingerprint posted before;
with ``--dossier``, a dossier alone instead (``bot.cli.dossier.verify_file``).

Exit status 0 when every chain is intact (and the fingerprint, if given, matches), 1
when not, 2 when it could not check (no database, a malformed fingerprint, no
dossier)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.cli.dossier import verify_file
from bot.wiring.settings import Settings
from workflows.chain import Fingerprint
from workflows.verification import Report, verify

if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]


def add_parser(sub: Subparsers) -> None:
    parser = sub.add_parser(
        "verify", help="check that the history is unchanged: recompute every event's hash "
                       "and every link of the record's chains, and name the first broken "
                       "link of each (exit 0 intact, 1 changed); or check a dossier "
                       "alone with --dossier")
    parser.add_argument("--head", metavar="FINGERPRINT",
                        help="also check a fingerprint posted in Slack (by a summary or "
                             "/review seal), e.g. 1204-7f3a9c210be4d5aa91c2: the history up "
                             "to it must be what it was then (with --dossier: the dossier's "
                             "chain must reach that head)")
    parser.add_argument("--dossier", type=Path, metavar="FILE.zip",
                        help="check a dossier made by review-bot dossier instead of the "
                             "database: alone, offline, every file and event against its "
                             "manifest and its chain (with --head: against a fingerprint "
                             "posted in Slack)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


async def run(settings: Settings, head: str | None, as_json: bool,
              dossier: Path | None = None) -> int:
    """Check the record's chains (and ``head``, a posted fingerprint) where the settings
    say the database is, or the ``dossier`` alone; the exit status."""
    from storage import open_store

    try:
        fingerprint = parse_head(head)
    except ValueError as error:
        print(f"review-bot: {error}", file=sys.stderr)
        return 2
    if dossier is not None:
        return verify_file(dossier, fingerprint, as_json)
    if not settings.on_postgres and not settings.database_path.exists():
        print(f"review-bot: there is no database at {settings.database_path}", file=sys.stderr)
        return 2
    store = await open_store(settings.database_url)
    meter = Meter(sys.stderr)
    try:
        async with store.chain() as source:
            report = await verify(source, fingerprint, meter)
    finally:
        meter.done()
        await store.close()
    return write_report(report, as_json, sys.stdout)


def parse_head(text: str | None) -> Fingerprint | None:
    """The fingerprint given with ``--head`` (``ValueError`` with a sentence if malformed)."""
    return Fingerprint.parse(text) if text is not None else None


class Meter:
    """``checked 250,000 events…`` on a terminal, redrawn at most a few times a second."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._shown = 0.0
        self.live = stream.isatty()

    def __call__(self, events: int) -> None:
        if self.live and time.monotonic() - self._shown > 0.25:
            self._shown = time.monotonic()
            self._stream.write(f"\rchecked {events:,} events…")
            self._stream.flush()

    def done(self) -> None:
        if self.live and self._shown:
            self._stream.write("\r\033[K")
            self._stream.flush()


def write_report(report: Report, as_json: bool, out: TextIO) -> int:
    """Print what ``verify`` found; return the exit status."""
    if as_json:
        out.write(json.dumps(report.as_dict(), indent=2) + "\n")
        return 0 if report.intact else 1
    if report.problems:
        out.write(f"The record has been changed: {len(report.problems):,} chain(s) broken.\n")
        for problem in report.problems:
            out.write(f"  {problem}\n")
    else:
        out.write("Every chain is intact.\n")
    out.write(f"Checked {report.events:,} events of {report.jurisdictions:,} jurisdictions,"
              f" sealed in {report.blocks:,} blocks; head recomputed from the events:"
              f" {report.current}\n")
    fingerprint = report.fingerprint
    if fingerprint is not None:
        if report.fingerprint_matches:
            out.write(f"{fingerprint} matches: the history up to its {fingerprint.events:,}"
                      " events is unchanged.\n")
        elif report.fingerprint_found:
            out.write(f"{fingerprint} does NOT match: the history up to"
                      f" {fingerprint.events:,} events is not what it was when that"
                      " fingerprint was made.\n")
        else:
            out.write(f"{fingerprint} does NOT match: no head of this record covers exactly"
                      f" {fingerprint.events:,} events.\n")
    return 0 if report.intact else 1
