"""The event loop the bot serves on: uvloop's where it is installed (a dependency
everywhere but Windows), else asyncio's own.

Under 20 analysts stepping at once, the loop's own work (its transports, its timers, its
callbacks) is a fair part of each step: on uvloop's loop, written in C over libuv, the
bot spends about a twentieth less CPU a step. Nothing else changes: aiohttp, Bolt,
aiosqlite and the scheduler run on either.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)``, on uvloop's loop where it is installed."""
    try:
        import uvloop
    except ImportError:  # (Windows: uvloop has no build there)
        return asyncio.run(main)
    return uvloop.run(main)


def name() -> str:
    """Whose event loop this is running on: ``uvloop`` or ``asyncio``."""
    return type(asyncio.get_running_loop()).__module__.split(".")[0]
