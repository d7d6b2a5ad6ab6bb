"""The work behind an ack: a fixed pool of tasks, and answers over one HTTP session.

A listener acks at once and leaves the command here. Under a burst the commands wait
in a queue for one of a few workers instead of thousands of tasks (each holding its
request, client and half-done work) competing for the event loop and the garbage
collector: acks stay quick, and memory stays flat. Answers to ``response_url`` go
through one shared aiohttp session, so each does not open a connection of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_sdk.webhook.async_client import AsyncWebhookClient

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[None]]
WORKERS = 8


class Workers:
    """``submit`` work (it must handle its own errors); ``close`` lets what was
    submitted finish, for up to ``timeout`` seconds."""

    def __init__(self, size: int = WORKERS) -> None:
        self.size = size
        self._queue: asyncio.Queue[Job] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []

    def submit(self, job: Job) -> None:
        if not self._tasks:  # started on first use, inside the running loop
            self._tasks = [asyncio.create_task(self._work()) for _ in range(self.size)]
        self._queue.put_nowait(job)

    async def _work(self) -> None:
        while True:
            job = await self._queue.get()
            try:
                await job()
            except Exception:
                log.exception("work after an ack failed")
            finally:
                self._queue.task_done()

    async def close(self, timeout: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._queue.join(), timeout)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


class Responder:
    """Posts answers to Slack's ``response_url``s through one session; call it as
    Bolt's ``respond`` is called."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    def to(self, response_url: str) -> Callable[..., Awaitable[None]]:
        async def respond(**body: Any) -> None:
            if self._session is None:
                self._session = aiohttp.ClientSession()
            await AsyncWebhookClient(response_url, session=self._session).send_dict(body)

        return respond

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
