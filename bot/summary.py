"""Leadership summaries on Slack: the message, the chart, sending, scheduling, commands.

``summary_reply`` renders a ``workflows.summary.Summary`` so that it always fits
Slack's limits: a fixed set of blocks (never more than 12), each list cut to what a
section holds and closed with "…and N more". ``chart_png`` draws where the
jurisdictions stand now against the start of the period (matplotlib, Agg canvas, no
pyplot state). ``SummaryService`` builds a channel's summary, posts it with
chat.postMessage, records ``last_sent_at`` and uploads the chart with
files_upload_v2. ``install_summary_jobs`` gives each subscription one cron job in its
own time zone; ``catch_up`` sends what was missed while the bot was down. The
subscriptions table is the only truth: jobs are rebuilt from it at start.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from io import BytesIO
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.subcommands.parsing import Args, channel_id
from bot.subcommands.subcommand import CallerLike, Subcommand
from bot.ui import render
from bot.ui.render import MAX_SECTION, Block, Reply
from storage.summaries import SummaryStore
from workflows.deadlines import Tier
from workflows.definition import Definition
from workflows.errors import BadInput, Channel, DeliveryFailed, NotFound
from workflows.ports import Clock
from workflows.summary import (
    DUE_AHEAD_DAYS,
    PERIODS,
    WEEKDAYS,
    Activity,
    Blocked,
    Cadence,
    DueItem,
    Move,
    Schedule,
    StateCount,
    Subscription,
    Summary,
    build_summary,
    parse_schedule,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

log = logging.getLogger(__name__)
Labels = Callable[[str], str]
"""A state's words for people (the workflow in force's ``Definition.label_of``)."""

SENDING_LEASE = timedelta(minutes=5)
"""How long a replica may take to send a scheduled summary before another may try."""
MAX_LINES = 20
"""Items shown per list; a section holds 3,000 characters, so about 20 lines of 140."""
MAX_LINE = 280
MORE_RESERVE = 40
"""Characters kept free in a list's section for "…and N more"."""
PERMANENT = frozenset({"channel_not_found", "not_in_channel", "is_archived", "invalid_auth",
                       "account_inactive", "token_revoked", "missing_scope", "not_authed"})
"""Slack errors that retrying cannot fix."""

TIER_LABELS = {Tier.ON_TRACK: "on track", Tier.DUE_SOON: "due soon",
               Tier.OVERDUE: "overdue", Tier.VERY_OVERDUE: "very overdue"}


# -- the message ---------------------------------------------------------------------


def summary_reply(summary: Summary, zone: ZoneInfo, definition: Definition) -> Reply:
    """The summary as one message; times shown in ``zone`` (the channel's), states in
    the words and order of ``definition``, the workflow in force."""
    summary, label = in_order(summary, definition), definition.label_of
    if summary.no_change:
        return _no_change(summary, zone, label)
    blocks: list[Block] = [
        render.header(f"{summary.title} — {_day(summary.today)}"),
        render.context(f"Since {_when(summary.since, zone)} · "
                       f"{_count(summary.total, 'jurisdiction')} in the review"),
        render.section(_states_text(summary, label)),
        render.context(_tiers_text(summary)),
        render.context(_dates_text(summary, label)),
        {"type": "divider"},
        _activity_section(summary.activity, label),
        capped_section(f"*Due in the next {DUE_AHEAD_DAYS} days* ({summary.due_ahead.total:,})",
                       [_due_line(item, label) for item in summary.due_ahead.items],
                       summary.due_ahead.total),
        capped_section(f"*Newly overdue* ({summary.newly_overdue.total:,})",
                       [_due_line(item, label) for item in summary.newly_overdue.items],
                       summary.newly_overdue.total),
        capped_section(_blocked_title(summary),
                       [_blocked_line(item) for item in summary.blocked.items],
                       summary.blocked.total),
        render.context("The chart below compares where the jurisdictions stand now with "
                       "the start of the period."),
    ]
    return Reply(_fallback(summary, zone), blocks, in_channel=True)


def _no_change(summary: Summary, zone: ZoneInfo, label: Labels) -> Reply:
    standing = " · ".join(f"{label(c.state)} {c.now:,}" for c in summary.states
                          if c.now) or "no jurisdictions yet"
    blocks = [
        render.header(f"{summary.title} — {_day(summary.today)}"),
        render.section(f":zzz: *No change* since {_when(summary.since, zone)}: no step taken, "
                       "nothing added, no deadline passed."),
        render.section(f"Where the {_count(summary.total, 'jurisdiction')} stand: {standing}."),
        render.context(_dates_text(summary, label)),
        render.context(f"{_tiers_text(summary)} · {summary.due_ahead.total:,} due in the next "
                       f"{DUE_AHEAD_DAYS} days · {summary.blocked_jurisdictions:,} blocked by "
                       "court orders"),
    ]
    return Reply(_fallback(summary, zone), blocks, in_channel=True)


def capped_section(title: str, lines: Sequence[str], total: int) -> Block:
    """One section: the title, as many lines as fit (at most MAX_LINES), then
    "…and N more" for the ``total`` items not shown."""
    if total == 0:
        return render.section(f"{title}: none.")
    text, shown = title, 0
    for line in lines[:MAX_LINES]:
        line = _clip(line, MAX_LINE)
        if len(text) + 1 + len(line) > MAX_SECTION - MORE_RESERVE:
            break
        text, shown = f"{text}\n{line}", shown + 1
    if total > shown:
        text += f"\n…and {total - shown:,} more"
    return render.section(text)


def _activity_section(activity: Activity, label: Labels) -> Block:
    counts = [_count(activity.steps, "step")]
    if activity.added:
        counts.append(f"{activity.added:,} added")
    if activity.other:
        counts.append(f"{_count(activity.other, 'other update')} (court orders, owners, aliases)")
    return capped_section(f"*What changed* ({', '.join(counts)})",
                          [_move_line(m, label) for m in activity.moves], activity.steps)


def _states_text(summary: Summary, label: Labels) -> str:
    lines = [f"• {label(c.state)}: *{c.now:,}*" + (f" ({c.now - c.before:+,})"
                                                      if c.now != c.before else "")
             for c in summary.states]
    return "*Where the jurisdictions stand* (change since the period began)\n" + (
        "\n".join(lines) or "No jurisdictions yet.")


def _dates_text(summary: Summary, label: Labels) -> str:
    """The largest groups of deadlines: "23 subpoena threatened …, due 2018-02-23"."""
    parts = []
    for group in summary.deadline_dates:
        when = "overdue since" if group.due_on < summary.today else "due"
        parts.append(f"{group.count:,} {label(group.state)}, {when} {group.due_on}")
    return "Deadlines: " + (" · ".join(parts) if parts else "none running")


def _tiers_text(summary: Summary) -> str:
    return "Running deadlines: " + " · ".join(
        f"{summary.tiers.get(tier, 0):,} {label}" for tier, label in TIER_LABELS.items())


def _blocked_title(summary: Summary) -> str:
    return (f"*Blocked by court orders* ({_count(summary.blocked_jurisdictions, 'jurisdiction')},"
            f" {_count(summary.blocked.total, 'injunction')})")


def _move_line(move: Move, label: Labels) -> str:
    return (f"{render.escape(move.name)}: {label(move.from_state)} → "
            f"{label(move.to_state)} (by {render.user(move.actor)})")


def _due_line(item: DueItem, label: Labels) -> str:
    owner = f" · {render.user(item.owner)}" if item.owner else ""
    return f"`{item.due_on}` {render.escape(item.name)} — {label(item.state)}{owner}"


def _blocked_line(item: Blocked) -> str:
    order = item.order
    blocks = render.escape(", ".join(sorted(order.blocks))) or "nothing named"
    scope = f" ({render.escape(order.scope)})" if order.scope else ""
    return (f"{render.escape(item.name)}: {render.escape(order.label())} — "
            f"blocks {blocks}{scope}")


def _fallback(summary: Summary, zone: ZoneInfo) -> str:
    since = _when(summary.since, zone)
    if summary.no_change:
        return (f"{summary.title}: no change since {since} "
                f"({_count(summary.total, 'jurisdiction')}).")
    return (f"{summary.title}: {_count(summary.total, 'jurisdiction')}; "
            f"{_count(summary.activity.steps, 'step')} and {summary.newly_overdue.total:,} "
            f"newly overdue since {since}.")


def in_order(summary: Summary, definition: Definition) -> Summary:
    """``summary`` with its states in the order of the workflow (unknown ones last)."""
    order = {state: n for n, state in enumerate(definition.states)}
    states = sorted(summary.states, key=lambda c: (order.get(c.state, len(order)), c.state))
    return replace(summary, states=tuple(states))


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def _when(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} {local.tzname()}"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- the chart -----------------------------------------------------------------------


def chart_png(summary: Summary, zone: ZoneInfo, definition: Definition) -> bytes:
    """A horizontal bar chart of jurisdictions per state, at the start of the period and
    now, as PNG bytes. Built on its own Figure with the Agg canvas: no pyplot, no
    global figure to close, safe to run in a worker thread. matplotlib is imported here,
    on the first chart, not when the bot starts (it takes half a second)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    summary, label = in_order(summary, definition), definition.label_of
    rows = list(summary.states)
    figure = Figure(figsize=(9, 1.8 + 0.5 * max(len(rows), 1)), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    if not rows:
        axes.text(0.5, 0.5, "No jurisdictions yet", ha="center", va="center")
        axes.set_axis_off()
    else:
        _bars(axes, rows, summary, zone, label)
    buffer = BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


def _bars(axes: Axes, rows: list[StateCount], summary: Summary, zone: ZoneInfo,
          label: Labels) -> None:
    positions = list(range(len(rows)))
    height = 0.4
    since = summary.since.astimezone(zone).date()
    before = axes.barh([p - height / 2 for p in positions], [r.before for r in rows], height,
                       label=f"start ({since})", color="#a8dadc")
    now = axes.barh([p + height / 2 for p in positions], [r.now for r in rows], height,
                    label=f"now ({summary.today})", color="#1d3557")
    axes.bar_label(now, padding=3, fontsize=8)
    axes.bar_label(before, padding=3, fontsize=8, color="#457b9d")
    axes.set_yticks(positions, [label(r.state) for r in rows])
    axes.invert_yaxis()
    axes.set_xlabel("jurisdictions")
    from matplotlib.ticker import MaxNLocator

    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(f"Where the jurisdictions stand: {since} → {summary.today}")
    axes.margins(x=0.1)
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=2, frameon=False)


# -- sending -------------------------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    """A summary that went out: its message, and the chart's file id (None when the
    summary had no change to chart or the upload failed: ``chart_error`` says why)."""

    channel: str
    ts: str
    summary: Summary
    chart: str | None = None
    chart_error: str = ""


class SummaryService:
    """Builds, posts and schedules the summaries. ``timezone`` is the team's: it decides
    what "today" is and is the default zone of a new subscription."""

    def __init__(self, store: SummaryStore, client: AsyncWebClient, clock: Clock,
                 timezone: ZoneInfo, definition: Definition) -> None:
        self.definition = definition
        """The workflow in force: its states' words and order."""
        self.store = store
        self.client = client
        self.clock = clock
        self.timezone = timezone
        self._locks: dict[str, asyncio.Lock] = {}
        self._jobs: SummaryJobs | None = None

    def attach(self, jobs: SummaryJobs) -> None:
        """Keep ``jobs`` in step with subscriptions made or removed from now on."""
        self._jobs = jobs

    async def build(self, channel: str, subscription: Subscription | None) -> Summary:
        now = self.clock.now()
        if subscription is None:
            since, title = now - PERIODS[Cadence.DAILY], "Summary"
        else:
            since = subscription.period_start(now)
            title = f"{subscription.schedule.cadence.value.capitalize()} summary"
        summary = await build_summary(self.store, channel, title, since, now, self.timezone)
        return in_order(summary, self.definition)

    async def send(self, channel: str) -> Sent:
        """Post the channel's summary now (covering the time since its previous one)."""
        async with self._lock(channel):
            return await self._send(channel, await self.store.subscription(channel))

    async def send_if_due(self, channel: str) -> Sent | None:
        """Post the scheduled summary unless one went out since the scheduled moment
        (so a job and a catch-up never send the same summary twice)."""
        async with self._lock(channel):
            if not await self.store.claim_sending(channel, self.clock.now(), SENDING_LEASE):
                return None  # another replica is sending it (or no subscription)
            try:
                # read under the lease: another replica may have sent it a moment ago
                subscription = await self.store.subscription(channel)
                if subscription is None or not subscription.missed(self.clock.now()):
                    return None
                return await self._send(channel, subscription)
            finally:
                await self.store.release_sending(channel)

    async def run_job(self, channel: str) -> None:
        """What the scheduler runs: a failure is logged, never raised into APScheduler."""
        try:
            await self.send_if_due(channel)
        except DeliveryFailed as failure:
            log.warning("summary for %s not posted: %s", channel, failure)
        except Exception:
            log.exception("summary for %s failed", channel)

    async def subscribe(self, channel: str, schedule: Schedule,
                        by: str) -> tuple[Subscription, Subscription | None]:
        """Save the channel's subscription (replacing any); return it and the replaced one."""
        subscription = Subscription(channel, schedule, by, self.clock.now())
        replaced = await self.store.subscribe(subscription)
        if self._jobs is not None:
            self._jobs.add(subscription)
        return subscription, replaced

    async def unsubscribe(self, channel: str) -> Subscription | None:
        removed = await self.store.unsubscribe(channel)
        if removed is not None and self._jobs is not None:
            self._jobs.remove(channel)
        return removed

    async def _send(self, channel: str, subscription: Subscription | None) -> Sent:
        summary = await self.build(channel, subscription)
        zone = subscription.schedule.zone if subscription else self.timezone
        reply = summary_reply(summary, zone, self.definition)
        try:
            response = await self.client.chat_postMessage(
                channel=channel, text=reply.text, blocks=reply.blocks, unfurl_links=False)
        except SlackApiError as error:
            code = str(error.response.get("error", "unknown_error"))
            raise DeliveryFailed(code, permanent=code in PERMANENT) from error
        await self.store.mark_sent(channel, summary.until)
        posted_in = str(response.get("channel") or channel)
        sent = Sent(posted_in, str(response.get("ts", "")), summary)
        if summary.no_change:
            return sent
        return await self._upload_chart(sent, zone)

    async def _upload_chart(self, sent: Sent, zone: ZoneInfo) -> Sent:
        summary = sent.summary
        png = await asyncio.to_thread(chart_png, summary, zone, self.definition)
        try:
            response = await self.client.files_upload_v2(
                channel=sent.channel, file=png, filename=f"summary-{summary.today}.png",
                title=f"{summary.title}: where the jurisdictions stand",
                alt_txt=_chart_alt(summary, self.definition.label_of))
        except SlackClientError as error:
            log.warning("summary chart for %s not uploaded: %s", sent.channel, error)
            return Sent(sent.channel, sent.ts, summary, None, _reason(error))
        files = response.get("files") or [{}]
        return Sent(sent.channel, sent.ts, summary, str(files[0].get("id", "")))

    def _lock(self, channel: str) -> asyncio.Lock:
        return self._locks.setdefault(channel, asyncio.Lock())


def _chart_alt(summary: Summary, label: Labels) -> str:
    counts = "; ".join(f"{label(c.state)}: {c.before:,} then {c.now:,}"
                       for c in summary.states)
    return _clip(f"Jurisdictions per state at the start of the period and now. {counts}", 1000)


def _reason(error: SlackClientError) -> str:
    if isinstance(error, SlackApiError):
        return str(error.response.get("error", "unknown_error"))
    return str(error) or type(error).__name__


# -- scheduling ----------------------------------------------------------------------


def job_id(channel: str) -> str:
    return f"summary:{channel}"


def cron_trigger(schedule: Schedule) -> CronTrigger:
    """Fires at the schedule's time in the schedule's own time zone."""
    day = "*" if schedule.weekday is None else WEEKDAYS[schedule.weekday][:3]
    return CronTrigger(day_of_week=day, hour=schedule.at.hour, minute=schedule.at.minute,
                       timezone=schedule.zone)


class SummaryJobs:
    """One APScheduler job per subscribed channel, rebuilt from the database at start."""

    MISFIRE_GRACE = 15 * 60
    """Seconds a late job may still run; longer outages are ``catch_up``'s."""

    def __init__(self, scheduler: BaseScheduler, service: SummaryService) -> None:
        self.scheduler = scheduler
        self.service = service

    def add(self, subscription: Subscription) -> None:
        """Add the channel's job, replacing the one of an earlier subscription."""
        self.scheduler.add_job(
            self.service.run_job, cron_trigger(subscription.schedule),
            args=(subscription.channel,), id=job_id(subscription.channel),
            name=f"summary for {subscription.channel}, {subscription.schedule.describe()}",
            replace_existing=True, coalesce=True, max_instances=1,
            misfire_grace_time=self.MISFIRE_GRACE)

    def remove(self, channel: str) -> None:
        try:
            self.scheduler.remove_job(job_id(channel))
        except JobLookupError:
            log.info("no summary job for %s to remove", channel)


def install_summary_jobs(scheduler: BaseScheduler, service: SummaryService,
                         subscriptions: Sequence[Subscription]) -> SummaryJobs:
    """Add one cron job per subscription and keep them in step with later changes."""
    jobs = SummaryJobs(scheduler, service)
    for subscription in subscriptions:
        jobs.add(subscription)
    service.attach(jobs)
    return jobs


async def catch_up(service: SummaryService,
                   subscriptions: Sequence[Subscription]) -> list[Sent]:
    """Send one summary to each channel whose scheduled moment passed with no summary
    since (the bot was down): however many moments were missed, one summary covers
    the whole time since the previous one."""
    now = service.clock.now()
    sent: list[Sent] = []
    for subscription in subscriptions:
        if not subscription.missed(now):
            continue
        try:
            result = await service.send_if_due(subscription.channel)
        except DeliveryFailed as failure:
            log.warning("missed summary for %s not posted: %s", subscription.channel, failure)
            continue
        if result is not None:
            sent.append(result)
    return sent


async def start_summaries(scheduler: BaseScheduler, service: SummaryService) -> list[Sent]:
    """At start: a job for each stored subscription, then the summaries missed while the
    bot was down."""
    subscriptions = await service.store.subscriptions()
    install_summary_jobs(scheduler, service, subscriptions)
    return await catch_up(service, subscriptions)


# -- the commands --------------------------------------------------------------------


async def handle_summary(service: SummaryService, caller: CallerLike, args: Args) -> Reply:
    if args.words:
        raise BadInput("`summary` takes nothing after it; it posts in this channel.")
    sent = await _deliver(service.send(_here(caller)))
    text = f":white_check_mark: Summary posted in {render.channel(sent.channel)}."
    if sent.chart_error:
        text += f" The chart could not be uploaded ({sent.chart_error})."
    return Reply(text, [render.section(text)])


async def handle_subscribe(service: SummaryService, caller: CallerLike, args: Args) -> Reply:
    schedule = parse_schedule(args.words, args.options.get("tz") or service.timezone.key)
    channel = _target(caller, args)
    subscription, replaced = await service.subscribe(channel, schedule, caller.user)
    following = schedule.next_due(subscription.created_at)
    text = (f":white_check_mark: {render.channel(channel)} will get a summary "
            f"{schedule.describe()}. The next one: {_when(following, schedule.zone)}.")
    if replaced is not None:
        text += f" This replaces the summary {replaced.schedule.describe()}."
    return Reply(text, [render.section(text)])


async def handle_unsubscribe(service: SummaryService, caller: CallerLike, args: Args) -> Reply:
    if args.words:
        raise BadInput("Name the channel with channel=#…, or run `unsubscribe` in it.")
    channel = _target(caller, args)
    removed = await service.unsubscribe(channel)
    if removed is None:
        raise NotFound((Channel(channel), " gets no summary. "
                        "`subscriptions` lists the channels that do."))
    text = (f":white_check_mark: {render.channel(channel)} will no longer get a summary "
            f"{removed.schedule.describe()}.")
    return Reply(text, [render.section(text)])


async def handle_subscriptions(service: SummaryService, caller: CallerLike,
                               args: Args) -> Reply:
    now = service.clock.now()
    lines = [_subscription_line(s, now) for s in await service.store.subscriptions()]
    blocks = [render.header("Summary subscriptions"),
              *render.sections(lines or ["No channel gets a summary yet. "
                                         "`subscribe daily 09:00` starts one here."]
                               )[:render.MAX_BLOCKS - 2]]
    blocks.append(render.context("`summary` posts one now; `unsubscribe` stops one."))
    return Reply(f"{len(lines)} summary subscription(s)", blocks)


COMMANDS: tuple[Subcommand[SummaryService], ...] = (
    Subcommand(
        "summary", "summary",
        "Post a leadership summary in this channel now: counts, what changed since the "
        "previous summary here, deadlines, court orders and a chart.", (), handle_summary),
    Subcommand(
        "subscribe", "subscribe <daily|weekly> [day] <HH:MM> [tz=Area/City] [channel=#…]",
        "Send this channel (or another) a summary every day or every week at a time of "
        "its choosing, in its own time zone (leads and admins).", ("tz", "channel"),
        handle_subscribe, "subscribe weekly mon 08:30 tz=America/Chicago channel=#leadership",
        "summaries"),
    Subcommand(
        "unsubscribe", "unsubscribe [channel=#…]",
        "Stop the summaries of this channel (or another) (leads and admins).", ("channel",),
        handle_unsubscribe, "unsubscribe channel=#leadership", "summaries"),
    Subcommand(
        "subscriptions", "subscriptions",
        "Which channels get summaries, when, and when they last got one.", (),
        handle_subscriptions),
)


def _subscription_line(subscription: Subscription, now: datetime) -> str:
    zone = subscription.schedule.zone
    last = subscription.last_sent_at
    return (f"{render.channel(subscription.channel)}: {subscription.schedule.describe()} · "
            f"last sent {_when(last, zone) if last else 'not yet'} · "
            f"next {_when(subscription.schedule.next_due(now), zone)}")


def _here(caller: CallerLike) -> str:
    if not caller.channel:
        raise BadInput("Run this in a channel, or name one with channel=#….")
    return caller.channel


def _target(caller: CallerLike, args: Args) -> str:
    named = args.options.get("channel")
    return channel_id(named) if named else _here(caller)


async def _deliver(sending: Awaitable[Sent]) -> Sent:
    """Turn Slack's refusal into a sentence for the person who asked."""
    try:
        return await sending
    except DeliveryFailed as failure:
        hint = (" Invite the bot to the channel, or use one it can post in."
                if failure.permanent else " Try again in a minute.")
        raise BadInput(f"Slack did not take the summary ({failure}). Nothing was "
                       f"posted.{hint}") from None
