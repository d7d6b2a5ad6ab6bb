"""The review's numbers: how fast jurisdictions answer, how many answer in time, how
long rounds stay open, and how often the review escalates.

A round (``workflows.model.Round``) is what a step that ``opens_round`` starts: a
letter, a preliminary finding or a document demand, each with its deadline. The
figures are a fold over one fact per round (``RoundFact``), which the
``StatsSource`` streams page by page, so that no more than a page of rounds and one
tally per group is ever held, however large the review:

- first response: the first event of a step whose outcome is ``responded`` (the
  ``response`` step) recorded in the round; days to it are calendar days from the
  round's opening (its letter) to that event's date;
- median and p90 are nearest-rank percentiles of those days (the smallest value with
  at least half, or nine tenths, of the answered rounds at or below it);
- answered by the deadline: the first response falls on or before the round's due
  date (as it stands, after any extension). A round with no response counts as not
  answered once its deadline passed while it still waited: it is open and its due date
  is before today (its clock not paused), or it was closed (cleared, superseded,
  found insufficient) after its due date. Rounds with no deadline, unanswered rounds
  not yet due (or closed before they were due) are left out of the share;
- open rounds: rounds with no outcome yet, by age, today minus the day they were
  opened, in calendar days: 0–30, 31–60, 61–90, over 90;
- a batch: the rounds opened on one day (across jurisdictions);
- escalations per month: events of the steps that open a finding round (findings),
  a demand round (subpoena threats) and that give a round the outcome ``subpoena``
  (subpoenas issued), by the month of the step's date.

Filters: ``kind`` and ``state`` narrow the jurisdictions, ``since`` the rounds to
those opened on or after a day (and the escalations to steps taken on or after it).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from workflows.deadlines import is_us_state, parse_date
from workflows.definition import Definition, Step
from workflows.errors import BadInput

AGES = ("0–30", "31–60", "61–90", "over 90")
"""The age brackets of open rounds, in calendar days."""
AGE_LIMITS = (30, 60, 90)
ESCALATIONS = ("findings", "threats", "subpoenas")
DIMENSIONS = ("kind", "state", "batch")


@dataclass(frozen=True)
class StatsQuery:
    """What the numbers cover; empty fields cover everything."""

    kind: str = ""
    us_state: str = ""
    since: date | None = None

    def describe(self) -> str:
        parts = [f"kind {self.kind}" if self.kind else "",
                 f"state {self.us_state}" if self.us_state else "",
                 f"rounds opened since {self.since}" if self.since else ""]
        return ", ".join(p for p in parts if p) or "the whole review"


@dataclass(frozen=True)
class Steps:
    """The workflow's steps the numbers count, by their names (event kinds)."""

    openers: tuple[str, ...]
    responses: tuple[str, ...]
    escalations: Mapping[str, tuple[str, ...]]
    """Each of ``ESCALATIONS`` and the steps that count as one."""

    @classmethod
    def of(cls, definition: Definition) -> Steps:
        def names(test: Callable[[Step], bool]) -> tuple[str, ...]:
            return tuple(dict.fromkeys(s.name for s in definition.steps if test(s)))
        return cls(
            openers=names(lambda s: s.opens_round is not None),
            responses=names(lambda s: s.outcome == "responded"),
            escalations={
                "findings": names(lambda s: s.opens_round == "finding"),
                "threats": names(lambda s: s.opens_round == "demand"),
                "subpoenas": names(lambda s: s.outcome == "subpoena"),
            })

    def escalation_of(self, step: str) -> str | None:
        return next((label for label, steps in self.escalations.items() if step in steps),
                    None)


@dataclass(frozen=True)
class RoundFact:
    """One round as the numbers see it, with its jurisdiction's kind and US state."""

    kind: str
    us_state: str
    sent_on: date
    due_on: date | None
    closed_on: date | None
    is_open: bool
    paused: bool
    first_response_on: date | None


@dataclass(frozen=True)
class EscalationCount:
    month: str
    """YYYY-MM"""
    step: str
    count: int


class StatsSource(Protocol):
    """What the numbers read (``storage/stats.py``)."""

    async def kinds(self) -> list[str]:
        """The kinds of jurisdiction in the review (for checking ``kind=``)."""
        ...

    def round_facts(self, query: StatsQuery, steps: Steps) -> AsyncIterator[list[RoundFact]]:
        """Every round ``query`` covers, a page at a time."""
        ...

    async def escalations(self, query: StatsQuery, steps: Steps) -> list[EscalationCount]:
        """Events of the escalation steps, counted by month and step."""
        ...


@dataclass(frozen=True)
class Figures:
    rounds: int = 0
    answered: int = 0
    median_days: int | None = None
    p90_days: int | None = None
    on_time: int = 0
    decided: int = 0
    """Rounds the on-time share is taken over (answered, or due and not answered)."""
    ages: tuple[int, ...] = (0, 0, 0, 0)

    @property
    def on_time_share(self) -> float | None:
        return self.on_time / self.decided if self.decided else None

    @property
    def open(self) -> int:
        return sum(self.ages)


@dataclass
class Tally:
    """A group's running counts while the facts stream past."""

    rounds: int = 0
    days: Counter[int] = field(default_factory=Counter)
    on_time: int = 0
    decided: int = 0
    ages: list[int] = field(default_factory=lambda: [0, 0, 0, 0])

    def add(self, fact: RoundFact, today: date) -> None:
        self.rounds += 1
        if fact.first_response_on is not None:
            self.days[(fact.first_response_on - fact.sent_on).days] += 1
        verdict = on_time(fact, today)
        if verdict is not None:
            self.decided += 1
            self.on_time += verdict
        if fact.is_open:
            self.ages[age_bracket((today - fact.sent_on).days)] += 1

    def figures(self) -> Figures:
        return Figures(self.rounds, self.days.total(), percentile(self.days, 50),
                       percentile(self.days, 90), self.on_time, self.decided, tuple(self.ages))


def on_time(fact: RoundFact, today: date) -> bool | None:
    """True: answered by the deadline; False: answered late, or the deadline passed
    while the round waited; None: the round does not count (see the module)."""
    if fact.due_on is None:
        return None
    if fact.first_response_on is not None:
        return fact.first_response_on <= fact.due_on
    if fact.is_open:
        return False if not fact.paused and fact.due_on < today else None
    return False if fact.closed_on is not None and fact.due_on < fact.closed_on else None


def age_bracket(days: int) -> int:
    return next((n for n, limit in enumerate(AGE_LIMITS) if days <= limit), len(AGE_LIMITS))


def percentile(values: Counter[int], p: int) -> int | None:
    """The nearest-rank ``p``-th percentile of ``values`` (value → how many times)."""
    total = values.total()
    if not total:
        return None
    rank, seen = math.ceil(p * total / 100), 0
    for value in sorted(values):
        seen += values[value]
        if seen >= rank:
            return value
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Month:
    month: str
    counts: tuple[int, ...]
    """One count per ``ESCALATIONS``."""


@dataclass(frozen=True)
class Stats:
    today: date
    query: StatsQuery
    total: Figures
    groups: Mapping[str, tuple[tuple[str, Figures], ...]]
    """Per ``DIMENSIONS``: (kind | US state | ISO day the batch was opened, figures),
    in order (batches oldest first)."""
    months: tuple[Month, ...] = ()


async def compute_stats(source: StatsSource, query: StatsQuery, steps: Steps,
                        today: date) -> Stats:
    """The numbers of the rounds ``query`` covers, as of ``today``."""
    tallies = Tallies()
    async for page in source.round_facts(query, steps):
        tallies.add(page, today)
    months = monthly(await source.escalations(query, steps), steps)
    return tallies.stats(today, query, months)


@dataclass
class Tallies:
    """The whole review's tally and one per kind, state and batch."""

    total: Tally = field(default_factory=Tally)
    groups: dict[str, dict[str, Tally]] = field(
        default_factory=lambda: {d: {} for d in DIMENSIONS})

    def add(self, facts: Iterable[RoundFact], today: date) -> None:
        for fact in facts:
            self.total.add(fact, today)
            for dimension, key in zip(DIMENSIONS, (fact.kind or "(none)",
                                                   fact.us_state or "(none)",
                                                   fact.sent_on.isoformat()), strict=True):
                self.groups[dimension].setdefault(key, Tally()).add(fact, today)

    def stats(self, today: date, query: StatsQuery, months: tuple[Month, ...]) -> Stats:
        groups = {d: tuple((key, tally.figures()) for key, tally in sorted(found.items()))
                  for d, found in self.groups.items()}
        return Stats(today, query, self.total.figures(), groups, months)


def monthly(counts: Iterable[EscalationCount], steps: Steps) -> tuple[Month, ...]:
    """Escalations per month, every month from the first to the last (none: zeros)."""
    by_month: dict[str, list[int]] = {}
    for row in counts:
        label = steps.escalation_of(row.step)
        if label is not None:
            by_month.setdefault(row.month, [0] * len(ESCALATIONS))[
                ESCALATIONS.index(label)] += row.count
    if not by_month:
        return ()
    return tuple(Month(m, tuple(by_month.get(m, [0] * len(ESCALATIONS))))
                 for m in _months(min(by_month), max(by_month)))


def _months(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:7])
    found = []
    while f"{year:04d}-{month:02d}" <= last:
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


# -- what people type --------------------------------------------------------------------


def parse_query(options: Mapping[str, str], today: date, kinds: Iterable[str]) -> StatsQuery:
    """``kind=``, ``state=`` and ``since=`` as typed; a refusal naming what is wrong."""
    kind = options.get("kind", "").strip().lower()
    known = sorted(k for k in kinds if k)
    if kind and kind not in known:
        listed = ", ".join(known) or "none yet"
        raise BadInput(f"“{options['kind']}” is not a kind of jurisdiction in the review; "
                       f"the kinds are: {listed}.", field="kind")
    us_state = options.get("state", "").strip().upper()
    if us_state and not is_us_state(us_state):
        raise BadInput(f"“{options['state']}” is not a US state code (IL, CA, DC, …).",
                       field="state")
    since = parse_date(options["since"], "date") if options.get("since", "").strip() else None
    if since is not None and since > today:
        raise BadInput(f"since={since} is in the future (today is {today}); give a day on "
                       "or before today.", field="date")
    return StatsQuery(kind, us_state, since)


class StatsService:
    """The numbers over a source, counting the steps of the workflow in force."""

    def __init__(self, source: StatsSource, definition: Definition) -> None:
        self.source = source
        self.steps = Steps.of(definition)

    async def query(self, options: Mapping[str, str], today: date) -> StatsQuery:
        """The query ``options`` ask for (``kind=`` checked against the review's kinds)."""
        kind = options.get("kind", "").strip()
        return parse_query(options, today, await self.source.kinds() if kind else ())

    async def compute(self, query: StatsQuery, today: date) -> Stats:
        return await compute_stats(self.source, query, self.steps, today)
