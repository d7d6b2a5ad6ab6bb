"""Addresses that open a channel in Slack, for links the bot puts outside Slack (the
calendar's events).

Slack's ``app_redirect`` takes a channel's ID or its name and opens it in the app (or
the browser) of whoever follows it; with ``team`` (the workspace's ID, from
``auth.test``) it opens the right workspace at once. Its host is the Web API's (the
address the bot talks to, without its ``api/``): slack.com for Slack, slack-gov.com
for GovSlack. Without a client (the command line), the links go without ``team``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from urllib.parse import urlencode

from slack_sdk.errors import SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)


class SlackLinks:
    """The domain's ``ChannelLinks``: asks ``auth.test`` once which workspace it is."""

    def __init__(self, api_url: str, client: AsyncWebClient | None = None) -> None:
        base = api_url.rstrip("/")
        self.base = (base.removesuffix("/api") if base.endswith("/api") else base) + "/"
        self.client = client
        self.team: str | None = None

    async def links(self, channels: Sequence[str]) -> dict[str, str]:
        team = await self._team()
        return {channel: self.channel(channel, team) for channel in channels}

    def channel(self, channel: str, team: str = "") -> str:
        query = {"channel": channel.removeprefix("#"), **({"team": team} if team else {})}
        return f"{self.base}app_redirect?{urlencode(query)}"

    async def _team(self) -> str:
        if self.team is None and self.client is not None:
            try:
                found = await self.client.auth_test()
                self.team = str(found.get("team_id") or "")
            except SlackClientError as error:  # the links still open Slack; ask again later
                log.info("auth.test failed, so calendar links name no workspace: %s", error)
                return ""
        return self.team or ""
