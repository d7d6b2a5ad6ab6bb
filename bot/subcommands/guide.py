"""``/review help``: the commands grouped by what people do with them.

Short by default (one line per group, its commands by name, and the few commands
people use most); ``help <group>`` and ``help all`` give each command's usage, and
``help <command>`` one command in detail. Built from the table in force, so a team's
own workflow steps are listed (under "Record steps") as surely as the fixed commands.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from bot.subcommands.context import SLASH, Command, Commands
from bot.ui import pages, render
from bot.ui.render import Reply
from workflows.definition import Definition
from workflows.errors import BadInput

STEPS = "steps"
GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("lookup", "Look things up", ("list", "show", "history", "stats", "workflow", "whoami",
                                  "help")),
    (STEPS, "Record steps", ()),
    ("orders", "Court orders", ("lawsuit", "injunction", "ruling", "lift")),
    ("files", "Batches and files", ("batch", "import", "export", "attach", "dossier")),
    ("summaries", "Summaries", ("summary", "subscribe", "unsubscribe", "subscriptions")),
    ("deadlines", "Deadlines", ("deadline", "extend", "closed", "mute", "unmute", "calendar")),
    ("record", "The record", ("seal", "verify")),
    ("admin", "Administration", ("add", "alias", "assign", "role", "roles")),
)
"""(key for ``help <key>``, title, its commands). Every command no other group names
(the workflow's steps, whatever a team's file adds) is a step."""
MOST_USED = ("show chicago", "list tier=overdue", "letter chicago due=30 days",
             "response chicago note=legal opinion", "history chicago")


def grouped(commands: Commands) -> list[tuple[str, str, list[Command]]]:
    """The groups with the commands of the table in force, in its order; none empty."""
    named = {name for _, _, names in GROUPS for name in names}
    found = []
    for key, title, names in GROUPS:
        members = [cmd for cmd in commands.values()
                   if (cmd.name in names if key != STEPS else cmd.name not in named)]
        if members:
            found.append((key, title, members))
    return found


def help_reply(name: str | None, commands: Commands, definition: Definition) -> Reply:
    """The short help, a group's or every command's usage (``all``), or one command
    in detail (``list`` with the statuses of ``definition``, the workflow in force)."""
    groups = grouped(commands)
    if not name:
        return _short(groups, commands)
    key = name.lower()
    if key in commands:
        return _one_command(commands[key], definition)
    chosen = [g for g in groups if key in ("all", g[0])]
    if not chosen:
        near = did_you_mean(key, _topics(groups, commands))
        raise BadInput(f"There is no command “{name}”.{near} `{SLASH} help` lists them.")
    return _usages(chosen)


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """`` Did you mean `x`?`` for a near miss of ``word`` among ``known``; else empty."""
    close = difflib.get_close_matches(word.lower(), list(known), n=3, cutoff=0.6)
    if not close:
        return ""
    return " Did you mean " + " or ".join(f"`{c}`" for c in close) + "?"


def _topics(groups: Sequence[tuple[str, str, list[Command]]], commands: Commands) -> list[str]:
    return [*commands, "all", *(key for key, _, _ in groups)]


def _short(groups: Sequence[tuple[str, str, list[Command]]], commands: Commands) -> Reply:
    lines = [f"*{title}* (`help {key}`): " + ", ".join(f"`{cmd.name}`" for cmd in members)
             for key, title, members in groups]
    used = [f"`{SLASH} {example}`" for example in MOST_USED
            if example.split()[0] in commands]
    if used:
        lines.append("*Most used:* " + " · ".join(used))
    blocks = [render.header("Compliance review commands"), *render.sections(lines)]
    blocks.append(render.context(
        f"`{SLASH} help <command>` shows one in detail (`{SLASH} help letter`); "
        f"`{SLASH} help all` every command's usage. Dates are YYYY-MM-DD; a deadline is a "
        "date, “30 days” or “20 business days”. Jurisdictions are found by id, alias, name "
        "or the start of one (nyc, cook)."))
    return Reply("Compliance review commands", blocks)


def _usages(groups: Sequence[tuple[str, str, list[Command]]]) -> Reply:
    lines = []
    for _, title, members in groups:
        lines.append(f"*{title}*")
        lines += [f"`{cmd.usage}` — {_sentence(cmd.summary)}" for cmd in members]
    title = "Compliance review commands" if len(groups) > 1 else groups[0][1]
    blocks = [render.header(title), *render.sections(lines)]
    blocks.append(render.context(f"`{SLASH} help <command>` shows one in detail."))
    return Reply(title, blocks)


def _one_command(cmd: Command, definition: Definition) -> Reply:
    lines = [f"*{cmd.usage}*", _sentence(cmd.summary)] + ([f"Example: `{cmd.example}`"]
                                                          if cmd.example else [])
    if cmd.name == "list":
        lines.append("Statuses:\n" + pages.states_help(definition.states))
        lines.append("Deadline tiers (`tier=`): `on_track`, `due_soon`, `overdue`, "
                     "`very_overdue`.")
    return Reply(cmd.usage, render.sections(lines))


def _sentence(text: str) -> str:
    """A summary as a sentence: a capital first, a full stop last."""
    text = text.strip()
    if not text:
        return text
    return text[0].upper() + text[1:] + ("" if text.endswith((".", "?", "!", ")")) else ".")
