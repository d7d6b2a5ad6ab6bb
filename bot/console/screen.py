"""What the console prints: every message numbered (so ``:click`` and ``:shortcut`` can
name it), wrapped to the terminal, and the files the bot uploads saved to a folder."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bot.console.stand_in.records import Posted
from bot.console.stand_in.server import LocalSlack
from bot.console.textview import Target, blocks_to_text, targets, wrap

CONSOLE_CHANNEL = "review-console"


@dataclass
class Entry:
    """A message the console printed, by its number: the bot's, or one the person posted
    (``by``, with the files they shared in it)."""

    message: Posted
    by: str = ""
    files: tuple[str, ...] = ()

    @property
    def targets(self) -> list[Target]:
        return targets(self.message.blocks)


def where(slack: LocalSlack, message: Posted, me: str = "") -> str:
    """Where a message shows: only to you, or in a channel."""
    if message.ephemeral:
        owner = message.response_key.removeprefix("ephemeral:")
        if message.response_key.startswith("ephemeral:") and me and owner != me:
            return f"only @{slack.users.get(owner, owner)} sees"
        return "only you see"
    if message.response_key:
        return f"#{CONSOLE_CHANNEL}"
    if not message.channel:
        return "App Home"
    return f"#{slack.channels.get(message.channel, message.channel)}"


def body(slack: LocalSlack, message: Posted, styled: bool = False) -> str:
    """The message as text, Slack's markup read as Slack shows it."""
    bold = (lambda text: f"\x1b[1m{text}\x1b[0m") if styled else None
    return blocks_to_text(message.blocks, message.text,
                          lambda uid: slack.users.get(uid, uid),
                          lambda cid: slack.channels.get(cid, cid), bold)


class Screen:
    """The console's output: numbered messages, wrapped to ``width`` (0: not wrapped)."""

    def __init__(self, slack: LocalSlack, out: TextIO, folder: Path, width: int) -> None:
        self.slack = slack
        self.out = out
        self.folder = folder
        self.width = width
        self.styled = width > 0
        self.entries: list[Entry] = []
        self.files_shown = 0
        self.user = ""

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def print_entry(self, entry: Entry, note: str = "") -> int:
        """Print a message under its number; returns the number."""
        self.entries.append(entry)
        number = len(self.entries)
        message = entry.message
        head = f"{number} [{where(self.slack, message, self.user)}]"
        if entry.by:
            head += f" @{self.slack.users.get(entry.by, entry.by)}:"
        text = body(self.slack, message, self.styled)
        self.say(f"{head}{note}\n" + self.wrapped(text) + "\n")
        return number

    def show_message(self, message: Posted) -> int:
        note = " (redrawn)" if message.response_key.endswith(":replaced") else ""
        return self.print_entry(Entry(message), note)

    def wrapped(self, text: str, indent: str = "  ") -> str:
        return wrap(text, self.width - 1 if self.width else 10**6, indent)

    def show_files(self) -> None:
        """Save the files the bot uploaded (charts, exports, dossiers, calendars) under
        their own names and say where they are and what they are."""
        self.folder.mkdir(parents=True, exist_ok=True)
        for upload in self.slack.files[self.files_shown:]:
            name = Path(upload.name or upload.title or upload.id).name
            path = self.folder / name
            if path.exists():
                path = self.folder / f"{path.stem}-{upload.id}{path.suffix}"
            path.write_bytes(upload.data)
            kind = mimetypes.guess_type(name)[0] or "file"
            what = "image" if kind.startswith("image/") else "file"
            place = self.slack.channels.get(upload.channel, upload.channel)
            self.say(f"[#{place}] {what} “{upload.title}” ({kind}, {len(upload.data):,} "
                     f"bytes): {path}\n")
        self.files_shown = len(self.slack.files)

    def last_with_targets(self) -> int | None:
        """The number of the last message that has buttons or menus."""
        for number in range(len(self.entries), 0, -1):
            if self.entries[number - 1].targets:
                return number
        return None
