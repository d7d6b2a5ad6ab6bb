"""The store: the domain's ``Repository`` and ``ReminderStore`` over a ``Database``.

The SQL is written once (see ``storage.database``) and runs on SQLite (the default, one
file) or PostgreSQL (several replicas sharing one server). ``save`` is optimistic: it
updates the row only at the version the change was computed from, so of two concurrent
changes exactly one wins and the other gets ``Conflict``. Reminders are claimed with
``FOR UPDATE SKIP LOCKED`` where the engine has it, so sweeps running at once on several
replicas never claim the same reminder.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from storage import chain, roles_once, writes
from storage.chain import ChainReads
from storage.closures import Closures
from storage.database import DuplicateKey
from storage.dossier import DossierReads
from storage.mutes import MuteReads
from storage.notices import Notices
from storage.reads import JurisdictionReads
from storage.reminders import Reminders
from storage.snapshot import Snapshot
from storage.writes import utc_text
from workflows.chain import Seal
from workflows.errors import AlreadyExists
from workflows.model import Event, Jurisdiction, Notice, Role
from workflows.ports import StagedChange
from workflows.reminders import Reminder


class Store(JurisdictionReads, Notices, Reminders, Closures, MuteReads):
    """Everything stored. ``storage.open_store(url)`` opens one; ``close`` closes it.

    Its parts: ``reads`` (the ``Repository``'s reads), ``notices`` (the outbox's
    claims), ``reminders`` (the ``ReminderStore``), ``closures`` (closure days and
    the deadlines they move), ``mutes`` (mutes read from the history, and what a
    firing reminder is checked against); here, the changes, roles and the
    addresses forms answer on."""

    # -- the record's chains ---------------------------------------------------------------

    async def seal(self) -> Seal:
        """The end of the review-wide chain, as committed."""
        return await chain.current(self)

    @asynccontextmanager
    async def chain(self) -> AsyncIterator[ChainReads]:
        """The stored history and its chains, from one snapshot (``verify`` reads it)."""
        async with self.db.snapshot() as reader:
            yield ChainReads(reader)

    @asynccontextmanager
    async def dossier(self) -> AsyncIterator[DossierReads]:
        """What a dossier holds, from one snapshot (``workflows.dossier``)."""
        async with self.db.snapshot() as reader:
            yield DossierReads(reader)

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Snapshot]:
        """A consistent view for as long as an export pages through it, holding up
        neither writers nor the reads the bot answers from."""
        async with self.db.snapshot() as reader:
            yield Snapshot(reader, self.db.json_pages)

    # -- changes -----------------------------------------------------------------------

    async def add(self, j: Jurisdiction, events: Sequence[Event],
                  notices: Sequence[Notice]) -> None:
        await self.add_many([(j, events, notices)])

    async def add_many(self, batch: Sequence[tuple[Jurisdiction, Sequence[Event],
                                                   Sequence[Notice]]]) -> None:
        """Insert new jurisdictions, all in one transaction (all or none)."""
        try:
            await writes.write(self.db, writes.additions, batch, staged_from=self.staged_from)
        except DuplicateKey:
            raise AlreadyExists("An id or alias was taken a moment ago; nothing was "
                                "added.") from None
        if any(notices for _, _, notices in batch):
            self.notices_added()

    async def save(self, j: Jurisdiction, expected_version: int, events: Sequence[Event],
                   notices: Sequence[Notice],
                   reminders: Sequence[Reminder] | None = None) -> None:
        await self.save_many([StagedChange(j, expected_version, events, notices, reminders)])

    async def save_many(self, changes: Sequence[StagedChange]) -> None:
        """All the changes in one transaction: a ``Conflict`` on any of them, or any
        other failure part-way, rolls back the ones already written. The versions are
        checked first, with the rows locked until the end of the transaction."""
        await writes.write(self.db, writes.updates, changes, changes, self.staged_from)
        if any(c.notices for c in changes):
            self.notices_added()

    async def save_stream(self, groups: AsyncIterator[Sequence[StagedChange]],
                          count: int) -> None:
        """As ``Repository.save_stream``: here (PostgreSQL) the groups are gathered and
        written as one ``save_many``."""
        await self.save_many([change async for group in groups for change in group])

    async def finish_imports(self, now: float | None = None) -> int:
        """Finish big imports a stopped process left part-written (their lease lapsed
        by ``now``, Unix seconds); how many. (Only SQLite writes them in parts:
        ``storage.runs``.)"""
        return 0

    # -- roles ---------------------------------------------------------------------------

    async def role(self, user: str) -> Role | None:
        """Read once per ``roles_once.roles_read_once()`` scope (one command's work)."""
        known = roles_once.seen()
        if known is not None and user in known:
            return known[user]
        rows = await self.read("SELECT role FROM roles WHERE user_id = ?", user)
        role = Role(rows[0]["role"]) if rows else None
        if known is not None:
            known[user] = role
        return role

    async def set_role(self, user: str, role: Role, by: str, at: datetime) -> None:
        async with self.transaction() as db:
            await db.execute("INSERT INTO roles (user_id, role, granted_by, granted_at)"
                             " VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET"
                             " role = excluded.role, granted_by = excluded.granted_by,"
                             " granted_at = excluded.granted_at",
                             user, role.value, by, utc_text(at))
            await db.execute("INSERT INTO role_grants (user_id, role, granted_by, granted_at)"
                             " VALUES (?, ?, ?, ?)", user, role.value, by, utc_text(at))
        if (known := roles_once.seen()) is not None:
            known.pop(user, None)  # read afresh, as now committed

    async def roles(self) -> list[tuple[str, Role]]:
        rows = await self.read("SELECT user_id, role FROM roles ORDER BY user_id")
        return [(r["user_id"], Role(r["role"])) for r in rows]

    # -- where forms answer ----------------------------------------------------------------

    async def keep_reply_url(self, token: str, user: str, url: str, now: datetime,
                             ttl: timedelta) -> None:
        """Keep ``url`` (a response_url) for a form ``user`` opened, under ``token``;
        forget those older than ``ttl``."""
        async with self.transaction() as db:
            await db.execute("DELETE FROM form_replies WHERE created_at < ?",
                             utc_text(now - ttl))
            await db.execute("INSERT INTO form_replies (token, user_id, response_url,"
                             " created_at) VALUES (?, ?, ?, ?)", token, user, url, utc_text(now))

    async def take_reply_url(self, token: str, user: str, now: datetime,
                             ttl: timedelta) -> str | None:
        """The URL kept under ``token`` for ``user``, once, if younger than ``ttl``."""
        async with self.transaction() as db:
            rows = await db.fetch("DELETE FROM form_replies WHERE token = ? AND user_id = ?"
                                  " RETURNING response_url, created_at", token, user)
        if not rows or rows[0]["created_at"] < utc_text(now - ttl):
            return None
        return str(rows[0]["response_url"])
