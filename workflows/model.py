"""What a jurisdiction is: its identity, workflow state, rounds and court orders."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from workflows.errors import BadInput


class Role(StrEnum):
    VIEWER = "viewer"
    ANALYST = "analyst"
    LEAD = "lead"
    COUNSEL = "counsel"
    ADMIN = "admin"


class OrderKind(StrEnum):
    LAWSUIT = "lawsuit"
    INJUNCTION = "injunction"
    RULING = "ruling"

    @classmethod
    def parse(cls, text: str) -> OrderKind:
        """The kind a person (or a form's menu) names; a refusal under ``kind`` else."""
        try:
            return cls(text.strip().lower())
        except ValueError:
            kinds = ", ".join(kind.value for kind in cls)
            raise BadInput(f"“{text}” is not a kind of court order; the kinds are {kinds}.",
                           field="kind") from None


@dataclass
class Round:
    """One demand sent to a jurisdiction (a letter, a preliminary finding, a document
    demand), with its own deadline and outcome. ``due_rule`` keeps how the deadline was
    set so a paused clock can resume in the same unit."""

    number: int
    kind: str
    sent_on: date
    due_on: date | None = None
    due_rule: str = ""
    business_days: bool = False
    outcome: str | None = None
    closed_on: date | None = None
    paused_on: date | None = None
    days_left: int | None = None

    @property
    def is_open(self) -> bool:
        return self.outcome is None


@dataclass
class CourtOrder:
    """A lawsuit, injunction or ruling attached to a jurisdiction as a dated fact.

    Only an injunction blocks anything, and only the steps named in ``blocks``, from
    ``on`` until it is lifted."""

    kind: OrderKind
    on: date
    case: str
    court: str = ""
    scope: str = ""
    blocks: frozenset[str] = frozenset()
    lifted_on: date | None = None
    id: int | None = None

    def is_active(self, day: date) -> bool:
        return (
            self.kind is OrderKind.INJUNCTION
            and self.on <= day
            and (self.lifted_on is None or day < self.lifted_on)
        )

    def blocks_step(self, step: str, day: date) -> bool:
        return self.is_active(day) and step in self.blocks

    def label(self) -> str:
        where = f", {self.court}" if self.court else ""
        number = f"#{self.id} " if self.id is not None else ""
        return f"{self.kind.value} {number}({self.case}{where}, {self.on.isoformat()})"


@dataclass(slots=True)
class Jurisdiction:
    """The aggregate a change loads, modifies and saves as a whole (with its version)."""

    id: str
    name: str
    kind: str = ""
    us_state: str = ""
    aliases: tuple[str, ...] = ()
    state: str = "new"
    version: int = 0
    owner: str | None = None
    channel: str | None = None
    rounds: list[Round] = field(default_factory=list)
    orders: list[CourtOrder] = field(default_factory=list)
    held_from: str | None = None
    held_by: str | None = None
    last_step_on: date | None = None

    @property
    def current_round(self) -> Round | None:
        return self.rounds[-1] if self.rounds else None

    @property
    def due_on(self) -> date | None:
        """The deadline now running, if any (none while the clock is paused)."""
        current = self.current_round
        if current is None or not current.is_open or current.paused_on is not None:
            return None
        return current.due_on

    def active_orders(self, day: date) -> list[CourtOrder]:
        return [order for order in self.orders if order.is_active(day)]


@dataclass(frozen=True, slots=True)
class Event:
    """One line of the append-only history. ``seq`` counts per jurisdiction."""

    jurisdiction_id: str
    kind: str
    actor: str
    on: date
    at: datetime
    from_state: str | None = None
    to_state: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    seq: int = 0


@dataclass(frozen=True)
class Notice:
    """Something to post in a channel once the change that caused it has committed."""

    channel: str
    event: Event


@dataclass(frozen=True)
class Listing:
    """A short row for lists and lookups."""

    id: str
    name: str
    kind: str
    us_state: str
    state: str
    due_on: date | None
    owner: str | None
