"""A refusal of one field's value names that field, whatever its words say; a refusal
of the request as a whole names none."""

from __future__ import annotations

from datetime import date

import pytest

from tests.workflows.conftest import STEP_ON, in_state
from workflows.deadlines import DueSpec, parse_date
from workflows.definition import default_definition
from workflows.details import attach
from workflows.errors import ReviewError
from workflows.machine import StepContext, Workflow
from workflows.model import CourtOrder, OrderKind, Role
from workflows.review import new_jurisdiction

NEW = ("chicago", "Chicago, IL", "city", "IL", ())


@pytest.mark.parametrize(("at", "value", "field"), [
    (0, "bad name", "id"), (1, "", "name"), (1, "N" * 201, "name"), (2, "Name!", "kind"),
    (3, "ZZ", "state"), (4, ("chi", "big name!"), "aliases"),
])
def test_a_jurisdiction_to_add_is_refused_by_field(at: int, value: object, field: str) -> None:
    given = list(NEW)
    given[at] = value
    with pytest.raises(ReviewError) as refused:
        new_jurisdiction(*given)  # type: ignore[arg-type]
    assert refused.value.field == field, refused.value.message


@pytest.mark.parametrize(("order", "field"), [
    (CourtOrder(OrderKind.LAWSUIT, STEP_ON, "1" * 201), "case"),
    (CourtOrder(OrderKind.LAWSUIT, STEP_ON, "1:17", "E" * 201), "court"),
    (CourtOrder(OrderKind.LAWSUIT, STEP_ON, "1:17", "", "s" * 3001), "scope"),
])
def test_a_court_order_is_refused_by_field(order: CourtOrder, field: str) -> None:
    with pytest.raises(ReviewError) as refused:
        attach(in_state("insufficient"), order)
    assert refused.value.field == field


def test_the_steps_an_order_blocks_and_dates_are_refused_by_field() -> None:
    with pytest.raises(ReviewError) as blocks:
        default_definition().expand_blocks(["closing"])
    with pytest.raises(ReviewError) as day:
        parse_date("12/08/2017")
    with pytest.raises(ReviewError) as due:
        DueSpec.parse("soon")
    with pytest.raises(ReviewError) as due_day:
        DueSpec.parse("2017-13-45")
    assert [e.value.field for e in (blocks, day, due, due_day)] == ["blocks", "date", "due",
                                                                    "due"]


def ctx(on: date = STEP_ON, **given: object) -> StepContext:
    return StepContext("lead", Role.LEAD, on, today=date(2018, 2, 1), **given)  # type: ignore[arg-type]


@pytest.mark.parametrize(("step", "context", "field"), [
    ("finding", ctx(date(2017, 1, 1), due=DueSpec(days=30)), "date"),  # before the last step
    ("finding", ctx(date(2030, 1, 1), due=DueSpec(days=30)), "date"),  # after today
    ("finding", ctx(), "due"),  # a finding needs a deadline
    ("finding", ctx(due=DueSpec(on=date(2018, 1, 1))), "due"),  # before the step's date
    ("clear", ctx(due=DueSpec(days=30)), "due"),  # a clearance sets none
    ("clear", ctx(note="n" * 3001), "note"),
    ("clear", ctx(link="https://example.org/" + "l" * 2000), "link"),
    ("approve", ctx(), None),  # not from this state: the step itself is refused
])
def test_a_step_is_refused_by_field(workflow: Workflow, step: str, context: StepContext,
                                    field: str | None) -> None:
    j = in_state("insufficient")
    j.last_step_on = date(2017, 12, 20)
    with pytest.raises(ReviewError) as refused:
        workflow.take(j, step, context)
    assert refused.value.field == field, refused.value.message
