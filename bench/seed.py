"""A review database of N jurisdictions with realistic history, built for the benchmark.

Everything goes through the project's own code. The domain plays each jurisdiction's
story on an in-memory aggregate, as an import does: ``Workflow.take`` for each step
(by a role allowed to take it, on a date its guards accept), ``attach`` for court
orders, ``attach_evidence``'s detail for the files kept with each step (about ten
events a jurisdiction in all), ``plan`` for the reminders its running deadline implies.
The store (SQLite, or PostgreSQL given a URL) writes them in big ``add_many``
batches, each chunk's writes running while the next chunk's stories are played. Then
the sweeps that would have run before the business day of ``as_of`` are caught up
with the store's own claim and mark-sent calls, so the reminders table holds sent
history and follow-up chains, and the batch that the first sweep of the day takes is
still due.

``python -m bench.seed TARGET SIZE`` builds one file (or PostgreSQL database) and
prints a JSON report; it runs in a process of its own so that its memory does not
count against the measurements.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from random import Random
from time import perf_counter

from bench.databases import create, settle
from storage.store import Store
from storage.summaries import SummaryStore
from workflows.deadlines import DueSpec
from workflows.definition import default_definition
from workflows.details import attach, step_detail
from workflows.evidence import EVIDENCE, Evidence, evidence_detail
from workflows.jurisdictions import new_jurisdiction
from workflows.machine import StepContext, Workflow
from workflows.model import CourtOrder, Event, Jurisdiction, OrderKind, Role
from workflows.reminders import Due, Policy, follow_up, plan
from workflows.summary import Cadence, Schedule, Subscription

DEFAULT_AS_OF = datetime(2025, 3, 4, 14, 5, tzinfo=UTC)
"""A Tuesday, 09:05 in New York: five minutes into the business day, when the first
sweep of the day takes everything planned for today."""
DEFAULT_CHANNEL = "#compliance-review"
LEADERSHIP = "C0LEADERS"
"""The channel with a weekly summary subscription (what the summary figure builds)."""
HISTORY_DAYS = 180
CHUNK = 2_000
"""Jurisdictions per ``add_many`` transaction: big enough to amortise the commit."""
CATCH_UP_BATCH = 50_000
YIELD_EVERY = 25

ADMIN, ANALYST, LEAD, COUNSEL = "U0ADMIN", "U0ANALYST01", "U0LEAD01", "U0COUNSEL01"
ACTORS = {Role.ANALYST: ANALYST, Role.LEAD: LEAD, Role.COUNSEL: COUNSEL}
ROLES = {ANALYST: Role.ANALYST, "U0ANALYST02": Role.ANALYST, LEAD: Role.LEAD,
         "U0LEAD02": Role.LEAD, COUNSEL: Role.COUNSEL}
OWNERS = tuple(f"U0ANALYST{n:02d}" for n in range(1, 26))
CHANNELS = tuple(f"C0TEAM{n:02d}" for n in range(1, 13))
US_STATES = ("AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID",
             "IL", "IN", "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO",
             "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA",
             "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY")
KINDS = {"city": "City of {}", "county": "{} County", "state": "{} State Agency"}
ROOTS = ("Oak", "Ash", "Elm", "Pine", "Cedar", "Maple", "Birch", "Willow", "Stone", "River",
         "Lake", "Hill", "Spring", "Fair", "Green", "Red", "North", "South", "East", "West")
ENDS = ("ford", "field", "wood", "dale", "port", "ville", "ton", "burg", "view", "haven")

STEPS_TAKEN = (0, 1, 2, 3, 4, 5, 6)
STEPS_WEIGHT = (5, 24, 20, 18, 14, 11, 8)
GAPS = (1, 3, 7, 14, 30, 45, 60, 90)
"""Days between two steps: some before a deadline passes, some after."""
WEIGHTS = {"letter": 0.3, "close": 0.1, "deny": 0.3, "clarify": 0.5, "resume": 3.0,
           "response": 3.0, "insufficient": 3.0, "threaten": 3.0, "subpoena": 2.0,
           "approve": 2.0}
DUES = (DueSpec(days=30), DueSpec(days=45), DueSpec(days=60), DueSpec(days=20, business=True))
LAWSUITS, INJUNCTIONS, LIFTED = 0.03, 0.015, 0.3
FILES_ADDED = (0, 1, 2, 3, 4)
"""Evidence files kept when a jurisdiction is added (its ordinance, earlier letters)."""
FILES_PER_STEP = (1, 2, 3, 4, 5)
"""Evidence files kept with each step (the letter sent, the response, its exhibits)."""
REASSIGNED = 0.35
"""The chance that a jurisdiction changes hands again after a step."""


@dataclass
class Story:
    """One jurisdiction as added, and everything recorded about it since."""

    jurisdiction: Jurisdiction
    events: list[Event] = field(default_factory=list)
    last_step: date | None = None


@dataclass(frozen=True)
class Setting:
    """What every story is played with: the rules, the reminder policy and the time."""

    workflow: Workflow
    policy: Policy
    as_of: datetime

    @property
    def today(self) -> date:
        return self.as_of.astimezone(self.policy.timezone).date()


def setting(as_of: datetime) -> Setting:
    definition = default_definition()
    return Setting(Workflow(definition), definition.reminders.apply(Policy()), as_of)


# -- one jurisdiction's story ----------------------------------------------------------


def story(n: int, rng: Random, world: Setting) -> Story:
    """Jurisdiction ``n``: added some day in the past year, perhaps assigned, perhaps
    in court, then up to six workflow steps, each on a later day."""
    j = _identity(n, rng)
    s = Story(j)
    day = world.today - timedelta(days=rng.randint(0, HISTORY_DAYS))
    _record(s, world, "added", ADMIN, day, {"kind": j.kind, "us_state": j.us_state}, rng,
            None)
    if rng.random() < 0.8:
        j.owner, j.channel = rng.choice(OWNERS), rng.choice(CHANNELS)
        _record(s, world, "assigned", LEAD, day, {"owner": j.owner, "channel": j.channel}, rng)
    _files(s, world, day, rng, rng.choice(FILES_ADDED), ADMIN)
    injunction = _court(s, world, day, rng)
    for _ in range(rng.choices(STEPS_TAKEN, STEPS_WEIGHT)[0]):
        day += timedelta(days=rng.choice(GAPS))
        if day > world.today or not _step(s, world, day, rng):
            break
        _files(s, world, day, rng, rng.choice(FILES_PER_STEP), s.events[-1].actor)
        if j.owner is not None and rng.random() < REASSIGNED:
            j.owner = rng.choice(OWNERS)
            _record(s, world, "assigned", LEAD, day, {"owner": j.owner, "channel": j.channel},
                    rng)
    if injunction is not None and rng.random() < LIFTED:
        _lift(s, world, injunction, day, rng)
    return s


def _identity(n: int, rng: Random) -> Jurisdiction:
    kind = rng.choice(tuple(KINDS))
    place = rng.choice(ROOTS) + rng.choice(ENDS)
    us_state = rng.choice(US_STATES)
    aliases = (f"x{n}",) if rng.random() < 0.2 else ()
    return new_jurisdiction(f"{place.lower()}-{kind}-{n}", f"{KINDS[kind].format(place)} {n}, "
                            f"{us_state}", kind, us_state, aliases)


def _record(s: Story, world: Setting, kind: str, actor: str, day: date,
            detail: dict[str, object], rng: Random, before: str | None = "") -> None:
    """Append an event as ``Review`` would record it (``before`` "" means unchanged)."""
    j = s.jurisdiction
    at = min(datetime.combine(day, time(13), UTC) + timedelta(minutes=rng.randint(0, 300)),
             world.as_of - timedelta(minutes=1))
    was = j.state if before == "" else before
    s.events.append(Event(j.id, kind, actor, day, at, was, j.state, {"name": j.name, **detail}))


def _files(s: Story, world: Setting, day: date, rng: Random, count: int, actor: str) -> None:
    """``count`` evidence files recorded on ``day``, as ``Review.attach_evidence`` records
    them (``evidence_detail``): the state does not move."""
    for n in range(count):
        digest = f"{rng.getrandbits(256):064x}"
        kept = Evidence(digest, rng.randint(20_000, 4_000_000), f"letter-{n + 1}.pdf",
                        "application/pdf", f"F{digest[:10].upper()}",
                        f"https://example.slack.com/files/{digest[:10]}", rng.random() < 0.5)
        _record(s, world, EVIDENCE, actor, day, evidence_detail(s.jurisdiction, kept, ""), rng)


def _court(s: Story, world: Setting, day: date, rng: Random) -> CourtOrder | None:
    """Sometimes a lawsuit, more rarely an injunction that blocks escalation."""
    roll = rng.random()
    if roll >= LAWSUITS + INJUNCTIONS:
        return None
    case = f"{rng.randint(1, 9)}:{rng.randint(17, 24)}-cv-{rng.randint(1000, 9999):05d}"
    if roll < LAWSUITS:
        order = CourtOrder(OrderKind.LAWSUIT, day, case, "D. Ct.", "grant conditions")
    else:
        blocks = world.workflow.definition.expand_blocks(["escalation"])
        order = CourtOrder(OrderKind.INJUNCTION, day, case, "D. Ct.", "grant conditions",
                           blocks)
    _record(s, world, order.kind.value, LEAD, day, attach(s.jurisdiction, order), rng)
    return s.jurisdiction.orders[-1] if order.kind is OrderKind.INJUNCTION else None


def _lift(s: Story, world: Setting, order: CourtOrder, day: date, rng: Random) -> None:
    day += timedelta(days=rng.choice(GAPS))
    if day <= world.today:
        order.lifted_on = day
        _record(s, world, "lifted", LEAD, day, {"order_id": order.id, "order": order.label()},
                rng)


def _step(s: Story, world: Setting, day: date, rng: Random) -> bool:
    """Take one step that someone may take on ``day``; False if there is none."""
    j, workflow = s.jurisdiction, world.workflow
    options = _options(j, day, workflow)
    if not options:
        return False
    names = list(options)
    weights = [1.0 if j.state == workflow.definition.initial else WEIGHTS.get(name, 1.0)
               for name in names]
    name = rng.choices(names, weights)[0]
    due = _due(workflow, j, name, rng)
    before = j.state
    note = "seeded" if any(step.needs for step in workflow.candidates(j, name)) else ""
    workflow.take(j, name, StepContext(ACTORS[options[name]], options[name], day, due, note,
                                       today=day))
    _record(s, world, name, ACTORS[options[name]], day, step_detail(j, note, ""), rng, before)
    s.last_step = day
    return True


def _options(j: Jurisdiction, day: date, workflow: Workflow) -> dict[str, Role]:
    """Every step someone may take on ``j`` on ``day``, with the first role that may."""
    options: dict[str, Role] = {}
    for role, actor in ACTORS.items():
        for name in workflow.allowed(j, StepContext(actor, role, day, today=day)):
            options.setdefault(name, role)
    return options


def _due(workflow: Workflow, j: Jurisdiction, name: str, rng: Random) -> DueSpec | None:
    deadline = workflow.candidates(j, name)[0].deadline
    if deadline == "required" or (deadline == "optional" and rng.random() < 0.7):
        return rng.choice(DUES)
    return None


# -- writing ---------------------------------------------------------------------------


@dataclass
class SeedReport:
    size: int
    seconds: float
    peak_rss_kib: int
    rows: dict[str, int]
    reminders: dict[str, int]
    due_now: int


async def stories(size: int, seed: int, world: Setting) -> AsyncIterator[list[Story]]:
    """The stories in chunks, so a large database never sits in memory whole. Every
    ``YIELD_EVERY`` stories the loop gets a turn: the previous chunk's write hands its
    next statement to the database, which runs it while these stories are played."""
    rng = Random(seed)
    for start in range(0, size, CHUNK):
        chunk = []
        for n in range(start + 1, min(start + CHUNK, size) + 1):
            chunk.append(story(n, rng, world))
            if n % YIELD_EVERY == 0:
                await asyncio.sleep(0)
        yield chunk


async def write(store: Store, chunk: list[Story], world: Setting) -> None:
    """Add the chunk (as added, with its history) and the reminders each running
    deadline implies, planned on the day of its last step as ``Review.take`` plans
    them. ``mark_reminders_sent`` with no ids is the store's one bulk way to add
    reminders; it keeps only those whose deadline is still running."""
    await store.add_many([(s.jurisdiction, s.events, ()) for s in chunk])
    planned = [r for s in chunk if s.last_step is not None
               for r in plan(s.jurisdiction, world.policy, s.last_step)]
    await store.mark_reminders_sent([], "", world.as_of, planned)


async def catch_up(store: Store, world: Setting, until: datetime) -> int:
    """Claim and mark sent every reminder due before ``until``, chaining each overdue
    one's follow-up, until none is left: what daily sweeps would have done."""
    sent, rounds = 0, 0
    while due := await store.claim_reminders(until, f"seed-{rounds}", DEFAULT_CHANNEL,
                                             CATCH_UP_BATCH):
        chained = [f for d in due if (f := follow_up(d.reminder, world.policy, d.us_state,
                                                     d.reminder.due_at))]  # sent when due
        await store.mark_reminders_sent([_id(d) for d in due], "", until, chained)
        sent, rounds = sent + len(due), rounds + 1
    return sent


def _id(due: Due) -> int:
    assert due.reminder.id is not None
    return due.reminder.id


async def people(store: Store, world: Setting, summary_sent: datetime) -> None:
    """Roles, and a channel with a weekly summary last sent at ``summary_sent``."""
    for user, role in ROLES.items():
        await store.set_role(user, role, ADMIN, world.as_of - timedelta(days=HISTORY_DAYS))
    summaries = SummaryStore(store)
    schedule = Schedule(Cadence.WEEKLY, time(9, 0), world.policy.timezone.key, 1)
    await summaries.subscribe(Subscription(LEADERSHIP, schedule, LEAD,
                                           world.as_of - timedelta(days=60)))
    await summaries.mark_sent(LEADERSHIP, summary_sent)


async def seed(target: str | Path, size: int, as_of: datetime = DEFAULT_AS_OF, seed: int = 1,
               caught_up: bool = False) -> SeedReport:
    """Build ``target`` (a new file, or a ``postgresql://`` URL of a database not made
    yet) with ``size`` jurisdictions as of ``as_of``.
    Sweeps are caught up to just before today's business hours open, so that today's
    reminders are due at ``as_of``, and the weekly summary went out a week ago; with
    ``caught_up``, both are caught up to ``as_of``: a bot started then has nothing to
    send."""
    started = perf_counter()
    world = setting(as_of)
    until = as_of if caught_up else world.policy.opening(world.today) - timedelta(seconds=1)
    store = await create(str(target))
    try:
        writing: asyncio.Task[None] | None = None
        async for chunk in stories(size, seed, world):
            if writing is not None:
                await writing
            writing = asyncio.create_task(write(store, chunk, world))
        if writing is not None:
            await writing
        await catch_up(store, world, until)
        await people(store, world, as_of if caught_up else as_of - timedelta(days=7))
        await settle(store, str(target))
        rows, reminders, due = await census(store, as_of)
    finally:
        await store.close()
    return SeedReport(size, perf_counter() - started, peak_rss_kib(), rows, reminders,
                      due)


async def census(store: Store, as_of: datetime) -> tuple[dict[str, int], dict[str, int],
                                                               int]:
    """Row counts per table, reminders per status, and how many are due at ``as_of``."""
    rows = {}
    for table in ("jurisdictions", "events", "rounds", "court_orders", "reminders"):
        rows[table] = int((await store.read(f"SELECT count(*) AS n FROM {table}"))[0]["n"])
    statuses = await store.read("SELECT status, count(*) AS n FROM reminders GROUP BY status")
    due = await store.read("SELECT count(*) AS n FROM reminders WHERE status = 'pending'"
                           " AND due_at <= ?", as_of.astimezone(UTC).isoformat())
    return rows, {r["status"]: int(r["n"]) for r in statuses}, int(due[0]["n"])


def peak_rss_kib() -> int:
    """This process's peak resident set size in KiB: VmHWM, the high-water mark of its
    own memory. (``ru_maxrss`` is not used where /proc exists: Linux carries it over
    from the parent's forked copy, so a child of a big process reports the parent's.)"""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def main(argv: list[str] | None = None) -> int:
    args = argparse.ArgumentParser(prog="python -m bench.seed", description=__doc__)
    args.add_argument("database", help="the new SQLite file, or the postgresql:// URL of a"
                      " database to make on that server")
    args.add_argument("size", type=int, help="how many jurisdictions")
    args.add_argument("--as-of", type=datetime.fromisoformat, default=DEFAULT_AS_OF,
                      help="the moment the database stands at (ISO 8601 with offset)")
    args.add_argument("--now", action="store_true",
                      help="stand at the current time with every sweep caught up (for "
                           "the ack benchmark: nothing due while it runs)")
    opts = args.parse_args(argv)
    as_of = datetime.now(UTC) if opts.now else opts.as_of
    report = asyncio.run(seed(opts.database, opts.size, as_of, caught_up=opts.now))
    print(json.dumps(report.__dict__))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
