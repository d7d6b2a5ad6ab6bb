"""Numbered schema migrations (NNNN_name.sql), tracked by PRAGMA user_version."""

from __future__ import annotations

import re
from importlib import resources

import aiosqlite

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def available() -> list[tuple[int, str]]:
    """(number, SQL) of every migration shipped with the package, in order."""
    found = []
    for entry in resources.files(__package__).iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append((int(match[1]), entry.read_text(encoding="utf-8")))
    return sorted(found)


async def migrate(db: aiosqlite.Connection) -> int:
    """Apply the migrations newer than the database, each in its own transaction.

    Returns the schema version the database is at afterwards."""
    async with db.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    current = int(row[0]) if row else 0
    for number, sql in available():
        if number <= current:
            continue
        await db.executescript(f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;")
        current = number
    return current
