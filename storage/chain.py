"""The hash chains of ``workflows.chain``, as stored.

Each event row keeps its ``digest`` and ``link``. Every transaction that writes events
seals them as one block of ``chain_blocks`` (the ids it wrote, how many, their digest,
the new head), and ``chain_head`` (one row) keeps the last block's head. A transaction
locks that row before it writes its first event and holds it until it commits, so on
PostgreSQL two replicas writing at once take their turns at the end of the chain (the
ids one transaction writes are then a range no other transaction's ids fall in), and on
SQLite the write transaction holds the file anyway. The chain cannot fork.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from storage.database import Reader, Row, Transaction, chunks
from workflows import chain
from workflows.chain import Seal
from workflows.ports import StagedChange
from workflows.verification import StoredBlock, StoredEvent

log = logging.getLogger(__name__)
PAGE = 5_000


@dataclass(frozen=True)
class Head:
    """The end of the review-wide chain, as a transaction found it (locked)."""

    number: int
    total: int
    last_id: int
    head: str


async def lock(db: Transaction, for_update: str) -> Head:
    """Take the end of the chain for this transaction (before it writes any event)."""
    [row] = await db.fetch("SELECT number, total, last_id, head FROM chain_head"
                           f" WHERE id = 1{for_update}")
    return Head(int(row["number"]), int(row["total"]), int(row["last_id"]), str(row["head"]))


@dataclass(frozen=True)
class Written:
    """The events a transaction writes, as the next block will hold them: how many, and
    the digest of their links in the order written."""

    count: int
    digest: str

    @classmethod
    def of(cls, links: Sequence[str]) -> Written:
        return cls(len(links), chain.block_digest(links))


async def seal(db: Transaction, end: Head, written: Written | None = None) -> Head | None:
    """Seal the events written after ``end`` as the next block (None if there are none),
    stamped with the moment the last was recorded. ``written`` saves reading their
    links back (a big import's, inside the write lock) when they are all that is there;
    rows someone else slipped in behind the bot are read back and sealed with them
    (``verify`` names them)."""
    [span] = await db.fetch("SELECT min(id) AS first, max(id) AS last, count(*) AS n"
                            " FROM events WHERE id > ?", end.last_id)
    count = int(span["n"] or 0)
    if not count:
        return None
    if written is None or written.count != count:
        if written is not None:
            log.warning("sealing %d events where this transaction wrote %d", count,
                        written.count)
        rows = await db.fetch("SELECT link FROM events WHERE id > ? ORDER BY id", end.last_id)
        written = Written(count, chain.block_digest(r["link"] for r in rows))
    number, last = end.number + 1, int(span["last"])
    [stamp] = await db.fetch("SELECT recorded_at FROM events WHERE id = ?", last)
    total = end.total + count
    new = Head(number, total, last, chain.head(end.head, number, total, written.digest))
    await db.execute("INSERT INTO chain_blocks (number, first_id, last_id, events, total,"
                     " digest, head, sealed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     number, int(span["first"]), last, count, total, written.digest,
                     new.head, str(stamp["recorded_at"]))
    await db.execute("UPDATE chain_head SET number = ?, total = ?, last_id = ?, head = ?"
                     " WHERE id = 1", number, total, last, new.head)
    return new


class _Reads(Protocol):
    async def read(self, sql: str, *args: Any) -> list[Row]: ...


async def previous_links(database: _Reads, changes: Sequence[StagedChange]
                         ) -> dict[str, str]:
    """The link of each changed jurisdiction's last event, as committed. A jurisdiction
    that has moved on since its change was made gets the link of its newer last event:
    the write then fails its version check anyway."""
    ids = sorted({c.jurisdiction.id for c in changes if c.expected_version > 0})
    found: dict[str, str] = {}
    for chunk in chunks(ids):
        rows = await database.read(
            "SELECT e.jurisdiction_id AS id, e.link FROM jurisdictions AS j JOIN events AS e"
            " ON e.jurisdiction_id = j.id AND e.seq = j.version"
            f" WHERE j.id IN ({', '.join('?' * len(chunk))})", *chunk)
        found.update((str(r["id"]), str(r["link"] or chain.ZERO)) for r in rows)
    return found


def linked(rows: Sequence[tuple[Any, ...]], previous: Mapping[str, str] | None
           ) -> list[tuple[Any, ...]]:
    """Event rows (jurisdiction_id, seq, kind, actor, on_date, recorded_at, from_state,
    to_state, detail), in the order they will be written, each with its digest and link
    added; ``previous`` holds the link before each jurisdiction's first row (the zero
    link if it has none). With ``previous`` None the links are left None, for
    ``relinked`` to add once the transaction has read them."""
    if previous is None:
        return [(*row, chain.digest(*row), None) for row in rows]
    last = dict(previous)
    result = []
    for row in rows:
        event_digest = chain.digest(*row)
        event_link = chain.link(last.get(row[0], chain.ZERO), event_digest)
        last[row[0]] = event_link
        result.append((*row, event_digest, event_link))
    return result


def relinked(rows: Sequence[tuple[Any, ...]], previous: Mapping[str, str]
             ) -> list[tuple[Any, ...]]:
    """``linked``'s rows (their digest, then their link, last) linked on from
    ``previous``."""
    last = dict(previous)
    result = []
    for row in rows:
        event_link = chain.link(last.get(row[0], chain.ZERO), row[-2])
        last[row[0]] = event_link
        result.append((*row[:-1], event_link))
    return result


async def current(database: _Reads) -> Seal:
    """The end of the review-wide chain, as committed."""
    [row] = await database.read("SELECT number, total, head FROM chain_head WHERE id = 1")
    return Seal(int(row["number"]), int(row["total"]), str(row["head"]))


class ChainReads:
    """``workflows.chain.ChainSource`` over one snapshot, keyset page by page."""

    def __init__(self, reader: Reader, page: int = PAGE) -> None:
        self._fetch = reader.fetch
        self._page = page

    async def versions(self) -> AsyncIterator[Sequence[tuple[str, int]]]:
        after = ""
        while rows := await self._fetch("SELECT id, version FROM jurisdictions WHERE id > ?"
                                        " ORDER BY id LIMIT ?", after, self._page * 4):
            yield [(str(r["id"]), int(r["version"])) for r in rows]
            after = str(rows[-1]["id"])

    async def events(self) -> AsyncIterator[Sequence[StoredEvent]]:
        after = 0
        while rows := await self._fetch(
                "SELECT id, jurisdiction_id, seq, kind, actor, on_date, recorded_at,"
                " from_state, to_state, detail, digest, link FROM events WHERE id > ?"
                " ORDER BY id LIMIT ?", after, self._page):
            yield [StoredEvent(*r) for r in rows]
            after = int(rows[-1][0])

    async def blocks(self) -> AsyncIterator[Sequence[StoredBlock]]:
        after = 0
        while rows := await self._fetch(
                "SELECT number, first_id, last_id, events, total, digest, head"
                " FROM chain_blocks WHERE number > ? ORDER BY number LIMIT ?",
                after, self._page):
            yield [StoredBlock(*r) for r in rows]
            after = int(rows[-1][0])


async def backfill(db: Transaction) -> int:
    """Hash the history a database held before it had chains (in the migration that
    adds them): every event's digest and link, in the order written, and all of it
    sealed as block 1. Returns how many events were hashed."""
    last: dict[str, str] = {}
    after, count = 0, 0
    while rows := await db.fetch(
            "SELECT id, jurisdiction_id, seq, kind, actor, on_date, recorded_at, from_state,"
            " to_state, detail FROM events WHERE id > ? ORDER BY id LIMIT ?", after, PAGE):
        updates = []
        for r in rows:
            values = tuple(r)[1:]
            event_digest = chain.digest(*values)
            event_link = chain.link(last.get(values[0], chain.ZERO), event_digest)
            last[values[0]] = event_link
            updates.append((event_digest, event_link, int(r[0])))
        await db.executemany("UPDATE events SET digest = ?, link = ? WHERE id = ?", updates)
        after, count = int(rows[-1][0]), count + len(rows)
    if count:
        await seal(db, await lock(db, ""))
    return count
