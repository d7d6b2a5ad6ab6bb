"""How long the database took: a hook each engine's ``Database`` reports to.

Storage knows nothing of who listens. The bot sets ``Timing.observe`` (its metrics'
histogram of database time); by default nothing is done with the measurements.
Operations are a small fixed set: ``read`` (one query of committed data), ``transaction``
(one write transaction, from waiting for the writer's turn to its commit) and
``remember`` (the ledger of requests and events seen, which every ack waits on).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
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

    @contextmanager
    def measure(self, operation: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.observe(operation, time.perf_counter() - start)

    @asynccontextmanager
    async def around(self, operation: str, inner: AbstractAsyncContextManager[T]
                     ) -> AsyncIterator[T]:
        """``inner`` (a transaction) timed from entering it to leaving it."""
        with self.measure(operation):
            async with inner as value:
                yield value
