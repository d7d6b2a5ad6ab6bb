"""The summary subcommands of ``/review``: ``summary``, ``subscribe``, ``unsubscribe``
and ``subscriptions``, over the use case ``workflows.summaries.SummaryService``.

``COMMANDS`` declares them; ``bot.subcommands.commands`` registers them, checking each
one's permission (``summaries``, in the workflow file) before its handler runs.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime

from bot.subcommands.parsing import Args, channel_id
from bot.subcommands.subcommand import CallerLike, Subcommand
from bot.ui import render
from bot.ui.render import Reply
from bot.ui.summary import when
from workflows.errors import BadInput, Channel, DeliveryFailed, NotFound
from workflows.summaries import SummaryService
from workflows.summary import Sent, Subscription, parse_schedule


async def handle_summary(service: SummaryService, caller: CallerLike, args: Args) -> Reply:
    if args.words:
        raise BadInput("`summary` takes nothing after it; it posts in this channel.")
    sent = await _deliver(service.send(_here(caller)))
    text = f":white_check_mark: Summary posted in {render.channel(sent.channel)}."
    if sent.chart_error == "not_in_channel":
        text += " No chart: " + render.refusal_text(render.not_a_member(sent.channel))
    elif sent.chart_error:
        text += f" The chart could not be uploaded ({sent.chart_error})."
    return Reply(text, [render.section(text)])


async def handle_subscribe(service: SummaryService, caller: CallerLike, args: Args) -> Reply:
    schedule = parse_schedule(args.words, args.options.get("tz") or service.timezone.key)
    channel = _target(caller, args)
    subscription, replaced = await service.subscribe(channel, schedule, caller.user)
    following = schedule.next_due(subscription.created_at)
    text = (f":white_check_mark: {render.channel(channel)} will get a summary "
            f"{schedule.describe()}. The next one: {when(following, schedule.zone)}.")
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
    lines = [_subscription_line(s, now) for s in await service.subscriptions()]
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
            f"last sent {when(last, zone) if last else 'not yet'} · "
            f"next {when(subscription.schedule.next_due(now), zone)}")


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
