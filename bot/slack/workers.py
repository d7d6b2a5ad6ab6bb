"""The work behind an ack: a few workers shared fairly, and answers over one HTTP session.

A listener acks at once and leaves the command here. Under a burst the commands wait
instead of thousands of tasks (each holding its request, client and half-done work)
competing for the event loop and the garbage collector: acks stay quick, and memory
stays flat. Answers to ``response_url`` go through one shared aiohttp session, so each
does not open a connection of its own.

A worker is held for the work, not for sending its answer: a job hands the posting
of its answer to ``then``, which runs it beside the workers (tracked, so ``close``
waits for it too). Under 50 people at once, eight workers each waiting a few
milliseconds for Slack to take an answer held back everyone's next command; the
answers in flight are at most the commands already worked out.

The workers are shared fairly between people: each person's commands wait in a queue
of their own, the queues are served in turn (round robin), and one person has at most
``per_person`` commands running at once. So one person's long work (eight imports, a
batch of a long list) takes at most that many of the ``size`` workers, and everyone
else's commands start as soon as a worker is free, ahead of that person's backlog.

A command's work starts once no request is being acked (``acks``, at most
``MAX_DEFER_SECONDS`` after it was submitted; ``bot/slack/acks_first.py``), so that
under a burst the acks are not held behind answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_sdk.proxy_env_variable_loader import load_http_proxy_from_env
from slack_sdk.web.internal_utils import get_user_agent

from bot.slack.acks_first import MAX_DEFER_SECONDS, Acks

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[None]]
WORKERS = 8
PER_PERSON = 2
"""Commands of one person running at once: two, so that while one long command of
theirs runs (an import) their next quick one (a ``show``) is still answered."""


class Workers:
    """``submit`` work (it must handle its own errors) on behalf of a person; ``close``
    lets what was submitted finish, for up to ``timeout`` seconds."""

    def __init__(self, size: int = WORKERS, per_person: int = PER_PERSON,
                 acks: Acks | None = None) -> None:
        self.size = size
        self.per_person = per_person
        self.acks = acks or Acks()
        """The requests being acked, which the work waits for (the HTTP edge counts them)."""
        self.max_defer = MAX_DEFER_SECONDS
        self._waiting: dict[str, deque[tuple[Job, float]]] = {}
        """Each person's commands not yet started."""
        self._running: dict[str, int] = {}
        self._served: dict[str, int] = {}
        """When each person with work here last had a command started (a count)."""
        self._starts = itertools.count()
        self._tasks: set[asyncio.Task[None]] = set()
        self._sending: set[asyncio.Task[None]] = set()
        """Answers being posted (``then``), outside the workers."""
        self._idle = asyncio.Event()
        self._idle.set()

    def submit(self, job: Job, who: str = "") -> None:
        submitted = asyncio.get_running_loop().time()
        self._waiting.setdefault(who, deque()).append((job, submitted))
        self._idle.clear()
        self._start_what_can_run()

    def then(self, job: Job) -> None:
        """Run ``job`` (posting an answer: waiting on Slack, little work) outside the
        workers, so that it holds none; like submitted work it must handle its own
        errors, and one it lets through is logged."""
        self._idle.clear()
        task = asyncio.create_task(self._send(job))
        self._sending.add(task)

    async def _send(self, job: Job) -> None:
        try:
            await job()
        except Exception:
            log.exception("posting an answer failed")
        finally:
            task = asyncio.current_task()
            if task is not None:
                self._sending.discard(task)
            self._maybe_idle()

    def _maybe_idle(self) -> None:
        if not self._tasks and not self._waiting and not self._sending:
            self._idle.set()

    def _start_what_can_run(self) -> None:
        while len(self._tasks) < self.size:
            who = self._next_turn()
            if who is None:
                return
            job, submitted = self._waiting[who].popleft()
            if not self._waiting[who]:
                del self._waiting[who]
            self._running[who] = self._running.get(who, 0) + 1
            self._served[who] = next(self._starts)
            task = asyncio.create_task(self._run(who, job, submitted + self.max_defer))
            self._tasks.add(task)

    def _next_turn(self) -> str | None:
        """Of the people with work waiting and their share of workers not all taken,
        the one served longest ago (or never)."""
        ready = [who for who in self._waiting if self._running.get(who, 0) < self.per_person]
        return min(ready, key=lambda who: self._served.get(who, -1), default=None)

    async def _run(self, who: str, job: Job, latest: float) -> None:
        try:
            await self.acks.clear(latest)
            await job()
        except Exception:
            log.exception("work after an ack failed")
        finally:
            self._finished(who)

    def _finished(self, who: str) -> None:
        self._running[who] -= 1
        if not self._running[who]:
            del self._running[who]
            if who not in self._waiting:  # nothing of theirs left: forget them
                del self._served[who]
        task = asyncio.current_task()
        if task is not None:
            self._tasks.discard(task)
        self._start_what_can_run()
        self._maybe_idle()

    async def close(self, timeout: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), timeout)
        self._waiting.clear()
        left = [*self._tasks, *self._sending]
        for task in left:
            task.cancel()
        await asyncio.gather(*left, return_exceptions=True)


PROGRESS_EVERY = 5.0
"""Seconds between two answers of progress on one response_url (``bot.slack.progress``):
Slack takes five answers a response_url, so a few, a few seconds apart."""
DROPPED = (aiohttp.ServerConnectionError, aiohttp.ClientOSError)
"""A connection that dropped (a kept-alive one the other end had closed, say):
slack_sdk's default retry handler tries once more on these."""
DROPPED_TRIES = 1
DROPPED_PAUSE = 0.5
"""Seconds before trying again (slack_sdk's first back-off, without its jitter)."""


class Responder:
    """Posts answers to Slack's ``response_url``s through one session; call it as
    Bolt's ``respond`` is called.

    An answer is posted as slack_sdk's ``AsyncWebhookClient.send_dict`` posts it (the
    same JSON, headers and proxy, and one more try when the connection drops), but
    straight through the session: the webhook client built anew for every answer (its
    user agent, proxy and retry handlers worked out each time, the body walked for
    Block Kit objects it never holds here) cost a tenth of a ``show``'s CPU. Slack's
    reply to the post is read and let go, as before (an expired response_url is not an
    error of ours)."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None
        self.progress_every = PROGRESS_EVERY
        """Seconds between two answers of progress a slow command gives."""
        self._headers = {"Content-Type": "application/json;charset=utf-8",
                         "User-Agent": get_user_agent()}
        self._proxy = load_http_proxy_from_env(log)

    def to(self, response_url: str) -> Callable[..., Awaitable[None]]:
        async def respond(**body: Any) -> None:
            await self.post(response_url, body)

        return respond

    async def post(self, url: str, body: dict[str, Any]) -> None:
        """``body`` (its keys that are None left out) as JSON to ``url``."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
        data = json.dumps({key: value for key, value in body.items() if value is not None})
        for tries_left in range(DROPPED_TRIES, -1, -1):
            try:
                async with self._session.post(url, data=data, headers=self._headers,
                                              proxy=self._proxy) as response:
                    await response.read()
                    return
            except DROPPED:
                if not tries_left:
                    raise
                await asyncio.sleep(DROPPED_PAUSE)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
