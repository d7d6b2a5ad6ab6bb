"""The subcommands that change a jurisdiction's record, or someone's role, outside the
workflow's steps: add, alias, assign, role."""

from __future__ import annotations

from bot.subcommands.context import Caller, Command, Services, command, done
from bot.subcommands.parsing import Args, channel_id, user_id
from bot.ui import forms, render
from bot.ui.render import Reply
from workflows.errors import BadInput
from workflows.model import Role


async def _add(s: Services, caller: Caller, args: Args) -> Reply:
    usage = s.commands["add"].usage
    if not args.words and not args.options:
        await s.review.require(caller.user, "add")
        return Reply("", modal=forms.add_modal({"ch": caller.channel}))
    jid = args.word(0, "the jurisdiction's id", usage)
    name = " ".join(args.words[1:])
    if not name:
        raise BadInput(f"Missing the jurisdiction's name. Usage: `{usage}`")
    aliases = tuple(a for a in args.options.get("aliases", "").split(",") if a.strip())
    change = await s.review.add(caller.user, jid, name, args.options.get("kind", ""),
                                args.options.get("state", ""), aliases)
    return await done(s.review, caller, change.event, change.jurisdiction)


async def _alias(s: Services, caller: Caller, args: Args) -> Reply:
    if len(args.words) < 2:
        raise BadInput("Name the jurisdiction and the alias. Usage: "
                       f"`{s.commands['alias'].usage}`")
    change = await s.review.add_alias(caller.user, " ".join(args.words[:-1]), args.words[-1])
    return await done(s.review, caller, change.event, change.jurisdiction)


async def _assign(s: Services, caller: Caller, args: Args) -> Reply:
    owner = args.options.get("owner")
    chan = args.options.get("channel")
    change = await s.review.assign(caller.user, " ".join(args.words),
                                   user_id(owner) if owner else None,
                                   channel_id(chan) if chan else None)
    return await done(s.review, caller, change.event, change.jurisdiction)


async def _role(s: Services, caller: Caller, args: Args) -> Reply:
    usage = s.commands["role"].usage
    who = user_id(args.word(0, "the person", usage))
    name = args.word(1, "the role", usage).lower()
    try:
        role = Role(name)
    except ValueError:
        raise BadInput(f"“{name}” is not a role. Roles: "
                       + ", ".join(r.value for r in Role) + ".") from None
    await s.review.grant(caller.user, who, role)
    text = f":white_check_mark: {render.user(who)} is now {role.value}."
    return Reply(text, [render.section(text)])


COMMANDS: tuple[Command, ...] = (
    command("add", "add <id> <name> [kind=…] [state=XX] [aliases=a,b]",
            "Add a jurisdiction to the review.", _add, ("kind", "state", "aliases"),
            'add chicago "Chicago, IL" kind=city state=IL aliases=chi'),
    command("alias", "alias <jurisdiction> <alias>", "Give a jurisdiction another short name.",
            _alias, example="alias new-york-city nyc"),
    command("assign", "assign <jurisdiction> [owner=@someone] [channel=#team]",
            "Set who owns a jurisdiction and where its steps are announced.", _assign,
            ("owner", "channel"), "assign chicago owner=@ana channel=#midwest"),
    command("role", "role @someone <viewer|analyst|lead|counsel|admin>",
            "Give someone a role (admins only).", _role, example="role @ana lead"),
)
