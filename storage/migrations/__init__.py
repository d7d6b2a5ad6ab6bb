"""Numbered schema migrations (NNNN_name.sql), one folder per engine.

``sqlite/`` and ``postgres/`` hold the same numbers, each making the same tables,
columns and indexes in its engine's words (tests/storage/test_migrations.py checks the
two agree). SQLite tracks the version in PRAGMA user_version, PostgreSQL in a
``schema_version`` table (``storage.postgres``)."""

from __future__ import annotations

import re
import sqlite3
from importlib import resources

import aiosqlite

from storage import chain
from storage.database import Transaction

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def available(dialect: str = "sqlite") -> list[tuple[int, str]]:
    """(number, SQL) of every migration shipped for ``dialect``, in order."""
    found = []
    for entry in resources.files(__package__).joinpath(dialect).iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append((int(match[1]), entry.read_text(encoding="utf-8")))
    return sorted(found)


CHAIN = 10
"""The migration that adds the hash chains: once its SQL has run, ``after`` hashes the
history already there (``storage.chain.backfill``), in the same transaction."""


async def after(number: int, db: Transaction) -> None:
    """What a migration does beyond its SQL, in its transaction."""
    if number == CHAIN:
        await chain.backfill(db)


def statements(sql: str) -> list[str]:
    """Split a script into complete statements (triggers' BEGIN … END stay whole)."""
    result, buffer = [], ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                result.append(buffer.strip())
            buffer = ""
    return result


async def migrate(db: aiosqlite.Connection) -> int:
    """Apply the SQLite migrations newer than the file, in one write transaction.

    The version is read inside that transaction, so two processes opening a new file at
    once do not both migrate it. Returns the schema version afterwards."""
    await db.execute("BEGIN IMMEDIATE")
    try:
        async with db.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        current = int(row[0]) if row else 0
        for number, sql in available():
            if number <= current:
                continue
            for statement in statements(sql):
                await db.execute(statement)
            from storage.sqlite import Connection  # which imports this module
            await after(number, Connection(db))
            await db.execute(f"PRAGMA user_version = {number}")
            current = number
    except BaseException:
        await db.execute("ROLLBACK")
        raise
    await db.execute("COMMIT")
    return current
