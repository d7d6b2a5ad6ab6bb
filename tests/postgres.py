"""A database of its own for each PostgreSQL test, on the server TEST_DATABASE_URL names.

``.ci/run`` starts one (``scripts/postgres``); without it the PostgreSQL tests are
skipped, saying so."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

import pytest

SKIP_REASON = ("PostgreSQL tests skipped: no server (set TEST_DATABASE_URL, e.g. "
               "export TEST_DATABASE_URL=$(scripts/postgres))")


def server_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url:
        pytest.skip(SKIP_REASON)
    return url


@asynccontextmanager
async def fresh_database() -> AsyncIterator[str]:
    """Make an empty database, yield its URL, drop it afterwards."""
    import asyncpg

    admin = server_url()
    name = f"review_test_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
        parts = urlsplit(admin)
        yield urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))
    finally:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()
