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

from workflows.collecting import fewer_collections
from workflows.deadline_changes import clock_steps
from workflows.errors import BeingImported, Conflict, NotPermitted
from workflows.event_lines import Tally
from workflows.exports import (
    HISTORY_COLUMNS,
    history_pages,
    write_csv,
)
from workflows.history import by_line, find, import_events
from workflows.imports import (
    ImportReport,
    RowLimit,
    Shape,
    Table,
    csv_reader,
    plan_numbered,
    read_header,
    read_table,
    shape_of,
    unknown_shape,
)
from workflows.machine import article, roles_phrase
from workflows.playback import EventPlan, Recorder, simulate
from workflows.replay import read_numbered
from workflows.review import Review
from workflows.state_lines import write_state


async def import_csv(review: Review, actor: str, source: str | Iterable[str], dry_run: bool,
                     limit: RowLimit | None = None, tally: Tally | None = None
                     ) -> ImportReport:
    """Check every line of ``source`` (CSV text, or its lines as an open file gives
    them); unless it is a dry run or a line is bad, import them all, recorded as done
    by ``actor`` and judged with ``actor``'s own role. Raises ``NotPermitted`` when
    that role may not import at all (it may not ``add``), ``BadInput`` for text that is
    not CSV or has more rows than ``limit``, and ``Conflict`` or ``AlreadyExists`` when
    someone changed the review while the file was checked (then nothing was imported
    either). ``tally`` (if given) is kept up to date as the import goes.

    Reading and checking a big file is seconds of work for the processor: it is done
    in worker threads, so that the event loop goes on answering everyone else. An
    events file is played and written a group of jurisdictions at a time
    (``workflows.history``)."""
    await _may_import(review, actor)
    tally = tally or Tally()
    label = review.workflow.definition.label_of
    reader = csv_reader(source)
    header = await asyncio.to_thread(read_header, reader)
    shape = shape_of(header)
    if shape is Shape.EVENTS:
        return await import_events(review, actor, header, reader, dry_run, limit, tally)
    with fewer_collections():
        table = await asyncio.to_thread(read_table, header, reader, limit)
        tally.stage, tally.total = "done", table.lines
        if shape is None:
            return ImportReport(None, dry_run, label, table.lines,
                                [unknown_shape(table.header)])
        return await _import_jurisdictions(review, actor, table, dry_run)


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
    table.rows.clear()  # planned: their memory (55 MB for 100,000 lines) is not needed
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
    targets = await find(review, {row.jurisdiction for row in rows} | set(failed))
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


# -- exports -------------------------------------------------------------------------


async def export_state(review: Review, out: TextIO) -> int:
    """Where every jurisdiction stands today, as CSV; returns the number of rows."""
    async with review.repo.snapshot() as source:
        kinds = clock_steps(review.workflow.definition.steps)
        return await write_state(source, review.today(), out, kinds)


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
