"""What every ``/review`` subcommand works with: who ran it, the services, the table.

A ``Command`` is one row of the table ``bot.subcommands.commands.command_table``
builds, once, from the workflow in force; the handlers (``reading``, ``changes``,
``orders``, ``steps``, ``batches``) take the ``Services`` that hold that table.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.evidence import EvidenceReader
from bot.slack.shared_files import SharedFiles
from bot.subcommands.parsing import Args
from bot.subcommands.subcommand import Progress
from bot.ui import changes, diagram
from bot.ui.render import Reply
from workflows.batches import Batches
from workflows.errors import BadInput
from workflows.model import Event, Jurisdiction
from workflows.review import Review

if TYPE_CHECKING:
    from bot.subcommands.calendars import CalendarDesk
    from workflows.deadline_changes import Deadlines
    from workflows.dossier import Dossiers
    from workflows.muting import Mutes
    from workflows.record import Record
    from workflows.stats import StatsService
    from workflows.summaries import SummaryService

SLASH = "/review"


@dataclass(frozen=True)
class Caller:
    user: str
    channel: str
    progress: Progress | None = field(default=None, compare=False)
    """Shows the caller how far a slow command has got (``bot.slack.progress``)."""


@dataclass(frozen=True)
class Command:
    name: str
    usage: str
    summary: str
    keys: frozenset[str]
    handler: Handler
    example: str = ""


Commands = Mapping[str, "Command"]
"""The subcommands by name, in the order ``help`` lists them."""


@dataclass(frozen=True)
class Services:
    """What the subcommands work with, built once by the composition root; ``commands``
    is the table of the workflow in force (``command_table``)."""

    review: Review
    commands: Commands
    summaries: SummaryService | None = None
    batches: Batches | None = None
    upload: diagram.Upload | None = None
    client: AsyncWebClient | None = None
    files: SharedFiles | None = None
    record: Record | None = None
    evidence: EvidenceReader | None = None
    dossiers: Dossiers | None = None
    deadlines: Deadlines | None = None
    mutes: Mutes | None = None
    stats: StatsService | None = None
    calendar: CalendarDesk | None = None


Handler = Callable[[Services, Caller, Args], Awaitable[Reply]]


def command(name: str, usage: str, summary: str, handler: Handler, keys: tuple[str, ...] = (),
            example: str = "") -> Command:
    """A table row; ``usage`` and ``example`` are written without the slash."""
    return Command(name, f"{SLASH} {usage}", summary, frozenset(keys), handler,
                   f"{SLASH} {example}" if example else "")


async def done(review: Review, caller: Caller, event: Event, j: Jurisdiction) -> Reply:
    """The answer to a change: what it did, and the steps the caller may take next."""
    return changes.done(event, j, await review.allowed(caller.user, j), review.today(),
                        definition=review.workflow.definition)


def status_key(text: str, states: Mapping[str, str]) -> str:
    """The state ``text`` names (its key, or the start of one) among ``states``."""
    key = text.strip().lower().replace(" ", "_")
    matches = [state for state in states if state.startswith(key)]
    if len(matches) != 1:
        raise BadInput(f"“{text}” is not a status. Statuses: "
                       + ", ".join(f"`{s}`" for s in states) + ".")
    return matches[0]
