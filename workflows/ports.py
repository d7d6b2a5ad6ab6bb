"""The ports the use cases need. Adapters live in ``storage/`` and ``bot/``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from workflows.model import Event, Jurisdiction, Listing, Notice, Role


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...


@dataclass(frozen=True)
class Filters:
    """What ``list`` narrows by; empty fields match everything."""

    state: str = ""
    kind: str = ""
    us_state: str = ""


class Repository(Protocol):
    """Jurisdictions, their history and the notices waiting to be posted.

    ``add`` and ``save`` are each one transaction: the aggregate, its events and its
    notices are written together or not at all. ``save`` raises ``Conflict`` when the
    stored version is no longer ``expected_version``."""

    async def get(self, jurisdiction_id: str) -> Jurisdiction | None: ...

    async def lookup(self, text: str, limit: int) -> tuple[list[Listing], list[Listing]]:
        """Jurisdictions whose id, alias or name equals ``text`` (case-insensitive), and
        those for which it is only a prefix."""
        ...

    async def add(self, j: Jurisdiction, events: Sequence[Event],
                  notices: Sequence[Notice]) -> None: ...

    async def add_many(self, batch: Sequence[tuple[Jurisdiction, Sequence[Event],
                                                   Sequence[Notice]]]) -> None: ...

    async def taken_keys(self) -> set[str]:
        """Every id and alias in use."""
        ...

    async def save(self, j: Jurisdiction, expected_version: int, events: Sequence[Event],
                   notices: Sequence[Notice]) -> None: ...

    async def page(self, filters: Filters, offset: int,
                   limit: int) -> tuple[list[Listing], int]: ...

    async def history(self, jurisdiction_id: str, offset: int,
                      limit: int) -> tuple[list[Event], int]: ...

    async def role(self, user: str) -> Role | None: ...

    async def set_role(self, user: str, role: Role, by: str, at: datetime) -> None: ...

    async def roles(self) -> list[tuple[str, Role]]: ...
