"""The review as the domain reads it: jurisdictions (by id, name, alias or prefix),
their listings and deadlines, and their events."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import date

from storage.base import StoreBase
from storage.database import Row, chunks
from storage.rows import event_from, grouped, listing_from
from storage.whole import Glimpse, exact_query, exact_whole, glance, made, parts_of
from workflows.model import Event, Jurisdiction, Listing
from workflows.ports import COUNT_CAP, Cursor, DueRange, Filters, Total, stopped

_LISTING = "SELECT id, name, kind, us_state, state, due_on, owner FROM jurisdictions"

EXACT = exact_query(_LISTING)
"""The listings of the jurisdictions ``?1`` names exactly (``storage.whole.exact_query``)."""


class JurisdictionReads(StoreBase):
    """The ``Repository``'s reads."""

    async def get(self, jurisdiction_id: str) -> Jurisdiction | None:
        return (await self.get_many([jurisdiction_id])).get(jurisdiction_id)

    async def lookup(self, text: str, limit: int) -> tuple[list[Listing], list[Listing]]:
        key = text.strip().lower()
        end = key + "\U0010ffff"
        exact = await self.read(EXACT, key, limit)
        if exact:
            return [listing_from(r) for r in exact], []
        prefixed = await self.read(
            f"{_LISTING} WHERE (id >= ?1 AND id < ?2) OR (name_key >= ?1 AND name_key < ?2) "
            "OR id IN (SELECT jurisdiction_id FROM aliases WHERE alias >= ?1 AND alias < ?2) "
            "ORDER BY id LIMIT ?3",
            key, end, limit)
        return [], [listing_from(r) for r in prefixed]

    async def exact(self, text: str, limit: int) -> Jurisdiction | list[Listing]:
        return await exact_whole(self.read, text, limit)

    async def glance(self, jurisdiction_id: str, recent: int, evidence: int) -> Glimpse:
        return await glance(self.read, jurisdiction_id, recent, evidence)

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

    async def page(self, filters: Filters, offset: int, limit: int,
                   after: Cursor | None = None) -> tuple[list[Listing], int]:
        """A page in (name_key, id) order: the ids are read from an index that holds
        every filter's column, from the cursor (a seek) or skipping ``offset`` entries
        from the nearer end (no row is read but the page's, nothing is sorted); then the
        page's rows."""
        where, args = _where(filters)
        total = await self._count(filters, where, args, limit)
        from_end = after is None and offset > total // 2 and not stopped(total)
        if from_end:  # the second half is skipped into from the end: the last page is the
            # first of the list read backward
            offset, limit = max(0, total - offset - limit), max(0, min(limit, total - offset))
        sql, page_args = page_query(filters, offset, limit, after, self.db.unindexed, from_end)
        ids = [r["id"] for r in await self.read(sql, *page_args)] if limit else []
        if from_end or (after is not None and after.backward):
            ids.reverse()
        return await self._listings(ids), total

    async def _listings(self, ids: Sequence[str]) -> list[Listing]:
        if not ids:
            return []
        rows = {r["id"]: r for r in await self.read(
            f"{_LISTING} WHERE id IN ({', '.join('?' * len(ids))})", *ids)}
        return [listing_from(rows[i]) for i in ids if i in rows]

    async def _count(self, filters: Filters, where: str, args: Sequence[object],
                     limit: int) -> int:
        """How many match: the kept count where one filter or none is given (O(1)),
        else counted from an index, up to a cap (``_capped``)."""
        facets = [(f, v) for f, v in (("state", filters.state), ("kind", filters.kind),
                                      ("us_state", filters.us_state),
                                      ("owner", filters.owner)) if v]
        if filters.due is None and len(facets) <= 1:
            facet, value = facets[0] if facets else ("all", "")
            kept = await self.read("SELECT n FROM jurisdiction_counts WHERE facet = ?"
                                   " AND value = ?", facet, value)
            return int(kept[0]["n"]) if kept else 0
        return await _capped(self.read, where, args, limit)

    async def taken_keys(self) -> set[str]:
        rows = await self.read("SELECT id AS k FROM jurisdictions UNION SELECT alias FROM aliases")
        return {r["k"] for r in rows}

    async def deadlines(self, first: date, last: date, filters: Filters,
                        limit: int) -> tuple[list[Listing], int]:
        where, args = _where(filters)
        where = (where + " AND" if where else " WHERE") + " due_on BETWEEN ? AND ?"
        args += [first.isoformat(), last.isoformat()]
        rows = await self.read(f"{_LISTING}{where} ORDER BY due_on, name_key, id LIMIT ?",
                               *args, limit)
        return [listing_from(r) for r in rows], await _capped(self.read, where, args, limit)

    async def due_states(self) -> list[str]:
        rows = await self.read("SELECT value AS s FROM jurisdiction_counts"
                               " WHERE facet = 'due_us_state' AND n > 0 ORDER BY value")
        return [str(r["s"]) for r in rows]

    async def recent_events(self, limit: int) -> list[Event]:
        rows = await self.read("SELECT * FROM events ORDER BY id DESC LIMIT ?", limit)
        return [event_from(r) for r in rows]

    # -- history -------------------------------------------------------------------------

    async def history(self, jurisdiction_id: str, offset: int,
                      limit: int) -> tuple[list[Event], int]:
        """Newest first. A jurisdiction's events are numbered 1, 2, … (``seq``, with no
        gap: each change numbers its events on from the version it was made from), so
        the count is the last number and a page starts at a number: two index look-ups,
        whatever the page, in one query (a second only for a page past the last)."""
        rows = await self.read(
            "SELECT e.*, m.n AS total_of_all FROM (SELECT max(seq) AS n FROM events"
            " WHERE jurisdiction_id = ?) AS m JOIN events AS e ON e.jurisdiction_id = ?"
            " AND e.seq <= m.n - ? ORDER BY e.seq DESC LIMIT ?",
            jurisdiction_id, jurisdiction_id, offset, limit)
        if rows:
            return [event_from(r) for r in rows], int(rows[0]["total_of_all"])
        last = await self.read("SELECT max(seq) AS n FROM events WHERE jurisdiction_id = ?",
                               jurisdiction_id)
        return [], int(last[0]["n"] or 0)

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


def page_query(filters: Filters, offset: int, limit: int, after: Cursor | None = None,
               unindexed: str = "+{}", backward: bool = False) -> tuple[str, list[object]]:
    """The query for the ids of a page of the list, and its arguments (``backward``, or
    backward from a cursor: in reverse order); ``unindexed`` is the engine's
    (``Database``)."""
    where, args = _where(filters, unindexed)
    order = "name_key DESC, id DESC" if backward else "name_key, id"
    if after is not None:
        op, order = ("<", "name_key DESC, id DESC") if after.backward else (">", order)
        where = (where + " AND" if where else " WHERE") + f" (name_key, id) {op} (?, ?)"
        args += [after.name_key, after.id]
        offset = 0
    return (f"SELECT id FROM jurisdictions{where} ORDER BY {order} LIMIT ? OFFSET ?",
            [*args, limit, offset])


async def _capped(read: Callable[..., Awaitable[list[Row]]], where: str,
                  args: Sequence[object], limit: int) -> int:
    """How many jurisdictions match ``where``, counted up to ``max(COUNT_CAP, limit)``
    (past that, ``Total.more_than`` it): a cost bounded whatever the size."""
    cap = max(COUNT_CAP, limit)
    counted = await read(f"SELECT count(*) AS n FROM (SELECT 1 FROM jurisdictions{where}"
                         " LIMIT ?) AS capped", *args, cap + 1)
    n = int(counted[0]["n"])
    return Total.more_than(cap) if n > cap else n


def _where(filters: Filters, unindexed: str = "") -> tuple[str, list[str]]:
    """The condition ``filters`` make. ``unindexed`` (``Database``): for a page, which
    walks an index in its order; a deadline tier's ranges are then checked in that index
    rather than looked up, each on its own, and sorted."""
    in_order = bool(unindexed)
    clauses, args = [], []
    for column, value in (("state", filters.state), ("kind", filters.kind),
                          ("us_state", filters.us_state), ("owner", filters.owner)):
        if value:
            clauses.append(f"{column} = ?")
            args.append(value)
    if filters.due is not None:
        grouped = _by_range(filters.due)
        if in_order and filters.due:  # first the dates all the ranges lie between
            firsts, lasts = zip(*grouped, strict=True)
            clauses.append(_due_range([], None if None in firsts else min(filter(None, firsts)),
                                      None if None in lasts else max(filter(None, lasts)),
                                      args, unindexed))
        ranges = [_due_range(states, first, last, args, unindexed)
                  for (first, last), states in grouped.items()]
        clauses.append("(" + (" OR ".join(ranges) or "1 = 0") + ")")
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), args


def _by_range(due: Sequence[DueRange]) -> dict[tuple[date | None, date | None], list[str]]:
    """The US states of each range of due dates: most states share a calendar, so a
    tier is a few ranges, each for many states (not one term per state to check)."""
    found: dict[tuple[date | None, date | None], list[str]] = {}
    for r in due:
        found.setdefault((r.first, r.last), []).append(r.us_state)
    return found


def _due_range(states: Sequence[str], first: date | None, last: date | None,
               args: list[str], unindexed: str) -> str:
    """One range's condition (ISO dates compare as text, on both engines), its columns
    written ``unindexed`` where given (``_where``)."""
    us_state, due_on = ((unindexed or "{}").format(c) for c in ("us_state", "due_on"))
    parts = [f"{due_on} IS NOT NULL"]  # the cheap checks first: most rows fail them
    for op, day in ((">=", first), ("<=", last)):
        if day is not None:
            parts.append(f"{due_on} {op} ?")
            args.append(day.isoformat())
    if states:
        parts.append(f"{us_state} IN ({', '.join('?' * len(states))})")
        args.extend(states)
    return "(" + " AND ".join(parts) + ")"


async def whole_jurisdictions(read: Callable[..., Awaitable[list[Row]]], ids: Sequence[str]
                              ) -> dict[str, Jurisdiction]:
    """The jurisdictions of ``ids`` that exist, whole (aliases, rounds, court orders), two
    queries per chunk of ids (``storage.whole``); ``read(sql, *args)`` runs a query (a
    store's, or one snapshot's)."""
    result: dict[str, Jurisdiction] = {}
    for chunk in chunks(sorted(set(ids))):
        marks = ", ".join("?" * len(chunk))
        rows = await read(f"SELECT * FROM jurisdictions WHERE id IN ({marks})", *chunk)
        if rows:
            result.update(made(rows, await parts_of(read, [r["id"] for r in rows])))
    return result
