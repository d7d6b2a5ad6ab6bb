"""What the Slack listeners work with: a small object the composition root builds.

Each surface (``commands``, ``actions``, ``views``, ``events``, ``middleware``) registers
its listeners with ``register(app, deps)``. ``Deps`` holds only what they use, as ports
where a narrow one says more than the class behind it, so a listener cannot reach the
rest of the bot, and no module of bot/slack/ needs to import the composition root.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from slack_sdk.web.async_client import AsyncWebClient

from bot.metrics import Metrics
from bot.slack.evidence import EvidenceReader
from bot.slack.workers import Responder, Workers
from bot.subcommands.commands import Caller
from bot.ui.render import Reply
from storage.seen import Seen
from workflows.batches import Batches
from workflows.muting import Mutes
from workflows.ports import ChannelMembers
from workflows.review import Review

RunCommand = Callable[[Caller, str], Awaitable[Reply]]
"""Answer the text of one ``/review`` command typed by a caller."""
Snooze = Callable[[int, str, int, ChannelMembers], Awaitable[tuple[str, datetime]]]
"""The sweep's snooze: (reminder id, user, business days, members) -> (name, when)."""


class ReplyUrls(Protocol):
    """Where a click's response_url waits while the form it opened is filled in."""

    async def keep_reply_url(self, token: str, user: str, url: str, now: datetime,
                             ttl: timedelta) -> None:
        """Keep ``url`` under ``token`` for ``user``; forget those older than ``ttl``."""
        ...

    async def take_reply_url(self, token: str, user: str, now: datetime,
                             ttl: timedelta) -> str | None:
        """The URL kept under ``token`` for ``user``, once, if younger than ``ttl``."""
        ...


@dataclass(frozen=True)
class Deps:
    """Everything a listener may use. ``client`` is the bot's own Web API client (it
    opens forms and asks who is in a channel); ``workers`` run a slash command's work
    after its ack, and ``responder`` answers it; ``requests`` and ``events`` remember
    what was already handled."""

    review: Review
    client: AsyncWebClient
    run_command: RunCommand
    batches: Batches | None
    snooze: Snooze
    reply_urls: ReplyUrls
    requests: Seen
    events: Seen
    workers: Workers
    responder: Responder
    evidence: EvidenceReader | None = None
    """Reads files shared in Slack as evidence (forms, the message shortcut)."""
    mutes: Mutes | None = None
    """The mutes of reminders in force, shown on cards and App Home."""
    metrics: Metrics = field(default_factory=Metrics)
    """What the listeners count and time (``bot/metrics.py``)."""
