"""``review-bot verify``: check the record's hash chains, and a fingerprint posted before.

Exit status 0 when every chain is intact (and the fingerprint, if given, matches), 1
when not, 2 when it could not check (no database, a malformed fingerprint)."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TextIO

from workflows.chain import Fingerprint
from workflows.verification import Report

if TYPE_CHECKING:
    from bot.wiring.settings import Settings
    from storage.store import Store
    from workflows.review import Review

OpenReview = Callable[["Settings"], Awaitable[tuple["Store", "Review"]]]


async def run(settings: Settings, head: str | None, as_json: bool,
              open_review: OpenReview) -> int:
    """Check the record's chains (and ``head``, a posted fingerprint)."""
    from workflows.record import Record

    try:
        fingerprint = parse_head(head)
    except ValueError as error:
        print(f"review-bot: {error}", file=sys.stderr)
        return 2
    if not settings.on_postgres and not settings.database_path.exists():
        print(f"review-bot: there is no database at {settings.database_path}", file=sys.stderr)
        return 2
    store, review = await open_review(settings)
    meter = stderr_meter()
    try:
        report = await Record(review, store).verify(fingerprint, meter)
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


def stderr_meter() -> Meter:
    return Meter(sys.stderr)
