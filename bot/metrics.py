"""What the bot counts and times, for Prometheus (``GET /metrics``).

One ``Metrics`` per bot, on a registry of its own (not prometheus_client's global one),
so that several bots in one process (the tests) each count their own. Every label takes
its values from a small fixed set: a subcommand's name (from the workflow in force, or
``unknown``), an outcome, a Web API method and Slack's error code (words of Slack's own
vocabulary, or ``other``), a database operation. No user ID, channel, jurisdiction,
token or text a person typed ever becomes a label.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from workflows.sweep import SweepReport

OK, REFUSED, ERROR = "ok", "refused", "error"
"""A command's outcome: answered; refused (bad input, not allowed: the person can fix
it); failed (an unexpected error, answered with an apology and a reference)."""
UNKNOWN = "unknown"
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0, 60.0)
"""Seconds: Slack gives an ack 3; an answer may take longer (an import)."""
DATABASE_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
                    2.5, 10.0)
_WORD = re.compile(r"[a-z][a-z0-9_]{0,59}")
_METHOD = re.compile(r"[a-zA-Z]+(?:\.[a-zA-Z]+){1,4}")
"""A Web API method (each has a dot: chat.postMessage); an upload address, which ends
in an id, is not one."""


class Metrics:
    """The bot's instruments. ``command_names`` are the subcommands' names that may be
    labels (``command_name``); the composition root sets them from the workflow."""

    def __init__(self, commands: Iterable[str] = ()) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.command_names = frozenset(commands)
        r = self.registry
        self.answered = Counter("review_bot_commands", "Slash commands answered, by "
                                "subcommand and outcome (ok, refused, error)",
                                ("command", "outcome"), registry=r)
        self.ack_seconds = Histogram("review_bot_ack_seconds", "Seconds from a slash "
                                     "command reaching the bot to its ack",
                                     buckets=LATENCY_BUCKETS, registry=r)
        self.answer_seconds = Histogram("review_bot_answer_seconds", "Seconds from a slash "
                                        "command reaching the bot to its answer posted at "
                                        "its response_url", buckets=LATENCY_BUCKETS,
                                        registry=r)
        self._reminder_counters(r)
        self.outbox_depth = Gauge("review_bot_outbox_depth", "Announcements waiting in the "
                                  "outbox to be posted (counted when scraped)", registry=r)
        self.slack_errors = Counter("review_bot_slack_api_errors", "Web API responses that "
                                    "were errors, by method and Slack's error code",
                                    ("method", "error"), registry=r)
        self.rate_limited = Counter("review_bot_slack_rate_limited", "Web API responses "
                                    "HTTP 429 (rate limited), by method", ("method",),
                                    registry=r)
        self.database_seconds = Histogram("review_bot_database_seconds", "Seconds of "
                                          "database work, by operation (read, transaction, "
                                          "remember)", ("operation",),
                                          buckets=DATABASE_BUCKETS, registry=r)
        self._database: dict[str, Histogram] = {}

    def _reminder_counters(self, r: CollectorRegistry) -> None:
        self.claimed = Counter("review_bot_reminders_claimed", "Reminders the sweeps "
                               "claimed to post", registry=r)
        self.posted = Counter("review_bot_reminders_posted", "Reminders the sweeps posted",
                              registry=r)
        self.recovered = Counter("review_bot_reminders_recovered", "Reminders found posted "
                                 "under a claim a stopped sweep left, and marked sent",
                                 registry=r)

    # -- what is reported --------------------------------------------------------------

    def command_name(self, text: str) -> str:
        """The subcommand ``text`` names, as a label: ``help`` for none, ``unknown`` for
        a word that is not one of the workflow's subcommands."""
        words = text.split(maxsplit=1)
        if not words:
            return "help"
        name = words[0].lower()
        return name if name in self.command_names else UNKNOWN

    def acked(self, received: float) -> None:
        """A command acked; ``received`` is when it arrived (``time.monotonic()``)."""
        self.ack_seconds.observe(max(0.0, time.monotonic() - received))

    def command_answered(self, text: str, outcome: str, received: float) -> None:
        self.answered.labels(self.command_name(text), outcome).inc()
        self.answer_seconds.observe(max(0.0, time.monotonic() - received))

    def swept(self, report: SweepReport) -> None:
        self.claimed.inc(report.claimed)
        self.posted.inc(report.posted)
        self.recovered.inc(report.recovered)

    def slack_answered(self, method: str, status: int, error: str | None) -> None:
        """One Web API response (each attempt of a retried call counts)."""
        method = method if _METHOD.fullmatch(method) else "other"
        if status == 429:
            self.rate_limited.labels(method).inc()
        if error is not None:
            self.slack_errors.labels(method, error if _WORD.fullmatch(error) else "other").inc()

    def database(self, operation: str, seconds: float) -> None:
        """Called for every query: the operation's child is looked up once (``labels``
        takes a lock and builds a key each time, as much work as the observing)."""
        child = self._database.get(operation)
        if child is None:
            child = self._database[operation] = self.database_seconds.labels(operation)
        child.observe(seconds)
