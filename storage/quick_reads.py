"""SQLite reads answered right on the event loop when they are quick.

Most of what a person asks (a card, a page of the list) is a handful of indexed
queries of some tens of microseconds each. Run through aiosqlite, each is a trip to the
reader connection's thread and back, and that trip (a wake-up of the thread, then of
the event loop, the interpreter's lock handed over twice) costs far more than the query
on a busy machine: under 50 clients a card's nine queries spent most of their time
travelling. So a read is first tried here, on a plain connection of this thread's own,
within a budget of ``BUDGET_SECONDS``: SQLite's progress handler interrupts it once it
has run that long, and it is then run again on the reader thread, as before, so a long
read (an export, a big summary) never holds the loop for more than the budget. The
connection is read only (``query_only``) and never waits for a lock (busy timeout 0):
a statement that would write, or a file another process has locked, also goes to the
thread, where it behaves as it always did. It sees what the reader sees: committed data
(WAL).

A read interrupted while its rows are fetched costs its connection: Python 3.11's sqlite3
cannot reset a statement whose last step failed, leaves it marked in use in the
connection's statement cache, and from then on compiles that SQL anew on every read (a
card's union of three reads, 60 microseconds more each time, two and a half times its
cost). Reads are interrupted whenever the machine is busy (the budget is wall-clock
time), so within minutes under load every read the bot makes was compiled each time.
The connection is dropped instead and opened afresh by the next read, whose cache
starts clean.
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from typing import Any

from storage.database import Row

BUDGET_SECONDS = 0.001
CHECK_EVERY = 2000
"""SQLite virtual machine steps between two looks at the clock (each look takes the
interpreter's lock, which SQLite lets go of while it steps; a short read takes none)."""


class QuickReads:
    def __init__(self, path: str) -> None:
        self._path = path
        self._conn: sqlite3.Connection | None = None
        self._deadline = 0.0

    def fetch(self, sql: str, args: tuple[Any, ...]) -> list[Row] | None:
        """The rows, or None when the read must go to the thread (too long, would
        write, or the file is locked)."""
        conn = self._conn or self._open()
        self._deadline = time.perf_counter() + BUDGET_SECONDS
        try:
            with closing(conn.execute(sql, args)) as cursor:
                return list(cursor.fetchall())
        except sqlite3.OperationalError:
            self.close()  # its statement cache may hold the failed statement (above)
            return None

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout = 0")
        conn.execute("PRAGMA query_only = ON")
        conn.set_progress_handler(self._over_budget, CHECK_EVERY)
        self._conn = conn
        return conn

    def _over_budget(self) -> int:
        return int(time.perf_counter() > self._deadline)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
