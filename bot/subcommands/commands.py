"""The slash command's table of subcommands, and the dispatch: parse, check, call.

``command_table`` builds the table once, in the composition root, from the workflow
in force: the fixed subcommands (``reading``, ``changes``, ``orders``, ``batches``), one
per step of its ``Definition`` (``steps``), and those the features declare (summaries
in ``summaries``, import and export in ``transfer``). ``help``, an unknown command's
refusal and ``run`` all read that one table.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Iterator
from types import MappingProxyType
from typing import TypeVar

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.subcommands import (
    batches,
    calendars,
    changes,
    deadlines,
    dossier,
    evidence,
    orders,
    reading,
    record,
    stats,
    steps,
    transfer,
)
from bot.subcommands import mutes as muting
from bot.subcommands import summaries as summary
from bot.subcommands.context import SLASH, Caller, Command, Commands, Services, command
from bot.subcommands.guide import did_you_mean, help_reply
from bot.subcommands.parsing import Args, check_keys, split
from bot.subcommands.reading import PAGE_SIZE, card
from bot.subcommands.subcommand import CallerLike, Subcommand
from bot.ui.render import Reply
from workflows.definition import Definition
from workflows.errors import BadInput

__all__ = ["MAX_TEXT", "OPEN_TO_ALL", "PAGE_SIZE", "SLASH", "Caller", "Commands", "Services",
           "card", "command_table", "run"]

S = TypeVar("S")
log = logging.getLogger(__name__)
OPEN_TO_ALL = frozenset({"help", "whoami", "workflow"})
"""Commands that show nothing of the review (only how it works, and who you are):
every other one is for its readers (``REVIEW_READERS``)."""
MAX_TEXT = 4_000
"""Characters of command text taken: Slack asks clients to keep a message to 4,000
characters, and the longest command a person types (a step with a 3,000-character
note) fits. Longer text is refused before it is parsed, which costs time in
proportion to its length on the event loop everyone's commands share."""


def command_table(definition: Definition) -> Commands:
    """Every subcommand of the workflow ``definition``, in the order ``help`` lists them.
    A step named like a fixed or a feature's subcommand is left to that subcommand."""
    fixed = [*reading.COMMANDS, *changes.COMMANDS, *orders.COMMANDS, batches.COMMAND,
             reading.WORKFLOW]
    features = list(_features())
    taken = {cmd.name for cmd in (*fixed, *features)}
    workflow_steps = [cmd for cmd in steps.step_commands(definition) if cmd.name not in taken]
    return MappingProxyType({cmd.name: cmd for cmd in (*fixed, *workflow_steps, *features)})


async def run(services: Services, caller: Caller, text: str) -> Reply:
    """Answer one slash command. Raises ``ReviewError`` for anything the user can fix."""
    _check_length(text)
    args = split(text)
    table = services.commands
    if not args.words:
        return help_reply(None, table, services.review.workflow.definition)
    name = args.words[0].lower()
    cmd = table.get(name)
    if cmd is None:
        raise BadInput(f"“{name}” is not a command.{did_you_mean(name, table)} Try "
                       f"`{SLASH} help`; commands: " + ", ".join(f"`{c}`" for c in table) + ".")
    if cmd.name not in OPEN_TO_ALL:
        await services.review.require_reader(caller.user)
    rest = Args(args.words[1:], args.options)
    check_keys(rest, cmd.keys, cmd.usage)
    return await cmd.handler(services, caller, rest)


def _check_length(text: str) -> None:
    if len(text) > MAX_TEXT:
        raise BadInput(f"That command is {len(text):,} characters long; a command takes at "
                       f"most {MAX_TEXT:,}. To act on many jurisdictions, list them in a CSV file "
                       "shared in Slack (`batch … file=<link>`). Nothing was changed.")


# -- the subcommands other modules declare ---------------------------------------------


def _features() -> Iterator[Command]:
    yield from _feature_commands(summary.COMMANDS, lambda s: s.summaries,
                                 "Summaries are not set up in this bot.")
    yield from _feature_commands(transfer.COMMANDS,
                                 lambda s: transfer.Transfers(s.review, s.client, s.files)
                                 if s.client and s.files else None,
                                 "Import and export are not set up in this bot.")
    yield from _feature_commands(record.COMMANDS,
                                 lambda s: record.Desk(s.record, _teller(s.client))
                                 if s.record else None,
                                 "The record's seal is not set up in this bot.")
    yield from _feature_commands(deadlines.COMMANDS, lambda s: s.deadlines,
                                 "Deadline commands are not set up in this bot.")
    yield from _feature_commands(evidence.COMMANDS,
                                 lambda s: evidence.Attachments(s.review, s.evidence)
                                 if s.evidence else None, "Evidence is not set up in this bot.")
    yield from _feature_commands(dossier.COMMANDS,
                                 lambda s: dossier.Records(s.review, s.client, s.dossiers)
                                 if s.client and s.dossiers else None,
                                 "Dossiers are not set up in this bot.")
    yield from _feature_commands(muting.COMMANDS, lambda s: s.mutes,
                                 "Muting reminders is not set up in this bot.")
    yield from _feature_commands(stats.COMMANDS,
                                 lambda s: stats.Numbers(s.stats, s.review, s.client)
                                 if s.stats else None, "The numbers are not set up in this bot.")
    yield from _feature_commands(calendars.COMMANDS, lambda s: s.calendar,
                                 "The deadlines calendar is not set up in this bot.")


def _teller(client: AsyncWebClient | None
            ) -> Callable[[CallerLike, str], Awaitable[None]] | None:
    """Something that tells the caller a line before their answer, only them."""
    if client is None:
        return None

    async def tell(caller: CallerLike, text: str) -> None:
        try:
            await client.chat_postEphemeral(channel=caller.channel, user=caller.user, text=text)
        except SlackApiError as error:  # not in that channel: the answer still comes
            log.info("could not say a check began: %s", error.response.get("error"))
    return tell


def _feature_commands(specs: Iterable[Subcommand[S]], service: Callable[[Services], S | None],
                      missing: str) -> Iterator[Command]:
    for spec in specs:
        yield _feature_command(spec, service, missing)


def _feature_command(spec: Subcommand[S], service: Callable[[Services], S | None],
                     missing: str) -> Command:
    """``spec`` as a table row: its handler gets the feature's service, once the
    caller holds the permission it names."""
    async def handler(s: Services, caller: Caller, args: Args) -> Reply:
        found = service(s)
        if found is None:
            raise BadInput(missing)
        if spec.permission:
            await s.review.require(caller.user, spec.permission)
        return await spec.handler(found, caller, args)

    return command(spec.name, spec.usage, spec.summary, handler, spec.keys, spec.example)
