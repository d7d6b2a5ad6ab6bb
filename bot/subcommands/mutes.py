"""``/review mute`` and ``/review unmute``, over the use case ``workflows.muting.Mutes``.

Both need the workflow's ``mute`` permission (leads and admins by default). A mute
stops a jurisdiction's reminders (until a day, if given) and says why; it is recorded
in the history, announced in the jurisdiction's channel, and shown on its card."""

from __future__ import annotations

from bot.subcommands.parsing import Args
from bot.subcommands.subcommand import CallerLike, Subcommand
from bot.ui import changes
from bot.ui.render import Reply
from workflows.deadlines import parse_date
from workflows.errors import BadInput
from workflows.muting import Mutes
from workflows.review import Change

MUTE_USAGE = "mute <jurisdiction> [until=YYYY-MM-DD] reason=…"
UNMUTE_USAGE = "unmute <jurisdiction>"


async def handle_mute(service: Mutes, caller: CallerLike, args: Args) -> Reply:
    ref = _jurisdiction(args, MUTE_USAGE)
    if not args.options.get("reason", "").strip():
        raise BadInput(f"Say why the reminders stop (reason=…). Usage: `/review {MUTE_USAGE}`."
                       " Nothing was changed.")
    until = args.options.get("until")
    change = await service.mute(caller.user, ref, args.options["reason"],
                                parse_date(until) if until is not None else None)
    return await _done(service, caller, change)


async def handle_unmute(service: Mutes, caller: CallerLike, args: Args) -> Reply:
    change = await service.unmute(caller.user, _jurisdiction(args, UNMUTE_USAGE))
    return await _done(service, caller, change)


async def _done(service: Mutes, caller: CallerLike, change: Change) -> Reply:
    review, j = service.review, change.jurisdiction
    return changes.done(change.event, j, await review.allowed(caller.user, j), review.today(),
                        definition=review.workflow.definition)


def _jurisdiction(args: Args, usage: str) -> str:
    if not args.words:
        raise BadInput(f"Name a jurisdiction. Usage: `/review {usage}`")
    return " ".join(args.words)


COMMANDS = (
    Subcommand("mute", MUTE_USAGE, "stop a jurisdiction's reminders (while it is in"
               " litigation, say), until a day or until unmuted", ("until", "reason"),
               handle_mute, "mute chicago until=2018-03-01 reason=in litigation",
               permission="mute"),
    Subcommand("unmute", UNMUTE_USAGE, "start its reminders again, from now on", (),
               handle_unmute, "unmute chicago", permission="mute"),
)
