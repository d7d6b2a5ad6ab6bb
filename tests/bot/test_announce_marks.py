"""The relay marks what it posted of a batch sent in one write: a flush of five
announcements writes as often as a flush of one (it wrote once more per announcement),
and each is still posted once and marked sent with its own ts."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from bot.slack.posting.announcements import announced_ids
from tests.bot.conftest import ADMIN, Harness


def _writes_of(h: Harness) -> list[object]:
    """Every write transaction (``grouped``) the store runs from now on."""
    db, ran = h.bot.store.db, []
    grouped = db.grouped

    async def counted(work: Any) -> Any:
        ran.append(work)
        return await grouped(work)

    db.grouped = counted  # type: ignore[method-assign]
    return ran


async def _flush_of(h: Harness, writes: list[object], ids: list[str]) -> int:
    """The writes of one flush of the announcements of adding ``ids``."""
    for jid in ids:
        await h.bot.review.add(ADMIN, jid, f"Town of {jid}")
    before = len(writes)
    assert await h.bot.relay.flush() == len(ids)
    return len(writes) - before


async def test_a_batch_is_marked_sent_in_one_write(harness: Harness, tmp_path: Path) -> None:
    harness.bot.store.notices_added = lambda: None  # announced by the flushes, not before
    writes = _writes_of(harness)
    one = await _flush_of(harness, writes, ["alpha"])
    five = await _flush_of(harness, writes, ["beta", "gamma", "delta", "epsilon", "zeta"])
    assert five == one  # was one + 4
    posted = [p for p in harness.slack.posted if not p.response_key]
    messages = [(announced_ids(p.metadata), p.ts) for p in posted if p.metadata]
    assert [ids for ids, _ in messages] == [[1], [2, 3, 4, 5, 6]]
    with sqlite3.connect(tmp_path / "review.db") as conn:
        rows = conn.execute("SELECT id, message_ts, sent_at FROM outbox ORDER BY id").fetchall()
    assert len(rows) == 6 and all(at for _, _, at in rows)
    assert [ts for _, ts, _ in rows] == [messages[0][1]] + [messages[1][1]] * 5
