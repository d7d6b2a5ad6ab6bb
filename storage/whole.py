"""Whole jurisdictions in few queries: the rows, then every one's aliases, rounds and
court orders in ONE query (a UNION ALL of the three tables in one column layout), and
the one jurisdiction a text names exactly read with its look-up (no second query for
its row). And what a card shows of its events, in one query (``glance``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from functools import lru_cache

from storage.database import Row
from storage.rows import event_from, jurisdiction_from, listing_from, order_from, round_from
from workflows.evidence import EVIDENCE
from workflows.model import CourtOrder, Event, Jurisdiction, Listing, Round
from workflows.mutes import MUTE, UNMUTE

Read = Callable[..., Awaitable[list[Row]]]

def exact_query(select: str) -> str:
    """The jurisdictions ``?1`` names exactly, by id, name or alias, at most ``?2``, as
    ``select`` (a ``SELECT … FROM jurisdictions``) reads them: a UNION, each part an
    index look-up (as one OR, the aliases' sub-select has PostgreSQL filter every row)."""
    return (f"{select} WHERE id = ?1 UNION {select} WHERE name_key = ?1 UNION {select}"
            " WHERE id IN (SELECT jurisdiction_id FROM aliases WHERE alias = ?1)"
            " ORDER BY id LIMIT ?2")


EXACT_WHOLE = exact_query("SELECT * FROM jurisdictions")
"""``storage.reads.EXACT``, its rows whole."""

_ROUND = ("number", "kind", "sent_on", "due_on", "due_rule", "outcome", "closed_on",
          "paused_on", "business_days", "days_left")
_ORDER = ("id", "kind", "on_date", "case_number", "court", "scope", "blocks", "lifted_on",
          "NULL", "NULL")
_ALIAS = ("NULL", "NULL", "alias", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL")
_SLOTS = ("n", "t1", "t2", "t3", "t4", "t5", "t6", "t7", "i1", "i2")
"""One layout for the three tables' columns: an integer, seven texts, two integers (the
rounds come first, whose columns give each slot its type on PostgreSQL)."""


def _part(tag: str, table: str, columns: tuple[str, ...], marks: str) -> str:
    slots = ", ".join(f"{c} AS {s}" for c, s in zip(columns, _SLOTS, strict=True))
    return (f"SELECT '{tag}' AS part, jurisdiction_id, {slots} FROM {table}"
            f" WHERE jurisdiction_id IN ({marks})")


@lru_cache(maxsize=64)
def parts_query(count: int) -> str:
    """The parts' query for ``count`` ids (made once per count: most are for one)."""
    marks = ", ".join("?" * count)
    return " UNION ALL ".join((_part("r", "rounds", _ROUND, marks),
                               _part("o", "court_orders", _ORDER, marks),
                               _part("a", "aliases", _ALIAS, marks)))


Parts = tuple[list[str], list[Round], list[CourtOrder]]


async def parts_of(read: Read, ids: Sequence[str]) -> dict[str, Parts]:
    """The aliases (sorted), rounds (by number) and court orders (by id) of ``ids``."""
    rows = await read(parts_query(len(ids)), *ids, *ids, *ids)
    found: dict[str, Parts] = {}
    for row in rows:
        aliases, rounds, orders = found.setdefault(row["jurisdiction_id"], ([], [], []))
        fields = {c: row[s] for c, s in zip(
            _ROUND if row["part"] == "r" else _ORDER if row["part"] == "o" else _ALIAS,
            _SLOTS, strict=True)}
        if row["part"] == "r":
            rounds.append(round_from(fields))
        elif row["part"] == "o":
            orders.append(order_from(fields))
        else:
            aliases.append(fields["alias"])
    for aliases, rounds, orders in found.values():
        aliases.sort()
        rounds.sort(key=lambda r: r.number)
        orders.sort(key=lambda o: o.id or 0)
    return found


def made(rows: list[Row], parts: dict[str, Parts]) -> dict[str, Jurisdiction]:
    """Each row whole with its own parts: a jurisdiction with none gets lists of its
    own (one shared empty list would carry a round added to one to all the others)."""
    return {r["id"]: jurisdiction_from(r, *parts.get(r["id"], ([], [], []))) for r in rows}


async def exact_whole(read: Read, text: str, limit: int) -> Jurisdiction | list[Listing]:
    """The one jurisdiction ``text`` names exactly by id, name or alias, whole: two
    queries; else the listings of those it names (none, or several)."""
    rows = await read(EXACT_WHOLE, text.strip().lower(), limit)
    if len(rows) != 1:
        return [listing_from(r) for r in rows]
    return made(rows, await parts_of(read, [rows[0]["id"]]))[rows[0]["id"]]


GLANCE = ("SELECT 'v' AS part, (SELECT count(*) FROM events WHERE jurisdiction_id = ?1"
          " AND kind = ?4) AS total_of_all, e.* FROM (SELECT * FROM events"
          " WHERE jurisdiction_id = ?1 AND kind = ?4 ORDER BY seq LIMIT ?3) AS e"
          " UNION ALL SELECT 'h', NULL, e.* FROM (SELECT * FROM events"
          " WHERE jurisdiction_id = ?1 ORDER BY seq DESC LIMIT ?2) AS e"
          " UNION ALL SELECT 'm', NULL, e.* FROM events AS e"
          " WHERE jurisdiction_id = ?1 AND kind IN (?5, ?6)")
"""A card's events in one query, each part an index look-up: the first evidence
(with how many in all), the newest events, the mute events (ordered after, as
``storage.mutes.MUTES_OF``)."""

Glimpse = tuple[list[Event], list[Event], int, list[Event]]


async def glance(read: Read, jurisdiction_id: str, recent: int, evidence: int) -> Glimpse:
    """``Repository.glance``: the newest ``recent`` events (newest first), the first
    ``evidence`` evidence events (oldest first) and how many there are, and the mute
    and unmute events (oldest first)."""
    rows = await read(GLANCE, jurisdiction_id, recent, evidence, EVIDENCE, MUTE, UNMUTE)
    parts: dict[str, list[Row]] = {"h": [], "v": [], "m": []}
    for row in rows:
        parts[row["part"]].append(row)
    total = int(parts["v"][0]["total_of_all"]) if parts["v"] else 0
    mutes = sorted(parts["m"], key=lambda r: r["seq"])
    return ([event_from(r) for r in parts["h"]], [event_from(r) for r in parts["v"]],
            total, [event_from(r) for r in mutes])
