"""What the workflow diagram draws, worked out from the definition (no file is special).

Three things make a workflow picture readable, and ``plan`` finds each in any file:

- *Shared steps*: a step that may be taken from every open state (a state some step
  leaves) or all but a few, such as ``clear`` and ``close``, is drawn once, from one
  dashed box that names the states it cannot be taken from ("any open state but new"),
  not as an arrow from each state. Open states it is taken from with other roles or a
  guard keep their own arrow.
- *The main path*: from the start to an end, through the destination of every shared
  step (``cleared`` then ``closed``), by the fewest arrows drawn on their own (an arrow
  folded into a shared step costs more than any route of drawn arrows). It is drawn
  first and bold, so the layout lines it up.
- *The other arrows*: one per step and source, with who may take it and its guards;
  a step back to the held state (``<held>``) gets one arrow to each state it returns to.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from itertools import count

from workflows.definition import RETURN, Definition, Step
from workflows.model import Role

FEW = 4
"""A step is shared when it is missing from at most one open state in ``FEW`` ..."""
FEWEST_SOURCES = 4
"""... and it is taken from at least this many (fewer arrows are no clutter)."""
ANY = "any_open"


@dataclass(frozen=True)
class Edge:
    """One arrow: a step from ``source`` to ``dest``, and what to write on it; ``roles``
    may take it there, ``guarded`` if only when its guards hold."""

    source: str
    dest: str
    label: str
    step: str = ""
    roles: frozenset[Role] = frozenset()
    guarded: bool = False
    back: bool = False
    main: bool = False


@dataclass(frozen=True)
class Shared:
    """A step drawn once, from a box of the open states ``sources`` (all but ``but``),
    for ``roles``."""

    step: str
    dest: str
    label: str
    roles: frozenset[Role]
    but: tuple[str, ...]
    sources: frozenset[str]


@dataclass(frozen=True)
class Plan:
    main: tuple[str, ...]
    """The states of the main path, in order."""
    edges: tuple[Edge, ...]
    """The arrows drawn on their own, the main path's first."""
    shared: tuple[Shared, ...]
    boxes: dict[tuple[str, ...], str]
    """The dashed boxes: the open states a box leaves out, and its id."""

    @property
    def main_steps(self) -> tuple[str, ...]:
        return tuple(edge.step for edge in self.edges if edge.main)


def label_of(step: Step, source: str) -> str:
    """``letter (admin/analyst/lead)``, with the guards and "back" where they apply."""
    roles = "/".join(sorted(role.value for role in step.roles))
    guards = step.guards.get(source, ())
    label = f"{step.name} ({roles}" + (f", if {' and '.join(guards)}" if guards else "")
    return label + (", back)" if step.dest == RETURN else ")")


def all_edges(definition: Definition) -> list[Edge]:
    """Every step from every source, each on its own arrow."""
    result = []
    for step in definition.steps:
        for source in step.sources:
            back = step.dest == RETURN
            dests = definition.held_sources(source) if back else [step.dest]
            result += [Edge(source, dest, label_of(step, source), step.name, step.roles,
                            bool(step.guards.get(source)), back) for dest in dests]
    return result


def open_states(definition: Definition) -> list[str]:
    final = set(definition.final_states())
    return [state for state in definition.states if state not in final]


def shared_steps(definition: Definition) -> list[Shared]:
    """The steps taken from (almost) every open state, in the order of the file."""
    result = []
    for name in definition.step_names:
        for dest in dict.fromkeys(s.dest for s in definition.steps_named(name)):
            shared = _shared(definition, name, dest)
            if shared:
                result.append(shared)
    return result


def _shared(definition: Definition, name: str, dest: str) -> Shared | None:
    """Step ``name`` to ``dest`` as one shared arrow, with the roles of its widest
    declaration: from the open states where those roles may take it unguarded."""
    declared = [s for s in definition.steps_named(name) if s.dest == dest]
    if dest == RETURN or not declared:
        return None
    widest = max(declared, key=lambda step: len(step.sources))
    candidates = [state for state in open_states(definition) if state != dest]
    covered = frozenset(state for state in candidates
                        if widest.roles <= _unguarded_roles(declared, state))
    but = tuple(state for state in candidates if state not in covered)
    if len(covered) < FEWEST_SOURCES or len(but) > len(candidates) // FEW:
        return None
    return Shared(name, dest, label_of(widest, ""), widest.roles, but, covered)


def _unguarded_roles(declared: list[Step], state: str) -> frozenset[Role]:
    return frozenset(role for step in declared if state in step.sources
                     and not step.guards.get(state) for role in step.roles)


def _folded(edge: Edge, shared: list[Shared]) -> bool:
    """Whether a shared arrow says all ``edge`` says: the same step to the same
    place, from a state of its box, unguarded, for no role it does not name."""
    return not edge.guarded and any(
        (edge.step, edge.dest) == (s.step, s.dest) and edge.source in s.sources
        and edge.roles <= s.roles for s in shared)


def plan(definition: Definition) -> Plan:
    """What to draw for ``definition``."""
    shared = shared_steps(definition)
    edges = all_edges(definition)
    drawn = [edge for edge in edges if not _folded(edge, shared)]
    main_edges = main_path(definition, edges, drawn, shared)
    main = [Edge(e.source, e.dest, e.label, e.step, e.roles, e.guarded, main=True)
            for e in main_edges]
    rest = [edge for edge in drawn if edge not in main_edges]
    path = (main_edges[0].source, *(e.dest for e in main_edges)) if main_edges \
        else (definition.initial,)
    exceptions = list(dict.fromkeys(s.but for s in shared))
    boxes = {but: _free(definition, ANY if n == 0 else f"{ANY}_{n}")
             for n, but in enumerate(exceptions)}
    return Plan(path, tuple(main + rest), tuple(shared), boxes)


def _free(definition: Definition, name: str) -> str:
    while name in definition.states:
        name += "_"
    return name


def main_path(definition: Definition, edges: list[Edge], drawn: list[Edge],
              shared: list[Shared]) -> list[Edge]:
    """From the start through each shared step's destination (open ones first), then
    to an end: by the fewest arrows, those drawn on their own costing 1 and those
    folded into a shared step more than every drawn arrow together."""
    final = definition.final_states()
    stops = [s.dest for s in shared if s.dest not in final]
    stops += [s.dest for s in shared if s.dest in final]
    forward = [edge for edge in edges if not edge.back and edge.source != edge.dest]
    heavy = len(edges) + 1
    cost = {edge: 1 if edge in drawn else heavy for edge in forward}
    path: list[Edge] = []
    here = definition.initial
    for stop in dict.fromkeys(stops):
        leg = _cheapest(forward, cost, here, {stop}, {here, *(e.dest for e in path)})
        if leg is not None:
            path += leg
            here = stop
    if here not in final:
        path += _cheapest(forward, cost, here, set(final), {e.dest for e in path}) or []
    return path


def _cheapest(edges: list[Edge], cost: dict[Edge, int], start: str, goals: set[str],
              visited: set[str]) -> list[Edge] | None:
    """Dijkstra over ``edges`` from ``start`` to one of ``goals``, not through
    ``visited``; ties go to the arrow that comes first in the file."""
    tie = count()
    queue: list[tuple[int, int, str, list[Edge]]] = [(0, next(tie), start, [])]
    seen: set[str] = set()
    while queue:
        spent, _, state, route = heapq.heappop(queue)
        if state in goals:
            return route
        if state in seen:
            continue
        seen.add(state)
        for edge in (e for e in edges if e.source == state and e.dest not in seen):
            if edge.dest not in visited or edge.dest in goals:
                heapq.heappush(queue, (spent + cost[edge], next(tie), edge.dest, [*route, edge]))
    return None
