"""The workflow as a YAML file: the packaged review is the workflow the Python tables
declared, a mistake in a file is refused with where and what, and a workflow of one's
own runs through the same machine."""

from __future__ import annotations

import copy
import re
from datetime import date
from pathlib import Path

import pytest

from tests.workflows.conftest import FakeRepository, FixedClock
from workflows.deadlines import DueSpec
from workflows.definition import (
    RETURN,
    DefinitionError,
    Reminders,
    Step,
    default_definition,
    load_definition,
)
from workflows.errors import BadInput, NotPermitted, StepRefused
from workflows.machine import StepContext, Workflow
from workflows.model import Jurisdiction, Role
from workflows.reminders import Policy
from workflows.review import Review, ReviewConfig

# -- the review as the Python tables declared it before it moved to review.yml -----------

RECORDERS = frozenset({Role.ANALYST, Role.LEAD, Role.ADMIN})
LEADS = frozenset({Role.LEAD})
COUNSEL = frozenset({Role.COUNSEL})
ACTIVE = ("awaiting_response", "response_received", "clarification_requested", "insufficient",
          "preliminary_finding", "subpoena_threatened", "subpoena_requested", "subpoena_issued")
TABLE_STATES = {
    "new": "added, no letter yet",
    "awaiting_response": "letter sent, awaiting response",
    "response_received": "response received, under review",
    "clarification_requested": "clarification requested (clock paused)",
    "insufficient": "response insufficient",
    "preliminary_finding": "preliminary finding issued",
    "subpoena_threatened": "subpoena threatened (document demand)",
    "subpoena_requested": "subpoena requested, awaiting counsel",
    "subpoena_issued": "subpoena issued",
    "cleared": "cleared (monitoring)",
    "closed": "closed",
}
TABLE_STEPS = (
    Step("letter", "send a letter", ("new", "awaiting_response", "insufficient", "cleared"),
         "awaiting_response", RECORDERS, opens_round="letter", deadline="required",
         done="sent a letter to {name}"),
    Step("response", "record a response",
         ("awaiting_response", "insufficient", "preliminary_finding", "subpoena_threatened",
          "subpoena_issued"),
         "response_received", RECORDERS, outcome="responded",
         done="recorded a response from {name}"),
    Step("clarify", "request clarification (pauses the clock)",
         ("awaiting_response", "response_received"), "clarification_requested", RECORDERS,
         holds=True, pauses=True, done="requested clarification for {name} (clock paused)"),
    Step("resume", "resume after clarification", ("clarification_requested",), RETURN,
         RECORDERS, resumes=True, done="resumed the clock for {name}"),
    Step("insufficient", "find the response insufficient",
         ("response_received", "awaiting_response", "preliminary_finding", "subpoena_threatened"),
         "insufficient", RECORDERS, outcome="insufficient",
         guards={"awaiting_response": ("overdue",), "preliminary_finding": ("overdue",),
                 "subpoena_threatened": ("overdue",)},
         done="found the answer from {name} insufficient"),
    Step("finding", "issue a preliminary finding",
         ("response_received", "insufficient", "awaiting_response"), "preliminary_finding",
         LEADS, opens_round="finding", deadline="required", outcome="insufficient",
         guards={"awaiting_response": ("overdue",)},
         done="issued a preliminary finding to {name}"),
    Step("threaten", "threaten a subpoena (document demand)",
         ("insufficient", "awaiting_response", "preliminary_finding"), "subpoena_threatened",
         LEADS, opens_round="demand", deadline="optional", outcome="insufficient",
         guards={"awaiting_response": ("overdue",), "preliminary_finding": ("overdue",)},
         needs={"note": "Give the rationale for the document demand."},
         done="threatened {name} with a subpoena (document demand)"),
    Step("subpoena", "request a subpoena (counsel approves)",
         ("subpoena_threatened", "insufficient"), "subpoena_requested", LEADS, holds=True,
         guards={"subpoena_threatened": ("overdue",), "insufficient": ("after_demand",)},
         done="requested a subpoena for {name} (needs counsel's approval)", confirm=True),
    Step("approve", "approve the subpoena", ("subpoena_requested",), "subpoena_issued",
         COUNSEL, guards={"subpoena_requested": ("not_requester",)}, outcome="subpoena",
         done="approved the subpoena for {name}", confirm=True),
    Step("deny", "deny the subpoena request", ("subpoena_requested",), RETURN, COUNSEL,
         done="denied the subpoena request for {name}", confirm=True),
    Step("clear", "clear the jurisdiction", ("response_received",), "cleared", RECORDERS,
         outcome="cleared", done="cleared {name}", confirm=True),
    Step("clear", "clear the jurisdiction",
         tuple(state for state in ACTIVE if state != "response_received"), "cleared", LEADS,
         outcome="cleared", done="cleared {name}", confirm=True),
    Step("close", "close the review", ("cleared", *ACTIVE), "closed", LEADS, outcome="closed",
         done="closed the review of {name}", confirm=True),
)
TABLE_SCOPES = {
    "escalation": frozenset({"finding", "threaten", "subpoena", "approve"}),
    "subpoena": frozenset({"subpoena", "approve"}),
}
TABLE_PERMISSIONS = {
    "add": RECORDERS,
    "alias": RECORDERS,
    "assign": frozenset({Role.LEAD, Role.ADMIN}),
    "order": frozenset({Role.COUNSEL, Role.LEAD, Role.ADMIN}),
    "role": frozenset({Role.ADMIN}),
    "summaries": frozenset({Role.LEAD, Role.ADMIN}),
    "seal": frozenset({Role.LEAD, Role.ADMIN}),
    "closed": frozenset({Role.LEAD, Role.ADMIN}),
    "extend": frozenset({Role.LEAD, Role.ADMIN}),
    "attach": RECORDERS,
    "mute": frozenset({Role.LEAD, Role.ADMIN}),
    "feed": frozenset({Role.ADMIN}),
}


def test_the_packaged_review_is_the_workflow_the_tables_declared() -> None:
    review = default_definition()
    assert list(review.states.items()) == list(TABLE_STATES.items())
    assert review.initial == "new"
    assert len(review.steps) == len(TABLE_STEPS)
    for loaded, declared in zip(review.steps, TABLE_STEPS, strict=True):
        assert loaded == declared, declared.name
    assert review.scopes == TABLE_SCOPES
    assert review.permissions == TABLE_PERMISSIONS
    assert review.reminders == Reminders((3, 1), 5, 20)
    assert review.source == "review.yml"


def test_the_reminder_offsets_are_the_policy_defaults() -> None:
    policy = default_definition().reminders.apply(Policy(before=(9,), follow_up_every=2))
    defaults = Policy()
    assert (policy.before, policy.follow_up_every, policy.very_overdue) == (
        defaults.before, defaults.follow_up_every, defaults.very_overdue)


def test_the_packaged_review_names_its_parts() -> None:
    review = default_definition()
    assert review.step_names == ("letter", "response", "clarify", "resume", "insufficient",
                                 "finding", "threaten", "subpoena", "approve", "deny",
                                 "clear", "close")
    assert (review.initial, RETURN) == ("new", "<held>")
    assert review.label_of("cleared") == "cleared (monitoring)"
    assert review.label_of("no-such-state") == "no-such-state"
    assert [s.roles for s in review.steps_named("clear")] == [RECORDERS, LEADS]
    assert review.expand_blocks(["subpoena", "close"]) == {"subpoena", "approve", "close"}
    with pytest.raises(BadInput, match="“closing” is not a step an order can block"):
        review.expand_blocks(["closing"])


def test_the_packaged_file_is_read_once_and_followed_when_given() -> None:
    assert default_definition() is default_definition()
    assert Workflow(default_definition()).definition is default_definition()


def test_only_the_settings_choose_the_packaged_workflow() -> None:
    """No module of the bot or the domain falls back to the packaged file on its own:
    the settings say which workflow is in force, and it is passed down from there."""
    root = Path(__file__).resolve().parents[2]
    sources = [*(root / "workflows").glob("*.py"), *(root / "bot").rglob("*.py")]
    reading = {p.relative_to(root).as_posix() for p in sources
               if "default_definition" in p.read_text(encoding="utf-8")}
    assert reading == {"workflows/definition.py", "bot/wiring/settings.py"}
    assert not (root / "workflows" / "rules.py").exists()


# -- a workflow of one's own ---------------------------------------------------------------

PERMIT = """\
# A small workflow: a permit request, sent, answered or put on hold.
states:
  draft: drafted
  sent: sent, awaiting an answer
  on_hold: on hold
  done: answered
initial: draft
roles:
  staff: [analyst, lead]
steps:
  - name: send
    label: send the request
    sources: [draft]
    dest: sent
    roles: staff
    opens_round: letter
    deadline: required
  - name: hold
    label: put it on hold
    sources: [sent]
    dest: on_hold
    roles: [lead]
    holds: true
    pauses: true
  - name: release
    label: take it off hold
    sources: [on_hold]
    dest: <held>
    roles: [lead]
    resumes: true
  - name: finish
    label: record the answer
    sources: [sent]
    dest: done
    roles: staff
    outcome: responded
    guards:
      sent: [overdue]
scopes:
  all: [send, finish]
permissions:
  add: [lead]
  alias: staff
  assign: [lead]
  order: [lead]
  role: [admin]
reminders:
  before: [1, 2]
  follow_up_every: 3
  very_overdue: 10
"""
SENT_ON = date(2018, 3, 1)


def ctx(role: Role, on: date, due: DueSpec | None = None) -> StepContext:
    return StepContext(f"{role.value}-1", role, on, due, today=on)


def test_a_workflow_of_ones_own_loads_with_what_it_says() -> None:
    permit = load_definition(PERMIT, "permit.yml")
    assert permit.states == {"draft": "drafted", "sent": "sent, awaiting an answer",
                             "on_hold": "on hold", "done": "answered"}
    assert permit.step_names == ("send", "hold", "release", "finish")
    assert permit.steps[0].roles == {Role.ANALYST, Role.LEAD}
    assert permit.steps[2].dest == RETURN
    assert permit.steps[3].guards == {"sent": ("overdue",)}
    assert permit.scopes == {"all": frozenset({"send", "finish"})}
    assert permit.permissions["add"] == {Role.LEAD}
    assert permit.reminders == Reminders((2, 1), 3, 10)
    assert permit.final_states() == ["done"]
    assert permit.held_sources("on_hold") == ["sent"]


def test_a_workflow_of_ones_own_runs_through_the_machine() -> None:
    workflow = Workflow(load_definition(PERMIT))
    j = Jurisdiction("springfield", "Springfield, IL", state="draft", us_state="IL")

    workflow.take(j, "send", ctx(Role.ANALYST, SENT_ON, DueSpec(days=10)))
    assert j.state == "sent"
    assert (j.rounds[0].kind, j.rounds[0].due_on) == ("letter", date(2018, 3, 12))

    workflow.take(j, "hold", ctx(Role.LEAD, date(2018, 3, 5)))
    assert (j.state, j.held_from, j.due_on) == ("on_hold", "sent", None)
    workflow.take(j, "release", ctx(Role.LEAD, date(2018, 3, 6)))
    assert (j.state, j.held_from) == ("sent", None)
    assert j.due_on == date(2018, 3, 13)  # the seven days left, counted again

    with pytest.raises(StepRefused, match="has not passed"):
        workflow.take(j, "finish", ctx(Role.ANALYST, date(2018, 3, 13)))
    workflow.take(j, "finish", ctx(Role.ANALYST, date(2018, 3, 14)))
    assert (j.state, j.rounds[0].outcome) == ("done", "responded")


def test_a_workflow_of_ones_own_refuses_what_it_does_not_declare() -> None:
    workflow = Workflow(load_definition(PERMIT))
    j = Jurisdiction("springfield", "Springfield, IL", state="sent", us_state="IL")
    with pytest.raises(BadInput, match="“letter” is not a workflow step"):
        workflow.take(j, "letter", ctx(Role.LEAD, SENT_ON, DueSpec(days=10)))
    with pytest.raises(NotPermitted, match="Only leads may put it on hold; you are an analyst"):
        workflow.take(j, "hold", ctx(Role.ANALYST, SENT_ON))
    with pytest.raises(StepRefused, match=r"Springfield, IL is sent, awaiting an answer; "
                                          r"“send” .* is not possible"):
        workflow.take(j, "send", ctx(Role.LEAD, SENT_ON, DueSpec(days=10)))
    assert workflow.allowed(j, ctx(Role.LEAD, SENT_ON)) == ["hold"]


async def test_the_use_cases_follow_the_permissions_of_the_file() -> None:
    repo = FakeRepository()
    review = Review(repo, FixedClock(), ReviewConfig("C-REVIEW", frozenset({"U-ADMIN"})),
                    Workflow(load_definition(PERMIT)))
    await review.grant("U-ADMIN", "U-ANA", Role.ANALYST)
    with pytest.raises(NotPermitted, match="Only lead may use “add”; you are analyst"):
        await review.add("U-ANA", "springfield", "Springfield, IL")
    assert repo.jurisdictions == {}
    await review.grant("U-ADMIN", "U-LEE", Role.LEAD)
    added = await review.add("U-LEE", "springfield", "Springfield, IL")
    assert (added.jurisdiction.state, added.event.to_state) == ("draft", "draft")
    assert repo.jurisdictions["springfield"].state == "draft"


def test_a_file_is_read_from_its_path(tmp_path: Path) -> None:
    path = tmp_path / "permit.yml"
    path.write_text(PERMIT, encoding="utf-8")
    assert load_definition(path).source == str(path)
    path.write_text(PERMIT.replace("dest: done", "dest: finished"), encoding="utf-8")
    where = re.escape(str(path))
    with pytest.raises(DefinitionError, match=f"^{where}, line 34 .*unknown state “finished”"):
        load_definition(path)


def test_a_file_that_cannot_be_read_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yml"
    with pytest.raises(DefinitionError, match=f"^{re.escape(str(missing))}: cannot be read"):
        load_definition(missing)


def test_a_step_says_what_was_done_and_whether_to_ask_first() -> None:
    review = default_definition()
    assert review.done_of("letter") == "sent a letter to {name}"
    assert review.done_of("assigned") is None  # a command's event, not a step
    assert [s for s in review.step_names if review.confirms(s)] == [
        "subpoena", "approve", "deny", "clear", "close"]
    assert [s for s in review.step_names if review.sets_deadline(s)] == [
        "letter", "resume", "finding", "threaten"]
    assert not review.sets_deadline("added") and not review.confirms("added")


def test_a_file_without_the_words_of_its_steps_still_loads() -> None:
    permit = load_definition(PERMIT)
    assert [permit.done_of(s) for s in permit.step_names] == [None] * 4
    assert not any(permit.confirms(s) for s in permit.step_names)
    assert [s for s in permit.step_names if permit.sets_deadline(s)] == ["send", "release"]
    worded = load_definition(PERMIT.replace(
        "    outcome: responded\n",
        "    outcome: responded\n    done: recorded the answer to {name}\n    confirm: true\n"))
    assert worded.done_of("finish") == "recorded the answer to {name}"
    assert worded.confirms("finish") and not worded.confirms("send")


# -- mistakes, each refused with where and what ----------------------------------------------

MISTAKES = [
    # (what to replace, with what, words the error must hold)
    pytest.param("    dest: sent\n", "    dest: snet\n",
                 ("step “send”, dest", "unknown state “snet”", "known: draft, sent"),
                 id="unknown-state-in-dest"),
    pytest.param("sources: [draft]", "sources: [drafts]",
                 ("step “send”, sources[0]", "unknown state “drafts”"),
                 id="unknown-state-in-sources"),
    pytest.param("initial: draft", "initial: start", ("(initial)", "unknown state “start”"),
                 id="unknown-initial-state"),
    pytest.param("  done: answered\n", "  done: answered\n  archived: archived\n",
                 ("(states.archived)", "unreachable state “archived”",
                  "no chain of steps leads to it from “draft”"),
                 id="unreachable-state"),
    pytest.param("sent: [overdue]", "sent: [overdu]",
                 ("step “finish”, guards.sent[0]", "unknown guard “overdu”",
                  "known: overdue, after_demand, not_requester"),
                 id="unknown-guard"),
    pytest.param("sent: [overdue]", "on_hold: [overdue]",
                 ("step “finish”, guards.on_hold", "guards for “on_hold”, which is not one "
                  "of the step's sources (sent)"),
                 id="guard-for-a-state-the-step-is-not-taken-from"),
    pytest.param("roles: [lead]\n    holds", "roles: [leed]\n    holds",
                 ("step “hold”, roles[0]", "unknown role “leed”",
                  "roles: viewer, analyst, lead, counsel, admin; groups: staff"),
                 id="unknown-role-in-a-step"),
    pytest.param("staff: [analyst, lead]", "staff: [analyst, clerk]",
                 ("(roles.staff[1])", "unknown role “clerk”"), id="unknown-role-in-a-group"),
    pytest.param("assign: [lead]", "assign: [boss]",
                 ("(permissions.assign[0])", "unknown role “boss”"),
                 id="unknown-role-in-permissions"),
    pytest.param("role: [admin]", "role: admins",
                 ("(permissions.role)", "unknown role “admins”"),
                 id="unknown-group-in-permissions"),
    pytest.param("  staff: [analyst, lead]", "  counsel: [counsel]",
                 ("(roles.counsel)", "“counsel” is a role; give the group another name"),
                 id="group-named-like-a-role"),
    pytest.param("scopes:\n",
                 "  - name: finish\n    label: again\n    sources: [draft, sent]\n"
                 "    dest: done\n    roles: staff\nscopes:\n",
                 ("step “finish”, sources[1]", "“finish” is already declared from “sent” "
                  "(line 31); a step may be declared from a state only once"),
                 id="step-declared-twice-from-one-state"),
    pytest.param("    sources: [on_hold]", "    sources: [on_hold, draft]",
                 ("step “release”, sources[1]", "“<held>” goes back to where a step with "
                  "“holds: true” came from, but no such step leads to “draft”"),
                 id="return-from-a-state-nothing-holds"),
    pytest.param("all: [send, finish]", "all: [send, fnish]",
                 ("(scopes.all[1])", "unknown step “fnish” (known: send, hold, release, "
                  "finish)"),
                 id="scope-naming-an-unknown-step"),
    pytest.param("deadline: required", "deadline: sometimes",
                 ("step “send”, deadline", "bad deadline “sometimes”: write required, "
                  "optional, none"), id="bad-deadline-word"),
    pytest.param("deadline: required", "deadline: no",
                 ("bad deadline false (a yes/no value)",), id="bad-deadline-yes-no"),
    pytest.param("    opens_round: letter\n", "",
                 ("step “send”, deadline", "a deadline belongs to a round: give opens_round"),
                 id="deadline-without-a-round"),
    pytest.param("    dest: on_hold\n", "",
                 ("(step “hold”)", "missing key “dest”"), id="missing-key-in-a-step"),
    pytest.param("  role: [admin]\n", "",
                 ("(permissions)", "missing key “role”"), id="missing-permission"),
    pytest.param("initial: draft\n", "", ("<text>, line 2:", "missing key “initial”"),
                 id="missing-top-level-key"),
    pytest.param("    sources: [sent]\n    dest: on_hold",
                 "    sorces: [sent]\n    dest: on_hold",
                 ("step “hold”, sorces", "unknown key “sorces” (known: name, label, sources, "
                  "dest, roles, guards"), id="unknown-key-in-a-step"),
    pytest.param("  role: [admin]\n", "  role: [admin]\n  delete: [admin]\n",
                 ("(permissions.delete)", "unknown key “delete” (known: add, alias, assign, "
                  "order, role, summaries, seal, closed, extend, mute, attach, feed)"),
                 id="permission-for-an-unknown-command"),
    pytest.param("  - name: send", "  - name: add",
                 ("(step “add”, name)", "“add” is a command, not a step"),
                 id="step-named-like-a-command"),
    pytest.param("  - name: send", "  - name: Send it",
                 ("(step “Send it”, name)", "“Send it” is not a step name"),
                 id="step-name-not-a-word"),
    pytest.param("sources: [draft]", "sources: 5",
                 ("step “send”, sources", "should be a list of one or more items, "
                  "not the number 5"), id="sources-not-a-list"),
    pytest.param("    holds: true", "    holds: sometimes",
                 ("step “hold”, holds", "should be true or false, not “sometimes”"),
                 id="flag-not-true-or-false"),
    pytest.param("    label: put it on hold", "    label: 12",
                 ("step “hold”, label", "should be some text, not the number 12"),
                 id="label-not-text"),
    pytest.param("  done: answered", "  done: [answered]",
                 ("(states.done)", "should be some text, not a list"), id="state-label-a-list"),
    pytest.param("  on_hold: on hold", "  On-Hold: on hold",
                 ("(states.On-Hold)", "“On-Hold” is not a state name"), id="state-name-not-a-word"),
    pytest.param("initial: draft\n", "initial: draft\nversion: 2\n",
                 ("<text>, line 8 (version)", "unknown key “version” (known: states, initial, "
                  "steps, permissions, roles, scopes, reminders)"), id="unknown-top-level-key"),
    pytest.param("before: [1, 2]", "before: [0, 2]",
                 ("(reminders.before[0])", "should be a whole number of business days from "
                  "1 to 60, not the number 0"), id="reminder-before-zero"),
    pytest.param("before: [1, 2]", "before: [2, 2]",
                 ("(reminders.before)", "names a day twice"), id="reminder-day-twice"),
    pytest.param("follow_up_every: 3", "follow_up_every: three",
                 ("(reminders.follow_up_every)", "not “three”"), id="follow-up-not-a-number"),
    pytest.param("very_overdue: 10", "very_overdue: 10.5",
                 ("(reminders.very_overdue)", "not the number 10.5"),
                 id="very-overdue-not-whole"),
    pytest.param("  sent: sent, awaiting an answer\n",
                 "  sent: sent, awaiting an answer\n  sent: sent again\n",
                 ("<text>, line 5: “sent” is given twice (first on line 4)",),
                 id="yaml-key-given-twice"),
    pytest.param("    deadline: required\n", "    deadline: required\n    done: sent it\n",
                 ("step “send”, done", "should hold {name} exactly once, not 0 times"),
                 id="done-without-the-name"),
    pytest.param("    deadline: required\n",
                 "    deadline: required\n    done: sent {name} to {name}\n",
                 ("step “send”, done", "not 2 times"), id="done-naming-it-twice"),
    pytest.param("    deadline: required\n",
                 "    deadline: required\n    done: sent {name} on {date}\n",
                 ("step “send”, done", "nothing in braces but {name}, not “{date}”"),
                 id="done-with-another-placeholder"),
    pytest.param("    deadline: required\n",
                 "    deadline: required\n    done: \"sent {name} {\"\n",
                 ("step “send”, done", "nothing in braces but {name}, not “{”"),
                 id="done-with-a-stray-brace"),
    pytest.param("    deadline: required\n", "    deadline: required\n    done: 12\n",
                 ("step “send”, done", "should be some text, not the number 12"),
                 id="done-not-text"),
    pytest.param("    deadline: required\n",
                 "    deadline: required\n    done: " + "x" * 200 + " {name}\n",
                 ("step “send”, done", "at most 200 characters"), id="done-too-long"),
    pytest.param("    outcome: responded\n", "    outcome: responded\n    confirm: yes please\n",
                 ("step “finish”, confirm", "should be true or false, not “yes please”"),
                 id="confirm-not-true-or-false"),
    pytest.param("scopes:\n",
                 "  - name: finish\n    label: again\n    sources: [on_hold]\n"
                 "    dest: done\n    roles: staff\n    confirm: true\nscopes:\n",
                 ("step “finish”, confirm", "says otherwise than its declaration on line 31 "
                  "(done: and confirm: are the step's, wherever it is taken from)"),
                 id="declarations-of-a-step-disagree"),
    pytest.param("sources: [draft]", "sources: [draft",
                 ("<text>, line 14, column 9: not valid YAML: expected ',' or ']'",
                  "(while parsing a flow sequence on line 13)"), id="not-yaml"),
]


@pytest.mark.parametrize(("old", "new", "words"), MISTAKES)
def test_a_mistake_is_refused_with_where_and_what(old: str, new: str,
                                                  words: tuple[str, ...]) -> None:
    assert PERMIT.count(old) == 1, old
    text = PERMIT.replace(old, new)
    with pytest.raises(DefinitionError) as refused:
        load_definition(text)
    message = str(refused.value)
    assert message.startswith("<text>, line "), message
    for word in words:
        assert word in message, message
    assert "\n" not in message, "one line, as settings errors are"


@pytest.mark.parametrize(("new", "line"), [
    ("    dest: snet", 14), ("      sent: [overdu]", 38), ("  assign: [boss]", 44),
])
def test_the_line_named_is_the_line_of_the_mistake(new: str, line: int) -> None:
    old = {"dest": "    dest: sent", "sent": "      sent: [overdue]",
           "assign": "  assign: [lead]"}[new.split(":")[0].strip()]
    text = PERMIT.replace(old, new)
    assert text.splitlines()[line - 1] == new
    with pytest.raises(DefinitionError, match=f"^<text>, line {line} "):
        load_definition(text)


def test_a_definition_error_is_a_value_error() -> None:
    assert issubclass(DefinitionError, ValueError)
    with pytest.raises(ValueError, match="should be a mapping"):
        load_definition("just some words")
    with pytest.raises(DefinitionError, match=r"^<text>, line 1: should be a mapping .* not "
                                              r"nothing"):
        load_definition("")


def test_loading_does_not_change_the_packaged_review() -> None:
    before = copy.deepcopy(default_definition())
    load_definition(PERMIT)
    assert default_definition() == before
