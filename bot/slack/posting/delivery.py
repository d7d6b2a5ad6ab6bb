"""Slack's and the network's failures, as the domain's ``DeliveryFailed``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from slack_sdk.errors import SlackApiError

from workflows.errors import DeliveryFailed

PERMANENT = frozenset({"channel_not_found", "not_in_channel", "is_archived", "invalid_blocks",
                       "msg_too_long", "no_text", "restricted_action"})
"""Slack errors that a retry cannot fix: the reminders for that channel are cancelled
(announcements wait instead: see ``OutboxRelay``)."""
HISTORY_PAGE = 200
"""Messages a page when a channel is read back (Slack's advice: 200 or fewer)."""


@asynccontextmanager
async def delivery() -> AsyncIterator[None]:
    """Turn Slack and network failures into the domain's ``DeliveryFailed``."""
    try:
        yield
    except SlackApiError as error:
        data = error.response.data
        code = str(data.get("error", "")) if isinstance(data, dict) else ""
        code = code or f"HTTP {error.response.status_code}"
        raise DeliveryFailed(code, permanent=code in PERMANENT) from None
    except (TimeoutError, OSError, aiohttp.ClientError) as error:
        raise DeliveryFailed(repr(error)) from None
