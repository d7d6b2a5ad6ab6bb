"""How the bot logs: one format, one level, and nothing in the log that grants access.

Tokens are redacted by slack_sdk itself. Two things it and the drivers would still
print at DEBUG are kept out here: the URLs Slack gives for answering a command or a
click (``response_url``: whoever holds one can post as the bot in that conversation for
30 minutes), and the parameters of SQL statements (names, notes, user IDs: the review's
content), which aiosqlite prints with every statement.

``LOG_FORMAT=json`` writes each record as one JSON object a line (python-json-logger):
``time``, ``level``, ``logger``, ``message`` and, for an error, ``exc_info`` (the
traceback, as one string). The scheduler's INFO lines about each run of each job
("Running job …", "… executed successfully", every few seconds) and each job added are
left out unless ``LOG_LEVEL=DEBUG``; its warnings (a missed or failed run) stay.
"""

from __future__ import annotations

import logging
import re

from pythonjsonlogger.json import JsonFormatter

QUIET_AT_DEBUG = ("aiosqlite", "asyncpg", "slack_sdk.webhook")
"""Loggers whose DEBUG lines are SQL with its parameters, or a response URL with the
answer's body; they log at INFO at the most."""
QUIET_BELOW_DEBUG = ("apscheduler.executors.default", "apscheduler.scheduler")
"""The scheduler's loggers, which say something about every run of every job (and each
job added at start): WARNING unless DEBUG."""
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

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


def configure(level: str, form: str = "text") -> None:
    """Log at ``level`` to standard error, redacted, as ``form`` (text or json)."""
    logging.basicConfig(level=level, format=TEXT_FORMAT)
    for handler in logging.getLogger().handlers:
        handler.addFilter(Redact())
        if form == "json":
            handler.setFormatter(json_formatter())
    logging.getLogger("transitions").setLevel(logging.WARNING)
    numeric = logging.getLevelName(level)
    for name in QUIET_AT_DEBUG:
        logging.getLogger(name).setLevel(max(logging.INFO, numeric))
    for name in QUIET_BELOW_DEBUG:
        logging.getLogger(name).setLevel(numeric if numeric <= logging.DEBUG
                                         else max(logging.WARNING, numeric))


def json_formatter() -> logging.Formatter:
    """One JSON object a record: time (ISO 8601, UTC), level, logger, message (and
    exc_info)."""
    return JsonFormatter("%(levelname)s %(name)s %(message)s", timestamp="time",
                         rename_fields={"levelname": "level", "name": "logger"})
