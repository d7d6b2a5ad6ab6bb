"""What the stores need of a database, whichever it is (SQLite or PostgreSQL).

The stores write their SQL once, in the subset both engines speak: ``?`` or numbered
``?N`` placeholders, ``INSERT … ON CONFLICT``, ``RETURNING``, ``count(*) FILTER``, row
values, ``CAST(? AS …)`` wherever a parameter's type cannot be inferred. Each engine's
``Database`` runs it: the SQLite one as is, the PostgreSQL one with ``$N`` placeholders.
Dates and times are ISO 8601 text in both, compared byte by byte (PostgreSQL's text
columns are declared ``COLLATE "C"``).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol, TypeAlias, TypeVar

from storage.timing import Timing

T = TypeVar("T")
Row: TypeAlias = Any
"""A result row: ``row["column"]`` (``sqlite3.Row`` or ``asyncpg.Record``)."""
IDS_PER_QUERY = 500
"""Ids in one ``IN (…)`` list: well under each engine's limit on parameters."""


def chunks(items: Sequence[T], size: int = IDS_PER_QUERY) -> list[Sequence[T]]:
    """``items`` in runs short enough for one ``IN (…)`` list."""
    return [items[start:start + size] for start in range(0, len(items), size)]


@dataclass(frozen=True)
class Ledger:
    """A table of keys seen (``storage.seen``): ``column`` is its key, ``window``
    (seconds) how long a key is remembered."""

    table: str
    column: str
    window: float


class DuplicateKey(Exception):
    """A write broke a unique constraint (an id or alias taken a moment ago)."""


class Reader(Protocol):
    async def fetch(self, sql: str, *args: Any) -> list[Row]: ...


class Transaction(Reader, Protocol):
    """One write transaction: everything in it is committed together or not at all."""

    async def execute(self, sql: str, *args: Any) -> int:
        """Run one statement; return how many rows it changed."""
        ...

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...


class Staging(Protocol):
    """Where a big write's rows wait, outside any transaction, until one short
    transaction moves them into the tables (``storage.writes``)."""

    async def table(self, rows: Sequence[Sequence[Any]], into: str | None = None) -> str:
        """A temporary table of ``rows``: its columns p1, p2, … are each row's values in
        order, its rowid the rows' order. Filling it locks nothing others need. With
        ``into`` (a table it gave before), the rows are added after those there."""
        ...

    def transaction(self) -> AbstractAsyncContextManager[Transaction]:
        """One write transaction that can read the staged tables."""
        ...


class Database(Protocol):
    schema_version: int
    timing: Timing
    """Where the engine reports how long its reads, transactions and ledger writes took
    (``storage.timing``)."""
    skip_locked: str
    """Appended to the ``SELECT`` that picks rows to claim: ``FOR UPDATE SKIP LOCKED``
    where other processes may claim at the same moment, empty where writes are
    serialised anyway (SQLite)."""
    claims_in_turn: str
    """Run first in a transaction that claims reminders, so claims are taken one after
    another (each sees the ones before it and takes the next reminders): an advisory
    lock on PostgreSQL (it writes nothing, where locking the rows wrote ~1,400 pages
    at 100,000 jurisdictions), empty where a write transaction holds the whole file."""
    writes_in_with: bool
    """Whether a ``WITH`` may hold an ``INSERT`` (PostgreSQL's data-modifying common
    table expressions), so that a write and the read of what it wrote are one
    statement, one trip to the server; SQLite's may not (a read, then the write, in one
    transaction, is as good there: the transaction holds the whole file)."""
    for_update: str
    """Appended to a ``SELECT`` of rows the transaction is about to change, so that no
    one else changes them before it ends: ``FOR UPDATE`` where other processes write at
    the same moment, empty where a write transaction holds the whole file (SQLite)."""
    unindexed: str
    """A column, ``{}``, written so that the planner looks nothing up by it in an index:
    SQLite's unary plus (with no statistics, it would look a deadline tier's ranges up
    one by one and sort them, not walk the list's index in order); as it is on
    PostgreSQL, whose planner weighs both plans by its statistics."""

    json_pages: bool
    """Whether a state export reads each page as one JSON text the engine makes
    (``storage.snapshot``): on SQLite the page is then made inside one step of the
    connection's thread, which holds the GIL only to hand the text over (a row at a
    time, it takes the GIL for each row, and gets it once every 5 ms while the event
    loop's thread makes the page before into rows: the page read ahead came in only
    after). PostgreSQL makes its rows in another process: no."""

    def transaction(self) -> AbstractAsyncContextManager[Transaction]: ...

    async def grouped(self, work: Callable[[Transaction], Awaitable[T]]) -> T:
        """``work`` (a write that may raise to be undone) in a write transaction,
        perhaps shared with other writes waiting at the same moment, each undone alone
        if it raises; its result once committed. Where writers queue for one lock
        (SQLite) they then share one commit."""
        ...

    def staging(self) -> AbstractAsyncContextManager[Staging] | None:
        """Somewhere to stage a big write, or None where writing it row by row in one
        transaction holds up no one else for long (PostgreSQL: its writers lock only
        the rows they change)."""
        ...

    async def read(self, sql: str, *args: Any) -> list[Row]:
        """Rows of one query, from committed data."""
        ...

    async def remember(self, ledger: Ledger, seen: Sequence[tuple[str, float]],
                       prune_before: float | None) -> set[str]:
        """Write the keys ``seen`` (key, Unix seconds) into the ledger's table in one
        transaction and return those that were new: absent, or last seen more than the
        ledger's window before. Delete rows seen before ``prune_before`` if given.

        The commit need not reach the disk before it returns (it outlives the process
        dying at once, not the machine): the acks of requests wait on it. Each engine
        does what is cheap on it."""
        ...

    def snapshot(self) -> AbstractAsyncContextManager[Reader]:
        """One read-only transaction on a connection of its own: a consistent view for
        as long as it is open, holding up no writer."""
        ...

    async def close(self) -> None: ...


_PLACEHOLDER = re.compile(r"\?(\d*)")


def numbered(sql: str) -> str:
    """``?`` and ``?N`` placeholders as PostgreSQL's ``$N`` (a bare ``?`` takes the next
    number). The stores' SQL has no ``?`` inside string literals."""
    counter = 0

    def number(match: re.Match[str]) -> str:
        nonlocal counter
        if match[1]:
            return f"${match[1]}"
        counter += 1
        return f"${counter}"

    return _PLACEHOLDER.sub(number, sql)
