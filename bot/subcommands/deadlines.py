"""``/review deadline``, ``/review closed`` and ``/review extend``, over the use case
``workflows.deadline_changes.Deadlines``.

``deadline`` is for every reader; declaring or withdrawing a closure needs the
workflow's ``closed`` permission and moving a deadline its ``extend`` permission (leads
and admins by default), both checked by the use case (listing closures is for every
reader)."""

from __future__ import annotations

from bot.subcommands.parsing import Args
from bot.subcommands.subcommand import CallerLike, Subcommand
from bot.ui import changes, deadlines
from bot.ui.render import Reply
from workflows.deadline_changes import Deadlines
from workflows.errors import BadInput

DEADLINE_USAGE = "/review deadline <jurisdiction>"
CLOSED_USAGE = ("/review closed [<date or range> reason=… [state=XX] | withdraw <id>]")
EXTEND_USAGE = "/review extend <jurisdiction> by=<N days | N business days> | to=<date> reason=…"


async def handle_deadline(service: Deadlines, caller: CallerLike, args: Args) -> Reply:
    if not args.words:
        raise BadInput(f"Name the jurisdiction. Usage: `{DEADLINE_USAGE}`")
    j, found = await service.explain(caller.user, " ".join(args.words))
    return deadlines.explained(j, found)


async def handle_closed(service: Deadlines, caller: CallerLike, args: Args) -> Reply:
    words = list(args.words)
    if not words:
        if args.options:
            raise BadInput(f"Give the day or days closed first. Usage: `{CLOSED_USAGE}`")
        return deadlines.closures_list(await service.closures(caller.user))
    if words[0].lower() == "withdraw":
        number = words[1].lstrip("#") if len(words) == 2 else ""
        if not number.isdigit() or args.options:
            raise BadInput("Give the number of the closure to withdraw, e.g. "
                           "`/review closed withdraw 3` (`/review closed` lists them).")
        return deadlines.closure_changed(await service.withdraw(caller.user, int(number)))
    change = await service.declare(caller.user, " ".join(words),
                                   args.options.get("reason", ""), args.options.get("state", ""))
    return deadlines.closure_changed(change)


async def handle_extend(service: Deadlines, caller: CallerLike, args: Args) -> Reply:
    if not args.words:
        raise BadInput(f"Name the jurisdiction. Usage: `{EXTEND_USAGE}`")
    options = args.options
    change = await service.extend(caller.user, " ".join(args.words), options.get("by", ""),
                                  options.get("to", ""), options.get("reason", ""))
    review = service.review
    return changes.done(change.event, change.jurisdiction,
                        await review.allowed(caller.user, change.jurisdiction),
                        review.today(), definition=review.workflow.definition)


COMMANDS = (
    Subcommand("deadline", "deadline <jurisdiction>",
               "why each deadline falls where it does: the count, what it skipped "
               "(weekends, holidays, closure days), pauses and extensions, with the rule",
               (), handle_deadline, "deadline albany"),
    Subcommand("closed", "closed [<date or range> reason=… [state=XX] | withdraw <id>]",
               "list the days the office was closed; declare some (leads and admins: "
               "deadlines through them are recounted and each channel told) or withdraw one",
               ("reason", "state"), handle_closed,
               "closed 2018-01-20..2018-01-22 reason=\"federal shutdown\""),
    Subcommand("extend", "extend <jurisdiction> by=<N days | N business days> | to=<date> "
               "reason=…", "move a running deadline, with its reason (leads and admins)",
               ("by", "to", "reason"), handle_extend,
               "extend albany by=\"10 business days\" reason=\"asked for more time\""),
)
