"""Import and export, as use cases: the command line and the slash command call these.

``import_csv`` tells a file's shape by its header and imports it all or nothing:
jurisdictions through ``Review.import_jurisdictions`` (one transaction), past events
by checking every line against the workflow on in-memory copies
(``workflows.playback.simulate``) and writing every jurisdiction they change in one
``Repository.save_many`` transaction. A dry run does all the checking and writes
nothing. ``export_state`` and ``export_history`` write CSV page by page from one read
snapshot.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import TextIO

from workflows.deadline_changes import clock_steps
from workflows.errors import BeingImported, Conflict, NotPermitted
from workflows.exports import (
    HISTORY_COLUMNS,
    STATE_COLUMNS,
    history_pages,
    state_pages,
    write_csv,
)
from workflows.imports import (
    ImportReport,
    RowLimit,
    Shape,
    Table,
    plan_numbered,
    read_csv,
    shape_of,
    unknown_shape,
)
from workflows.machine import article, roles_phrase
from workflows.playback import EventPlan, Recorder, Targets, simulate
from workflows.replay import read_numbered
from workflows.review import Review


async def import_csv(review: Review, actor: str, source: str | Iterable[str], dry_run: bool,
                     limit: RowLimit | None = None) -> ImportReport:
    """Check every line of ``source`` (CSV text, or its lines as an open file gives
    them); unless it is a dry run or a line is bad, import them all, recorded as done
    by ``actor`` and judged with ``actor``'s own role. Raises ``NotPermitted`` when
    that role may not import at all (it may not ``add``), ``BadInput`` for text that is
    not CSV or has more rows than ``limit``, and ``Conflict`` or ``AlreadyExists`` when
    someone changed the review while the file was checked (then nothing was imported
    either).

    Reading and checking a big file is seconds of work for the processor: it is done
    in a worker thread, so that the event loop goes on answering everyone else."""
    await _may_import(review, actor)
    label = review.workflow.definition.label_of
    table = await asyncio.to_thread(read_csv, source, limit)
    shape = shape_of(table.header)
    if shape is None:
        return ImportReport(None, dry_run, label, table.lines, [unknown_shape(table.header)])
    if shape is Shape.JURISDICTIONS:
        return await _import_jurisdictions(review, actor, table, dry_run)
    plan = await plan_events(review, actor, table)
    report = ImportReport(Shape.EVENTS, dry_run, label, table.lines, plan.errors,
                          len(plan.changes), plan.steps, plan.orders, plan.states)
    if report.applied:
        await apply_events(review, plan)
    return report


async def _may_import(review: Review, actor: str) -> None:
    """Importing is adding, as the slash command's ``add`` is: the same roles."""
    role = await review.role_of(actor)
    allowed = review.workflow.definition.permissions["add"]
    if role not in allowed:
        raise NotPermitted(f"Only {roles_phrase(allowed)} may import; you are "
                           f"{article(role.value)}. Nothing was imported.")


async def _import_jurisdictions(review: Review, actor: str, table: Table,
                                dry_run: bool) -> ImportReport:
    taken = await review.repo.taken_keys()
    plan = await asyncio.to_thread(plan_numbered, table.header, table.rows, taken)
    report = ImportReport(Shape.JURISDICTIONS, dry_run, review.workflow.definition.label_of,
                          table.lines, by_line([*table.errors, *plan.errors]),
                          len(plan.jurisdictions))
    if report.applied:
        await review.import_jurisdictions(actor, plan.jurisdictions)
    return report


async def plan_events(review: Review, actor: str, table: Table) -> EventPlan:
    """Every line of an events file checked, nothing written: the changes to make, or
    every bad line."""
    rows, unread = await asyncio.to_thread(read_numbered, table.header, table.rows)
    parsed = {row.line for row in rows}
    failed: dict[str, int] = {}
    for line, raw in table.rows:
        if line not in parsed:
            failed.setdefault((raw.get("jurisdiction") or "").strip(), line)
    targets = await _find(review, {row.jurisdiction for row in rows} | set(failed))
    recorder = Recorder(actor, await review.role_of(actor), review.now(), review.today(),
                        review.workflow, review.config.policy)
    found = targets.found
    plan = await asyncio.to_thread(simulate, rows, targets, recorder,
                                   {(found[ref].id if ref in found else ref): line
                                    for ref, line in failed.items()})
    plan.errors = by_line([*table.errors, *unread, *plan.errors])
    return plan


async def apply_events(review: Review, plan: EventPlan) -> None:
    """Write a checked plan, all of it or nothing: if anyone changed one of its
    jurisdictions since it was checked, or another import is writing one, nothing is
    written. (A big one may be written in parts, each jurisdiction reserved until its
    part is: see ``Repository.save_many``.)"""
    try:
        await review.repo.save_many(plan.changes)
    except BeingImported:
        raise BeingImported("Another import is writing some of these jurisdictions right "
                            "now; nothing was imported. Try again once it is done.") from None
    except Conflict:
        raise await _conflict(review, plan) from None


async def _conflict(review: Review, plan: EventPlan) -> Conflict:
    for change in plan.changes:
        now = await review.repo.get(change.jurisdiction.id)
        if now is None or now.version != change.expected_version:
            where = (f"it is now {review.workflow.definition.label_of(now.state)}" if now
                     else "it was removed")
            return Conflict(f"Someone changed {change.jurisdiction.name} while the file was "
                            f"being checked ({where}). Nothing was imported; run the import "
                            "again.")
    return Conflict("Someone changed the review while the file was being checked. Nothing "
                    "was imported; run the import again.")


async def _find(review: Review, refs: Iterable[str]) -> Targets:
    """Each name given: its jurisdiction (by id, alias or whole name) and the steps it
    already has, or why there is none. Read a few hundred names to a query, not one
    name at a time: 100,000 lines took seven reads each, some ten minutes."""
    targets = Targets()
    keys = {ref: ref.strip().lower() for ref in refs}
    exact = await review.repo.exact_many([key for key in keys.values() if key])
    loaded = await review.repo.get_many([ids[0] for ids in exact.values() if len(ids) == 1])
    events = await review.repo.events_of(list(loaded))
    targets.recorded = {jid: {(e.kind, e.on, str(e.detail.get("note", "")))
                              for e in events.get(jid, [])} for jid in loaded}
    for ref in sorted(keys):
        ids = exact.get(keys[ref], [])
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


# -- exports -------------------------------------------------------------------------


async def export_state(review: Review, out: TextIO) -> int:
    """Where every jurisdiction stands today, as CSV; returns the number of rows."""
    async with review.repo.snapshot() as source:
        kinds = clock_steps(review.workflow.definition.steps)
        return await write_csv(STATE_COLUMNS, state_pages(source, review.today(), kinds=kinds),
                               out)


async def export_history(review: Review, out: TextIO) -> int:
    """Every event recorded, by jurisdiction and sequence, as CSV; returns the number
    of rows."""
    async with review.repo.snapshot() as source:
        return await write_csv(HISTORY_COLUMNS, history_pages(source), out)


EXPORTS: dict[str, Callable[[Review, TextIO], Awaitable[int]]] = {
    "state": export_state,
    "history": export_history,
}
"""What can be exported, by the name the CLI and the slash command use."""
