"""The composition root: build everything the bot needs in one function.

Nothing is built at import time. ``build`` opens the store, makes the Slack client
(with retries on 429, 5xx and dropped connections), the Bolt app and the use cases,
and registers the listeners; ``Bot.close`` undoes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Coroutine
from dataclasses import dataclass, field
from functools import partial
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.metrics import Metrics
from bot.slack import (
    actions,
    commands,
    events,
    feed,
    http_edge,
    middleware,
    shortcuts,
    views,
)
from bot.slack.api_watch import Watch
from bot.slack.deps import Deps
from bot.slack.directory import SlackDirectory
from bot.slack.evidence import EvidenceReader
from bot.slack.links import SlackLinks
from bot.slack.posting.announcements import Notifier, OutboxRelay
from bot.slack.posting.pacing import Pacer
from bot.slack.posting.reminders import SlackReminders
from bot.slack.posting.summaries import SlackSummaries
from bot.slack.shared_files import FileHosts, SharedFiles
from bot.slack.workers import Responder, Workers
from bot.subcommands import commands as subcommands
from bot.subcommands.calendars import CalendarDesk
from bot.subcommands.commands import Services
from bot.ui import diagram, timeline
from bot.wiring import observe
from bot.wiring.review import SystemClock, make_review
from bot.wiring.schedule import SummaryJobs
from bot.wiring.settings import Mode, Settings
from storage import open_store
from storage.batches import StoredBatches
from storage.evidence_folder import EvidenceFolder
from storage.feeds import CalendarFeeds
from storage.seen import EVENTS, REQUESTS, Seen
from storage.stats import StatsStore
from storage.store import Store
from storage.summaries import SummaryStore
from workflows.batches import Batches
from workflows.deadline_changes import Deadlines, clock_steps
from workflows.definition import Definition
from workflows.dossier import Dossiers
from workflows.feeds import Calendars
from workflows.muting import Mutes
from workflows.ports import Clock
from workflows.record import Record
from workflows.review import Review
from workflows.stats import StatsService
from workflows.summaries import SummaryService
from workflows.sweep import Sweeper

EVENTS_PATH = "/slack/events"
SWITCH_INTERVAL = 0.001
"""Seconds a thread may hold the interpreter before it must hand it over (Python's
default is 0.005). A worker thread checking a big import holds it while it works, and
the event loop takes it back each time it has sent or received something: at 5 ms a
turn, another person's command (dozens of such turns) waited most of a second behind
an import; at 1 ms it waits a fifth as long."""
CLOSE_WAIT_SECONDS = 30
FINAL_FLUSH_SECONDS = 10


@dataclass(frozen=True)
class SlackAccess:
    """How to reach a Slack-compatible Web API and check its requests."""

    token: str
    signing_secret: str | None
    api_url: str


@dataclass
class Bot:
    app: AsyncApp
    review: Review
    store: Store
    relay: OutboxRelay
    sweeper: Sweeper
    summaries: SummaryService

    batches: Batches
    scheduler: AsyncIOScheduler
    """Not started here: ``bot.wiring.runtime`` adds the periodic jobs and starts it."""
    services: Services
    """What the subcommands work with, their table built from the workflow in force."""
    files: SharedFiles | None = None
    signing_secret: str | None = None
    tasks: set[asyncio.Task[object]] = field(default_factory=set)
    workers: Workers = field(default_factory=Workers)
    responder: Responder = field(default_factory=Responder)
    metrics: Metrics = field(default_factory=Metrics)
    """What the bot counts and times, served at ``GET /metrics``."""
    metrics_token: str | None = None
    """``METRICS_TOKEN``: what a scrape must bear, if set."""

    def spawn(self, work: Coroutine[object, object, object]) -> None:
        """Run ``work`` after the current reply; ``close`` waits for it."""
        task = asyncio.create_task(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def web_app(self) -> web.Application:
        """The aiohttp app for HTTP mode: POST /slack/events, GET /healthz, GET /metrics
        and the calendar feed (GET /calendar/<token>.ics)."""
        application = http_edge.web_app(self.app, EVENTS_PATH, self.signing_secret,
                                         acks=self.workers.acks)
        application.router.add_get("/healthz", self.healthz)
        application.router.add_get(observe.METRICS_PATH, self.scrape)
        if self.services.calendar is not None:
            feed.add_feed(application, self.services.calendar.calendars)
        return application

    async def healthz(self, request: web.Request) -> web.Response:
        await self.store.read("SELECT 1 AS ok")
        return web.json_response({"ok": True, "schema": self.store.schema_version})

    async def scrape(self, request: web.Request) -> web.Response:
        """``GET /metrics`` (Prometheus' text format); 401 without the token, if set."""
        if not observe.authorized(request, self.metrics_token):
            return observe.unauthorized()
        return await observe.exposition(self.metrics, self.store)

    async def close(self) -> None:
        await self.workers.close(CLOSE_WAIT_SECONDS)
        if self.tasks:
            await asyncio.wait(set(self.tasks), timeout=CLOSE_WAIT_SECONDS)
        # A flush in progress finishes, rather than leave its notices to a lease.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.relay.settle(), FINAL_FLUSH_SECONDS)
        await self.relay.stop()
        await self.responder.close()
        if self.app.client.session is not None:
            await self.app.client.session.close()
        await self.store.close()


def retry_handlers() -> list[AsyncRetryHandler]:
    return [AsyncRateLimitErrorRetryHandler(max_retry_count=5),
            AsyncServerErrorRetryHandler(max_retry_count=3),
            AsyncConnectionErrorRetryHandler(max_retry_count=3)]


def slack_client(access: SlackAccess) -> AsyncWebClient:
    """A client of ``access``'s Web API with the bot's retries (the bot's own is Bolt's:
    ``slack_app``)."""
    return AsyncWebClient(token=access.token, base_url=access.api_url,
                          retry_handlers=retry_handlers())


def slack_app(access: SlackAccess, metrics: Metrics) -> AsyncApp:
    """Bolt's app, its client on ``access``'s Web API with retries, every response
    counted (``Watch``). Bolt makes the client from the token: given a client of ours
    while SLACK_BOT_TOKEN is in the environment, it warns that the token will be unused."""
    # The HTTP edge checks each request's signature before its body is parsed, and only
    # a signed request reaches Bolt (bot/slack/http_edge.py): Bolt's own check of the
    # same signature, again, was about a hundredth of a step's work under many writers.
    app = AsyncApp(token=access.token, signing_secret=access.signing_secret or "",
                   request_verification_enabled=False)
    app.client.base_url = access.api_url
    app.client.retry_handlers = [Watch(metrics), *retry_handlers()]
    # One session for every call (closed with the bot): without it the SDK opens a
    # session, and a connection, for each call, one per announcement posted.
    app.client.session = aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=app.client.timeout))
    return app


def evidence_reader(settings: Settings, files: SharedFiles) -> EvidenceReader:
    """Evidence read from Slack, its bytes kept when ``REVIEW_EVIDENCE_DIR`` is set."""
    folder = settings.review_evidence_dir
    return EvidenceReader(files, EvidenceFolder(folder) if folder else None)


def make_dossiers(settings: Settings, store: Store, clock: Clock,
                  definition: Definition) -> Dossiers:
    """Dossiers of the store, their timelines in the workflow's words, with the evidence
    folder's kept files when ``REVIEW_EVIDENCE_DIR`` is set."""
    folder = settings.review_evidence_dir
    return Dossiers(store, partial(timeline.render, label_of=definition.label_of), clock,
                    EvidenceFolder(folder) if folder else None, clock_steps(definition.steps))


def make_summaries(store: Store, client: AsyncWebClient, clock: Clock, definition: Definition,
                   scheduler: AsyncIOScheduler, timezone: ZoneInfo,
                   numbers: StatsService | None = None) -> SummaryService:
    """The summaries over the store, posted to Slack in the words of the workflow in
    force (``definition``), their jobs on ``scheduler``; weekly ones carry ``numbers``."""
    summary_store = SummaryStore(store)
    return SummaryService(summary_store, summary_store, SlackSummaries(client, definition),
                          SummaryJobs(scheduler), clock, timezone, numbers)


def calendar_desk(settings: Settings, review: Review, store: Store, client: AsyncWebClient,
                  api_url: str) -> CalendarDesk:
    """The deadlines calendar, its links opening Slack where the client talks to."""
    calendars = Calendars(review, CalendarFeeds(store), SlackLinks(api_url, client))
    return CalendarDesk(calendars, client, settings.review_public_url,
                        http=settings.mode is not Mode.SOCKET)


async def build(settings: Settings, access: SlackAccess, clock: Clock | None = None,
                extra_admins: frozenset[str] = frozenset(), pace_seconds: float | None = None
                ) -> Bot:
    """``pace_seconds`` spaces posts to one channel (default: ``SLACK_POST_INTERVAL``,
    one second, as Slack allows); the replay, which talks to a local stand-in, sets 0."""
    clock = clock or SystemClock()
    sys.setswitchinterval(SWITCH_INTERVAL)
    store = await open_store(settings.database_url)
    metrics = Metrics()
    observe.time_database(store, metrics)
    app = slack_app(access, metrics)
    client = app.client
    review = make_review(settings, store, clock, extra_admins, SlackDirectory(client))
    policy = review.config.policy
    pacer = Pacer(settings.slack_post_interval if pace_seconds is None else pace_seconds)
    definition = review.workflow.definition  # the workflow in force, for every table
    label = definition.label_of
    relay = OutboxRelay(store, Notifier(client, pacer), clock, definition)
    store.notices_added = relay.nudge  # every surface's announcements, drained at once
    sweeper = observe.CountedSweeper(
        metrics, store, SlackReminders(client, clock, settings.timezone, pacer, label), clock,
        policy, settings.review_channel, label)
    scheduler = AsyncIOScheduler(timezone=settings.timezone)
    numbers = StatsService(StatsStore(store), definition)
    summaries = make_summaries(store, client, clock, definition, scheduler, settings.timezone,
                               numbers)
    batches = Batches(review, StoredBatches(store))
    services = make_services(settings, access, review, store, clock,
                             (client, summaries, batches, numbers))
    assert services.files is not None
    metrics.command_names = frozenset(services.commands)
    bot = Bot(app, review, store, relay, sweeper, summaries, batches, scheduler, services,
              services.files, access.signing_secret, metrics=metrics,
              metrics_token=settings.metrics_token.get_secret_value()
              if settings.metrics_token else None)
    deps = listener_deps(bot)
    for surface in (middleware, commands, actions, views, shortcuts, events):
        surface.register(app, deps)
    return bot


def make_services(settings: Settings, access: SlackAccess, review: Review, store: Store,
                  clock: Clock, made: tuple[AsyncWebClient, SummaryService, Batches,
                                            StatsService]) -> Services:
    """Every subcommand's use cases, for the workflow in force (``made``: what ``build``
    made already for other parts too)."""
    client, summaries, batches, numbers = made
    definition = review.workflow.definition
    # The one place that says where the bot's token may go to read a shared file.
    files = SharedFiles(client, FileHosts.for_api(access.api_url))
    return Services(review, subcommands.command_table(definition), summaries, batches,
                    partial(diagram.upload_png, client), client, files,
                    Record(review, store), evidence_reader(settings, files),
                    make_dossiers(settings, store, clock, definition), Deadlines(review, store),
                    Mutes(review, store), numbers,
                    calendar_desk(settings, review, store, client, access.api_url))


def listener_deps(bot: Bot) -> Deps:
    """What the listeners may use of the bot (``bot/slack/deps.py``)."""
    return Deps(bot.review, bot.app.client, partial(subcommands.run, bot.services),
                bot.batches, bot.sweeper.snooze, bot.store, Seen(bot.store.db, REQUESTS),
                Seen(bot.store.db, EVENTS), bot.workers, bot.responder, bot.services.evidence,
                bot.services.mutes, bot.metrics)
