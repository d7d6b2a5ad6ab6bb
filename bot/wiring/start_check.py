"""The check at start: are the tokens ones Slack takes?

A placeholder (``xoxb-...`` or ``xapp-...`` as in .env.example) or a token Slack refuses
would otherwise surface only later, as Bolt failing every request, or Socket Mode
reconnecting for ever with a traceback each time. ``check_tokens`` asks ``auth.test``
(and, in Socket Mode, ``apps.connections.open``: its address, unused, expires) once and raises
``TokenRefused`` with one line for the operator; ``main`` prints it and exits 2. A
Slack that cannot be reached, or answers something else, is only logged: that passes,
and the client's retries and the outbox are made for it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

if TYPE_CHECKING:
    from slack_sdk.web.async_client import AsyncWebClient
    from slack_sdk.web.async_slack_response import AsyncSlackResponse

log = logging.getLogger(__name__)
REFUSALS = frozenset({"invalid_auth", "not_authed", "account_inactive", "token_revoked",
                      "token_expired", "no_permission"})
"""auth.test's errors that mean the token itself will never work."""


class TokenRefused(Exception):
    """A token is a placeholder, or Slack refuses it: one line, which says so."""


@dataclass(frozen=True)
class Token:
    setting: str
    prefix: str
    what: str
    """Where the app's page shows the real one."""


BOT = Token("SLACK_BOT_TOKEN", "xoxb-", "the Bot User OAuth Token (under OAuth & Permissions)")
APP = Token("SLACK_APP_TOKEN", "xapp-", "an App-Level Token with connections:write (under "
                                        "Basic Information)")


def is_placeholder(token: str, prefix: str = BOT.prefix) -> bool:
    """``xoxb-...`` (or ``xoxb-…``, or nothing after ``xoxb-``): no token at all."""
    return not any(character.isalnum() for character in token.removeprefix(prefix))


async def check_tokens(client: AsyncWebClient, api_url: str, app_token: str | None = None
                       ) -> None:
    """Log who the bot token is; with ``app_token`` (Socket Mode), check it can open a
    connection. Raises ``TokenRefused`` for a token Slack will never take."""
    found = await _ask(BOT, client.token or "", client.auth_test, api_url)
    if found is not None:
        log.info("Slack: the bot is %s (%s) in team %s (%s)", found.get("user", "?"),
                 found.get("user_id", "?"), found.get("team", "?"), found.get("team_id", "?"))
    if app_token is not None:
        await _ask(APP, app_token, partial(client.apps_connections_open, app_token=app_token),
                   api_url)


async def _ask(token: Token, value: str, call: Callable[[], Awaitable[AsyncSlackResponse]],
               api_url: str) -> AsyncSlackResponse | None:
    """Slack's answer to ``call`` made with ``value``; None if it could not be had."""
    if is_placeholder(value, token.prefix):
        raise TokenRefused(f"{token.setting} is the placeholder from .env.example: set it "
                           f"to {token.what}")
    try:
        return await call()
    except SlackApiError as error:
        code = str(error.response.get("error", "") or error.response.status_code)
        if code in REFUSALS:
            raise TokenRefused(f"{token.setting} was refused by {api_url} ({code}): check it "
                               f"is {token.what} of this app and workspace") from None
        log.warning("could not check %s with %s: Slack answered %s", token.setting, api_url,
                    code)
    except (OSError, TimeoutError) as error:
        log.warning("could not reach %s to check %s (%s)", api_url, token.setting,
                    type(error).__name__)
    return None
