"""Adapters for the domain's ports: the store on SQLite or PostgreSQL, and migrations."""

from __future__ import annotations

from storage.store import Store

POSTGRES_SCHEMES = ("postgres://", "postgresql://")


class StoreUnavailable(Exception):
    """The database cannot be reached or opened; the message never holds a password."""


def _without_password(message: str, url: str) -> str:
    """``message`` with the URL's password (if any) blotted out: a driver's complaint
    about a malformed URL may quote it."""
    from urllib.parse import unquote, urlsplit

    try:
        password = urlsplit(url).password
    except ValueError:
        password = None
    for secret in {password, unquote(password)} if password else ():
        if len(secret) >= 4:  # a shorter one would blot letters of every word
            message = message.replace(secret, "***")
    return message


async def open_store(url: str) -> Store:
    """The store ``url`` names: ``sqlite:///path/to/file.db`` (made if missing) or
    ``postgresql://user:password@host:port/database`` (the database must exist; its
    tables are made or brought up to date). Raises ``StoreUnavailable``."""
    if url.startswith(POSTGRES_SCHEMES):
        import asyncpg

        from storage.postgres import PostgresStore

        try:
            return await PostgresStore.open(url)
        except (OSError, ValueError, asyncpg.PostgresConnectionError,
                asyncpg.InvalidCatalogNameError, asyncpg.InvalidPasswordError,
                asyncpg.InvalidAuthorizationSpecificationError) as error:
            raise StoreUnavailable(_without_password(str(error) or type(error).__name__,
                                                     url)) from error
    if url.startswith("sqlite:///"):
        import sqlite3

        from storage.sqlite import SqliteStore

        try:
            return await SqliteStore.open(url.removeprefix("sqlite:///"))
        except (OSError, sqlite3.OperationalError) as error:
            raise StoreUnavailable(str(error)) from error
    raise ValueError(f"not a database URL: {url.split(':', 1)[0]}:…")
