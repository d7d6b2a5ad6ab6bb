"""The leadership summary's Slack end: its message (chat.postMessage), then its chart
(files_upload_v2: files.getUploadURLExternal, the upload, files.completeUploadExternal).

The ``SummaryPoster`` port of ``workflows.summaries``. States are named and ordered as
the workflow in force names and orders them (the ``Definition`` it is given).
"""

from __future__ import annotations

import asyncio
import logging
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.ui.chart import chart_alt, chart_png
from bot.ui.summary import summary_reply
from workflows.definition import Definition
from workflows.errors import DeliveryFailed
from workflows.summary import Sent, Summary

log = logging.getLogger(__name__)

PERMANENT = frozenset({"channel_not_found", "not_in_channel", "is_archived", "invalid_auth",
                       "account_inactive", "token_revoked", "missing_scope", "not_authed"})
"""Slack errors that retrying cannot fix: the person who asked is told to invite the
bot or choose another channel, rather than to try again."""


class SlackSummaries:
    """Posts summaries to Slack, times in the channel's zone."""

    def __init__(self, client: AsyncWebClient, definition: Definition) -> None:
        self.client = client
        self.definition = definition

    async def post(self, channel: str, summary: Summary, zone: ZoneInfo) -> Sent:
        reply = summary_reply(summary, zone, self.definition)
        try:
            response = await self.client.chat_postMessage(
                channel=channel, text=reply.text, blocks=reply.blocks, unfurl_links=False)
        except SlackApiError as error:
            code = str(error.response.get("error", "unknown_error"))
            raise DeliveryFailed(code, permanent=code in PERMANENT) from error
        posted_in = str(response.get("channel") or channel)
        return Sent(posted_in, str(response.get("ts", "")), summary)

    async def add_chart(self, sent: Sent, zone: ZoneInfo) -> Sent:
        """Draw the chart in a worker thread (matplotlib takes a while) and upload it to
        the summary's channel; Slack's refusal is logged and kept in ``chart_error``."""
        summary = sent.summary
        png = await asyncio.to_thread(chart_png, summary, zone, self.definition)
        try:
            response = await self.client.files_upload_v2(
                channel=sent.channel, file=png, filename=f"summary-{summary.today}.png",
                title=f"{summary.title}: where the jurisdictions stand",
                alt_txt=chart_alt(summary, self.definition))
        except SlackClientError as error:
            log.warning("summary chart for %s not uploaded: %s", sent.channel, error)
            return Sent(sent.channel, sent.ts, summary, None, _reason(error))
        files = response.get("files") or [{}]
        return Sent(sent.channel, sent.ts, summary, str(files[0].get("id", "")))


def _reason(error: SlackClientError) -> str:
    if isinstance(error, SlackApiError):
        return str(error.response.get("error", "unknown_error"))
    return str(error) or type(error).__name__
