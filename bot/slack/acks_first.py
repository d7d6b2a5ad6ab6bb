"""Acks first: the work behind the acks waits while a request is being acked.

Slack gives a request three seconds to be acked, and an answer thirty minutes to come.
Both are done on the one event loop, and under a burst (more commands than the bot can
answer as fast as they come) answers worked out as the commands arrive held every ack
behind them: at 50 people sending at once, acks took twice as long as a bare Bolt
app's. So a worker starts the work of a command only when no request is between its
arrival and its ack (``Acks.clear``): while acks keep coming, the commands wait in
their queues, and they are answered as soon as the acks let up.

A request is counted from when the HTTP edge takes it (``arrived``) until it is acked
or answered, whichever comes first (``Arrival.done``): the slash command's listener
says so right after its ack, since what is left of its request is Bolt's polling for
that ack every 10 ms, which needs no loop. No answer waits longer than
``MAX_DEFER_SECONDS`` for the acks: then it is worked out regardless. Socket Mode has
no edge here and counts nothing: its work is never held.
"""

from __future__ import annotations

import asyncio
from typing import Any

ARRIVAL = "acks_first_arrival"
"""The context's key for the request's ``Arrival`` (set by the HTTP edge)."""
MAX_DEFER_SECONDS = 5.0
"""Longest an answer's work waits for acks to let up: a burst longer than this shares
the loop again, so that no answer waits for the burst's end."""


class Arrival:
    """One request being acked; ``done`` (once or more) says it no longer is."""

    __slots__ = ("_acks", "_open")

    def __init__(self, acks: Acks) -> None:
        self._acks = acks
        self._open = True

    def done(self) -> None:
        if self._open:
            self._open = False
            self._acks.left()


class Acks:
    """How many requests are being acked, and a wait for when none is."""

    def __init__(self) -> None:
        self.pending = 0
        self._none = asyncio.Event()
        self._none.set()

    def arrived(self) -> Arrival:
        self.pending += 1
        self._none.clear()
        return Arrival(self)

    def left(self) -> None:
        self.pending -= 1
        if not self.pending:
            self._none.set()

    async def clear(self, until: float) -> None:
        """Return once no request is being acked, or at ``until`` (``loop.time()``)."""
        loop = asyncio.get_running_loop()
        while self.pending and (left := until - loop.time()) > 0:
            try:
                await asyncio.wait_for(self._none.wait(), left)
            except TimeoutError:
                return


def acked(context: dict[str, Any]) -> None:
    """The request ``context`` belongs to is acked (its ``Arrival`` done), if counted."""
    arrival = context.get(ARRIVAL)
    if isinstance(arrival, Arrival):
        arrival.done()
