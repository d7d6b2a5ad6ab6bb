"""The local console: the real bot, a Slack stand-in, and you typing slash commands.

It starts ``LocalSlack`` and the bot in HTTP mode on loopback, then reads lines. A
line starting with ``/`` is sent as a signed slash command, exactly as Slack would
send it; what the bot answers (only to you) and posts (to channels) is printed as
text. Lines starting with ``:`` steer the console itself.
"""

from __future__ import annotations

import asyncio
import secrets
import sys
from collections.abc import Callable
from typing import TextIO

from aiohttp import ClientSession

from bot.app import EVENTS_PATH, SlackAccess, build
from bot.commands import SLASH
from bot.local_slack import LocalSlack, Posted, SlackSender
from bot.runtime import start_http
from bot.settings import Settings
from bot.textview import blocks_to_text

CONSOLE_CHANNEL = "review-console"
HELP = f"""\
Local console: the real bot against a stand-in Slack, on {{db}}.
Type slash commands as in Slack ({SLASH} help). Mention people as @name and channels
as #name. Console commands:
  :as NAME     act as another person (new names are created; an admin gives roles)
  :who         who you are acting as
  :help        this text
  :quit        leave (Ctrl-D works too)"""


class Console:
    def __init__(self, slack: LocalSlack, sender: SlackSender, session: ClientSession,
                 out: TextIO, user: str) -> None:
        self.slack = slack
        self.sender = sender
        self.session = session
        self.out = out
        self.user = slack.user(user)
        self.channel = slack.channel(CONSOLE_CHANNEL)

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    async def handle(self, line: str) -> bool:
        """Run one line; False when the console should end."""
        line = line.strip()
        if not line or line.startswith("#"):
            return True
        if line.startswith(":"):
            return self.meta(line[1:].split())
        if not line.startswith(SLASH):
            self.say(f"Commands start with {SLASH} (try {SLASH} help), or : for the console.")
            return True
        text = self.slack.escape(line[len(SLASH):].strip())
        try:
            posted = await self.sender.run(self.session, self.user, text, self.channel)
        except (TimeoutError, RuntimeError) as error:
            self.say(f"(no answer from the bot: {error or 'timed out'})")
            return True
        for message in posted:
            self.say(self.show(message))
        return True

    def meta(self, words: list[str]) -> bool:
        if not words or words[0] in ("help", "h"):
            self.say(HELP.format(db="this database"))
        elif words[0] in ("quit", "q", "exit"):
            return False
        elif words[0] == "as" and len(words) == 2:
            self.user = self.slack.user(words[1].lstrip("@"))
            self.say(f"You are now @{self.slack.users[self.user]} ({self.user}).")
        elif words[0] == "who":
            self.say(f"You are @{self.slack.users[self.user]} ({self.user}).")
        else:
            self.say("Unknown console command; :help lists them.")
        return True

    def show(self, message: Posted) -> str:
        where = "only you see" if message.ephemeral else (
            f"#{self.slack.channels.get(message.channel, message.channel)}")
        if message.response_key and not message.ephemeral:
            where = f"#{CONSOLE_CHANNEL}"
        body = blocks_to_text(message.blocks, message.text, self._user_name, self._channel_name)
        return f"[{where}]\n" + "\n".join("  " + line for line in body.splitlines()) + "\n"

    def _user_name(self, uid: str) -> str:
        return self.slack.users.get(uid, uid)

    def _channel_name(self, cid: str) -> str:
        return self.slack.channels.get(cid, cid)


async def run_console(settings: Settings, user: str = "you",
                      read: Callable[[], str] | None = None, out: TextIO = sys.stdout) -> None:
    slack = LocalSlack()
    await slack.start()
    secret = secrets.token_hex(16)
    me = slack.user(user)
    access = SlackAccess(slack.token, secret, slack.api_url)
    bot = await build(settings, access, extra_admins=frozenset({me}))
    runner, port = await start_http(bot, "127.0.0.1", 0)
    sender = SlackSender(f"http://127.0.0.1:{port}{EVENTS_PATH}", secret, slack)
    interactive = sys.stdin.isatty() and read is None
    read = read or (lambda: input(f"@{slack.users[console.user]}> " if interactive else ""))
    try:
        async with ClientSession() as session:
            console = Console(slack, sender, session, out, user)
            console.say(HELP.format(db=settings.database_path) + "\n")
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
