"""The guards a workflow file may name: checks a step must pass from a given source.

Each raises a ``StepRefused`` that says why. ``GUARDS`` is the list a workflow file is
checked against, so a misspelt guard stops the bot at start rather than at the step.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

from workflows.deadlines import DueSpec
from workflows.errors import NotPermitted, StepRefused
from workflows.model import Jurisdiction, Role


@dataclass(frozen=True)
class StepContext:
    """Who takes a step, on which day, with which deadline and note; and ``today``,
    the team's today (in its time zone), after which no step may be dated. It has no
    default, so that no caller can forget it."""

    actor: str
    role: Role
    on: date
    due: DueSpec | None = None
    note: str = ""
    link: str = ""
    today: date = field(kw_only=True)
    closed: Mapping[date, str] = field(default_factory=dict, kw_only=True)
    """Days the office was closed for the jurisdiction (``workflows.closures``): the
    step's deadline is counted around them."""


Guard = Callable[[Jurisdiction, StepContext], None]


def _overdue(j: Jurisdiction, ctx: StepContext) -> None:
    due = j.due_on
    if due is None:
        raise StepRefused(f"{j.name} has no running deadline, so no answer can be late yet.")
    if ctx.on <= due:
        raise StepRefused(
            f"{j.name}'s deadline is {due.isoformat()} and has not passed on "
            f"{ctx.on.isoformat()}; the answer may still come."
        )


def _after_demand(j: Jurisdiction, ctx: StepContext) -> None:
    current = j.current_round
    if current is None or current.kind != "demand":
        raise StepRefused(
            f"A subpoena follows a document demand; {j.name}'s last round was "
            f"{'none' if current is None else 'a ' + current.kind}. Threaten first."
        )


def _not_requester(j: Jurisdiction, ctx: StepContext) -> None:
    if ctx.actor == j.held_by:
        raise NotPermitted(
            "You requested this subpoena; a different counsel must approve it."
        )


GUARDS: dict[str, Guard] = {
    "overdue": _overdue,
    "after_demand": _after_demand,
    "not_requester": _not_requester,
}
