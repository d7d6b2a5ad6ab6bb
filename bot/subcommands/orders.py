"""Court orders from the slash command: lawsuit, injunction, ruling (dated facts
attached to a jurisdiction), and lift (an injunction lifted or vacated)."""

from __future__ import annotations

from bot.subcommands.context import Caller, Command, Handler, Services, command, done
from bot.subcommands.parsing import Args
from bot.ui.render import Reply
from workflows.errors import BadInput
from workflows.model import CourtOrder, OrderKind


def _attach(kind: OrderKind) -> Handler:
    """The handler that attaches an order of ``kind``; ``blocks=`` names steps or scopes
    of the workflow in force."""

    async def handler(s: Services, caller: Caller, args: Args) -> Reply:
        case = args.options.get("case", "")
        if not case:
            raise BadInput("Give the case number with case=…. Usage: "
                           f"`{s.commands[kind.value].usage}`")
        words = [w.strip() for w in args.options.get("blocks", "").split(",") if w.strip()]
        order = CourtOrder(kind, args.date() or s.review.today(), case,
                           args.options.get("court", ""),
                           args.options.get("scope", args.options.get("note", "")),
                           s.review.workflow.definition.expand_blocks(words))
        change = await s.review.attach_order(caller.user, " ".join(args.words), order)
        return await done(s.review, caller, change.event, change.jurisdiction)

    return handler


def _order_command(kind: OrderKind, keys: tuple[str, ...], example: str) -> Command:
    blocks = " blocks=escalation|finding,threaten,…" if kind is OrderKind.INJUNCTION else ""
    article = "an" if kind.value[0] in "aeiou" else "a"
    return command(kind.value, f"{kind.value} <jurisdiction> case=… [court=…] [date=…]{blocks}"
                   " [scope=…]", f"Attach {article} {kind.value} to a jurisdiction (a dated "
                   "fact).", _attach(kind), keys, example)


async def _lift(s: Services, caller: Caller, args: Args) -> Reply:
    if len(args.words) < 2 or not args.words[-1].lstrip("#").isdigit():
        raise BadInput("Name the jurisdiction and the order's number. Usage: "
                       f"`{s.commands['lift'].usage}`")
    change = await s.review.lift_order(caller.user, " ".join(args.words[:-1]),
                                       int(args.words[-1].lstrip("#")), args.date())
    return await done(s.review, caller, change.event, change.jurisdiction)


COMMANDS: tuple[Command, ...] = (
    _order_command(OrderKind.LAWSUIT, ("case", "court", "date", "scope", "note"),
                   'lawsuit chicago case=1:17-cv-05720 court="N.D. Ill." date=2017-08-07'),
    _order_command(OrderKind.INJUNCTION, ("case", "court", "date", "scope", "note", "blocks"),
                   "injunction philadelphia case=2:17-cv-03894 court=E.D. Pa. date=2017-11-15 "
                   "blocks=escalation scope=FY2017 Byrne JAG may not be withheld over 1373"),
    _order_command(OrderKind.RULING, ("case", "court", "date", "scope", "note"),
                   "ruling philadelphia case=2:17-cv-03894 date=2018-06-06 "
                   "note=conditions unlawful"),
    command("lift", "lift <jurisdiction> <order number> [date=…]",
            "Record that an injunction was lifted or vacated.", _lift, ("date",),
            "lift philadelphia 2"),
)
