"""The check at start: is the bot token one Slack takes?

A placeholder (``xoxb-...`` as in .env.example) or a token Slack refuses would otherwise
surface only later, as Bolt failing every request, or Socket Mode reconnecting for
ever with a traceback each time. ``check_token`` asks ``auth.test`` once and raises
``TokenRefused`` with one line for the operator; ``main`` prints it and exits 2. A
Slack that cannot be reached, or answers something else, is only logged: that passes,
and the client's retries and the outbox are made for it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

if TYPE_CHECKING:
    from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)
REFUSALS = frozenset({"invalid_auth", "not_authed", "account_inactive", "token_revoked",
                      "token_expired", "no_permission"})
"""auth.test's errors that mean the token itself will never work."""


class TokenRefused(Exception):
    """The bot token is a placeholder, or Slack refuses it: one line, which says so."""


def is_placeholder(token: str) -> bool:
    """``xoxb-...`` (or ``xoxb-…``, or nothing after ``xoxb-``): no token at all."""
    return not any(character.isalnum() for character in token.removeprefix("xoxb-"))


async def check_token(client: AsyncWebClient, api_url: str) -> None:
    """Log who the token is; raise ``TokenRefused`` if it is none Slack takes."""
    token = client.token or ""
    if is_placeholder(token):
        raise TokenRefused("SLACK_BOT_TOKEN is the placeholder from .env.example: set it to "
                           "the app's Bot User OAuth Token (xoxb-…, under OAuth & Permissions)")
    try:
        found = await client.auth_test()
    except SlackApiError as error:
        code = str(error.response.get("error", "") or error.response.status_code)
        if code in REFUSALS:
            raise TokenRefused(f"SLACK_BOT_TOKEN was refused by {api_url} ({code}): check it "
                               "is the current Bot User OAuth Token of this app and "
                               "workspace") from None
        log.warning("could not check SLACK_BOT_TOKEN with %s: auth.test answered %s",
                    api_url, code)
        return
    except (OSError, TimeoutError) as error:
        log.warning("could not reach %s to check SLACK_BOT_TOKEN (%s)", api_url,
                    type(error).__name__)
        return
    log.info("Slack: the bot is %s (%s) in team %s (%s)", found.get("user", "?"),
             found.get("user_id", "?"), found.get("team", "?"), found.get("team_id", "?"))
