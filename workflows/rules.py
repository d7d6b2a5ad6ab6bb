"""The review workflow, declared once as data.

States, the steps between them, who may take each step, which guards apply from which
state, and what a step does to the rounds. ``workflows.machine`` builds the
``transitions`` machine from these tables; nothing else encodes the rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workflows.errors import BadInput
from workflows.model import Role

STATES: dict[str, str] = {
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
INITIAL = "new"

RETURN = "<held>"
"""A destination meaning "back to the state the jurisdiction was held from"."""

RECORDERS = frozenset({Role.ANALYST, Role.LEAD, Role.ADMIN})
LEADS = frozenset({Role.LEAD})
COUNSEL = frozenset({Role.COUNSEL})

ACTIVE = (
    "awaiting_response",
    "response_received",
    "clarification_requested",
    "insufficient",
    "preliminary_finding",
    "subpoena_threatened",
    "subpoena_requested",
    "subpoena_issued",
)


@dataclass(frozen=True)
class Step:
    """One workflow step. ``guards`` maps a source state to the guard names that must
    hold when the step is taken from it (see ``workflows.machine.GUARDS``)."""

    name: str
    label: str
    sources: tuple[str, ...]
    dest: str
    roles: frozenset[Role]
    guards: dict[str, tuple[str, ...]] = field(default_factory=dict)
    opens_round: str | None = None
    deadline: str = "none"  # "required", "optional" or "none"
    outcome: str | None = None  # what the step makes of the round that is open
    holds: bool = False  # remembers the source so a RETURN step can go back to it
    pauses: bool = False
    resumes: bool = False


STEPS: tuple[Step, ...] = (
    Step("letter", "send a letter", ("new", "awaiting_response", "insufficient", "cleared"),
         "awaiting_response", RECORDERS, opens_round="letter", deadline="required"),
    Step("response", "record a response",
         ("awaiting_response", "insufficient", "preliminary_finding", "subpoena_threatened",
          "subpoena_issued"),
         "response_received", RECORDERS, outcome="responded"),
    Step("clarify", "request clarification (pauses the clock)",
         ("awaiting_response", "response_received"), "clarification_requested", RECORDERS,
         holds=True, pauses=True),
    Step("resume", "resume after clarification", ("clarification_requested",), RETURN,
         RECORDERS, resumes=True),
    Step("insufficient", "find the response insufficient",
         ("response_received", "awaiting_response", "preliminary_finding", "subpoena_threatened"),
         "insufficient", RECORDERS, outcome="insufficient",
         guards={"awaiting_response": ("overdue",), "preliminary_finding": ("overdue",),
                 "subpoena_threatened": ("overdue",)}),
    Step("finding", "issue a preliminary finding",
         ("response_received", "insufficient", "awaiting_response"), "preliminary_finding",
         LEADS, opens_round="finding", deadline="required", outcome="insufficient",
         guards={"awaiting_response": ("overdue",)}),
    Step("threaten", "threaten a subpoena (document demand)",
         ("insufficient", "awaiting_response", "preliminary_finding"), "subpoena_threatened",
         LEADS, opens_round="demand", deadline="optional", outcome="insufficient",
         guards={"awaiting_response": ("overdue",), "preliminary_finding": ("overdue",)}),
    Step("subpoena", "request a subpoena (counsel approves)",
         ("subpoena_threatened", "insufficient"), "subpoena_requested", LEADS, holds=True,
         guards={"subpoena_threatened": ("overdue",), "insufficient": ("after_demand",)}),
    Step("approve", "approve the subpoena", ("subpoena_requested",), "subpoena_issued",
         COUNSEL, guards={"subpoena_requested": ("not_requester",)}, outcome="subpoena"),
    Step("deny", "deny the subpoena request", ("subpoena_requested",), RETURN, COUNSEL),
    Step("clear", "clear the jurisdiction", ("response_received",), "cleared", RECORDERS,
         outcome="cleared"),
    Step("clear", "clear the jurisdiction",
         tuple(state for state in ACTIVE if state != "response_received"), "cleared", LEADS,
         outcome="cleared"),
    Step("close", "close the review", ("cleared", *ACTIVE), "closed", LEADS, outcome="closed"),
)

STEP_NAMES: tuple[str, ...] = tuple(dict.fromkeys(step.name for step in STEPS))

SCOPES: dict[str, frozenset[str]] = {
    "escalation": frozenset({"finding", "threaten", "subpoena", "approve"}),
    "subpoena": frozenset({"subpoena", "approve"}),
}
"""Named sets of steps an injunction can block (``blocks=escalation``)."""

PERMISSIONS: dict[str, frozenset[Role]] = {
    "add": RECORDERS,
    "alias": RECORDERS,
    "assign": frozenset({Role.LEAD, Role.ADMIN}),
    "order": frozenset({Role.COUNSEL, Role.LEAD, Role.ADMIN}),
    "role": frozenset({Role.ADMIN}),
}
"""Who may use the commands that are not workflow steps."""


def steps_named(name: str) -> list[Step]:
    return [step for step in STEPS if step.name == name]


def label_of(state: str) -> str:
    return STATES.get(state, state)


def expand_blocks(words: list[str]) -> frozenset[str]:
    """Turn ``blocks=escalation,close`` into step names; unknown words are refused."""
    steps: set[str] = set()
    for word in words:
        if word in SCOPES:
            steps |= SCOPES[word]
        elif word in STEP_NAMES:
            steps.add(word)
        else:
            known = ", ".join(sorted(SCOPES) + list(STEP_NAMES))
            raise BadInput(f"“{word}” is not a step an order can block. Known: {known}.")
    return frozenset(steps)
