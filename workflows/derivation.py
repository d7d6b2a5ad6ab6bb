"""Why a deadline falls where it does: its count worked out again, step by step.

``derive`` is pure: one round of a jurisdiction, the events of that jurisdiction (the
pauses, resumptions and extensions of the round are read from them), and the calendar
of its state with the closure days that apply to it (``Calendar.closing``). It counts
the deadline from the round's rule as a step does (``workflows.machine``), then plays
each pause, resumption and extension in order, saying at each stage what was counted,
what was skipped and which rule of FRCP 6(a) says so. Its last date is the deadline
itself: the recount after a closure or an extension is this very count (see
``workflows.deadline_changes``), so the explanation and the deadline cannot disagree.

Stages are plain text (renderers in ``bot/ui`` lay them out); ``rule_text`` is the one
line for places with room for one (an export's column, a calendar entry).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from workflows.deadlines import Calendar, DueSpec, calendar_for
from workflows.errors import BadInput
from workflows.model import Event, Jurisdiction, Round

EXTENDED = "extended"
"""The event of an extension: detail ``round``, ``from``, ``to``, ``by`` (a count such
as "5 business days", or empty when the new date was given) and ``reason``."""
MOVED = "deadline_moved"
"""The event of a deadline moved by declaring or withdrawing a closure."""
LEAVE_OUT = "FRCP 6(a)(1)(A)"
LAST_DAY = "FRCP 6(a)(1)(C)"
CLOSED = "FRCP 6(a)(3)"
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Skipped:
    """A weekday that was not counted (or a last day that was moved off): a holiday,
    federal or the state's, or a closure day."""

    day: date
    why: str
    source: str  # "federal", the state's code, or "closure"

    def text(self) -> str:
        if self.source == "closure":  # its why names the closure
            return f"{self.day.isoformat()} {self.why}"
        return f"{self.day.isoformat()} {self.why} ({self.source})"


@dataclass(frozen=True)
class Stage:
    """One step of a derivation: what happened on ``on`` and the deadline after it
    (None while the clock is paused)."""

    kind: str  # start, count, date, pause, resume, extension, none
    on: date
    text: str
    due: date | None = None
    weekends: int = 0
    skipped: tuple[Skipped, ...] = ()
    rule: str = ""


@dataclass(frozen=True)
class Derivation:
    jurisdiction_id: str
    name: str
    round: int
    round_kind: str
    stages: tuple[Stage, ...] = field(default_factory=tuple)
    due_on: date | None = None
    days_left: int | None = None
    business: bool = False

    def lines(self) -> list[str]:
        """Every stage as a sentence, and where it ends."""
        return [stage.text for stage in self.stages] + [self.conclusion()]

    def conclusion(self) -> str:
        if self.due_on is not None:
            return f"→ due {self.due_on.isoformat()}"
        if self.days_left is not None:
            unit = "business" if self.business else "calendar"
            return f"→ clock paused, {self.days_left} {unit} day(s) left"
        return "→ no deadline"


def derive(j: Jurisdiction, rnd: Round, events: Iterable[Event], calendar: Calendar,
           pausing: Collection[str] = ("clarify",),
           resuming: Collection[str] = ("resume",)) -> Derivation:
    """The deadline of ``rnd`` worked out from its rule, its pauses (events of a kind in
    ``pausing``), resumptions (``resuming``) and extensions, on ``calendar``."""
    noun = rnd.kind
    stages = [Stage("start", rnd.sent_on, f"{noun.capitalize()} {rnd.sent_on.isoformat()}")]
    spec = _spec(rnd)
    if spec is None:
        stages.append(Stage("none", rnd.sent_on, "no deadline was set"))
        return Derivation(j.id, j.name, rnd.number, noun, tuple(stages), business=False)
    due: date | None = _first(spec, rnd, calendar, stages)
    left: int | None = None
    for event in _of_round(events, rnd.number):
        if event.kind in pausing and due is not None and _open_on(rnd, event.on):
            left = calendar.days_left(due, event.on, rnd.business_days)
            stages.append(Stage("pause", event.on, f"clock paused {event.on.isoformat()} "
                                f"({event.kind}): {_days(left, rnd.business_days)} left"))
            due = None
        elif event.kind in resuming and due is None and left is not None:
            due = _resume(calendar, rnd, event, left, stages)
            left = None
        elif event.kind == EXTENDED and due is not None:
            due = _extend(calendar, event, due, stages)
    return Derivation(j.id, j.name, rnd.number, noun, tuple(stages), due, left,
                      rnd.business_days)


def derive_current(j: Jurisdiction, events: Iterable[Event], calendar: Calendar | None = None,
                   pausing: Collection[str] = ("clarify",),
                   resuming: Collection[str] = ("resume",)) -> Derivation | None:
    """The derivation of ``j``'s last round (None without one)."""
    current = j.current_round
    if current is None:
        return None
    calendar = calendar or calendar_for(j.us_state or None)
    return derive(j, current, events, calendar, pausing, resuming)


def looked_at_after(rnd: Round) -> date:
    """The day after which a calendar's days can change ``derive`` of ``rnd`` with no
    events: a count of calendar days looks only at its last day and the days it moves
    over (``_count_from``); a count of business days and a date set (whose business days
    and skipped days are told) look at every day after the start. Two calendars that name
    the same holidays from then on read the round the same (``Calendar.names_as``)."""
    spec = _spec(rnd)
    if spec is None or spec.on is not None or spec.business:
        return rnd.sent_on
    return rnd.sent_on + timedelta(days=spec.days - 1)


def rule_text(d: Derivation) -> str:
    """The derivation on one line: "letter 2017-11-15 + 16 business days → due
    2017-12-08 (FRCP 6(a))", with the pauses and extensions counted."""
    first = next((s for s in d.stages if s.kind in ("count", "date")), None)
    head = f"{d.round_kind} {d.stages[0].on.isoformat()}" if d.stages else d.round_kind
    rule = f" + {first.rule}" if first is not None and first.kind == "count" else (
        f", due on a date set ({first.rule})" if first is not None else "")
    extra = [f"{n} {what}{'s' if n != 1 else ''}" for what, n in
             (("pause", _count(d, "pause")), ("extension", _count(d, "extension"))) if n]
    closures = sum(1 for s in d.stages for k in s.skipped if k.source == "closure")
    if closures:
        extra.append(f"{closures} closure day{'s' if closures != 1 else ''}")
    more = f"; {', '.join(extra)}" if extra else ""
    return f"{head}{rule} {d.conclusion()} (FRCP 6(a){more})"


# -- the stages ------------------------------------------------------------------------


def _spec(rnd: Round) -> DueSpec | None:
    if not rnd.due_rule:
        return DueSpec(on=rnd.due_on) if rnd.due_on else None
    return _parsed(rnd.due_rule) or (DueSpec(on=rnd.due_on) if rnd.due_on else None)


@lru_cache(maxsize=256)
def _parsed(rule: str) -> DueSpec | None:
    """A round's rule ("30 days", "20 business days"), parsed once: an export works out
    every round's deadline, and they share a handful of rules."""
    try:
        return DueSpec.parse(rule)
    except BadInput:
        return None


def _first(spec: DueSpec, rnd: Round, calendar: Calendar, stages: list[Stage]) -> date:
    """The deadline as the round's step set it, with the stage saying how."""
    start, noun = rnd.sent_on, rnd.kind
    if spec.on is not None:
        weekends, skipped = _skipped(calendar, start, spec.on)
        business = calendar.business_days_between(start, spec.on)
        text = (f"due on a date set: {spec.on.isoformat()}, which is {_days(business, True)} "
                f"and {_days((spec.on - start).days, False)} after the {noun}, the {noun}'s "
                f"day left out ({LEAVE_OUT}){_listing(weekends, skipped)}")
        due = calendar.reopened(spec.on)
        if due != spec.on:
            text += (f"; the office is closed that day, so it moves to the next open day "
                     f"({CLOSED}) → {due.isoformat()}")
        stages.append(Stage("date", start, text, due, weekends, skipped, spec.on.isoformat()))
        return due
    due = _count_from(calendar, start, spec, f"the {noun}'s day left out", stages, "count")
    return due


def _count_from(calendar: Calendar, start: date, spec: DueSpec, left_out: str,
                stages: list[Stage], kind: str, head: str = "") -> date:
    """Count ``spec`` (a number of days) from ``start``, as ``Calendar.due_on`` does,
    and say so."""
    rule = spec.describe()
    if spec.business:
        stage = _business_count(calendar, start, spec.days, rule, f"{head}+ {rule}, "
                                f"{left_out} ({LEAVE_OUT})", kind)
        stages.append(stage)
        assert stage.due is not None
        return stage.due
    plain = start + timedelta(days=spec.days)
    due = calendar.roll_forward(plain)
    text = f"{head}+ {rule}, {left_out} ({LEAVE_OUT}) → {plain.isoformat()}"
    moved: tuple[Skipped, ...] = ()
    if due != plain:
        moved = tuple(_why(calendar, plain + timedelta(days=n)) for n in range((due - plain).days))
        cite = CLOSED if any(m.source == "closure" for m in moved) else LAST_DAY
        text += (f"; the last day is {_off(calendar, plain)}, so it moves to the next open "
                 f"day ({cite}) → {due.isoformat()}")
    stages.append(Stage(kind, start, text, due, 0, moved, rule))
    return due


@lru_cache(maxsize=16_384)
def _business_count(calendar: Calendar, start: date, days: int, rule: str, text: str,
                    kind: str) -> Stage:
    """A count of business days, day by day, with the days it left out. The same count
    from the same day on the same calendar (a state's, with the same closures) is
    worked out once: a state export works out every jurisdiction's deadline, and at
    100,000 jurisdictions they share a few thousand start days and calendars."""
    due, weekends, skipped = _walk_business_days(calendar, start, days)
    return Stage(kind, start, f"{text}{_listing(weekends, skipped)} → {due}", due, weekends,
                 skipped, rule)


def _resume(calendar: Calendar, rnd: Round, event: Event, left: int,
            stages: list[Stage]) -> date:
    head = f"clock resumed {event.on.isoformat()} ({event.kind}): "
    if not left:
        stages.append(Stage("resume", event.on, f"{head}no days were left → {event.on}",
                            event.on))
        return event.on
    spec = DueSpec(days=left, business=rnd.business_days)
    return _count_from(calendar, event.on, spec, "the day it resumed left out", stages,
                       "resume", head)


def _extend(calendar: Calendar, event: Event, due: date, stages: list[Stage]) -> date:
    reason = str(event.detail.get("reason") or "")
    head = f"extended {event.on.isoformat()} ({reason}): "
    by = str(event.detail.get("by") or "")
    if by:
        try:
            spec = DueSpec.parse(by)
        except BadInput:
            spec = None
        if spec is not None and spec.on is None:
            return _count_from(calendar, due, spec, f"counted from {due.isoformat()}", stages,
                               "extension", head)
    to = str(event.detail.get("to") or "")
    try:
        new = date.fromisoformat(to)
    except ValueError:
        return due
    moved = calendar.reopened(new)
    text = f"{head}to {new.isoformat()}"
    if moved != new:
        text += f"; closed that day ({calendar.closed[new]}, {CLOSED}) → {moved.isoformat()}"
    stages.append(Stage("extension", event.on, text, moved, rule=to))
    return moved


def _of_round(events: Iterable[Event], number: int) -> list[Event]:
    return sorted((e for e in events if e.detail.get("round") == number), key=lambda e: e.seq)


def _open_on(rnd: Round, day: date) -> bool:
    """Whether the round was still open on ``day`` (a pause of a settled one stops no clock)."""
    return rnd.closed_on is None or day < rnd.closed_on


def _walk_business_days(calendar: Calendar, start: date,
                        days: int) -> tuple[date, int, tuple[Skipped, ...]]:
    """``calendar.add_business_days(start, days)`` (``days`` > 0) and ``_skipped`` up
    to that day, in one walk: the day after ``start`` on, until ``days`` business days
    are counted."""
    if days < 0:  # counted backwards: no day after the start is left out
        return calendar.add_business_days(start, days), 0, ()
    weeks, skipped = set(), []
    day, one = start, timedelta(days=1)
    while days > 0:
        day += one
        if calendar.is_business_day(day):
            days -= 1
        elif day.weekday() >= 5:
            weeks.add(day.isocalendar()[:2])
        else:
            skipped.append(_why(calendar, day))
    return day, len(weeks), tuple(skipped)


def _skipped(calendar: Calendar, start: date, end: date) -> tuple[int, tuple[Skipped, ...]]:
    """The weekends (counted as weekends) and other days not counted after ``start``
    up to ``end``."""
    weeks, days = set(), []
    day = start + timedelta(days=1)
    while day <= end:
        if day.weekday() >= 5:
            weeks.add(day.isocalendar()[:2])
        elif not calendar.is_business_day(day):
            days.append(_why(calendar, day))
        day += timedelta(days=1)
    return len(weeks), tuple(days)


def _why(calendar: Calendar, day: date) -> Skipped:
    if day in calendar.closed:
        return Skipped(day, calendar.closed[day], "closure")
    name = calendar.holiday(day)
    if name is not None:
        federal = calendar_for(None).holiday(day) is not None
        return Skipped(day, name, "federal" if federal else calendar.subdivision or "state")
    return Skipped(day, _DAY_NAMES[day.weekday()], "weekend")


def _off(calendar: Calendar, day: date) -> str:
    why = _why(calendar, day)
    if why.source == "weekend":
        return f"a {why.why}"
    if why.source == "closure":  # its why names the closure: "snow day (closure #1)"
        return f"a closure day, {why.day.isoformat()}: {why.why}"
    return f"{why.why} ({why.source})"


def _listing(weekends: int, skipped: tuple[Skipped, ...]) -> str:
    parts = [f"{weekends} weekend{'s' if weekends != 1 else ''}"] if weekends else []
    parts += [s.text() for s in skipped]
    return f"; skipped: {', '.join(parts)}" if parts else ""


def _days(n: int, business: bool) -> str:
    return f"{n} {'business' if business else 'calendar'} day{'s' if n != 1 else ''}"


def _count(d: Derivation, kind: str) -> int:
    return sum(1 for s in d.stages if s.kind == kind)
