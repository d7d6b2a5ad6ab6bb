"""A process killed between commands loses nothing it reported as committed."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from storage.sqlite import SqliteStore

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import asyncio, os, signal, sys
from datetime import UTC, datetime

from storage.sqlite import SqliteStore
from tests.packaged import packaged_workflow
from workflows.deadlines import DueSpec
from workflows.review import Review, ReviewConfig


class Clock:
    def now(self):
        return datetime(2018, 2, 1, 15, 0, tzinfo=UTC)


async def main(path):
    store = await SqliteStore.open(path)
    review = Review(store, Clock(), ReviewConfig("#compliance-review",
                                                 admins=frozenset({"UADMIN"})),
                    packaged_workflow())
    changes = [
        lambda: review.add("UADMIN", "chicago", "Chicago, IL", "city", "IL", ("chi",)),
        lambda: review.take("UADMIN", "chicago", "letter", due=DueSpec(days=30)),
        lambda: review.assign("UADMIN", "chi", owner="UANA", channel="#chicago"),
        lambda: review.take("UADMIN", "chicago", "response"),
    ]
    for change in changes:
        done = await change()
        print("committed", done.event.kind, done.jurisdiction.version, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)  # before the store is closed


asyncio.run(main(sys.argv[1]))
"""


async def test_changes_printed_as_committed_survive_a_sigkill(db_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}
    child = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-c", CHILD, str(db_path)], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=30)

    assert child.returncode == -signal.SIGKILL, child.stderr
    printed = [line.split() for line in child.stdout.splitlines()]
    assert printed == [["committed", "added", "1"], ["committed", "letter", "2"],
                       ["committed", "assigned", "3"], ["committed", "response", "4"]]
    # The process never closed its connections, so the WAL was never checkpointed
    # away: what it committed is recovered from there.
    wal = db_path.with_name(db_path.name + "-wal")
    assert wal.exists() and wal.stat().st_size > 0

    store = await SqliteStore.open(db_path)
    try:
        j = await store.get("chicago")
        assert j is not None
        assert (j.state, j.version, j.owner, j.channel, j.aliases) == (
            "response_received", 4, "UANA", "#chicago", ("chi",))
        assert [(r.number, r.kind, r.outcome) for r in j.rounds] == [(1, "letter", "responded")]

        events, total = await store.history("chicago", 0, 10)
        assert total == 4
        assert [(e.seq, e.kind) for e in reversed(events)] == [
            (int(version), kind) for _, kind, version in printed]

        pending = await store.pending_notices(10)
        assert [(p.channel, p.event.kind, p.event.seq) for p in pending] == [
            ("#compliance-review", "added", 1), ("#compliance-review", "letter", 2),
            ("#chicago", "assigned", 3), ("#chicago", "response", 4)]
    finally:
        await store.close()
