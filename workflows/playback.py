"""Checking a past-events file by playing it: every row, in date order, on in-memory
copies of the jurisdictions it names, judged with the importer's own role, as the slash
command would judge it. Nothing is written: the result is one ``StagedChange`` per
jurisdiction (``EventPlan``), or every bad line and why.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import attrgetter

from workflows.details import attach, step_detail
from workflows.errors import AlreadyExists, NotPermitted, ReviewError
from workflows.machine import StepContext, Workflow, article, check_day, roles_phrase
from workflows.model import Event, Jurisdiction, Role
from workflows.ports import StagedChange
from workflows.reminders import Policy, plan
from workflows.replay import Action, Row, actions


@dataclass(frozen=True)
class Recorder:
    """Who records the imported events, when, and by which rules. ``actor`` is the
    person importing and ``role`` their own role: every row is judged with it, so an
    import cannot take a step its importer could not take by hand."""

    actor: str
    role: Role
    now: datetime
    today: date
    workflow: Workflow
    policy: Policy


@dataclass
class EventPlan:
    """What an events file would do: one change per jurisdiction it touches, or errors.
    ``states`` counts where the touched jurisdictions would stand."""

    changes: list[StagedChange] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    steps: int = 0
    orders: int = 0
    states: Counter[str] = field(default_factory=Counter)


@dataclass
class Targets:
    """The jurisdictions an events file names, as loaded before it is played.

    ``found`` maps each name given (id, alias or name) to an in-memory copy, one object
    per jurisdiction however it is named; ``missing`` says why a name found none;
    ``recorded`` holds, per jurisdiction id, the (step, date, note) of the steps it
    already has, so that a file imported twice is refused rather than doubled."""

    found: dict[str, Jurisdiction] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    recorded: dict[str, set[tuple[str, date, str]]] = field(default_factory=dict)


def simulate(rows: Sequence[Row], targets: Targets, recorder: Recorder,
             failed: Mapping[str, int] | None = None) -> EventPlan:
    """Play ``rows`` in date order (the file's order within a day) on the copies in
    ``targets``, which are changed in place. ``failed`` maps a jurisdiction (id, or the
    name given) to a line about it that could not be read: errors on its other lines
    say they were judged without it."""
    playback = _Playback(targets, recorder, failed or {})
    for action in actions(sorted(rows, key=attrgetter("on", "line")),
                          recorder.workflow.definition):
        playback.play(action)
    return playback.plan()


class _Playback:
    """The state of one simulation: events so far per jurisdiction, and bad lines."""

    def __init__(self, targets: Targets, recorder: Recorder, failed: Mapping[str, int]) -> None:
        self.targets = targets
        self.recorder = recorder
        self.bad = dict(failed)
        self.versions = {j.id: j.version for j in targets.found.values()}
        self.events: dict[str, list[Event]] = {}
        self.stepped: set[str] = set()
        self.errors: list[tuple[int, str]] = []
        self.result = EventPlan()

    def play(self, action: Action) -> None:
        row = action.row
        j = self.targets.found.get(row.jurisdiction)
        if j is None:
            self.errors.append((row.line, self.targets.missing.get(row.jurisdiction,
                                                                   "not found")))
            return
        recorded = self.targets.recorded.setdefault(j.id, set())
        try:
            _check_new(j, action, recorded)
            event = _play(j, action, self.recorder)
        except ReviewError as refusal:
            self.refused(j, row, refusal)
            return
        self.events.setdefault(j.id, []).append(event)
        if action.step is not None:
            recorded.add((action.step, row.on, row.detail))
            self.stepped.add(j.id)
            self.result.steps += 1
        else:
            self.result.orders += 1

    def refused(self, j: Jurisdiction, row: Row, refusal: ReviewError) -> None:
        why = refusal.message
        if not isinstance(refusal, AlreadyExists):
            why += _without(self.bad, j.id, row.line)
        self.errors.append((row.line, f"{row.event} on {row.on} for {row.jurisdiction}: {why}"))
        self.bad.setdefault(j.id, row.line)

    def plan(self) -> EventPlan:
        """One change per jurisdiction played, with the reminders its deadline implies
        when a step was taken (court orders leave reminders alone)."""
        result = self.result
        result.errors = [f"line {line}: {why}" for line, why in sorted(self.errors)]
        by_id = {j.id: j for j in self.targets.found.values()}
        for jid, events in self.events.items():
            j = by_id[jid]
            reminders = (plan(j, self.recorder.policy, self.recorder.today)
                         if jid in self.stepped else None)
            result.changes.append(StagedChange(j, self.versions[jid], events, (), reminders))
            result.states[j.state] += 1
        return result


def _play(j: Jurisdiction, action: Action, recorder: Recorder) -> Event:
    """Apply one row to ``j`` in memory, or raise why it cannot be; ``j`` is unchanged
    when it raises."""
    row = action.row
    source: dict[str, object] = {"source": "import", "line": row.line}
    if row.approximate:
        source["date_is_approximate"] = True
    role = recorder.role
    if action.order is not None:
        _may_record(recorder, action.order.kind.value)
        check_day(action.order.on, recorder.today)
        detail = attach(j, action.order)
        return _event(j, action.order.kind.value, action.order.on, j.state, recorder,
                      {**detail, **source, "as": role.value})
    assert action.step is not None
    before = j.state
    recorder.workflow.take(j, action.step, StepContext(recorder.actor, role, row.on,
                                                       action.due, row.detail,
                                                       today=recorder.today))
    return _event(j, action.step, row.on, before, recorder,
                  {**step_detail(j, row.detail, ""), **source, "as": role.value})


def _may_record(recorder: Recorder, kind: str) -> None:
    """Court orders need the workflow's ``order`` permission, as on the slash command."""
    allowed = recorder.workflow.definition.permissions["order"]
    if recorder.role not in allowed:
        raise NotPermitted(f"Only {roles_phrase(allowed)} may record {article(kind)}; "
                           f"you are {article(recorder.role.value)}.")


def _check_new(j: Jurisdiction, action: Action,
               recorded: set[tuple[str, date, str]]) -> None:
    """Refuse a row that is already recorded (the same file imported twice): a court
    order already attached, or a step with the same date and note."""
    order, row = action.order, action.row
    if order is not None:
        for known in j.orders:
            if (known.kind, known.on, known.case, known.scope) == (order.kind, order.on,
                                                                  order.case, order.scope):
                raise AlreadyExists(f"{j.name} already has this {order.kind.value} "
                                    f"({known.label()}); was the file imported before?")
    if action.step is not None and (action.step, row.on, row.detail) in recorded:
        raise AlreadyExists(f"{j.name} already has “{action.step}” on {row.on} with this "
                            "note; was the file imported before?")


def _event(j: Jurisdiction, kind: str, on: date, before: str, recorder: Recorder,
           detail: Mapping[str, object]) -> Event:
    return Event(j.id, kind, recorder.actor, on, recorder.now, before, j.state,
                 {"name": j.name, **detail})


def _without(bad: Mapping[str, int], jid: str, line: int) -> str:
    first = bad.get(jid)
    if first is None or first == line:
        return ""
    return f" (judged without line {first}, which is bad too)"
