"""What every part of the store stands on: its ``Database``, reads of committed data,
write transactions, and the hook a change that wrote notices calls."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from storage import writes
from storage.database import Database, Row, Transaction


class StoreBase:
    """The database under the store's parts (``storage.store.Store`` is all of them)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.notices_added: Callable[[], None] = _nothing
        """Called after a change wrote notices to the outbox (the bot drains it then)."""
        self.staged_from = writes.STAGED_FROM
        """Changes from which a write is staged, where the engine stages (``writes``)."""

    @property
    def schema_version(self) -> int:
        return self.db.schema_version

    async def close(self) -> None:
        await self.db.close()

    def transaction(self) -> AbstractAsyncContextManager[Transaction]:
        """One write transaction: committed when the block ends, rolled back if it raises."""
        return self.db.transaction()

    async def read(self, sql: str, *args: Any) -> list[Row]:
        """Rows of one query (committed data only)."""
        return await self.db.read(sql, *args)


def _nothing() -> None:
    return None
