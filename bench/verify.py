"""How fast ``review-bot verify`` checks a national-size record: ``python -m bench.verify``.

Seeds one SQLite file through the project's own code (``SqliteStore.add_many``, which
hashes, links and seals every event as the bot does) with ``--jurisdictions``
jurisdictions of ``--events`` events each, a batch of 10,000 jurisdictions a
transaction (so the review-wide chain has a block per batch), in a process of its own.
Then runs ``review-bot verify --json`` in another, as an operator would, and reports its
wall time and peak memory (that process's own maximum resident set, from ``wait4``),
then the same against a copy in which one event's note was edited with SQL, which it
must name.

Prints the figures and, with ``--out``, writes them as JSON. Not a test: it asserts
only that verify gave the answer it must (intact, then the edit named).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.processes import REPOSITORY, environment, publish
from storage.sqlite import SqliteStore
from workflows.jurisdictions import new_jurisdiction
from workflows.model import Event, Jurisdiction, Notice

AT = datetime(2018, 2, 1, 15, 0, tzinfo=UTC)
STEPS = ("letter", "response", "insufficient", "threaten", "response", "clarify",
         "resume", "finding", "subpoena", "note")
BATCH = 10_000
TARGET_SECONDS, TARGET_MIB = 30.0, 200.0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m bench.verify", description=__doc__,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    top.add_argument("--jurisdictions", type=int, default=100_000, help="(100000)")
    top.add_argument("--events", type=int, default=10,
                     help="events per jurisdiction, its addition included (10)")
    top.add_argument("--out", type=Path, help="also write the figures here as JSON")
    top.add_argument("--seed", type=Path, metavar="FILE", help=argparse.SUPPRESS)
    return top


def story(n: int, events: int) -> tuple[Jurisdiction, list[Event], list[Notice]]:
    """A jurisdiction and its history: record-shaped events with notes and deadlines."""
    j = new_jurisdiction(f"town-{n:06d}", f"Town {n}, CA", "city", "CA")
    j.state, j.version = "new", events
    day = date(2017, 4, 21)
    history = [Event(j.id, "added", "UADMIN0001", day, AT, None, "new",
                     {"kind": "city", "name": j.name, "us_state": "CA"})]
    for step in range(1, events):
        day += timedelta(days=7)
        history.append(Event(
            j.id, STEPS[(step - 1) % len(STEPS)], "UANALYST01", day, AT + timedelta(seconds=step),
            "awaiting_response", "response_received",
            {"name": j.name, "note": f"documents received on {day}: certification letter",
             "due_on": (day + timedelta(days=30)).isoformat(), "round": 1 + step // 4}))
    return j, history, []


async def seed(path: Path, jurisdictions: int, events: int) -> float:
    started = time.perf_counter()
    store = await SqliteStore.open(path)
    try:
        for first in range(0, jurisdictions, BATCH):
            await store.add_many([story(n, events) for n in
                                  range(first, min(first + BATCH, jurisdictions))])
    finally:
        await store.close()
    return time.perf_counter() - started


def seeded(path: Path, jurisdictions: int, events: int) -> float:
    """Seed ``path`` in a process of its own (its memory is not this one's); seconds."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bench.verify", "--seed", str(path),
                    "--jurisdictions", str(jurisdictions), "--events", str(events)],
                   cwd=REPOSITORY, check=True, env=environment({}))
    return time.perf_counter() - started


def verify(path: Path) -> dict[str, Any]:
    """``review-bot verify --json`` in a process of its own: its answer, time, memory."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen([sys.executable, "-m", "bot", "verify", "--json"],
                                 cwd=path.parent, stdout=out, stderr=err, text=True,
                                 env=environment({"DATABASE_URL": f"sqlite:///{path}"}))
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if child.returncode not in (0, 1):
        raise SystemExit(f"verify failed: {stderr}")
    report = json.loads(stdout)
    return {"seconds": round(seconds, 2), "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
            "exit": child.returncode, "events": report["events"], "blocks": report["blocks"],
            "problems": [(f"{p['jurisdiction']} seq {p['seq']}" if p["jurisdiction"]
                          else f"block {p['block']}") + f": {p['what']}"
                         for p in report["problems"]][:3]}


def edited_copy(path: Path, jurisdiction: str, seq: int) -> Path:
    copy = path.with_name("edited.db")
    shutil.copy(path, copy)
    conn = sqlite3.connect(copy, isolation_level=None)
    try:
        conn.execute("DROP TRIGGER events_no_update")
        conn.execute("UPDATE events SET detail = replace(detail, 'certification', 'nothing')"
                     " WHERE jurisdiction_id = ? AND seq = ?", (jurisdiction, seq))
    finally:
        conn.close()
    return copy


def render(figures: dict[str, Any]) -> str:
    intact, edited = figures["intact"], figures["edited"]
    lines = [
        f"Verify: {intact['events']:,} events of {figures['jurisdictions']:,} jurisdictions"
        f" in {intact['blocks']:,} blocks (seeded through the project's code in"
        f" {figures['seed_seconds']:.0f} s; file {figures['file_mib']:,.0f} MiB)",
        f"  intact record: {intact['seconds']:.1f} s, peak RSS {intact['peak_rss_mib']:.0f} MiB,"
        f" exit {intact['exit']}",
        f"  one note edited: {edited['seconds']:.1f} s, exit {edited['exit']}, named:"
        f" {'; '.join(edited['problems']) or 'nothing'}",
        f"  [{'met   ' if intact['seconds'] < TARGET_SECONDS else 'missed'}] verified in under"
        f" {TARGET_SECONDS:.0f} s: {intact['seconds']:.1f} s",
        f"  [{'met   ' if intact['peak_rss_mib'] < TARGET_MIB else 'missed'}] peak memory under"
        f" {TARGET_MIB:.0f} MB: {intact['peak_rss_mib']:.0f} MiB",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    opts = parser().parse_args(argv)
    if opts.seed:
        asyncio.run(seed(opts.seed, opts.jurisdictions, opts.events))
        return 0
    with tempfile.TemporaryDirectory(prefix="review-verify-") as folder:
        path = Path(folder) / "review.db"
        seconds = seeded(path, opts.jurisdictions, opts.events)
        intact = verify(path)
        edited = verify(edited_copy(path, f"town-{opts.jurisdictions // 2:06d}",
                                    min(5, opts.events)))
        figures = {"jurisdictions": opts.jurisdictions, "seed_seconds": round(seconds, 1),
                   "file_mib": round(os.path.getsize(path) / 2**20, 1),
                   "intact": intact, "edited": edited,
                   "targets": {"seconds": TARGET_SECONDS, "peak_rss_mib": TARGET_MIB}}
    if intact["exit"] != 0 or edited["exit"] != 1:
        print(render(figures), end="", file=sys.stderr)
        raise SystemExit("verify did not give the answer it must")
    return publish(figures, render, opts.out)


if __name__ == "__main__":
    raise SystemExit(main())
