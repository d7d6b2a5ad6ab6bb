"""Adapters for the domain's ports: the store on SQLite or PostgreSQL, and migrations."""

from __future__ import annotations

from storage.store import Store

POSTGRES_SCHEMES = ("postgres://", "postgresql://")


async def open_store(url: str) -> Store:
    """The store ``url`` names: ``sqlite:///path/to/file.db`` (made if missing) or
    ``postgresql://user:password@host:port/database`` (the database must exist; its
    tables are made or brought up to date)."""
    if url.startswith(POSTGRES_SCHEMES):
        from storage.postgres import PostgresStore

        return await PostgresStore.open(url)
    if url.startswith("sqlite:///"):
        from storage.sqlite import SqliteStore

        return await SqliteStore.open(url.removeprefix("sqlite:///"))
    raise ValueError(f"not a database URL: {url.split(':', 1)[0]}:…")
