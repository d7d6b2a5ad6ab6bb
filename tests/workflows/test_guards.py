"""The guards and effects of the workflow: late answers, demands before subpoenas, two
people for a subpoena, held states, the paused clock and court orders."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date

import pytest

from workflows.deadlines import DueSpec
from workflows.definition import default_definition
from workflows.errors import BadInput, BlockedByOrder, NotPermitted, StepRefused
from workflows.machine import StepContext, Workflow
from workflows.model import CourtOrder, Jurisdiction, OrderKind, Role

REVIEW = default_definition()
STATES, STEP_NAMES, STEPS = REVIEW.states, REVIEW.step_names, REVIEW.steps
expand_blocks = REVIEW.expand_blocks

Build = Callable[..., Jurisdiction]

APRIL = date(2017, 4, 21)
JUNE_30 = date(2017, 6, 30)
DEMANDS_ON = date(2018, 1, 24)
PHILLY_CASE = "2:17-cv-03894"
CHICAGO_CASE = "1:17-cv-05720"


def as_(role: Role, on: date, actor: str = "", due: DueSpec | None = None) -> StepContext:
    """A step as someone takes it, with a note (a threat needs its rationale)."""
    return StepContext(actor or f"{role.value}-1", role, on, due, "for the record", today=on)


def lettered(workflow: Workflow, us_state: str = "IL", on: date = APRIL,
             due: DueSpec | None = None) -> Jurisdiction:
    """Chicago-like: a letter on ``on`` (April 21, due June 30 by default)."""
    j = Jurisdiction("chicago", "Chicago, IL", "city", us_state)
    workflow.take(j, "letter", as_(Role.ANALYST, on, due=due or DueSpec(on=JUNE_30)))
    assert j.state == "awaiting_response"
    return j


def refused(workflow: Workflow, j: Jurisdiction, step: str, ctx: StepContext,
            error: type[StepRefused] = StepRefused) -> StepRefused:
    """Take ``step``, expect ``error`` and check nothing changed."""
    before = copy.deepcopy(j)
    with pytest.raises(error) as caught:
        workflow.take(j, step, ctx)
    assert j == before
    return caught.value


# -- overdue -----------------------------------------------------------------------------


@pytest.mark.parametrize(("on", "late"), [
    (date(2017, 6, 29), False),
    (JUNE_30, False),
    (date(2017, 7, 1), True),
    (date(2017, 10, 12), True),
])
def test_no_answer_is_insufficient_only_after_the_deadline(
        workflow: Workflow, on: date, late: bool) -> None:
    j = lettered(workflow)
    ctx = as_(Role.ANALYST, on)
    assert ("insufficient" in workflow.allowed(j, ctx)) is late
    if late:
        workflow.take(j, "insufficient", ctx)
        assert j.state == "insufficient"
        assert (j.rounds[0].outcome, j.rounds[0].closed_on) == ("no_response", on)
    else:
        error = refused(workflow, j, "insufficient", ctx)
        assert type(error) is StepRefused
        assert "2017-06-30" in error.message


@pytest.mark.parametrize("step", ["finding", "threaten"])
def test_a_lead_cannot_escalate_on_silence_before_the_deadline(
        workflow: Workflow, step: str) -> None:
    j = lettered(workflow)
    due = DueSpec(days=15)
    refused(workflow, j, step, as_(Role.LEAD, JUNE_30, due=due))
    workflow.take(j, step, as_(Role.LEAD, date(2017, 10, 12), due=due))
    assert j.rounds[0].outcome == "no_response"
    assert j.current_round is not None and j.current_round.due_on == date(2017, 10, 27)


def test_overdue_needs_a_running_deadline(workflow: Workflow) -> None:
    j = lettered(workflow)
    workflow.take(j, "insufficient", as_(Role.ANALYST, date(2017, 7, 3)))
    workflow.take(j, "threaten", as_(Role.LEAD, DEMANDS_ON))  # the deadline is optional
    assert j.state == "subpoena_threatened" and j.due_on is None

    error = refused(workflow, j, "subpoena", as_(Role.LEAD, date(2018, 6, 1)))
    assert "no running deadline" in error.message
    assert "subpoena" not in workflow.allowed(j, as_(Role.LEAD, date(2018, 6, 1)))


def test_a_subpoena_waits_for_the_demand_deadline(workflow: Workflow) -> None:
    j = lettered(workflow)
    workflow.take(j, "insufficient", as_(Role.ANALYST, date(2017, 7, 3)))
    workflow.take(j, "threaten", as_(Role.LEAD, DEMANDS_ON, due=DueSpec(days=30)))
    assert j.due_on == date(2018, 2, 23)
    refused(workflow, j, "subpoena", as_(Role.LEAD, date(2018, 2, 23)))
    workflow.take(j, "subpoena", as_(Role.LEAD, date(2018, 2, 26)))
    assert (j.state, j.held_from) == ("subpoena_requested", "subpoena_threatened")


# -- after a demand ----------------------------------------------------------------------


def test_a_subpoena_from_insufficient_needs_a_demand_first(workflow: Workflow) -> None:
    j = lettered(workflow)
    workflow.take(j, "insufficient", as_(Role.ANALYST, date(2017, 7, 3)))
    error = refused(workflow, j, "subpoena", as_(Role.LEAD, date(2017, 7, 5)))
    assert "a letter" in error.message

    workflow.take(j, "threaten", as_(Role.LEAD, DEMANDS_ON, due=DueSpec(days=30)))
    workflow.take(j, "response", as_(Role.ANALYST, date(2018, 2, 20)))
    workflow.take(j, "insufficient", as_(Role.ANALYST, date(2018, 2, 21)))
    assert j.current_round is not None and j.current_round.kind == "demand"
    assert j.current_round.outcome == "insufficient"
    workflow.take(j, "subpoena", as_(Role.LEAD, date(2018, 2, 21)))
    assert (j.state, j.held_from) == ("subpoena_requested", "insufficient")


def test_after_demand_refuses_a_jurisdiction_with_no_round(build: Build,
                                                           workflow: Workflow) -> None:
    j = build("insufficient")
    j.rounds.clear()
    error = refused(workflow, j, "subpoena", as_(Role.LEAD, DEMANDS_ON))
    assert "none" in error.message


# -- a subpoena takes two people ---------------------------------------------------------


def requested(workflow: Workflow) -> Jurisdiction:
    j = lettered(workflow)
    workflow.take(j, "insufficient", as_(Role.ANALYST, date(2017, 7, 3)))
    workflow.take(j, "threaten", as_(Role.LEAD, DEMANDS_ON, due=DueSpec(days=30)))
    workflow.take(j, "subpoena", as_(Role.LEAD, date(2018, 2, 26), actor="U-SAM"))
    assert (j.state, j.held_by) == ("subpoena_requested", "U-SAM")
    return j


def test_the_requester_cannot_approve_their_own_subpoena(workflow: Workflow) -> None:
    j = requested(workflow)
    same = as_(Role.COUNSEL, date(2018, 2, 27), actor="U-SAM")  # now counsel, same person
    refused(workflow, j, "approve", same, NotPermitted)
    assert workflow.allowed(j, same) == ["deny"]


def test_a_lead_cannot_approve_a_subpoena(workflow: Workflow) -> None:
    j = requested(workflow)
    refused(workflow, j, "approve", as_(Role.LEAD, date(2018, 2, 27), actor="U-LEE"),
            NotPermitted)


def test_another_counsel_approves_the_subpoena(workflow: Workflow) -> None:
    j = requested(workflow)
    ctx = as_(Role.COUNSEL, date(2018, 2, 27), actor="U-KIM")
    assert workflow.allowed(j, ctx) == ["approve", "deny"]
    workflow.take(j, "approve", ctx)
    assert (j.state, j.held_from) == ("subpoena_issued", None)
    assert j.current_round is not None and j.current_round.outcome == "subpoena"


@pytest.mark.parametrize("held", ["subpoena_threatened", "insufficient"])
def test_deny_returns_to_the_state_the_request_came_from(
        build: Build, workflow: Workflow, held: str) -> None:
    j = build("subpoena_requested", held_from=held)
    workflow.take(j, "deny", as_(Role.COUNSEL, DEMANDS_ON, actor="U-KIM"))
    assert (j.state, j.held_from) == (held, None)


# -- the paused clock --------------------------------------------------------------------


def test_clarify_pauses_and_resume_gives_back_the_calendar_days_left(
        workflow: Workflow) -> None:
    j = lettered(workflow, due=DueSpec(days=70))
    assert j.due_on == JUNE_30
    workflow.take(j, "clarify", as_(Role.ANALYST, date(2017, 6, 20)))
    assert (j.state, j.held_from, j.due_on) == ("clarification_requested",
                                                "awaiting_response", None)
    assert j.rounds[0].days_left == 10
    # A paused deadline is not running: nothing can be late while the team waits.
    assert "insufficient" not in workflow.allowed(j, as_(Role.ANALYST, date(2017, 7, 5)))

    workflow.take(j, "resume", as_(Role.ANALYST, date(2017, 7, 10)))
    assert (j.state, j.held_from) == ("awaiting_response", None)
    assert j.due_on == date(2017, 7, 20)
    assert (j.rounds[0].paused_on, j.rounds[0].days_left) == (None, None)


def test_resume_gives_back_business_days_left(workflow: Workflow) -> None:
    # 20 business days from Nov 15 skip Thanksgiving: Dec 14.
    j = lettered(workflow, on=date(2017, 11, 15), due=DueSpec(days=20, business=True))
    assert j.due_on == date(2017, 12, 14)
    workflow.take(j, "clarify", as_(Role.ANALYST, date(2017, 11, 22)))
    # Nov 24, Nov 27 - Dec 1, Dec 4 - 8, Dec 11 - 14: 15 business days left.
    assert j.rounds[0].days_left == 15
    workflow.take(j, "resume", as_(Role.ANALYST, date(2018, 1, 2)))
    # Jan 3 - 5, 8 - 12, (MLK Day 15), 16 - 19, 22 - 24: the 15th is Jan 24.
    assert j.due_on == date(2018, 1, 24)


def test_a_resumed_calendar_deadline_moves_off_a_weekend(workflow: Workflow) -> None:
    j = lettered(workflow, due=DueSpec(days=70))
    workflow.take(j, "clarify", as_(Role.ANALYST, date(2017, 6, 20)))  # 10 days left
    workflow.take(j, "resume", as_(Role.ANALYST, date(2017, 7, 5)))  # +10 = Sat Jul 15
    assert j.due_on == date(2017, 7, 17)


def test_clarify_after_a_response_returns_to_review(workflow: Workflow) -> None:
    j = lettered(workflow)
    workflow.take(j, "response", as_(Role.ANALYST, date(2017, 6, 28)))
    workflow.take(j, "clarify", as_(Role.ANALYST, date(2017, 7, 3)))
    workflow.take(j, "resume", as_(Role.ANALYST, date(2017, 7, 20)))
    assert (j.state, j.held_from) == ("response_received", None)
    assert j.rounds[0].outcome == "responded"


# -- court orders ------------------------------------------------------------------------


def insufficient_after_letter(workflow: Workflow, *orders: CourtOrder) -> Jurisdiction:
    j = lettered(workflow)
    workflow.take(j, "insufficient", as_(Role.ANALYST, date(2017, 7, 3)))
    j.orders.extend(orders)
    return j


def philly_injunction(**changes: object) -> CourtOrder:
    fields: dict[str, object] = {
        "kind": OrderKind.INJUNCTION, "on": date(2017, 11, 15), "case": PHILLY_CASE,
        "court": "E.D. Pa.", "scope": "FY2017 Byrne JAG may not be withheld over 1373",
        "blocks": expand_blocks(["escalation"]), "id": 1,
    }
    fields.update(changes)
    return CourtOrder(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("step", ["threaten", "finding"])
def test_an_active_injunction_blocks_the_steps_it_covers_and_names_the_case(
        workflow: Workflow, step: str) -> None:
    j = insufficient_after_letter(workflow, philly_injunction())
    ctx = as_(Role.LEAD, DEMANDS_ON, due=DueSpec(days=30))
    error = refused(workflow, j, step, ctx, BlockedByOrder)
    assert PHILLY_CASE in error.message
    assert "#1" in error.message
    assert step not in workflow.allowed(j, ctx)
    assert "clear" in workflow.allowed(j, ctx)  # not covered: still possible


def test_an_injunction_blocks_from_its_first_day(workflow: Workflow) -> None:
    j = insufficient_after_letter(workflow, philly_injunction(on=DEMANDS_ON))
    refused(workflow, j, "threaten", as_(Role.LEAD, DEMANDS_ON), BlockedByOrder)


def test_chicagos_injunction_does_not_block_the_demand(workflow: Workflow) -> None:
    chicago = CourtOrder(OrderKind.INJUNCTION, date(2017, 9, 15), CHICAGO_CASE, "N.D. Ill.",
                         "Byrne JAG notice and access conditions", blocks=frozenset(), id=2)
    j = insufficient_after_letter(workflow, chicago)
    ctx = as_(Role.LEAD, DEMANDS_ON, due=DueSpec(days=30))
    assert "threaten" in workflow.allowed(j, ctx)
    workflow.take(j, "threaten", ctx)
    assert j.state == "subpoena_threatened" and j.due_on == date(2018, 2, 23)


def test_an_injunction_blocks_only_what_it_names(workflow: Workflow) -> None:
    j = insufficient_after_letter(workflow, philly_injunction(blocks=frozenset({"close"})))
    ctx = as_(Role.LEAD, DEMANDS_ON)
    refused(workflow, j, "close", ctx, BlockedByOrder)
    workflow.take(j, "threaten", ctx)
    assert j.state == "subpoena_threatened"


def test_a_lifted_injunction_no_longer_blocks(workflow: Workflow) -> None:
    j = insufficient_after_letter(workflow, philly_injunction(lifted_on=date(2018, 1, 10)))
    refused(workflow, j, "threaten", as_(Role.LEAD, date(2018, 1, 9)), BlockedByOrder)
    workflow.take(j, "threaten", as_(Role.LEAD, date(2018, 1, 10)))
    assert j.state == "subpoena_threatened"


def test_an_injunction_not_yet_in_force_does_not_block(workflow: Workflow) -> None:
    j = insufficient_after_letter(workflow, philly_injunction(on=date(2018, 2, 1)))
    workflow.take(j, "threaten", as_(Role.LEAD, DEMANDS_ON))
    assert j.state == "subpoena_threatened"


@pytest.mark.parametrize("kind", [OrderKind.LAWSUIT, OrderKind.RULING])
def test_only_injunctions_block(workflow: Workflow, kind: OrderKind) -> None:
    j = insufficient_after_letter(workflow, philly_injunction(kind=kind))
    workflow.take(j, "threaten", as_(Role.LEAD, DEMANDS_ON))
    assert j.state == "subpoena_threatened"


def test_expand_blocks_refuses_unknown_words() -> None:
    assert expand_blocks(["subpoena", "close"]) == {"subpoena", "approve", "close"}
    with pytest.raises(BadInput):
        expand_blocks(["withholding"])


# -- allowed() agrees with take() --------------------------------------------------------


def accepted(workflow: Workflow, j: Jurisdiction, ctx: StepContext) -> list[str]:
    """The step names take() accepts, each tried on a fresh copy."""
    names = []
    for name in STEP_NAMES:
        step = next(s for s in STEPS if s.name == name)
        due = DueSpec(days=30) if step.deadline == "required" else None
        try:
            workflow.take(copy.deepcopy(j), name, StepContext(ctx.actor, ctx.role, ctx.on, due,
                                                              ctx.note, today=ctx.today))
        except StepRefused:
            continue
        names.append(name)
    return names


def holding(state: str) -> str | None:
    return next((s for step in STEPS if step.holds and step.dest == state
                 for s in step.sources), None)


@pytest.mark.parametrize("state", list(STATES))
@pytest.mark.parametrize("role", list(Role))
def test_allowed_lists_exactly_what_take_accepts(
        build: Build, workflow: Workflow, state: str, role: Role) -> None:
    j = build(state, held_from=holding(state))
    ctx = as_(role, DEMANDS_ON)
    assert sorted(workflow.allowed(j, ctx)) == sorted(accepted(workflow, j, ctx))


@pytest.mark.parametrize(("on", "expected"), [
    (date(2017, 6, 30), ["letter", "response", "clarify", "clear", "close"]),
    (date(2017, 7, 3), ["letter", "response", "clarify", "insufficient", "finding", "threaten",
                        "clear", "close"]),
])
def test_allowed_for_a_lead_waiting_on_a_letter(
        workflow: Workflow, on: date, expected: list[str]) -> None:
    j = lettered(workflow)
    ctx = as_(Role.LEAD, on)
    assert workflow.allowed(j, ctx) == expected
    assert accepted(workflow, j, ctx) == expected


def test_allowed_under_an_injunction_and_for_a_viewer(workflow: Workflow) -> None:
    j = insufficient_after_letter(workflow, philly_injunction())
    lead = as_(Role.LEAD, DEMANDS_ON)
    assert workflow.allowed(j, lead) == ["letter", "response", "clear", "close"]
    assert accepted(workflow, j, lead) == workflow.allowed(j, lead)
    viewer = as_(Role.VIEWER, DEMANDS_ON)
    assert workflow.allowed(j, viewer) == accepted(workflow, j, viewer) == []


def test_every_step_name_is_known(workflow: Workflow) -> None:
    with pytest.raises(BadInput):
        workflow.take(Jurisdiction("x", "X"), "subpoena-now", as_(Role.ADMIN, DEMANDS_ON))


# -- order of checks and held states ------------------------------------------------------


def test_a_return_step_with_nothing_held_is_refused(workflow: Workflow, build: Build) -> None:
    j = build("clarification_requested")
    j.held_from = None
    refused(workflow, j, "resume", as_(Role.ANALYST, DEMANDS_ON))
    assert "resume" not in workflow.allowed(j, as_(Role.ANALYST, DEMANDS_ON))


def test_the_role_is_checked_before_the_missing_deadline(workflow: Workflow) -> None:
    j = Jurisdiction("chicago", "Chicago, IL", "city", "IL")
    refused(workflow, j, "letter", as_(Role.VIEWER, APRIL), NotPermitted)


def test_steps_are_recorded_in_date_order(workflow: Workflow) -> None:
    j = lettered(workflow)
    workflow.take(j, "response", as_(Role.ANALYST, JUNE_30))
    before = copy.deepcopy(j)
    with pytest.raises(BadInput, match="steps are recorded in order"):
        workflow.take(j, "clear", as_(Role.ANALYST, date(2017, 5, 1)))
    assert j == before
    workflow.take(j, "clear", as_(Role.ANALYST, JUNE_30))
    assert j.state == "cleared"
