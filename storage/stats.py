"""The reads behind the review's numbers (``workflows.stats.StatsSource``).

The rounds are read a page at a time (keyset pagination on the rounds' primary key),
from one read snapshot of their own so that a pass over a big review sees one moment
and holds up neither writers nor the bot's other reads; each page then reads the
first response of its rounds from the events of its jurisdictions alone (through
their ``(jurisdiction_id, seq)`` index). The escalations are counted by the database.
The SQL is the subset both engines speak (``storage.database``): row values, window
functions, ``substr``.

Which round an event belongs to is told by counting: a jurisdiction's rounds are
numbered in the order the steps that open them were taken (``workflows.machine``),
so an event is in round N when N round-opening events come at or before it in the
jurisdiction's history.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import date
from typing import Any

from storage.database import Reader, Row
from storage.rows import date_or_none
from storage.store import Store
from workflows.stats import EscalationCount, RoundFact, StatsQuery, Steps

PAGE = 5_000
"""Rounds per page: big enough to amortise a query, small enough to hold."""

_FILTERS = ("(?1 = '' OR j.kind = ?1) AND (?2 = '' OR j.us_state = ?2)"
            " AND (?3 = '' OR {day} >= ?3)")

ROUNDS = (
    "SELECT r.jurisdiction_id AS jid, r.number, j.kind, j.us_state, r.sent_on, r.due_on,"
    " r.outcome, r.closed_on, r.paused_on"
    " FROM rounds r JOIN jurisdictions j ON j.id = r.jurisdiction_id"
    " WHERE (r.jurisdiction_id, r.number) > (?4, ?5) AND " + _FILTERS.format(day="r.sent_on")
    + " ORDER BY r.jurisdiction_id, r.number LIMIT ?6")

FIRST_RESPONSES = """
SELECT jid, round, min(on_date) AS first_on FROM (
    SELECT jurisdiction_id AS jid, kind, on_date,
           sum(CASE WHEN kind IN ({openers}) THEN 1 ELSE 0 END)
               OVER (PARTITION BY jurisdiction_id ORDER BY seq) AS round
    FROM events WHERE jurisdiction_id BETWEEN ?1 AND ?2 AND kind IN ({both})
) AS marked WHERE kind IN ({responses}) GROUP BY jid, round
"""
"""The date of the first response event of each round of the jurisdictions from ?1 to
?2 (events before any round count as round 0, which no round has)."""

ESCALATIONS = (
    "SELECT substr(e.on_date, 1, 7) AS month, e.kind, count(*) AS n"
    " FROM events e JOIN jurisdictions j ON j.id = e.jurisdiction_id"
    " WHERE e.kind IN ({steps}) AND " + _FILTERS.format(day="e.on_date")
    + " GROUP BY substr(e.on_date, 1, 7), e.kind ORDER BY month, e.kind")


class StatsStore:
    """The numbers' reads over the store."""

    def __init__(self, store: Store, page: int = PAGE) -> None:
        self.store = store
        self.page = page

    async def kinds(self) -> list[str]:
        rows = await self.store.read("SELECT DISTINCT kind FROM jurisdictions ORDER BY kind")
        return [row["kind"] for row in rows]

    async def round_facts(self, query: StatsQuery, steps: Steps
                          ) -> AsyncIterator[list[RoundFact]]:
        after: tuple[str, int] = ("", 0)
        async with self.store.db.snapshot() as reader:
            while True:
                rows = await reader.fetch(ROUNDS, *_filters(query), *after, self.page)
                if not rows:
                    return
                answers = await _first_responses(reader, rows, steps)
                yield [_fact(row, answers.get((row["jid"], int(row["number"])))) for row in rows]
                if len(rows) < self.page:
                    return
                after = (rows[-1]["jid"], int(rows[-1]["number"]))

    async def escalations(self, query: StatsQuery, steps: Steps) -> list[EscalationCount]:
        names = [name for group in steps.escalations.values() for name in group]
        if not names:
            return []
        sql = ESCALATIONS.format(steps=_marks(4, len(names)))
        rows = await self.store.read(sql, *_filters(query), *names)
        return [EscalationCount(r["month"], r["kind"], int(r["n"])) for r in rows]


def _filters(query: StatsQuery) -> tuple[str, str, str]:
    return query.kind, query.us_state, query.since.isoformat() if query.since else ""


async def _first_responses(reader: Reader, rows: Sequence[Row], steps: Steps
                           ) -> dict[tuple[str, int], date]:
    if not steps.responses or not steps.openers:
        return {}
    openers, responses = list(steps.openers), list(steps.responses)
    both = list(dict.fromkeys([*openers, *responses]))
    start = 3
    marks = {"openers": _marks(start, len(openers))}
    start += len(openers)
    marks["both"] = _marks(start, len(both))
    start += len(both)
    marks["responses"] = _marks(start, len(responses))
    args: list[Any] = [rows[0]["jid"], rows[-1]["jid"], *openers, *both, *responses]
    found = await reader.fetch(FIRST_RESPONSES.format(**marks), *args)
    return {(r["jid"], int(r["round"])): date.fromisoformat(r["first_on"]) for r in found}


def _marks(start: int, n: int) -> str:
    """Numbered placeholders ?start … ?(start + n - 1)."""
    return ", ".join(f"?{i}" for i in range(start, start + n))


def _fact(row: Row, first_response_on: date | None) -> RoundFact:
    return RoundFact(row["kind"], row["us_state"], date.fromisoformat(row["sent_on"]),
                     date_or_none(row["due_on"]), date_or_none(row["closed_on"]),
                     row["outcome"] is None, row["paused_on"] is not None, first_response_on)
