"""What a feature module declares for each of its ``/review`` subcommands.

``bot/subcommands/summaries.py`` and ``bot/subcommands/transfer.py`` list theirs as
``Subcommand`` values; ``bot.subcommands.commands`` registers them, handing each handler
its feature's service."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from bot.subcommands.parsing import Args
from bot.ui.render import Reply

S = TypeVar("S")


class Progress(Protocol):
    """Where a slow command shows the person who ran it how far it has got."""

    @property
    def every(self) -> float:
        """Seconds between two lines of progress."""
        ...

    async def say(self, text: str) -> None: ...


class CallerLike(Protocol):
    """Who ran a command and where (``bot.subcommands.commands.Caller`` fits)."""

    @property
    def user(self) -> str: ...

    @property
    def channel(self) -> str: ...

    @property
    def progress(self) -> Progress | None:
        """Where a slow command tells the caller how far it has got, if anywhere."""
        ...


@dataclass(frozen=True)
class Subcommand(Generic[S]):
    """A subcommand (usage without the slash) whose handler gets the service ``S``."""

    name: str
    usage: str
    summary: str
    keys: tuple[str, ...]
    handler: Callable[[S, CallerLike, Args], Awaitable[Reply]]
    example: str = ""
    permission: str = ""
    """The workflow's permission the caller needs (``permissions:`` in the workflow
    file), checked before the handler runs; empty: anyone."""
