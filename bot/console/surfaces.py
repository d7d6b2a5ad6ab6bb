"""Every Slack surface from the console, over the same signed HTTP requests the tests
send: slash commands, a card's buttons and a reminder's menu (``:click``), forms
(``:set``, ``:submit``), the jurisdiction picker (block_suggestion), message
shortcuts (``:shortcut``), App Home (``:home``) and shared files (``:upload``)."""

from __future__ import annotations

import itertools
import re
import shlex
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from aiohttp import ClientSession

from bot.console.forms import Form
from bot.console.screen import CONSOLE_CHANNEL, Entry, Screen
from bot.console.stand_in.records import Posted
from bot.console.stand_in.sender import SlackSender
from bot.console.stand_in.server import LocalSlack
from bot.console.textview import Target, mrkdwn
from bot.subcommands.progress import INTERIM
from bot.wiring.app import Bot

Ask = Callable[[str], Awaitable[str]]
FOLLOW = 1800.0
"""Seconds the console waits for a command that shows its progress to finish."""
QUIET = 0.15
"""Seconds without a new message after which an exchange is taken as finished."""


class Surfaces(Screen):
    def __init__(self, bot: Bot, slack: LocalSlack, sender: SlackSender,
                 session: ClientSession, screen: tuple[Any, Path, int], ask: Ask) -> None:
        super().__init__(slack, *screen)
        self.bot = bot
        self.sender = sender
        self.session = session
        self.ask = ask
        self.form: Form | None = None
        self._events = itertools.count(1)
        self.channel = slack.channel(CONSOLE_CHANNEL)

    # -- one exchange: send, wait for the answer or a form, print what came -------------

    async def exchange(self, send: Callable[[], Awaitable[str]], timeout: float = 10.0) -> None:
        posted, forms = len(self.slack.posted), len(self.slack.modals)
        try:
            key = await send()
        except RuntimeError as error:
            self.say(f"(no answer from the bot: {error})")
            return
        answered = await self.slack.until(lambda: len(self.slack.modals) > forms or any(
            p.response_key.split(":")[0] == key for p in self.slack.posted[posted:]), timeout)
        posted = await self.follow(key, posted) if answered else posted
        await self.quiet()
        self.print_since(posted)
        if len(self.slack.modals) > forms:
            self.open_form(self.slack.modals[-1])
        elif not answered:
            self.say("(no answer from the bot: timed out)")
        self.show_files()

    async def follow(self, key: str, start: int) -> int:
        """While the last answer to ``key`` is progress (``bot.slack.progress``), print
        what came and wait for more; returns where what is not printed yet starts."""
        def ours() -> list[Posted]:
            return [p for p in self.slack.posted[start:] if p.response_key.split(":")[0] == key]

        while ours() and ours()[-1].text.startswith(INTERIM):
            seen = len(self.slack.posted)
            self.print_since(start)
            start = seen
            await self.slack.until(self._more_than(seen), FOLLOW)
        return start

    async def quiet(self) -> None:
        """Wait for the announcements a change wrote, and the last of the answers."""
        await self.bot.relay.settle()
        for _ in range(20):
            if not await self.slack.until(self._more_than(len(self.slack.posted)), QUIET):
                return

    def _more_than(self, seen: int) -> Callable[[], bool]:
        return lambda: len(self.slack.posted) > seen

    def print_since(self, start: int) -> None:
        """The answers first, as a person reads them, whichever Slack got first."""
        for message in sorted(self.slack.posted[start:], key=lambda m: not m.response_key):
            self.show_message(message)

    # -- buttons and menus -------------------------------------------------------------

    async def click(self, argument: str) -> None:
        found = self.target(argument.strip())
        if isinstance(found, str):
            self.say(found)
            return
        entry, target = found
        if target.confirm and not await self.confirmed(target.confirm):
            self.say("Cancelled: nothing was sent.")
            return
        message = replace(entry.message, channel=entry.message.channel or self.channel)
        self.slack.join(message.channel, self.user)  # you read the channel: you are in it
        await self.exchange(lambda: self._click(message, target.action))

    async def _click(self, message: Posted, action: dict[str, Any]) -> str:
        status, key = await self.sender.click(self.session, self.user, action, message,
                                              wait=False)
        if status != 200:
            raise RuntimeError(f"the bot answered HTTP {status}")
        return key

    def target(self, argument: str) -> tuple[Entry, Target] | str:
        """``N`` or a label on the last message with buttons, or ``M.N``: message M's
        Nth; or a word saying why not."""
        pair = re.fullmatch(r"(\d+)\.(\d+)", argument)
        number = int(pair[1]) if pair else self.last_with_targets()
        if number is None or not 1 <= number <= len(self.entries):
            return "No message with buttons yet: try /review show <jurisdiction>."
        entry = self.entries[number - 1]
        choices = entry.targets
        wanted = pair[2] if pair else argument
        if wanted.isdigit():
            if 1 <= int(wanted) <= len(choices):
                return entry, choices[int(wanted) - 1]
            return f"Message {number} has buttons 1 to {len(choices)}."
        matches = [t for t in choices if t.label.lower() == wanted.lower()] or [
            t for t in choices if wanted.lower() in t.label.lower()]
        if len(matches) == 1 and wanted:
            return entry, matches[0]
        listed = ", ".join(f"({choices.index(t) + 1}) {t.label}" for t in matches or choices)
        return (f"“{wanted}” is {'ambiguous' if matches else 'not a button'} on message "
                f"{number}: {listed}. Try :click N.")

    async def confirmed(self, confirm: dict[str, Any]) -> bool:
        words = [str(confirm.get(k, {}).get("text", "")) for k in ("title", "text")]
        go = confirm.get("confirm", {}).get("text", "Yes")
        answer = await self.ask(f"{' — '.join(w for w in words if w)} [{go}? y/N] ")
        return answer.strip().lower() in ("y", "yes", go.lower())

    # -- forms ---------------------------------------------------------------------------

    def open_form(self, view: dict[str, Any]) -> None:
        self.form = Form(view)
        self.show_form()

    def show_form(self) -> None:
        if self.form is None:
            self.say("No form is open.")
            return
        lines = [self.render(line) for line in self.form.describe()]
        lines.append("Fill it with :set FIELD VALUE (its number or name), send it with "
                     ":submit, close it with :cancel.")
        self.say(self.wrapped("\n".join(lines)) + "\n")

    def render(self, text: str) -> str:
        return mrkdwn(text, lambda u: self.slack.users.get(u, u),
                      lambda c: self.slack.channels.get(c, c))

    async def set_field(self, argument: str) -> None:
        if self.form is None:
            self.say("No form is open: a button or a command that opens one comes first.")
            return
        name, _, typed = argument.strip().partition(" ")
        block = self.form.field(name)
        if block is None:
            self.say(f"The form has no field “{name}”; :form shows them.")
            return
        if block["element"].get("type") == "external_select":
            await self.pick(block, typed)
            return
        try:
            self.say(f"{block['block_id']} = {self.form.choose(block, typed)}")
        except ValueError as error:
            self.say(f"Not set: {error}")

    async def pick(self, block: dict[str, Any], typed: str) -> None:
        """A menu whose options the bot finds as one types (block_suggestion)."""
        assert self.form is not None
        offered = await self.sender.suggest(self.session, self.user, self.form.view,
                                            block["block_id"], typed)
        exact = [o for o in offered if typed.strip().lower() in (
            str(o["value"]).lower(), str(o["text"]["text"]).lower())]
        chosen = exact[:1] or (offered if len(offered) == 1 else [])
        if chosen:
            self.form.values[block["block_id"]] = chosen[0]["value"]
            self.say(f"{block['block_id']} = {chosen[0]['text']['text']}")
        elif not offered:
            self.say(f"Nothing matches “{typed.strip()}”.")
        else:
            self.say("Several match; type more of one: "
                     + ", ".join(o["text"]["text"] for o in offered[:10]))

    async def submit(self) -> None:
        if self.form is None:
            self.say("No form is open.")
            return
        start = len(self.slack.posted)
        status, ack = await self.sender.submit(self.session, self.user, self.form.view,
                                               self.form.values)
        if status != 200:
            self.say(f"(the bot answered HTTP {status}; the form stays open)")
            return
        if ack.get("response_action") == "errors":
            for field, error in ack.get("errors", {}).items():
                self.say(self.wrapped(f"✗ {field}: {self.render(str(error))}"))
            self.say("Nothing was saved: fix the fields with :set, then :submit again.\n")
            return
        if ack.get("response_action") in ("update", "push"):
            self.open_form(ack["view"])
            return
        self.form = None
        self.say("Form sent.")
        await self.slack.until(lambda: len(self.slack.posted) > start, 5.0)
        await self.quiet()
        self.print_since(start)
        self.show_files()

    # -- messages, shortcuts, files, App Home -------------------------------------------

    def post_as_user(self, text: str, files: tuple[str, ...] = ()) -> int:
        """A message the person posts in the console's channel (the bot is not told)."""
        self.slack.join(self.channel, self.user)
        message = Posted(self.channel, self.slack.escape(text), [], ts=f"{time.time():.6f}")
        return self.print_entry(Entry(message, self.user, files))

    async def shortcut(self, argument: str) -> None:
        if not argument.strip().isdigit() or not 1 <= int(argument) <= len(self.entries):
            self.say("Give the number of a message as printed: :shortcut 3 "
                     "(:say TEXT or :upload FILE posts one of your own).")
            return
        entry = self.entries[int(argument) - 1]
        channel = entry.message.channel or self.channel

        async def send() -> str:
            status, key = await self.sender.message_shortcut(
                self.session, self.user, channel, entry.message.text, entry.files)
            if status != 200:
                raise RuntimeError(f"the bot answered HTTP {status}")
            return key

        await self.exchange(send)

    def upload(self, argument: str) -> None:
        """Share a file in the console's channel, as a message of yours."""
        try:
            words = shlex.split(argument)  # a path with spaces may be quoted
        except ValueError:  # an apostrophe in the message
            words = argument.split()
        if not words:
            self.say("Give a file: :upload reply.pdf [a message to go with it]")
            return
        path = Path(words[0]).expanduser()
        try:
            data = path.read_bytes()
        except OSError as error:
            self.say(f"Cannot read {path}: {error.strerror or error}")
            return
        file_id = self.slack.share(path.name, data, self.user, self.channel)
        link = self.slack.permalink(file_id)
        number = self.post_as_user(" ".join(words[1:]) or path.name, (file_id,))
        self.say(self.wrapped(
            f"Shared {path.name} ({len(data):,} bytes) as {file_id}: {link}\nUse it in "
            f"/review import {link} or /review attach <jurisdiction> {link}, or record "
            f"the message as a response with :shortcut {number}.", "") + "\n")

    async def home(self) -> None:
        before = self.slack.views.get(self.user)
        status, _ = await self.sender.app_home_opened(
            self.session, self.user, f"Ev{next(self._events)}-{time.monotonic_ns()}")
        if status != 200 or not await self.slack.until(
                lambda: self.slack.views.get(self.user) is not before):
            self.say("(no App Home from the bot)")
            return
        view = self.slack.views[self.user]
        self.print_entry(Entry(Posted("", "", list(view.get("blocks", [])))))
