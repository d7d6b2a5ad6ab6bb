"""What a step needs besides (a threat's rationale) is declared in the workflow file,
checked when the file is loaded, and refused by the workflow itself, however the step
is taken: a use case, a batch, an import."""

from __future__ import annotations

from datetime import date
from importlib import resources

import pytest

from tests.workflows.conftest import STEP_ON, FakeRepository, in_state
from workflows.batches import Batch, Batches
from workflows.definition import DefinitionError, default_definition, load_definition
from workflows.errors import BadInput, NotPermitted
from workflows.machine import StepContext, Workflow
from workflows.model import Role
from workflows.review import Review
from workflows.transfer import import_csv

RATIONALE = "Give the rationale for the document demand."
PACKAGED = resources.files("workflows").joinpath("review.yml").read_text(encoding="utf-8")
CLEAR_WHY = "Say why the jurisdiction is cleared."
LEAD, ANALYST = "U-LEAD", "U-ANA"


def with_needs(text: str, step: str, needs: str, times: int = 1) -> str:
    """The packaged workflow with ``needs`` (YAML lines) on ``step``'s declarations."""
    head = f"  - name: {step}\n"
    assert text.count(head) >= times
    return text.replace(head, head + needs, times)


def lead(on: date = STEP_ON, note: str = "") -> StepContext:
    return StepContext("lead-1", Role.LEAD, on, note=note, today=date(2018, 2, 1))


def test_the_packaged_threat_needs_its_rationale() -> None:
    [threaten] = default_definition().steps_named("threaten")
    assert threaten.needs == {"note": RATIONALE}
    assert all(not step.needs for step in default_definition().steps if step is not threaten)


@pytest.mark.parametrize("note", ["", "   \n"])
def test_a_threat_without_its_rationale_is_refused_and_changes_nothing(
        workflow: Workflow, note: str) -> None:
    j = in_state("insufficient")
    before = repr(j)
    with pytest.raises(BadInput) as refused:
        workflow.take(j, "threaten", lead(note=note))
    assert (refused.value.message, refused.value.field) == (RATIONALE, "note")
    assert repr(j) == before
    workflow.take(j, "threaten", lead(note="no documents came"))
    assert j.state == "subpoena_threatened"


def test_who_may_threaten_is_judged_before_the_rationale(workflow: Workflow) -> None:
    analyst = StepContext("ana", Role.ANALYST, STEP_ON, today=date(2018, 2, 1))
    with pytest.raises(NotPermitted):
        workflow.take(in_state("insufficient"), "threaten", analyst)


@pytest.mark.parametrize(("needs", "problem"), [
    ("    needs:\n      colour: Pick one.\n", "(step “threaten”, needs.colour): a step can "
                                              "need note or link, not “colour”"),
    ("    needs:\n      note: \"\"\n", "(step “threaten”, needs.note): should be some text"),
    ("    needs: [note]\n", "(step “threaten”, needs): should be a mapping"),
])
def test_a_file_that_declares_needs_wrongly_is_refused_with_its_line(
        needs: str, problem: str) -> None:
    text = with_needs(PACKAGED.replace(
        "    needs:\n      note: Give the rationale for the document demand.\n", ""),
        "threaten", needs)
    with pytest.raises(DefinitionError, match=r"custom.yml, line \d+ ") as refused:
        load_definition(text, "custom.yml")
    assert problem in str(refused.value)


def test_a_custom_file_declares_what_another_step_needs(repo: FakeRepository) -> None:
    custom = load_definition(with_needs(PACKAGED, "clear",
                                        f"    needs:\n      note: {CLEAR_WHY}\n", 2))
    assert [step.needs for step in custom.steps_named("clear")] == [{"note": CLEAR_WHY}] * 2
    workflow = Workflow(custom)
    j = in_state("insufficient")
    with pytest.raises(BadInput, match=CLEAR_WHY):
        workflow.take(j, "clear", lead())
    assert custom.unmet("clear", {"note": ""})[0].message == CLEAR_WHY
    workflow.take(j, "clear", lead(note="the county answered in full"))
    assert j.state == "cleared"


def test_a_need_of_one_declaration_only_is_judged_where_it_is_declared() -> None:
    custom = load_definition(with_needs(PACKAGED, "clear",
                                        f"    needs:\n      note: {CLEAR_WHY}\n"))
    assert custom.unmet("clear", {}) == []  # from some states it needs none
    workflow = Workflow(custom)
    with pytest.raises(BadInput, match=CLEAR_WHY):
        workflow.take(in_state("response_received"), "clear", lead())
    workflow.take(in_state("insufficient"), "clear", lead())


class Filed:
    """The batch store port: remembers what was filed."""

    def __init__(self) -> None:
        self.batches: list[Batch] = []

    async def add_batch(self, batch: Batch, at: object) -> Batch:
        self.batches.append(batch)
        return batch

    async def batch(self, batch_id: int) -> Batch | None:
        return None

    async def decide_batch(self, batch_id: int, by: str, status: str, at: object) -> bool:
        return False

    async def finish_batch(self, batch_id: int, results: object) -> None:
        return None


@pytest.fixture
async def staffed(review: Review) -> Review:
    await review.grant("U-ADMIN", LEAD, Role.LEAD)
    await review.grant("U-ADMIN", ANALYST, Role.ANALYST)
    for jid in ("albany", "berkeley"):
        await review.add(LEAD, jid, jid.capitalize())
    return review


@pytest.mark.parametrize("ids", [["albany"], ["albany", "berkeley"]])
async def test_a_batch_without_the_rationale_is_refused_before_it_is_filed(
        staffed: Review, repo: FakeRepository, ids: list[str]) -> None:
    store = Filed()
    before = repo.snapshot()
    with pytest.raises(BadInput, match=RATIONALE) as refused:
        await Batches(staffed, store).propose(LEAD, "threaten", ids, "C-REVIEW", None, None,
                                              "  ")
    assert refused.value.field == "note"
    assert store.batches == [] and repo.snapshot() == before


async def test_an_imported_threat_without_a_rationale_is_a_bad_line(
        staffed: Review, repo: FakeRepository) -> None:
    rows = ("date,jurisdiction,event,due,detail\n"
            "2017-11-15,albany,letter_sent,2017-12-08,letter\n"
            "2018-01-24,albany,found_insufficient,,no answer\n"
            "2018-01-24,albany,subpoena_threatened,2018-02-23,\n")
    before = repo.snapshot()
    report = await import_csv(staffed, LEAD, rows, dry_run=False)
    assert report.errors == [f"line 4: subpoena_threatened on 2018-01-24 for albany: {RATIONALE}"]
    assert repo.snapshot() == before
    fixed = rows.replace("2018-02-23,\n", "2018-02-23,document demand\n")
    assert (await import_csv(staffed, LEAD, fixed, dry_run=False)).applied
