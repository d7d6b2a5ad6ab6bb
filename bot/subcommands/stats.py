"""``/review stats [kind=…] [state=XX] [since=YYYY-MM-DD]``: the review's numbers, over
the use case ``workflows.stats.StatsService``.

The figures come back to the caller alone (Block Kit tables); the chart is drawn in a
worker thread and uploaded to the caller's channel (files_upload_v2), as summaries'
charts are. A chart Slack refuses is said in the answer; the figures come all the
same."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.subcommands.parsing import Args
from bot.subcommands.subcommand import CallerLike, Subcommand
from bot.ui import render
from bot.ui.render import Reply
from bot.ui.stats import stats_reply
from bot.ui.stats_chart import stats_alt, stats_png
from workflows.errors import BadInput
from workflows.review import Review
from workflows.stats import Stats, StatsService

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Numbers:
    """The numbers, the review (for today's date) and where to upload the chart."""

    stats: StatsService
    review: Review
    client: AsyncWebClient | None = None


async def handle_stats(service: Numbers, caller: CallerLike, args: Args) -> Reply:
    if args.words:
        raise BadInput("`stats` takes only kind=…, state=XX and since=YYYY-MM-DD, e.g. "
                       "`stats kind=county state=CA since=2017-11-01`.")
    today = service.review.today()
    query = await service.stats.query(args.options, today)
    stats = await service.stats.compute(query, today)
    return stats_reply(stats, await _chart(service.client, caller, stats))


async def _chart(client: AsyncWebClient | None, caller: CallerLike, stats: Stats) -> str:
    """Upload the chart to the caller's channel; say where it went, or why not."""
    if client is None or not caller.channel:
        return "No chart here: this bot does not post files in this place."
    png = await asyncio.to_thread(stats_png, stats)
    try:
        await client.files_upload_v2(
            channel=caller.channel, file=png, filename=f"review-numbers-{stats.today}.png",
            title=f"The review's numbers, {stats.today}: on time and still open per batch",
            alt_txt=stats_alt(stats))
    except SlackClientError as error:
        log.warning("numbers chart for %s not uploaded: %s", caller.channel, error)
        if isinstance(error, SlackApiError) and error.response.get("error") == "not_in_channel":
            return render.refusal_text(render.not_a_member(caller.channel))
        return "The chart could not be posted; is the bot in this channel?"
    return ("The chart (on time and still open, per batch) is posted in "
            f"{render.channel(caller.channel)}.")


COMMANDS = (
    Subcommand("stats", "stats [kind=…] [state=XX] [since=YYYY-MM-DD]",
               "the review's numbers: days to first response (median, p90), share answered "
               "by the deadline, open rounds by age, escalations per month, per kind, state "
               "and batch, with a chart", ("kind", "state", "since"), handle_stats,
               "stats kind=county state=CA since=2017-11-01"),
)
