"""The use cases as the settings configure them, and the clocks they run by: what the
command line needs to open a review, without the Slack app (``bot.wiring.app``), whose
imports (Slack's SDK and Bolt, aiohttp, the scheduler) took an import of the command
line 0.4 s and 20 MB more."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.wiring.settings import Settings
from storage.store import Store
from workflows.machine import Workflow
from workflows.ports import Clock, Directory
from workflows.review import Review, ReviewConfig


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that says what it is told (sweeps "as of", the replay)."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


def make_review(settings: Settings, store: Store, clock: Clock,
                extra_admins: frozenset[str] = frozenset(),
                directory: Directory | None = None) -> Review:
    """The use cases as the settings configure them (the workflow file is read once,
    here: everything else takes it from ``Review.workflow.definition``)."""
    definition = settings.definition
    config = ReviewConfig(settings.review_channel, settings.admins | extra_admins,
                          settings.timezone, settings.policy(definition), settings.readers)
    return Review(store, clock, config, Workflow(definition), directory)
