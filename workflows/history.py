"""Importing past events a group of jurisdictions at a time, all or nothing.

A jurisdiction's events depend only on its own earlier ones, so an events file is
played ``GROUP`` jurisdictions at a time (all the lines of each, in date order, as
``workflows.playback.simulate`` plays them): only one group's jurisdictions, events and
changes are in memory at once. Each group's changes go to ``Repository.save_stream``
as soon as they are made, which keeps them out of sight (SQLite: in the import's own
tables) until the last group is checked; a bad line in any group, and the stream ends
with ``_BadLines`` instead, so that nothing is written, and every bad line is reported.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from workflows.collecting import fewer_collections
from workflows.errors import BeingImported, Conflict
from workflows.event_lines import EventLines, Tally, read_events
from workflows.imports import ImportReport, RowLimit, Shape
from workflows.playback import EventPlan, Recorder, Targets, simulate
from workflows.ports import StagedChange
from workflows.review import Review

if TYPE_CHECKING:
    from _csv import Reader as CsvReader

GROUP = 2_000
"""Jurisdictions played (and handed to the store) at a time."""
class _BadLines(Exception):
    """Ends the stream of changes: some line is bad, so nothing may be written."""


@dataclass
class _Outcome:
    errors: list[str] = field(default_factory=list)
    plan: EventPlan = field(default_factory=EventPlan)
    jurisdictions: int = 0


async def import_events(review: Review, actor: str, header: list[str],
                        reader: CsvReader, dry_run: bool,
                        limit: RowLimit | None, tally: Tally, group: int = GROUP
                        ) -> ImportReport:
    """Check every line of an events file (``header`` read, ``reader`` at its second
    line) and, unless it is a dry run or a line is bad, record them all, played
    ``group`` jurisdictions at a time."""
    with fewer_collections():
        return await _import_events(review, actor, header, reader, dry_run, limit, tally,
                                    group)


async def _import_events(review: Review, actor: str, header: list[str],
                         reader: CsvReader, dry_run: bool, limit: RowLimit | None,
                         tally: Tally, group: int) -> ImportReport:
    read = await asyncio.to_thread(read_events, header, reader, limit, tally)
    tally.stage, tally.done, tally.total = "checking", 0, len(read.rows)
    outcome = _Outcome(list(read.errors))
    groups, exact = await _groups(review, read, group)
    changes = _changes(review, actor, groups, exact, read, outcome, tally)
    try:
        if dry_run:
            async for _ in changes:
                pass
        else:
            await review.repo.save_stream(changes, sum(len(refs) for _, refs in groups))
    except _BadLines:
        pass
    except BeingImported:
        raise BeingImported("Another import is writing some of these jurisdictions right "
                            "now; nothing was imported. Try again once it is done.") from None
    except Conflict as conflict:
        raise Conflict(f"Someone changed the review while the file was being checked "
                       f"({conflict.message}). Nothing was imported; run the import "
                       "again.") from None
    tally.stage = "done"
    plan = outcome.plan
    return ImportReport(Shape.EVENTS, dry_run, review.workflow.definition.label_of,
                        read.lines, by_line(outcome.errors), outcome.jurisdictions,
                        plan.steps, plan.orders, plan.states)


async def _changes(review: Review, actor: str, groups: list[tuple[list[int], set[str]]],
                   exact: Mapping[str, list[str]], read: EventLines, outcome: _Outcome,
                   tally: Tally) -> AsyncIterator[Sequence[StagedChange]]:
    """Each group's changes while every line so far is good; ``_BadLines`` at the end
    if one was not."""
    recorder = Recorder(actor, await review.role_of(actor), review.now(), review.today(),
                        review.workflow, review.config.policy)
    for names, refs in groups:
        targets = await find(review, refs, exact)
        found = targets.found
        failed = {(found[ref].id if ref in found else ref): line
                  for ref, line in read.failed.items() if ref in refs}
        plan = await asyncio.to_thread(_play, read, names, targets, recorder, failed)
        _count(outcome, plan)
        tally.done += sum(len(read.rows.of_name[name]) for name in names)
        if not outcome.errors:
            yield plan.changes
    if outcome.errors:
        raise _BadLines
    tally.stage = "writing"


def _play(read: EventLines, names: list[int], targets: Targets, recorder: Recorder,
          failed: dict[str, int]) -> EventPlan:
    """One group's rows, made from their compact form, played (in a worker thread)."""
    return simulate(read.rows.of(names), targets, recorder, failed)


def _count(outcome: _Outcome, plan: EventPlan) -> None:
    outcome.errors.extend(plan.errors)
    outcome.plan.steps += plan.steps
    outcome.plan.orders += plan.orders
    outcome.plan.states.update(plan.states)
    outcome.jurisdictions += len(plan.changes)


async def _groups(review: Review, read: EventLines, size: int
                  ) -> tuple[list[tuple[list[int], set[str]]], dict[str, list[str]]]:
    """The jurisdictions the rows name, ``size`` to a group, each group as the places
    of its names in ``read.rows.names`` and the names its lines (and its unreadable
    lines) give: a jurisdiction named two ways (id and alias) is one jurisdiction, in
    one group. Groups go in the order their jurisdictions are first named. Also the
    ids each name (lowercase) names, as read for them (``exact_many``)."""
    names = read.rows.names
    keys = {ref: ref.lower() for ref in (*names, *read.failed)}
    exact = await review.repo.exact_many(sorted({key for key in keys.values() if key}))

    def target(ref: str) -> str:
        ids = exact.get(keys[ref], [])
        return ids[0] if len(ids) == 1 else f"\0{ref}"

    by_target: dict[str, list[int]] = defaultdict(list)
    for place, name in enumerate(names):
        by_target[target(name)].append(place)
    refs: dict[str, set[str]] = defaultdict(set)
    for ref in keys:
        refs[target(ref)].add(ref)
    order = list(by_target)
    return [([place for key in order[start:start + size] for place in by_target[key]],
             {ref for key in order[start:start + size] for ref in refs[key]})
            for start in range(0, len(order), size)], exact


async def find(review: Review, refs: Iterable[str],
               exact: Mapping[str, list[str]] | None = None) -> Targets:
    """Each name given: its jurisdiction (by id, alias or whole name) and the steps it
    already has, or why there is none. Read a few hundred names to a query, not one
    name at a time: 100,000 lines took seven reads each, some ten minutes. ``exact``:
    the ids each name (trimmed, lowercase) names, if the caller has read them for all
    of ``refs`` already (``exact_many``)."""
    targets = Targets()
    keys = {ref: ref.strip().lower() for ref in refs}
    if exact is None:
        exact = await review.repo.exact_many([key for key in keys.values() if key])
    named = {key: exact[key] for key in keys.values() if key in exact}  # these refs' only
    loaded = await review.repo.get_many([ids[0] for ids in named.values() if len(ids) == 1])
    events = await review.repo.events_of(list(loaded))
    targets.recorded = {jid: {(e.kind, e.on, str(e.detail.get("note", "")))
                              for e in events.get(jid, [])} for jid in loaded}
    for ref in sorted(keys):
        ids = named.get(keys[ref], [])
        if len(ids) > 1:
            targets.missing[ref] = (f"“{ref}” names several jurisdictions "
                                    f"({', '.join(ids[:2])}, …); use an id")
        elif ids and ids[0] in loaded:
            targets.found[ref] = loaded[ids[0]]
        else:  # rare (a bad line): look for what it may have meant
            _, prefixed = await review.repo.lookup(ref, 2) if ref else ([], [])
            targets.missing[ref] = _missing(ref, [item.id for item in prefixed])
    return targets


def _missing(ref: str, prefixed: list[str]) -> str:
    if not ref:
        return "the jurisdiction column is empty"
    hint = f"; did you mean {prefixed[0]}?" if prefixed else "; import the jurisdictions first"
    return f"no jurisdiction has the id, alias or name “{ref}”{hint}"


def by_line(errors: Iterable[str]) -> list[str]:
    """Errors ("line N: …") in line order."""
    def number(error: str) -> int:
        head = error.split(":", 1)[0].removeprefix("line ")
        return int(head) if head.isdigit() else 0
    return sorted(errors, key=number)
