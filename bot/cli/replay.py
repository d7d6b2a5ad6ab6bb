"""Play the public record of 2017-2018 through the bot, day by day.

A fresh database, the record's 38 jurisdictions, and every row of record.csv taken as
the step or court order it was, on its day, by people with the right roles, through
the same use cases the slash command uses. Each step is announced in the team channel,
and each business day the reminder sweep runs as the scheduler would; what is posted
(and the summaries, where a summary service is given) is printed as the team would
have seen it. Rows the workflow refuses are
reported, never skipped silently.
"""

from __future__ import annotations

import csv
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from tqdm import tqdm

from bot.console.repl import show
from bot.console.stand_in.server import LocalSlack
from bot.wiring.app import Bot, SlackAccess, build
from bot.wiring.review import FixedClock
from bot.wiring.settings import Settings
from workflows.errors import ReviewError
from workflows.imports import plan_jurisdictions
from workflows.model import Role
from workflows.ports import Filters
from workflows.replay import Action, Row, acting_role, actions, read_rows
from workflows.summary import Subscription, parse_schedule

DATA = Path(str(resources.files("workflows") / "data"))
"""The record (record.csv, jurisdictions.csv), packaged with the workflow: the same
files as the checkout's data/ folder, so an installed bot replays without a checkout."""
ADMIN, ANALYST, LEAD = "URECORDADMIN", "URECORDANALYST", "URECORDLEAD"
MORNING, SWEEP = time(8, 0), time(10, 0)

LEADERSHIP = "#leadership"
RUNNING = "with a deadline running"


@dataclass
class Standing:
    """Where the jurisdictions stand at the end of the replay."""

    on: date
    label: Callable[[str], str]
    """The workflow's words for a state."""
    states: Counter[str] = field(default_factory=Counter)
    deadlines: Counter[tuple[str, date]] = field(default_factory=Counter)
    cleared: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    overdue: list[tuple[str, date]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    reminders: int = 0
    chart: Path | None = None

    idle: list[str] = field(default_factory=list)
    """Neither cleared, held back nor with a deadline (a closed one, say)."""

    def groups(self) -> dict[str, list[str]]:
        """Each jurisdiction in exactly one group: cleared, else held back by a court
        order, else past its deadline, else with a deadline running, else none of these."""
        running = [f"{self.label(state)}, due {due}" for (state, due), count in
                   sorted(self.deadlines.items(), key=lambda kv: (-kv[1], kv[0]))
                   for _ in range(count)]
        return {"cleared": self.cleared,
                "held back by a court order": self.blocked,
                "past their deadline with no decision": [f"{name} (due {due})"
                                                         for name, due in self.overdue],
                RUNNING: running,
                "with no deadline running": self.idle}

    def lines(self) -> list[str]:
        total = sum(self.states.values())
        lines = [f"Where things stand on {self.on}: {total} jurisdictions"]
        lines += [f"  {count:3d}  {self.label(state)}" for state, count in
                  sorted(self.states.items(), key=lambda kv: -kv[1])]
        lines.append("Each of them once:")
        for title, members in self.groups().items():
            lines.append(f"  {len(members):3d}  {title}")
            if title == RUNNING:  # 23 the same: counted, not listed
                lines += [f"         {n:3d}  {line}" for line, n in Counter(members).items()]
            else:
                lines += [f"         {line}" for line in members]
        lines.append(f"Reminders posted along the way: {self.reminders}")
        if self.chart:
            lines.append(f"The latest summary chart: {self.chart}")
        lines.append("Rows the workflow refused: " + ("none" if not self.refused else ""))
        lines += [f"  {refusal}" for refusal in self.refused]
        return lines


async def replay(settings: Settings, database: Path, until: date | None = None,
                 out: TextIO = sys.stdout, quiet: bool = False,
                 record: Path = DATA) -> Standing:
    """Replay the record into ``database`` (which must not exist yet). Leadership
    (#leadership) gets a weekly summary on Monday mornings and one on the last day,
    whose chart is saved beside the database."""
    if database.exists():
        raise FileExistsError(f"{database} exists; the replay needs a fresh database")
    rows, errors = _read(record / "record.csv", read_rows)
    if errors:
        raise ValueError("; ".join(errors))
    local = _record_settings(settings, database)
    steps = actions(rows, local.definition)
    last = until or max(a.row.on for a in steps)
    clock = FixedClock(datetime.combine(steps[0].row.on, MORNING, settings.timezone))
    slack = LocalSlack(users={ADMIN: "record-admin", ANALYST: "record-analyst",
                              LEAD: "record-lead"})
    await slack.start()
    bot = await _build(local, slack, clock)
    try:
        await _setup(bot, record, settings.review_timezone)
        standing = Standing(last, bot.review.workflow.definition.label_of)
        run = _Run(bot, slack, clock, settings.timezone, out, quiet)
        chart_day = await _play(run, steps, standing)
        await _stand(bot, standing)
        if slack.files:
            standing.chart = database.parent / f"summary-{chart_day}.png"
            standing.chart.write_bytes(slack.files[-1].data)
        return standing
    finally:
        await bot.close()
        await slack.stop()


def _record_settings(settings: Settings, database: Path) -> Settings:
    """``settings`` on a fresh ``database``, with the packaged review workflow: the
    record fits it, whatever REVIEW_WORKFLOW says."""
    return settings.model_copy(update={"database_url": f"sqlite:///{database}",
                                       "review_workflow": None})


async def _build(local: Settings, slack: LocalSlack, clock: FixedClock) -> Bot:
    """The bot as ``local`` configures it, beside the stand-in, posting without pacing."""
    return await build(local, SlackAccess(slack.token, None, slack.api_url), clock,
                       extra_admins=frozenset({ADMIN}), pace_seconds=0)


@dataclass
class _Run:
    """A replay under way: the bot, its stand-in, the clock it moves, where it prints."""

    bot: Bot
    slack: LocalSlack
    clock: FixedClock
    zone: ZoneInfo
    out: TextIO
    quiet: bool

    def at(self, day: date, moment: time) -> None:
        self.clock.moment = datetime.combine(day, moment, self.zone)


async def _play(run: _Run, steps: list[Action], standing: Standing) -> date:
    """Every day from the first row's to ``standing.on``; returns the day of the
    latest summary chart."""
    first = chart_day = steps[0].row.on
    days = [first + timedelta(days=n) for n in range((standing.on - first).days + 1)]
    for day in tqdm(days, desc="replaying", unit="day", file=sys.stderr,
                    disable=run.quiet or not sys.stderr.isatty()):
        if await _day(run, day, [a for a in steps if a.row.on == day], standing):
            chart_day = day
    return chart_day


async def _day(run: _Run, day: date, todays: list[Action], standing: Standing) -> bool:
    """One day: its rows in the morning, the sweep, the summaries due, then what was
    posted printed. True if a summary chart was posted."""
    bot, slack = run.bot, run.slack
    run.at(day, MORNING)
    seen = len(slack.posted)
    for action in todays:
        await _apply(bot, action, standing)
    await bot.relay.flush()
    run.at(day, SWEEP)
    report = await bot.sweeper.sweep()
    standing.reminders += report.posted
    charts = len(slack.files)
    await bot.summaries.catch_up()
    if day == standing.on:
        await bot.summaries.send(LEADERSHIP)
    if not run.quiet and len(slack.posted) > seen:
        print(f"=== {day:%A %Y-%m-%d}", file=run.out)
        for message in slack.posted[seen:]:
            print(show(slack, message), file=run.out)
    return len(slack.files) > charts


def _read(path: Path, reader: Callable[[Iterable[str], Iterable[Mapping[str, str | None]]],
                                       tuple[list[Row], list[str]]]
          ) -> tuple[list[Row], list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = csv.DictReader(handle)
        return reader(rows.fieldnames or [], rows)


async def _setup(bot: Bot, record: Path, timezone: str) -> None:
    weekly = parse_schedule(["weekly", "mon", "09:00"], timezone)
    await bot.summaries.store.subscribe(Subscription(LEADERSHIP, weekly, ADMIN,
                                                     bot.review.now()))
    await bot.review.grant(ADMIN, ANALYST, Role.ANALYST)
    await bot.review.grant(ADMIN, LEAD, Role.LEAD)
    with (record / "jurisdictions.csv").open(newline="", encoding="utf-8") as handle:
        rows = csv.DictReader(handle)
        plan = plan_jurisdictions(rows.fieldnames or [], rows, set())
    if plan.errors:
        raise ValueError("; ".join(plan.errors))
    await bot.review.import_jurisdictions(ADMIN, plan.jurisdictions)


async def _apply(bot: Bot, action: Action, standing: Standing) -> None:
    row = action.row
    try:
        if action.order is not None:
            await bot.review.attach_order(LEAD, row.jurisdiction, action.order)
        elif action.step is not None:
            actor = await _actor(bot, row.jurisdiction, action.step)
            await bot.review.take(actor, row.jurisdiction, action.step, row.on, action.due,
                                  row.detail)
    except ReviewError as refusal:
        standing.refused.append(f"{row.on} {row.jurisdiction} {row.event} (line {row.line}): "
                                f"{refusal.message}")


async def _actor(bot: Bot, jurisdiction: str, step: str) -> str:
    """The analyst, unless only a lead may take ``step`` from where the jurisdiction is."""
    j = await bot.review.resolve(jurisdiction)
    return LEAD if acting_role(bot.review.workflow, j, step) is Role.LEAD else ANALYST


async def _stand(bot: Bot, standing: Standing) -> None:
    """Count the states, and put each jurisdiction in exactly one of the groups."""
    items, _ = await bot.review.page(Filters(), 1, 100_000)
    for item in items:
        standing.states[item.state] += 1
        j = await bot.review.repo.get(item.id)
        if item.state == "cleared":
            standing.cleared.append(item.name)
        elif j is not None and any(o.blocks for o in j.active_orders(standing.on)):
            standing.blocked.append(f"{j.name} ({standing.label(j.state)})")
        elif item.due_on and item.due_on < standing.on:
            standing.overdue.append((item.name, item.due_on))
        elif item.due_on:
            standing.deadlines[(item.state, item.due_on)] += 1
        else:
            standing.idle.append(item.name)
