"""Counting what the Web API answers, from inside the client's retry loop.

slack_sdk asks each retry handler about every response and every failed attempt, in
order, until one retries. ``Watch`` goes first, counts and never retries, so the
handlers after it (429, 5xx, dropped connections) still do; so a call retried after a
429 counts each 429 it got.
"""

from __future__ import annotations

from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.metrics import Metrics

CONNECTION = "connection_failed"
"""The error counted for an attempt that got no response (refused, reset, timed out)."""


class Watch(AsyncRetryHandler):
    def __init__(self, metrics: Metrics) -> None:
        super().__init__(max_retry_count=0)
        self.metrics = metrics

    async def can_retry_async(self, *, state: RetryState, request: HttpRequest,
                              response: HttpResponse | None = None,
                              error: Exception | None = None) -> bool:
        method = request.url.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]
        if response is None:
            self.metrics.slack_answered(method, 0, CONNECTION if error is not None else None)
            return False
        body = response.body if isinstance(response.body, dict) else {}
        error_code = body.get("error") if body.get("ok") is False else None
        if response.status_code == 429 and error_code is None:
            error_code = "ratelimited"
        self.metrics.slack_answered(method, response.status_code,
                                    str(error_code) if error_code is not None else None)
        return False
