"""``/review batch``: one step for many jurisdictions, named, filtered or listed in a
CSV file shared in Slack. Whether the step is one, and the caller's role may take it,
is the use case's to say (``workflows.batches.Batches.may_propose``, against the
workflow in force), before any file is fetched."""

from __future__ import annotations

import asyncio

from bot.slack.shared_files import SharedFiles
from bot.subcommands import transfer
from bot.subcommands.context import Caller, Command, Services, command, done, status_key
from bot.subcommands.parsing import Args
from bot.ui.batches import batch_request
from bot.ui.render import Reply
from workflows.batches import names_in_csv
from workflows.errors import BadInput
from workflows.ports import Filters


async def _batch(s: Services, caller: Caller, args: Args) -> Reply:
    if s.batches is None:
        raise BadInput("Batches are not set up in this bot.")
    step = args.word(0, "the step", s.commands["batch"].usage).lower()
    await s.batches.may_propose(caller.user, step)  # before any file is asked for
    ids = await s.batches.targets(await _names(s, caller, args), _filters(s, args))
    proposal = await s.batches.propose(caller.user, step, ids, caller.channel, args.date(),
                                       args.due(), args.options.get("note", ""))
    if proposal.change is not None:
        return await done(s.review, caller, proposal.change.event, proposal.change.jurisdiction)
    assert proposal.batch is not None
    return batch_request(proposal.batch)


async def _names(s: Services, caller: Caller, args: Args) -> list[str]:
    """The jurisdictions named after the step (by commas, or by spaces), and those of
    the file given with ``file=``."""
    words = " ".join(args.words[1:])
    names = [n.strip() for n in (words.split(",") if "," in words else words.split())
             if n.strip()]
    if args.options.get("file"):
        if s.files is None:
            raise BadInput("Files are not set up in this bot.")
        names += await _names_in_file(s.files, caller.user, args.options["file"])
    return names


def _filters(s: Services, args: Args) -> Filters:
    states = s.review.workflow.definition.states
    status = status_key(args.options["status"], states) if args.options.get("status") else ""
    return Filters(status, args.options.get("kind", "").lower(),
                   args.options.get("state", "").upper())


async def _names_in_file(files: SharedFiles, user: str, link: str) -> list[str]:
    """Jurisdictions listed in a CSV shared in Slack (its id column, or its first),
    read for ``user``; decoded and parsed in a worker thread, off the event loop."""
    name, data = await files.fetch(transfer.file_id_of(link), user,
                                   transfer.MAX_IMPORT_BYTES)
    return await asyncio.to_thread(_read_names, name, data)


def _read_names(name: str, data: bytes) -> list[str]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadInput(f"{name} is not a UTF-8 text file.") from None
    return names_in_csv(text, name)


COMMAND: Command = command(
    "batch", "batch <step> [jurisdiction, …] [kind=…] [state=XX] [status=…] [file=…] "
    "[date=…] [due=…] [note=…]",
    "The same step for many jurisdictions, named, filtered or listed in a CSV file shared "
    "in Slack (its first column, or its id column); two or more wait for a lead's approval "
    "in the channel.", _batch, ("kind", "state", "status", "file", "date", "due", "note"),
    "batch threaten status=insufficient date=2018-01-24 due=30 days note=document demand")
