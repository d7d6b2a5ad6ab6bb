"""Where the storage benchmark's databases live: a SQLite file or a PostgreSQL database.

A target is a path (SQLite) or a ``postgresql://`` URL naming the database. Seeding
makes it fresh (it must not exist yet); measuring works on a fresh copy each round
(a file copy; ``CREATE DATABASE … TEMPLATE`` on PostgreSQL), so a round's claims never
see an earlier round's.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from storage import POSTGRES_SCHEMES, open_store
from storage.store import Store


def is_postgres(target: str) -> bool:
    return target.startswith(POSTGRES_SCHEMES)


def _name(url: str) -> str:
    name = urlsplit(url).path.lstrip("/")
    if not name or not name.replace("_", "").isalnum():
        raise ValueError(f"give the database a plain name (letters, digits, _): {name!r}")
    return name


def _with_name(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


async def _admin(url: str, statement: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(_with_name(url, "postgres"))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


async def create(target: str) -> Store:
    """A new, empty store at ``target``; FileExistsError if it is there already."""
    if is_postgres(target):
        import asyncpg

        try:
            await _admin(target, f'CREATE DATABASE "{_name(target)}"')
        except asyncpg.DuplicateDatabaseError:
            raise FileExistsError(f"{_name(target)} exists; the benchmark seeds fresh"
                                  " databases only") from None
        return await open_store(target)
    if Path(target).exists():
        raise FileExistsError(f"{target} exists; the benchmark seeds fresh files only")
    return await open_store(f"sqlite:///{target}")


async def settle(store: Store, target: str) -> None:
    """What a server does of its own accord some time after a big load: on PostgreSQL,
    VACUUM ANALYZE (autovacuum), so the planner knows the tables' sizes and the
    visibility map lets the summary's indexes answer without the tables. SQLite keeps
    no statistics unless asked (the product never runs ANALYZE): nothing to do."""
    if is_postgres(target):
        await store.read("VACUUM ANALYZE")


async def fresh_copy(target: str) -> str:
    """A copy of ``target`` beside it, as a target. A copy is flushed to disk first, so
    that what is measured next does not pay for writing it out: a SQLite file is
    fsynced (else the claim's checkpoint paid); a PostgreSQL copy is made file by file
    (``STRATEGY FILE_COPY``: the default logs every page of 1.2 GB through the WAL,
    and its checkpoints could fall on what is timed), checkpointed and synced."""
    if is_postgres(target):
        copy = f"{_name(target)}_scratch_{uuid.uuid4().hex[:8]}"
        await _admin(target, f'CREATE DATABASE "{copy}" TEMPLATE "{_name(target)}"'
                             " STRATEGY FILE_COPY")
        await _admin(target, "CHECKPOINT")
        os.sync()
        return _with_name(target, copy)
    path = Path(target)
    scratch = path.with_name(path.stem + "-scratch.db")
    shutil.copyfile(path, scratch)
    with scratch.open("rb+") as handle:
        os.fsync(handle.fileno())
    return str(scratch)


async def remove(target: str) -> None:
    """Drop a copy made by ``fresh_copy`` (with its WAL files, for SQLite)."""
    if is_postgres(target):
        await _admin(target, f'DROP DATABASE IF EXISTS "{_name(target)}" WITH (FORCE)')
        return
    path = Path(target)
    for leftover in path.parent.glob(path.name + "*"):
        leftover.unlink()


async def open_target(target: str) -> Store:
    return await open_store(target if is_postgres(target) else f"sqlite:///{target}")
