"""The metrics' wiring: the sweeps counted, the database timed, ``GET /metrics`` served.

In HTTP mode ``/metrics`` is served beside ``/slack/events`` and ``/healthz`` on the
bot's port; in Socket Mode (no port of its own) on ``METRICS_PORT`` when it is set,
with ``/healthz`` there too (``serve_metrics``).
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.metrics import Metrics
from storage.store import Store
from workflows.sweep import Sweeper, SweepReport

METRICS_PATH = "/metrics"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class CountedSweeper(Sweeper):
    """The reminder sweep, each run's report counted (claimed, posted, recovered)."""

    def __init__(self, metrics: Metrics, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.metrics = metrics

    async def sweep(self, now: datetime | None = None) -> SweepReport:
        report = await super().sweep(now)
        self.metrics.swept(report)
        return report


def time_database(store: Store, metrics: Metrics) -> None:
    """Every read, write transaction and ledger write of ``store`` timed."""
    store.db.timing.observe = metrics.database


async def exposition(metrics: Metrics, store: Store) -> web.Response:
    """``GET /metrics``'s answer: the exposition, the outbox counted as it is scraped."""
    metrics.outbox_depth.set(await store.outbox_depth())
    response = web.Response(body=generate_latest(metrics.registry))
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    return response


def authorized(request: web.Request, token: str | None) -> bool:
    """Whether ``request`` may read the metrics: always without a token, else only with
    ``Authorization: Bearer <token>`` (compared in constant time)."""
    if token is None:
        return True
    given = request.headers.get("Authorization", "").encode()
    return hmac.compare_digest(given, f"Bearer {token}".encode())


def unauthorized() -> web.Response:
    return web.Response(status=401, headers={"WWW-Authenticate": 'Bearer realm="metrics"'})


async def serve_metrics(scrape: Handler, healthz: Handler, host: str, port: int
                        ) -> tuple[web.AppRunner, int]:
    """A small server of its own for ``/metrics`` and ``/healthz`` (Socket Mode);
    returns the runner and the real port (``port`` 0 takes a free one)."""
    application = web.Application()
    application.router.add_get(METRICS_PATH, scrape)
    application.router.add_get("/healthz", healthz)
    runner = web.AppRunner(application, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    sockets = site._server.sockets  # type: ignore[union-attr]
    return runner, int(sockets[0].getsockname()[1])
