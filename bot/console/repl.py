"""The local console: the real bot, a Slack stand-in, and you typing slash commands.

It starts ``LocalSlack`` and the bot in HTTP mode on loopback, then reads lines. A
line starting with ``/`` is sent as a signed slash command, exactly as Slack would
send it; what the bot answers (only to you) and posts (to channels) is printed as
text, each message numbered, its buttons and menu options numbered under it. Lines
starting with ``:`` steer the console: press a button, fill and send a form, use a
shortcut on a message, open App Home, share a file, set the clock.
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

from bot.console import shell
from bot.console.screen import CONSOLE_CHANNEL, body, where
from bot.console.stand_in.records import Posted
from bot.console.stand_in.sender import SlackSender
from bot.console.stand_in.server import LocalSlack
from bot.console.surfaces import Surfaces
from bot.subcommands.commands import SLASH
from bot.wiring.app import EVENTS_PATH, Bot, SlackAccess, build
from bot.wiring.runtime import start_http
from bot.wiring.settings import Settings

__all__ = ["CONSOLE_CHANNEL", "Console", "ConsoleClock", "parse_when", "run_console", "show"]
HELP = f"""\
Local console: the real bot against a stand-in Slack, on {{db}}.
Type slash commands as in Slack ({SLASH} help). Mention people as @name and channels
as #name. Each message is numbered; its buttons and menu options are numbered under it.
  :click N | LABEL   press button N (or the one labelled so) of the last message with
                     buttons; :click M.N presses message M's Nth (menus: each option)
  :set FIELD VALUE   fill a field of the open form (FIELD: its number or name; a menu
                     takes an option's words, a searched menu what you would type)
  :submit | :cancel  send the open form (its errors are shown, nothing saved) | close it
  :form              show the open form again
  :say TEXT          post a message of yours in #{CONSOLE_CHANNEL}
  :upload FILE [TEXT]  share a file there: prints its id and link (for import, attach)
  :shortcut N        "Record as response" on message N (its text and files)
  :home              open your App Home
  :as NAME           act as another person (new names are created; an admin gives roles)
  :who               who you are acting as
  :now [WHEN|real]   show or set the time the bot sees (WHEN: 2018-02-01 10:00)
  :sweep             post the reminders that are due now, as the scheduler would
  :help              this text
  :quit              leave (Ctrl-D works too; Ctrl-C cancels the line)
Files the bot shares are saved in {{files}}."""
Read = Callable[[], str]


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


class Console(Surfaces):
    def __init__(self, bot: Bot, clock: ConsoleClock, slack: LocalSlack, sender: SlackSender,
                 session: ClientSession, out: TextIO, user: str, help_text: str, *,
                 read: Read | None = None, folder: Path | None = None,
                 width: int = 0) -> None:
        self.read: Read = read or (lambda: "")
        folder = folder or Path(tempfile.mkdtemp(prefix="review-console-"))
        super().__init__(bot, slack, sender, session, (out, folder, width), self._ask)
        self.help_text = help_text
        self.clock = clock
        self.user = slack.user(user)

    async def _ask(self, prompt: str) -> str:
        self.say(prompt)
        try:
            return await asyncio.to_thread(self.read)
        except (EOFError, KeyboardInterrupt):
            return ""

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
        await self.exchange(lambda: self.sender.command_only(self.session, self.user, text,
                                                             self.channel))
        return True

    async def meta(self, words: list[str]) -> bool:
        command, argument = [*words, "", ""][:2]
        if command in ("quit", "q", "exit"):
            return False
        steps = {"click": self.click, "set": self.set_field, "shortcut": self.shortcut}
        if command in steps:
            await steps[command](argument)
        elif command in ("submit", "home", "sweep"):
            await {"submit": self.submit, "home": self.home, "sweep": self.sweep}[command]()
        elif command == "say" and argument:
            self.post_as_user(argument)
        elif command == "upload":
            self.upload(argument)
        elif command == "form":
            self.show_form()
        elif command == "cancel":
            self.form = None
            self.say("The form is closed; nothing was sent.")
        else:
            self.other(command, argument)
        return True

    def other(self, command: str, argument: str) -> None:
        if command == "as" and argument:
            self.user = self.slack.user(argument.strip().lstrip("@"))
            self.say(f"You are now @{self.slack.users[self.user]} ({self.user}).")
        elif command == "who":
            self.say(f"You are @{self.slack.users[self.user]} ({self.user}).")
        elif command == "now":
            self.set_now(argument)
        else:
            self.say(self.help_text)

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
            self.show_message(message)
        hours = "" if report.in_hours else " (outside business hours: nothing is posted)"
        self.say(f"Sweep at {report.at:%Y-%m-%d %H:%M %Z}: {report.posted} reminder(s) in "
                 f"{report.messages} message(s){hours}.")

    def show(self, message: Posted) -> str:
        return show(self.slack, message)


def show(slack: LocalSlack, message: Posted) -> str:
    """A posted message as the console prints it (without its number)."""
    text = body(slack, message).replace("\x00code\x00", "")
    return f"[{where(slack, message)}]\n" + "\n".join(
        "  " + line for line in text.splitlines()) + "\n"


async def run_console(settings: Settings, user: str = "you",
                      read: Read | None = None, out: TextIO = sys.stdout) -> None:
    slack = LocalSlack()
    await slack.start()
    secret = secrets.token_hex(16)
    me = slack.user(user)
    access = SlackAccess(slack.token, secret, slack.api_url)
    clock = ConsoleClock()
    try:
        bot = await build(settings, access, clock, extra_admins=frozenset({me}))
    except BaseException:
        await slack.stop()
        raise
    runner, port = await start_http(bot, "127.0.0.1", 0)
    sender = SlackSender(f"http://127.0.0.1:{port}{EVENTS_PATH}", secret, slack)
    try:
        async with ClientSession() as session:
            await _repl(bot, clock, slack, sender, session, settings, user, read, out)
    finally:
        await runner.cleanup()
        await bot.close()
        await slack.stop()


async def _repl(bot: Bot, clock: ConsoleClock, slack: LocalSlack, sender: SlackSender,
                session: ClientSession, settings: Settings, user: str, read: Read | None,
                out: TextIO) -> None:
    interactive = read is None and sys.stdin.isatty()
    folder = (shell.state_dir() / "files") if interactive else None
    save = shell.with_history(shell.state_dir() / "console_history") if interactive else None
    console = Console(bot, clock, slack, sender, session, out, user, "",
                      read=read or (lambda: input()), folder=folder, width=shell.width_of(out))
    console.help_text = HELP.format(db=settings.database_name, files=console.folder)
    console.say(console.help_text + "\n")
    try:
        while await _one_line(console, interactive):
            pass
    finally:
        if save is not None:
            save()


async def _one_line(console: Console, interactive: bool) -> bool:
    """Read and run one line; False when the console should end."""
    prompt = f"@{console.slack.users[console.user]}> "
    try:
        line = shell.typed(prompt) if interactive else await asyncio.to_thread(console.read)
    except EOFError:
        return False
    except KeyboardInterrupt:
        console.say("\n^C: the line is dropped (Ctrl-D or :quit leaves)" if interactive else "^C")
        return True
    if not interactive and line.strip():
        console.say(f"{prompt}{line.strip()}")
    if interactive:
        done = await shell.cancellable(console.handle(line))
        if done is None:
            console.say("(cancelled)")
        return done is not False
    return await console.handle(line)
