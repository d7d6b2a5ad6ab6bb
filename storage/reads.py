"""The review as the domain reads it: jurisdictions (by id, name, alias or prefix),
their listings and deadlines, and their events."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import date

from storage.base import StoreBase
from storage.database import Row
from storage.rows import (
    event_from,
    grouped,
    jurisdiction_from,
    listing_from,
    order_from,
    round_from,
)
from storage.writes import chunks
from workflows.model import Event, Jurisdiction, Listing
from workflows.ports import DueRange, Filters

_LISTING = "SELECT id, name, kind, us_state, state, due_on, owner FROM jurisdictions"


class JurisdictionReads(StoreBase):
    """The ``Repository``'s reads."""

    async def get(self, jurisdiction_id: str) -> Jurisdiction | None:
        return (await self.get_many([jurisdiction_id])).get(jurisdiction_id)

    async def lookup(self, text: str, limit: int) -> tuple[list[Listing], list[Listing]]:
        key = text.strip().lower()
        end = key + "\U0010ffff"
        exact = await self.read(
            f"{_LISTING} WHERE id = ?1 OR name_key = ?1 OR id IN "
            "(SELECT jurisdiction_id FROM aliases WHERE alias = ?1) ORDER BY id LIMIT ?2",
            key, limit)
        if exact:
            return [listing_from(r) for r in exact], []
        prefixed = await self.read(
            f"{_LISTING} WHERE (id >= ?1 AND id < ?2) OR (name_key >= ?1 AND name_key < ?2) "
            "OR id IN (SELECT jurisdiction_id FROM aliases WHERE alias >= ?1 AND alias < ?2) "
            "ORDER BY id LIMIT ?3",
            key, end, limit)
        return [], [listing_from(r) for r in prefixed]

    async def exact_many(self, texts: Sequence[str]) -> dict[str, list[str]]:
        found: dict[str, set[str]] = {}
        for chunk in chunks(sorted(set(texts))):
            marks = ", ".join("?" * len(chunk))
            for row in await self.read(
                    f"SELECT id, name_key FROM jurisdictions WHERE id IN ({marks})"
                    f" UNION ALL SELECT id, name_key FROM jurisdictions"
                    f" WHERE name_key IN ({marks})", *chunk, *chunk):
                for key in {row["id"], row["name_key"]}:
                    found.setdefault(key, set()).add(row["id"])
            for row in await self.read(f"SELECT alias, jurisdiction_id FROM aliases"
                                       f" WHERE alias IN ({marks})", *chunk):
                found.setdefault(row["alias"], set()).add(row["jurisdiction_id"])
        return {text: sorted(found[text]) for text in texts if text in found}

    async def get_many(self, ids: Sequence[str]) -> dict[str, Jurisdiction]:
        return await whole_jurisdictions(self.read, ids)

    async def events_of(self, ids: Sequence[str]) -> dict[str, list[Event]]:
        result: dict[str, list[Event]] = {}
        for chunk in chunks(sorted(set(ids))):
            result.update(grouped(await self.read(
                f"SELECT * FROM events WHERE jurisdiction_id IN ({', '.join('?' * len(chunk))})"
                " ORDER BY jurisdiction_id, seq", *chunk), event_from))
        return result

    async def page(self, filters: Filters, offset: int, limit: int) -> tuple[list[Listing], int]:
        where, args = _where(filters)
        total = await self.read(f"SELECT count(*) AS n FROM jurisdictions{where}", *args)
        rows = await self.read(f"{_LISTING}{where} ORDER BY name_key, id LIMIT ? OFFSET ?",
                               *args, limit, offset)
        return [listing_from(r) for r in rows], int(total[0]["n"])

    async def taken_keys(self) -> set[str]:
        rows = await self.read("SELECT id AS k FROM jurisdictions UNION SELECT alias FROM aliases")
        return {r["k"] for r in rows}

    async def deadlines(self, first: date, last: date, filters: Filters,
                        limit: int) -> tuple[list[Listing], int]:
        where, args = _where(filters)
        where = (where + " AND" if where else " WHERE") + " due_on BETWEEN ? AND ?"
        args += [first.isoformat(), last.isoformat()]
        total = await self.read(f"SELECT count(*) AS n FROM jurisdictions{where}", *args)
        rows = await self.read(f"{_LISTING}{where} ORDER BY due_on, name_key LIMIT ?",
                               *args, limit)
        return [listing_from(r) for r in rows], int(total[0]["n"])

    async def due_states(self) -> list[str]:
        rows = await self.read("SELECT DISTINCT us_state AS s FROM jurisdictions "
                               "WHERE due_on IS NOT NULL ORDER BY us_state")
        return [str(r["s"] or "") for r in rows]

    async def recent_events(self, limit: int) -> list[Event]:
        rows = await self.read("SELECT * FROM events ORDER BY id DESC LIMIT ?", limit)
        return [event_from(r) for r in rows]

    # -- history -------------------------------------------------------------------------

    async def history(self, jurisdiction_id: str, offset: int,
                      limit: int) -> tuple[list[Event], int]:
        """Newest first."""
        return await self._counted(" FROM events WHERE jurisdiction_id = ?", "seq DESC",
                                   (jurisdiction_id,), limit, offset)

    async def events_of_kind(self, jurisdiction_id: str, kind: str,
                             limit: int) -> tuple[list[Event], int]:
        """Oldest first."""
        return await self._counted(" FROM events WHERE jurisdiction_id = ? AND kind = ?",
                                   "seq", (jurisdiction_id, kind), limit, 0)

    async def _counted(self, where: str, order: str, args: tuple[str, ...], limit: int,
                       offset: int) -> tuple[list[Event], int]:
        """A page of events and how many there are in all, in one query (the count
        rides on each row); a second query counts only for a page past the last."""
        rows = await self.read(f"SELECT *, count(*) OVER () AS total_of_all{where}"
                               f" ORDER BY {order} LIMIT ? OFFSET ?", *args, limit, offset)
        if rows:
            return [event_from(r) for r in rows], int(rows[0]["total_of_all"])
        if not offset:
            return [], 0
        total = await self.read(f"SELECT count(*) AS n{where}", *args)
        return [], int(total[0]["n"])


def _where(filters: Filters) -> tuple[str, list[str]]:
    clauses, args = [], []
    for column, value in (("state", filters.state), ("kind", filters.kind),
                          ("us_state", filters.us_state), ("owner", filters.owner)):
        if value:
            clauses.append(f"{column} = ?")
            args.append(value)
    if filters.due is not None:
        ranges = [_due_range(r, args) for r in filters.due]
        clauses.append("(" + (" OR ".join(ranges) or "1 = 0") + ")")
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), args


def _due_range(due: DueRange, args: list[str]) -> str:
    """One range's condition (ISO dates compare as text, on both engines)."""
    parts = ["us_state = ?", "due_on IS NOT NULL"]
    args.append(due.us_state)
    for op, day in ((">=", due.first), ("<=", due.last)):
        if day is not None:
            parts.append(f"due_on {op} ?")
            args.append(day.isoformat())
    return "(" + " AND ".join(parts) + ")"


async def whole_jurisdictions(read: Callable[..., Awaitable[list[Row]]], ids: Sequence[str]
                              ) -> dict[str, Jurisdiction]:
    """The jurisdictions of ``ids`` that exist, whole (aliases, rounds, court orders), a
    few queries per chunk of ids; ``read(sql, *args)`` runs a query (a store's, or one
    snapshot's)."""
    result: dict[str, Jurisdiction] = {}
    for chunk in chunks(sorted(set(ids))):
        marks = ", ".join("?" * len(chunk))
        rows = await read(f"SELECT * FROM jurisdictions WHERE id IN ({marks})", *chunk)
        if not rows:
            continue
        aliases = grouped(await read(
            f"SELECT jurisdiction_id, alias FROM aliases WHERE jurisdiction_id IN ({marks})"
            " ORDER BY jurisdiction_id, alias", *chunk), lambda r: r["alias"])
        rounds = grouped(await read(
            f"SELECT * FROM rounds WHERE jurisdiction_id IN ({marks})"
            " ORDER BY jurisdiction_id, number", *chunk), round_from)
        orders = grouped(await read(
            f"SELECT * FROM court_orders WHERE jurisdiction_id IN ({marks})"
            " ORDER BY jurisdiction_id, id", *chunk), order_from)
        result.update((r["id"], jurisdiction_from(r, aliases.get(r["id"], []),
                                                  rounds.get(r["id"], []),
                                                  orders.get(r["id"], []))) for r in rows)
    return result
