"""The console as a shell: line editing and history (readline, kept in the user's state
directory), Ctrl-C that cancels the line being typed or the command running, not the
console, and the terminal's width."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TextIO


def state_dir() -> Path:
    """Where the console keeps its history and the files the bot shared:
    ``$XDG_STATE_HOME/review-bot`` (``~/.local/state/review-bot``), never the repo."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "review-bot"


def width_of(out: TextIO) -> int:
    """The terminal's columns when ``out`` is one; 0 (do not wrap) for a pipe or file."""
    try:
        return shutil.get_terminal_size().columns if out.isatty() else 0
    except (AttributeError, ValueError, OSError):
        return 0


def with_history(history: Path) -> Callable[[], None]:
    """Line editing and up-arrow history from ``history``; returns what saves it."""
    try:
        import readline
    except ImportError:  # no readline on this platform: plain input
        return lambda: None
    history.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        readline.read_history_file(history)
    readline.set_history_length(1000)

    def save() -> None:
        with contextlib.suppress(OSError):
            readline.write_history_file(history)

    return save


def typed(prompt: str) -> str:
    """One line from the terminal, where Ctrl-C raises KeyboardInterrupt (asyncio's own
    handler would cancel the whole console instead)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return input(prompt)
    finally:
        signal.signal(signal.SIGINT, previous)


async def cancellable(work: Awaitable[Any]) -> Any:
    """Run ``work``; Ctrl-C meanwhile cancels it (and only it): None then."""
    task = asyncio.ensure_future(work)
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGINT, task.cancel)
    except (NotImplementedError, RuntimeError, ValueError):  # not the main thread
        return await task
    try:
        return await task
    except asyncio.CancelledError:
        if not task.cancelled():
            raise
        return None
    finally:
        loop.remove_signal_handler(signal.SIGINT)
