"""The workflow as data: read from a YAML file and checked whole before anything runs.

A ``Definition`` holds the states and their labels, where a jurisdiction starts, the
steps between states (who may take each, which guards apply from which source, what a
step does to the rounds), the scopes a court order can block, who may use the commands
that are not steps, and the reminders (``workflows.reminder_settings``). A step may say
what it ``needs`` besides (a note, a link) and what to tell someone who leaves it out: a
subpoena threat needs its rationale. ``load_definition`` refuses a file that names an
unknown state, role, guard or step, leaves a state unreachable, declares a step twice
from one state, or sends a step back ("<held>") where nothing was held; the
``DefinitionError`` names the file, the line, the step and what is wrong
(``workflows.workflow_file`` reads the YAML with its lines and checks each value; this
module builds the workflow from it).

``workflows/review.yml``, packaged with the code, is the review this bot was built for;
``default_definition`` reads it once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

from workflows.errors import BadInput, Field
from workflows.guards import GUARDS
from workflows.model import Role
from workflows.reminder_settings import Reminders, parse_reminders
from workflows.workflow_file import At, DefinitionError, WorkflowFile, describe, read_yaml

__all__ = ["COMMANDS", "DEADLINES", "DEFAULT_FILE", "NEEDABLE", "OPTIONAL_COMMANDS", "RETURN",
           "Definition", "DefinitionError", "Reminders", "Step", "default_definition",
           "load_definition"]

RETURN = "<held>"
"""A destination meaning "back to the state the jurisdiction was held from"."""

DEFAULT_FILE = "review.yml"
DEADLINES = ("required", "optional", "none")
COMMANDS = ("add", "alias", "assign", "order", "role")
"""The commands that are not workflow steps; the file says who may use each."""
OPTIONAL_COMMANDS: dict[str, frozenset[Role]] = {
    **dict.fromkeys(["summaries", "seal", "closed", "extend", "mute"],
                    frozenset({Role.LEAD, Role.ADMIN})),
    "attach": frozenset({Role.ANALYST, Role.LEAD, Role.ADMIN}),  # evidence: the recorders
    "feed": frozenset({Role.ADMIN})}  # the calendar feed's secret address: make, revoke
"""Commands a file may leave out of ``permissions`` (added after files were written):
who may use them then."""

_ROLES = {role.value: role for role in Role}
_TOP = ("states", "initial", "steps", "permissions")
_TOP_OPTIONAL = ("roles", "scopes", "reminders")
_STEP = ("name", "label", "sources", "dest", "roles")
_STEP_OPTIONAL = ("guards", "opens_round", "deadline", "outcome", "holds", "pauses", "resumes",
                  "needs", "done", "confirm")
NEEDABLE: tuple[Field, ...] = ("note", "link")
"""The texts a step can be declared to need (``needs:``); a deadline is ``deadline``'s."""
NAME, MAX_DONE = "{name}", 200  # where a step's ``done`` names the jurisdiction; its length


@dataclass(frozen=True)
class Step:
    """One workflow step. ``guards`` maps a source state to the guard names that must
    hold when the step is taken from it (see ``workflows.guards.GUARDS``)."""

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
    needs: dict[Field, str] = field(default_factory=dict)
    """The texts (of ``NEEDABLE``) the step cannot be taken without, each with the
    sentence that refuses it when it is left out."""
    done: str | None = None
    """What was done, as said after who did it: "sent a letter to {name}" (``NAME``
    once, for the jurisdiction; plain text, the surface renders the name)."""
    confirm: bool = False  # a click asks "are you sure?" before taking it

    def unmet(self, given: Mapping[str, object]) -> list[BadInput]:
        """A refusal, about its field, for each text this step needs and ``given`` (by
        field) leaves blank."""
        return [BadInput(reason, field=need) for need, reason in self.needs.items()
                if not str(given.get(need) or "").strip()]


@dataclass(frozen=True)
class Definition:
    """A checked workflow. Build one with ``load_definition``, which validates it."""

    states: dict[str, str]
    initial: str
    steps: tuple[Step, ...]
    scopes: dict[str, frozenset[str]]
    permissions: dict[str, frozenset[Role]]
    reminders: Reminders = field(default_factory=Reminders)
    source: str = DEFAULT_FILE

    @property
    def step_names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(step.name for step in self.steps))

    def steps_named(self, name: str) -> list[Step]:
        return [step for step in self.steps if step.name == name]

    def label_of(self, state: str) -> str:
        return self.states.get(state, state)

    def done_of(self, kind: str) -> str | None:
        """The sentence of what step ``kind`` did (``NAME`` for the jurisdiction): None
        when ``kind`` is no step of this workflow or its file gives no ``done``."""
        return next((step.done for step in self.steps_named(kind)), None)

    def sets_deadline(self, kind: str) -> bool:
        """Whether step ``kind`` leaves a deadline to announce: it takes one, or it
        restarts the clock of the round that had one."""
        return any(step.deadline != "none" or step.resumes for step in self.steps_named(kind))

    def confirms(self, name: str) -> bool:
        """Whether a click on step ``name`` asks "are you sure?" first."""
        return any(step.confirm for step in self.steps_named(name))

    def unmet(self, name: str, given: Mapping[str, object]) -> list[BadInput]:
        """What step ``name`` needs from wherever it is taken and ``given`` leaves
        blank: refused before the step is judged (a batch, a form's other mistakes). A
        need of only some of its declarations is judged when the step is taken."""
        declared = self.steps_named(name)
        if not declared:
            return []
        return [refusal for refusal in declared[0].unmet(given)
                if all(refusal.field in step.needs for step in declared)]

    def expand_blocks(self, words: list[str]) -> frozenset[str]:
        """Turn ``blocks=escalation,close`` into step names; unknown words are refused."""
        steps: set[str] = set()
        for word in words:
            if word in self.scopes:
                steps |= self.scopes[word]
            elif word in self.step_names:
                steps.add(word)
            else:
                known = ", ".join(dict.fromkeys([*sorted(self.scopes), *self.step_names]))
                raise BadInput(f"“{word}” is not a step an order can block. Known: {known}.",
                               field="blocks")
        return frozenset(steps)

    def held_sources(self, state: str) -> list[str]:
        """The states a jurisdiction can be held from while it is in ``state``."""
        return list(dict.fromkeys(source for step in self.steps if step.holds
                                  and step.dest == state for source in step.sources))

    def final_states(self) -> list[str]:
        """The states no step leaves."""
        left = {source for step in self.steps for source in step.sources}
        return [state for state in self.states if state not in left]


# -- reading -------------------------------------------------------------------------


def load_definition(source: str | Path, name: str = "<text>") -> Definition:
    """Read and check a workflow: ``source`` is a file (a ``Path``) or YAML text (a
    ``str``, called ``name`` in errors). Raises ``DefinitionError``."""
    if isinstance(source, Path):
        name = str(source)
        try:
            source = source.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise DefinitionError(f"{name}: cannot be read ({error})") from None
    return _build(read_yaml(source, name))


@cache
def default_definition() -> Definition:
    """The review workflow packaged with the code (``workflows/review.yml``)."""
    text = resources.files("workflows").joinpath(DEFAULT_FILE).read_text(encoding="utf-8")
    return load_definition(text, DEFAULT_FILE)


def _build(file: WorkflowFile) -> Definition:
    top = file.fields((), file.data, _TOP, _TOP_OPTIONAL)
    states = _states(file, top["states"])
    groups = _groups(file, top.get("roles", {}))
    steps = tuple(_step(file, ("steps", number), item, states, groups)
                  for number, item in enumerate(file.items(("steps",), top["steps"])))
    names = tuple(dict.fromkeys(step.name for step in steps))
    definition = Definition(
        states, file.known(("initial",), top["initial"], states, "state"), steps,
        _scopes(file, top.get("scopes", {}), names),
        _permissions(file, top["permissions"], groups),
        parse_reminders(file, top.get("reminders", {})), file.name)
    _check_once_per_source(file, steps)
    _check_words_agree(file, steps)
    _check_returns(file, definition)
    _check_reachable(file, definition)
    return definition


# -- the parts -----------------------------------------------------------------------


def _states(file: WorkflowFile, value: object) -> dict[str, str]:
    at: At = ("states",)
    if not isinstance(value, dict) or not value:
        file.fail(at, "should map each state to its label, e.g. “new: added, no letter yet”")
    return {file.word((*at, key), key, "a state name"): file.text((*at, key), label)
            for key, label in value.items()}


def _groups(file: WorkflowFile, value: object) -> dict[str, frozenset[Role]]:
    """Named groups of roles (``recorders: [analyst, lead, admin]``)."""
    groups: dict[str, frozenset[Role]] = {}
    for key, members in file.mapping(("roles",), value).items():
        at: At = ("roles", key)
        name = file.word(at, key, "a group name")
        if name in _ROLES:
            file.fail(at, f"“{name}” is a role; give the group another name")
        groups[name] = _roles(file, at, members, {})
    return groups


def _roles(file: WorkflowFile, at: At, value: object,
           groups: dict[str, frozenset[Role]]) -> frozenset[Role]:
    """Roles and groups of roles, by name: ``recorders`` or ``[lead, admin]``."""
    listed = [value] if isinstance(value, str) else file.items(at, value)
    roles: set[Role] = set()
    for number, item in enumerate(listed):
        spot = at if isinstance(value, str) else (*at, number)
        if isinstance(item, str) and item in groups:
            roles |= groups[item]
        elif isinstance(item, str) and item in _ROLES:
            roles.add(_ROLES[item])
        else:
            known = ", ".join(_ROLES)
            named = f"; groups: {', '.join(groups)}" if groups else ""
            file.fail(spot, f"unknown role {describe(item)} (roles: {known}{named})")
    return frozenset(roles)


def _step(file: WorkflowFile, at: At, value: object, states: dict[str, str],
          groups: dict[str, frozenset[Role]]) -> Step:
    fields = file.fields(at, value, _STEP, _STEP_OPTIONAL)
    name = file.word((*at, "name"), fields["name"], "a step name")
    if name in COMMANDS or name in OPTIONAL_COMMANDS:
        file.fail((*at, "name"), f"“{name}” is a command, not a step; name the step otherwise")
    sources = file.names((*at, "sources"), fields["sources"], states, "state")
    dest = fields["dest"]
    opens_round = file.optional_word((*at, "opens_round"), fields.get("opens_round"))
    return Step(
        name, file.text((*at, "label"), fields["label"]), sources,
        dest if dest == RETURN else file.known((*at, "dest"), dest, states, "state"),
        _roles(file, (*at, "roles"), fields["roles"], groups),
        _guards(file, (*at, "guards"), fields.get("guards", {}), sources),
        opens_round, _deadline(file, at, fields.get("deadline", "none"), opens_round),
        file.optional_word((*at, "outcome"), fields.get("outcome")),
        file.flag((*at, "holds"), fields.get("holds", False)),
        file.flag((*at, "pauses"), fields.get("pauses", False)),
        file.flag((*at, "resumes"), fields.get("resumes", False)),
        _needs(file, (*at, "needs"), fields.get("needs", {})),
        file.sentence((*at, "done"), fields.get("done"), NAME, MAX_DONE),
        file.flag((*at, "confirm"), fields.get("confirm", False)))


def _needs(file: WorkflowFile, at: At, value: object) -> dict[Field, str]:
    """``note: Give the rationale …``: each text the step needs, and what to say when
    it is left out."""
    needs: dict[Field, str] = {}
    for key, reason in file.mapping(at, value).items():
        need = next((known for known in NEEDABLE if known == key), None)
        if need is None:
            file.fail((*at, key),
                      f"a step can need {' or '.join(NEEDABLE)}, not {describe(key)}")
        needs[need] = file.text((*at, key), reason)
    return needs


def _guards(file: WorkflowFile, at: At, value: object,
            sources: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    guards: dict[str, tuple[str, ...]] = {}
    for source, names in file.mapping(at, value).items():
        if source not in sources:
            file.fail((*at, source), f"guards for “{source}”, which is not one of the "
                                     f"step's sources ({', '.join(sources)})")
        guards[source] = file.names((*at, source), names, GUARDS, "guard")
    return guards


def _deadline(file: WorkflowFile, at: At, value: object, opens_round: str | None) -> str:
    if value not in DEADLINES:
        file.fail((*at, "deadline"), f"bad deadline {describe(value)}: write "
                                     + ", ".join(DEADLINES))
    if value != "none" and opens_round is None:
        file.fail((*at, "deadline"), "a deadline belongs to a round: give opens_round too, "
                                     "or write “deadline: none”")
    return str(value)


def _scopes(file: WorkflowFile, value: object,
            steps: tuple[str, ...]) -> dict[str, frozenset[str]]:
    return {file.word(("scopes", key), key, "a scope name"):
            frozenset(file.names(("scopes", key), names, steps, "step"))
            for key, names in file.mapping(("scopes",), value).items()}


def _permissions(file: WorkflowFile, value: object,
                 groups: dict[str, frozenset[Role]]) -> dict[str, frozenset[Role]]:
    fields = file.fields(("permissions",), value, COMMANDS, tuple(OPTIONAL_COMMANDS))
    given = {command: _roles(file, ("permissions", command), fields[command], groups)
             for command in (*COMMANDS, *OPTIONAL_COMMANDS) if command in fields}
    return {**OPTIONAL_COMMANDS, **given}


# -- the whole -----------------------------------------------------------------------


def _check_words_agree(file: WorkflowFile, steps: tuple[Step, ...]) -> None:
    """A step declared more than once says one ``done`` and one ``confirm``: they are
    the step's, not of where it is taken from."""
    first: dict[str, int] = {}
    for number, step in enumerate(steps):
        earlier = first.setdefault(step.name, number)
        if (step.done, step.confirm) != (steps[earlier].done, steps[earlier].confirm):
            key = "done" if step.done != steps[earlier].done else "confirm"
            file.fail(("steps", number, key),
                      f"says otherwise than its declaration on line "
                      f"{file.lines[('steps', earlier)]} (done: and confirm: are the step's, "
                      "wherever it is taken from)")


def _check_once_per_source(file: WorkflowFile, steps: tuple[Step, ...]) -> None:
    first: dict[tuple[str, str], int] = {}
    for number, step in enumerate(steps):
        for place, source in enumerate(step.sources):
            if (step.name, source) in first:
                line = file.lines[("steps", first[step.name, source])]
                file.fail(("steps", number, "sources", place),
                          f"“{step.name}” is already declared from “{source}” (line {line}); "
                          "a step may be declared from a state only once")
            first[step.name, source] = number


def _check_returns(file: WorkflowFile, definition: Definition) -> None:
    for number, step in enumerate(definition.steps):
        for place, source in enumerate(step.sources):
            if step.dest == RETURN and not definition.held_sources(source):
                file.fail(("steps", number, "sources", place),
                          f"“{RETURN}” goes back to where a step with “holds: true” came "
                          f"from, but no such step leads to “{source}”")


def _check_reachable(file: WorkflowFile, definition: Definition) -> None:
    reached, frontier = {definition.initial}, [definition.initial]
    while frontier:
        state = frontier.pop()
        for step in definition.steps:
            if state in step.sources and step.dest != RETURN and step.dest not in reached:
                reached.add(step.dest)
                frontier.append(step.dest)
    for state in definition.states:
        if state not in reached:
            file.fail(("states", state), f"unreachable state “{state}”: no chain of steps "
                                         f"leads to it from “{definition.initial}”")

