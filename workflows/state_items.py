"""What a state export reads of a jurisdiction: its columns as stored, not its aggregate.

A state export writes one line for each of 100,000 jurisdictions; building each one's
whole aggregate (every round, its dates parsed) took longer than writing the file. A
``StateItem`` holds the jurisdiction's own columns, its aliases and court orders, and
only its current round, with the round's dates as the ISO text they are stored as
(``YYYY-MM-DD``, so they compare as dates do): a round is made into a ``Round`` only
when its deadline has to be worked out again.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from workflows.model import CourtOrder, Jurisdiction, Round


class RoundText(NamedTuple):
    """A round's columns as stored, its dates ISO text."""

    number: int
    kind: str
    sent_on: str
    due_on: str | None
    due_rule: str
    business_days: bool | int
    outcome: str | None
    closed_on: str | None
    paused_on: str | None
    days_left: int | None

    def made(self) -> Round:
        return Round(self.number, self.kind, date.fromisoformat(self.sent_on),
                     _day(self.due_on), self.due_rule, bool(self.business_days), self.outcome,
                     _day(self.closed_on), _day(self.paused_on), self.days_left)

    @property
    def running_due(self) -> str | None:
        """``Jurisdiction.due_on`` of a jurisdiction whose current round this is."""
        if self.outcome is not None or self.paused_on is not None:
            return None
        return self.due_on


class StateItem(NamedTuple):
    """One jurisdiction as a state export reads it (``ExportSource.state_after``). A
    tuple, not a frozen dataclass: an export makes 100,000 of them, and a tuple is made
    in half the time (a frozen dataclass sets each field through ``object.__setattr__``)."""

    id: str
    name: str
    kind: str
    us_state: str
    state: str
    owner: str | None
    channel: str | None
    aliases: tuple[str, ...] = ()
    current: RoundText | None = None
    orders: tuple[CourtOrder, ...] = ()

    def jurisdiction(self) -> Jurisdiction:
        """As much of the aggregate as a derivation of its current round reads."""
        rounds = [self.current.made()] if self.current is not None else []
        return Jurisdiction(self.id, self.name, self.kind, self.us_state, self.aliases,
                            self.state, owner=self.owner, channel=self.channel,
                            rounds=rounds, orders=list(self.orders))


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None
