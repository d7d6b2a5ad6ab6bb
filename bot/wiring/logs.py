"""How the bot logs: one format, one level, and nothing in the log that grants access.

Tokens are redacted by slack_sdk itself. Two things it and the drivers would still
print at DEBUG are kept out here: the URLs Slack gives for answering a command or a
click (``response_url``: whoever holds one can post as the bot in that conversation for
30 minutes), and the parameters of SQL statements (names, notes, user IDs: the review's
content), which aiosqlite prints with every statement.
"""

from __future__ import annotations

import logging
import re

QUIET_AT_DEBUG = ("aiosqlite", "asyncpg", "slack_sdk.webhook")
"""Loggers whose DEBUG lines are SQL with its parameters, or a response URL with the
answer's body; they log at INFO at the most."""

_RESPONSE_URL = re.compile(
    r"(?P<key>response_url['\"]?\s*[:=]\s*['\"]?)[^'\"\s,}]+"
    r"|https?://hooks\.slack(?:-gov)?\.com/\S+")


class Redact(logging.Filter):
    """Blots out response URLs wherever a record would print one (Bolt's warning about an
    unhandled request prints the whole payload, for instance)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = _RESPONSE_URL.sub(_blot, message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def _blot(match: re.Match[str]) -> str:
    return f"{match['key']}(redacted)" if match["key"] else "(redacted response URL)"


def configure(level: str) -> None:
    """Log at ``level`` to standard error, redacted."""
    logging.basicConfig(level=level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(Redact())
    logging.getLogger("transitions").setLevel(logging.WARNING)
    for name in QUIET_AT_DEBUG:
        logging.getLogger(name).setLevel(max(logging.INFO, logging.getLevelName(level)))
