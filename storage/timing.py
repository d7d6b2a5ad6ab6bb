"""How long the database took: a hook each engine's ``Database`` reports to.

Storage knows nothing of who listens. The bot sets ``Timing.observe`` (its metrics'
histogram of database time); by default nothing is done with the measurements.
Operations are a small fixed set: ``read`` (one query of committed data), ``transaction``
(one write transaction, from waiting for the writer's turn to its commit) and
``remember`` (the ledger of requests and events seen, which every ack waits on).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TypeVar

T = TypeVar("T")
Observe = Callable[[str, float], None]
"""(operation, seconds) of one piece of database work."""


def _nothing(operation: str, seconds: float) -> None:
    return None


class Timing:
    """Where a database reports each operation's duration (``observe``)."""

    def __init__(self) -> None:
        self.observe: Observe = _nothing

    def measure(self, operation: str) -> _Measure:
        """A block timed: ``with timing.measure("read"): …`` (a plain object, not a
        generator's context manager: every read of every command goes through it)."""
        return _Measure(self, operation)

    @asynccontextmanager
    async def around(self, operation: str, inner: AbstractAsyncContextManager[T]
                     ) -> AsyncIterator[T]:
        """``inner`` (a transaction) timed from entering it to leaving it."""
        with self.measure(operation):
            async with inner as value:
                yield value


class _Measure:
    __slots__ = ("_operation", "_start", "_timing")

    def __init__(self, timing: Timing, operation: str) -> None:
        self._timing = timing
        self._operation = operation

    def __enter__(self) -> None:
        self._start = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self._timing.observe(self._operation, time.perf_counter() - self._start)
