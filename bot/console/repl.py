"""The local console: the real bot, a Slack stand-in, and you typing slash commands.

It starts ``LocalSlack`` and the bot in HTTP mode on loopback, then reads lines. A
line starting with ``/`` is sent as a signed slash command, exactly as Slack would
send it; what the bot answers (only to you) and posts (to channels) is printed as
text. Lines starting with ``:`` steer the console itself, including the clock.
"""

from __future__ import annotations

import asyncio
import secrets
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TextIO

from aiohttp import ClientSession

from bot.console.stand_in.records import Posted
from bot.console.stand_in.sender import SlackSender
from bot.console.stand_in.server import LocalSlack
from bot.console.textview import blocks_to_text
from bot.subcommands.commands import SLASH
from bot.wiring.app import EVENTS_PATH, Bot, SlackAccess, build
from bot.wiring.runtime import start_http
from bot.wiring.settings import Settings

CONSOLE_CHANNEL = "review-console"
HELP = f"""\
Local console: the real bot against a stand-in Slack, on {{db}}.
Type slash commands as in Slack ({SLASH} help). Mention people as @name and channels
as #name. Console commands:
  :as NAME          act as another person (new names are created; an admin gives roles)
  :who              who you are acting as
  :now [WHEN|real]  show or set the time the bot sees (WHEN: 2018-02-01 10:00)
  :sweep            post the reminders that are due now, as the scheduler would
  :help             this text
  :quit             leave (Ctrl-D works too)"""


class ConsoleClock:
    """The injected clock: real time, or a simulated time that moves with real time."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def set(self, when: datetime | None) -> None:
        self.offset = (when - datetime.now(UTC)) if when else timedelta(0)


def parse_when(text: str, zone: tzinfo) -> datetime:
    """``2018-02-01``, ``2018-02-01 10:00`` or ISO 8601; naive times are the team's."""
    when = datetime.fromisoformat(text.strip())
    return when if when.tzinfo else when.replace(tzinfo=zone)


class Console:
    def __init__(self, bot: Bot, clock: ConsoleClock, slack: LocalSlack, sender: SlackSender,
                 session: ClientSession, out: TextIO, user: str, help_text: str) -> None:
        self.bot = bot
        self.help_text = help_text
        self.clock = clock
        self.slack = slack
        self.sender = sender
        self.session = session
        self.out = out
        self.user = slack.user(user)
        self.channel = slack.channel(CONSOLE_CHANNEL)
        self.folder = Path(tempfile.mkdtemp(prefix="review-console-"))
        self.files_shown = 0

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    async def handle(self, line: str) -> bool:
        """Run one line; False when the console should end."""
        line = line.strip()
        if not line or line.startswith("#"):
            return True
        if line.startswith(":"):
            return await self.meta(line[1:].split(maxsplit=1))
        if not line.startswith(SLASH):
            self.say(f"Commands start with {SLASH} (try {SLASH} help), or : for the console.")
            return True
        text = self.slack.escape(line[len(SLASH):].strip())
        start = len(self.slack.posted)
        try:
            posted = await self.sender.run(self.session, self.user, text, self.channel)
        except (TimeoutError, RuntimeError) as error:
            self.say(f"(no answer from the bot: {error or 'timed out'})")
            return True
        # The answer comes at once; the announcements its change wrote follow as the
        # outbox drains, and the console shows them too before the next prompt. The
        # answer is shown first, as a person reads them, whichever Slack got first.
        await self.bot.relay.settle()
        since = [*posted, *self.slack.posted[start + len(posted):]]
        for message in sorted(since, key=lambda m: not m.response_key):
            self.say(self.show(message))
        self.show_files()
        return True

    def show_files(self) -> None:
        """Save the files the bot uploaded (summary charts, exports, calendars) and say
        where they are."""
        for upload in self.slack.files[self.files_shown:]:
            suffix = Path(upload.title).suffix or ".png"
            path = self.folder / f"{upload.id}{suffix}"
            path.write_bytes(upload.data)
            where = self.slack.channels.get(upload.channel, upload.channel)
            what = "image" if suffix == ".png" else "file"
            self.say(f"[#{where}] {what} “{upload.title}”: {path}\n")
        self.files_shown = len(self.slack.files)

    async def meta(self, words: list[str]) -> bool:
        command, argument = [*words, "", ""][:2]
        if command in ("quit", "q", "exit"):
            return False
        if command == "as" and argument:
            self.user = self.slack.user(argument.strip().lstrip("@"))
            self.say(f"You are now @{self.slack.users[self.user]} ({self.user}).")
        elif command == "who":
            self.say(f"You are @{self.slack.users[self.user]} ({self.user}).")
        elif command == "now":
            self.set_now(argument)
        elif command == "sweep":
            await self.sweep()
        else:
            self.say(self.help_text)
        return True

    def set_now(self, argument: str) -> None:
        zone = self.bot.review.config.timezone
        if argument.strip() == "real":
            self.clock.set(None)
        elif argument:
            try:
                self.clock.set(parse_when(argument, zone))
            except ValueError:
                self.say(f"“{argument}” is not a time; try :now 2018-02-01 10:00")
                return
        self.say(f"The bot's time is {self.clock.now().astimezone(zone):%A %Y-%m-%d %H:%M %Z}.")

    async def sweep(self) -> None:
        start = len(self.slack.posted)
        report = await self.bot.sweeper.sweep()
        for message in self.slack.posted[start:]:
            self.say(self.show(message))
        hours = "" if report.in_hours else " (outside business hours: nothing is posted)"
        self.say(f"Sweep at {report.at:%Y-%m-%d %H:%M %Z}: {report.posted} reminder(s) in "
                 f"{report.messages} message(s){hours}.")

    def show(self, message: Posted) -> str:
        return show(self.slack, message)


def show(slack: LocalSlack, message: Posted) -> str:
    """A posted message as the console prints it."""
    where = "only you see" if message.ephemeral else (
        f"#{slack.channels.get(message.channel, message.channel)}")
    if message.response_key and not message.ephemeral:
        where = f"#{CONSOLE_CHANNEL}"
    body = blocks_to_text(message.blocks, message.text,
                          lambda uid: slack.users.get(uid, uid),
                          lambda cid: slack.channels.get(cid, cid))
    return f"[{where}]\n" + "\n".join("  " + line for line in body.splitlines()) + "\n"


async def run_console(settings: Settings, user: str = "you",
                      read: Callable[[], str] | None = None, out: TextIO = sys.stdout) -> None:
    slack = LocalSlack()
    await slack.start()
    secret = secrets.token_hex(16)
    me = slack.user(user)
    clock = ConsoleClock()
    access = SlackAccess(slack.token, secret, slack.api_url)
    try:
        bot = await build(settings, access, clock, extra_admins=frozenset({me}))
    except BaseException:
        await slack.stop()
        raise
    runner, port = await start_http(bot, "127.0.0.1", 0)
    sender = SlackSender(f"http://127.0.0.1:{port}{EVENTS_PATH}", secret, slack)
    interactive = sys.stdin.isatty() and read is None
    read = read or (lambda: input(f"@{slack.users[console.user]}> " if interactive else ""))
    try:
        async with ClientSession() as session:
            console = Console(bot, clock, slack, sender, session, out, user,
                              HELP.format(db=settings.database_name))
            console.say(console.help_text + "\n")
            while True:
                try:
                    line = await asyncio.to_thread(read)
                except EOFError:
                    break
                if not interactive and line.strip():
                    console.say(f"@{slack.users[console.user]}> {line.strip()}")
                if not await console.handle(line):
                    break
    finally:
        await runner.cleanup()
        await bot.close()
        await slack.stop()
