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
from pathlib import Path
from typing import TextIO

from tqdm import tqdm

from bot.console.local_slack import LocalSlack
from bot.console.repl import show
from bot.summary import catch_up
from bot.wiring.app import Bot, FixedClock, SlackAccess, build
from bot.wiring.settings import Settings
from workflows.errors import ReviewError
from workflows.imports import plan_jurisdictions
from workflows.model import Role
from workflows.ports import Filters
from workflows.replay import Action, Row, acting_role, actions, read_rows
from workflows.summary import Subscription, parse_schedule

DATA = Path(__file__).resolve().parents[2] / "data"
ADMIN, ANALYST, LEAD = "URECORDADMIN", "URECORDANALYST", "URECORDLEAD"
MORNING, SWEEP = time(8, 0), time(10, 0)

LEADERSHIP = "#leadership"


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

    def lines(self) -> list[str]:
        lines = [f"Where things stand on {self.on}:"]
        lines += [f"  {count:3d}  {self.label(state)}" for state, count in
                  sorted(self.states.items(), key=lambda kv: -kv[1])]
        lines += [f"  {count:3d}  {self.label(state)}, due {due}" for (state, due), count in
                  sorted(self.deadlines.items(), key=lambda kv: (-kv[1], kv[0]))]
        lines.append(f"  cleared: {', '.join(self.cleared) or 'none'}")
        lines.append(f"  held back by a court order: {', '.join(self.blocked) or 'none'}")
        lines.append(f"  past their deadline with no decision: {len(self.overdue)}")
        lines += [f"    {name} (due {due})" for name, due in self.overdue]
        lines.append(f"  reminders posted along the way: {self.reminders}")
        if self.chart:
            lines.append(f"  the latest summary chart: {self.chart}")
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
    # The record fits the packaged review workflow, whatever REVIEW_WORKFLOW says.
    local = settings.model_copy(update={"database_url": f"sqlite:///{database}",
                                        "review_workflow": None})
    definition = local.definition
    steps = actions(rows, definition)
    last = until or max(a.row.on for a in steps)
    clock = FixedClock(datetime.combine(steps[0].row.on, MORNING, settings.timezone))
    slack = LocalSlack(users={ADMIN: "record-admin", ANALYST: "record-analyst",
                              LEAD: "record-lead"})
    await slack.start()
    bot = await build(local, SlackAccess(slack.token, None, slack.api_url), clock,
                      extra_admins=frozenset({ADMIN}), pace_seconds=0)
    try:
        await _setup(bot, record, settings.review_timezone)
        standing = Standing(last, definition.label_of)
        first = chart_day = steps[0].row.on
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        for day in tqdm(days, desc="replaying", unit="day", file=sys.stderr,
                        disable=quiet or not sys.stderr.isatty()):
            clock.moment = datetime.combine(day, MORNING, settings.timezone)
            seen = len(slack.posted)
            for action in (a for a in steps if a.row.on == day):
                await _apply(bot, action, standing)
            await bot.relay.flush()
            clock.moment = datetime.combine(day, SWEEP, settings.timezone)
            report = await bot.sweeper.sweep()
            standing.reminders += report.posted
            charts = len(slack.files)
            await catch_up(bot.summaries, await bot.summaries.store.subscriptions())
            if day == last:
                await bot.summaries.send(LEADERSHIP)
            if len(slack.files) > charts:
                chart_day = day
            if not quiet and len(slack.posted) > seen:
                print(f"=== {day:%A %Y-%m-%d}", file=out)
                for message in slack.posted[seen:]:
                    print(show(slack, message), file=out)
        await _stand(bot, standing)
        if slack.files:
            standing.chart = database.parent / f"summary-{chart_day}.png"
            standing.chart.write_bytes(slack.files[-1].data)
        return standing
    finally:
        await bot.close()
        await slack.stop()


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
    items, _ = await bot.review.page(Filters(), 1, 100_000)
    for item in items:
        standing.states[item.state] += 1
        if item.due_on and item.due_on >= standing.on:
            standing.deadlines[(item.state, item.due_on)] += 1
        if item.state == "cleared":
            standing.cleared.append(item.name)
        elif item.due_on and item.due_on < standing.on:
            standing.overdue.append((item.name, item.due_on))
        j = await bot.review.repo.get(item.id)
        if j is not None and any(o.blocks for o in j.active_orders(standing.on)):
            standing.blocked.append(f"{j.name} ({standing.label(j.state)})")

