"""The slash command's subcommands: parse the words, call the use case, render.

One table (``COMMANDS``) holds every subcommand with its usage and the options it
takes; ``help`` is generated from it, so the two cannot drift apart.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.shared_files import SharedFiles
from bot.subcommands import summaries as summary
from bot.subcommands import transfer
from bot.subcommands.parsing import Args, channel_id, check_keys, link, split, user_id
from bot.subcommands.subcommand import Subcommand
from bot.ui import batches, cards, changes, diagram, forms, pages, render
from bot.ui.render import Reply
from workflows.batches import Batches, names_in_csv
from workflows.definition import Definition
from workflows.errors import BadInput
from workflows.model import CourtOrder, Event, Jurisdiction, OrderKind, Role
from workflows.ports import Filters
from workflows.review import Review
from workflows.rules import STEPS, Step

if TYPE_CHECKING:
    from workflows.summaries import SummaryService

S = TypeVar("S")
SLASH = "/review"
PAGE_SIZE = 20
RECENT = 5
OPEN_TO_ALL = frozenset({"help", "whoami", "workflow"})
"""Commands that show nothing of the review (only how it works, and who you are):
every other one is for its readers (``REVIEW_READERS``)."""
MAX_TEXT = 4_000
"""Characters of command text taken: Slack asks clients to keep a message to 4,000
characters, and the longest command a person types (a step with a 3,000-character
note) fits. Longer text is refused before it is parsed, which costs time in
proportion to its length on the event loop everyone's commands share."""


@dataclass(frozen=True)
class Caller:
    user: str
    channel: str


@dataclass(frozen=True)
class Services:
    """What the subcommands work with, built once by the composition root."""

    review: Review
    summaries: SummaryService | None = None
    batches: Batches | None = None
    upload: diagram.Upload | None = None
    client: AsyncWebClient | None = None
    files: SharedFiles | None = None


Handler = Callable[[Services, Caller, Args], Awaitable[Reply]]


@dataclass(frozen=True)
class Command:
    name: str
    usage: str
    summary: str
    keys: frozenset[str]
    handler: Handler
    example: str = ""


COMMANDS: dict[str, Command] = {}


def command(name: str, usage: str, summary: str, keys: tuple[str, ...] = (),
            example: str = "") -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        COMMANDS[name] = Command(name, f"{SLASH} {usage}", summary, frozenset(keys), handler,
                                 f"{SLASH} {example}" if example else "")
        return handler
    return register


async def run(services: Services, caller: Caller, text: str) -> Reply:
    """Answer one slash command. Raises ``ReviewError`` for anything the user can fix."""
    _check_length(text)
    args = split(text)
    if not args.words:
        return help_reply(None, services.review.workflow.definition)
    name = args.words[0].lower()
    cmd = COMMANDS.get(name)
    definition = services.review.workflow.definition
    if cmd is None and name in definition.step_names:  # a step a custom workflow adds
        cmd = step_command(name, definition.steps_named(name))
    if cmd is None:
        raise BadInput(f"“{name}” is not a command. Try `{SLASH} help`; commands: "
                       + ", ".join(f"`{c}`" for c in COMMANDS) + ".")
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


# -- reading -------------------------------------------------------------------------


def help_reply(name: str | None, definition: Definition) -> Reply:
    """All the commands (with the steps of the workflow in force), or one in detail."""
    commands = dict(COMMANDS)
    for step in definition.step_names:
        commands.setdefault(step, step_command(step, definition.steps_named(step)))
    if name:
        cmd = commands.get(name.lower())
        if cmd is None:
            raise BadInput(f"There is no command “{name}”. `{SLASH} help` lists them.")
        lines = [f"*{cmd.usage}*", cmd.summary] + ([f"Example: `{cmd.example}`"]
                                                   if cmd.example else [])
        if cmd.name == "list":
            lines.append("Statuses:\n" + pages.states_help(definition.states))
        return Reply(cmd.usage, render.sections(lines))
    lines = [f"`{cmd.usage}` — {cmd.summary}" for cmd in commands.values()]
    blocks = [render.header("Compliance review commands"), *render.sections(lines)]
    blocks.append(render.context(
        "Dates are YYYY-MM-DD; a deadline is a date, “30 days” or “20 business days”. "
        "Jurisdictions are found by id, alias, name or the start of one (nyc, cook). "
        f"`{SLASH} help <command>` shows one in detail."))
    return Reply("Compliance review commands", blocks)


@command("help", "help [command]", "Show the commands, or one command in detail.",
         example="help letter")
async def _help(s: Services, caller: Caller, args: Args) -> Reply:
    return help_reply(args.words[0] if args.words else None, s.review.workflow.definition)


@command("list", "list [status=…] [kind=…] [state=XX] [page=N]",
         "List jurisdictions, 20 a page, with status and deadline.",
         ("status", "kind", "state", "page"), "list kind=county state=CA")
async def _list(s: Services, caller: Caller, args: Args) -> Reply:
    status = args.options.get("status", "")
    if status:
        status = _status_key(status, s.review.workflow.definition.states)
    filters = Filters(status, args.options.get("kind", "").lower(),
                      args.options.get("state", "").upper())
    page = args.page()
    items, total = await s.review.page(filters, page, PAGE_SIZE)
    shown = " ".join(f"{k}={v}" for k, v in args.options.items() if k != "page")
    return pages.listing_page(items, total, page, PAGE_SIZE, s.review.today(), shown,
                              label=s.review.workflow.definition.label_of)


@command("show", "show <jurisdiction>",
         "Where one jurisdiction stands: status, round, deadline, owner, orders, recent steps.",
         example="show cook")
async def _show(s: Services, caller: Caller, args: Args) -> Reply:
    j = await s.review.resolve(" ".join(args.words))
    return await card(s.review, caller.user, j)


async def card(review: Review, user: str, j: Jurisdiction) -> Reply:
    """The jurisdiction's card as ``user`` sees it: buttons for what they may do now."""
    recent, _ = await review.history(j, 1, RECENT)
    return cards.card(j, recent, await review.allowed(user, j), review.today(),
                      await review.may(user, "order"), label=review.workflow.definition.label_of)


@command("history", "history <jurisdiction> [page=N]",
         "The full audit trail of one jurisdiction, newest first.", ("page",),
         "history chicago")
async def _history(s: Services, caller: Caller, args: Args) -> Reply:
    j = await s.review.resolve(" ".join(args.words))
    page = args.page()
    events, total = await s.review.history(j, page, PAGE_SIZE)
    return pages.history_page(j, events, total, page, PAGE_SIZE,
                              label=s.review.workflow.definition.label_of)


@command("whoami", "whoami", "Your role, and what it lets you do.")
async def _whoami(s: Services, caller: Caller, args: Args) -> Reply:
    role = await s.review.role_of(caller.user)
    steps = sorted({step.name for step in s.review.workflow.definition.steps
                    if role in step.roles})
    text = (f"You are {render.user(caller.user)}, {role.value}. Steps your role may take: "
            + (", ".join(f"`{s}`" for s in steps) or "none (viewers only look)") + ".")
    return Reply(text, [render.section(text)])


@command("roles", "roles", "Who has which role.")
async def _roles(s: Services, caller: Caller, args: Args) -> Reply:
    return pages.roles(await s.review.roles())


# -- changing ------------------------------------------------------------------------


@command("add", "add <id> <name> [kind=…] [state=XX] [aliases=a,b]",
         "Add a jurisdiction to the s.review.", ("kind", "state", "aliases"),
         'add chicago "Chicago, IL" kind=city state=IL aliases=chi')
async def _add(s: Services, caller: Caller, args: Args) -> Reply:
    usage = COMMANDS["add"].usage
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
    return await _done(s.review, caller, change.event, change.jurisdiction)


@command("alias", "alias <jurisdiction> <alias>", "Give a jurisdiction another short name.",
         example="alias new-york-city nyc")
async def _alias(s: Services, caller: Caller, args: Args) -> Reply:
    usage = COMMANDS["alias"].usage
    if len(args.words) < 2:
        raise BadInput(f"Name the jurisdiction and the alias. Usage: `{usage}`")
    change = await s.review.add_alias(caller.user, " ".join(args.words[:-1]), args.words[-1])
    return await _done(s.review, caller, change.event, change.jurisdiction)


@command("assign", "assign <jurisdiction> [owner=@someone] [channel=#team]",
         "Set who owns a jurisdiction and where its steps are announced.",
         ("owner", "channel"), "assign chicago owner=@ana channel=#midwest")
async def _assign(s: Services, caller: Caller, args: Args) -> Reply:
    owner = args.options.get("owner")
    chan = args.options.get("channel")
    change = await s.review.assign(caller.user, " ".join(args.words),
                                 user_id(owner) if owner else None,
                                 channel_id(chan) if chan else None)
    return await _done(s.review, caller, change.event, change.jurisdiction)


@command("role", "role @someone <viewer|analyst|lead|counsel|admin>",
         "Give someone a role (admins only).", example="role @ana lead")
async def _role(s: Services, caller: Caller, args: Args) -> Reply:
    usage = COMMANDS["role"].usage
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


def _order_command(kind: OrderKind, keys: tuple[str, ...], example: str) -> None:
    blocks = " blocks=escalation|finding,threaten,…" if kind is OrderKind.INJUNCTION else ""

    async def handler(s: Services, caller: Caller, args: Args) -> Reply:
        usage = COMMANDS[kind.value].usage
        case = args.options.get("case", "")
        if not case:
            raise BadInput(f"Give the case number with case=…. Usage: `{usage}`")
        words = [w.strip() for w in args.options.get("blocks", "").split(",") if w.strip()]
        order = CourtOrder(kind, args.date() or s.review.today(), case,
                           args.options.get("court", ""),
                           args.options.get("scope", args.options.get("note", "")),
                           s.review.workflow.definition.expand_blocks(words))
        change = await s.review.attach_order(caller.user, " ".join(args.words), order)
        return await _done(s.review, caller, change.event, change.jurisdiction)

    command(kind.value, f"{kind.value} <jurisdiction> case=… [court=…] [date=…]{blocks}"
            " [scope=…]", f"Attach {'an' if kind.value[0] in 'aeiou' else 'a'} {kind.value} to a "
            "jurisdiction (a dated fact).",
            keys, example)(handler)


_order_command(OrderKind.LAWSUIT, ("case", "court", "date", "scope", "note"),
               'lawsuit chicago case=1:17-cv-05720 court="N.D. Ill." date=2017-08-07')
_order_command(OrderKind.INJUNCTION, ("case", "court", "date", "scope", "note", "blocks"),
               "injunction philadelphia case=2:17-cv-03894 court=E.D. Pa. date=2017-11-15 "
               "blocks=escalation scope=FY2017 Byrne JAG may not be withheld over 1373")
_order_command(OrderKind.RULING, ("case", "court", "date", "scope", "note"),
               "ruling philadelphia case=2:17-cv-03894 date=2018-06-06 note=conditions unlawful")


@command("lift", "lift <jurisdiction> <order number> [date=…]",
         "Record that an injunction was lifted or vacated.", ("date",), "lift philadelphia 2")
async def _lift(s: Services, caller: Caller, args: Args) -> Reply:
    usage = COMMANDS["lift"].usage
    if len(args.words) < 2 or not args.words[-1].lstrip("#").isdigit():
        raise BadInput(f"Name the jurisdiction and the order's number. Usage: `{usage}`")
    change = await s.review.lift_order(caller.user, " ".join(args.words[:-1]),
                                     int(args.words[-1].lstrip("#")), args.date())
    return await _done(s.review, caller, change.event, change.jurisdiction)


@command("batch", "batch <step> [jurisdiction, …] [kind=…] [state=XX] [status=…] [file=…] "
         "[date=…] [due=…] [note=…]",
         "The same step for many jurisdictions, named, filtered or listed in a CSV file "
         "shared in Slack (its first column, or its id column); two or more wait for a "
         "lead's approval in the channel.",
         ("kind", "state", "status", "file", "date", "due", "note"),
         "batch threaten status=insufficient date=2018-01-24 due=30 days "
         "note=document demand")
async def _batch(s: Services, caller: Caller, args: Args) -> Reply:
    if s.batches is None:
        raise BadInput("Batches are not set up in this bot.")
    usage = COMMANDS["batch"].usage
    step = args.word(0, "the step", usage).lower()
    await s.batches.may_propose(caller.user, step)  # before any file is asked for
    words = " ".join(args.words[1:])
    names = [n.strip() for n in (words.split(",") if "," in words else words.split())
             if n.strip()]
    if args.options.get("file"):
        if s.files is None:
            raise BadInput("Files are not set up in this bot.")
        names += await _names_in_file(s.files, caller.user, args.options["file"])
    states = s.review.workflow.definition.states
    status = _status_key(args.options["status"], states) if args.options.get("status") else ""
    filters = Filters(status, args.options.get("kind", "").lower(),
                      args.options.get("state", "").upper())
    ids = await s.batches.targets(names, filters)
    proposal = await s.batches.propose(caller.user, step, ids, caller.channel, args.date(),
                                       args.due(), args.options.get("note", ""))
    if proposal.change is not None:
        return await _done(s.review, caller, proposal.change.event, proposal.change.jurisdiction)
    assert proposal.batch is not None
    return batches.batch_request(proposal.batch)


@command("workflow", "workflow [text]", "The workflow in force as a diagram: Mermaid text, "
         "and a picture where Graphviz is installed.", example="workflow")
async def _workflow(s: Services, caller: Caller, args: Args) -> Reply:
    return await diagram.handle_workflow(s.review.workflow.definition, caller, args, s.upload)


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


def step_command(name: str, steps: Sequence[Step]) -> Command:
    """The subcommand for workflow step ``name`` (declared by ``steps``)."""
    takes_due = any(s.deadline != "none" for s in steps)
    keys = ("date", "note", "link") + (("due",) if takes_due else ())
    due = " due=<date|N days|N business days>" if takes_due else ""
    roles = sorted({r.value for s in steps for r in s.roles})

    usage = f"{SLASH} {name} <jurisdiction> [date=…]{due} [note=…]"

    async def handler(s: Services, caller: Caller, args: Args) -> Reply:
        ref = " ".join(args.words)
        if not ref:
            raise BadInput(f"Name the jurisdiction. Usage: `{usage}`")
        change = await s.review.take(caller.user, ref, name, args.date(), args.due(),
                                   args.options.get("note", ""),
                                   link(args.options.get("link", "")))
        return await _done(s.review, caller, change.event, change.jurisdiction)

    example = {"letter": "letter chicago date=2017-04-21 due=2017-06-30",
               "threaten": "threaten chicago date=2018-01-24 due=30 days "
                           "note=no documents came"}.get(
        name, f"{name} chicago")
    return Command(name, usage, f"Workflow step: {steps[0].label} ({', '.join(roles)}).",
                   frozenset(keys), handler, f"{SLASH} {example}")


for _name in dict.fromkeys(step.name for step in STEPS):
    COMMANDS[_name] = step_command(_name, [s for s in STEPS if s.name == _name])


async def _done(review: Review, caller: Caller, event: Event, j: Jurisdiction) -> Reply:
    return changes.done(event, j, await review.allowed(caller.user, j), review.today(),
                        label=review.workflow.definition.label_of)


def _status_key(text: str, states: Mapping[str, str]) -> str:
    key = text.strip().lower().replace(" ", "_")
    matches = [state for state in states if state.startswith(key)]
    if len(matches) != 1:
        raise BadInput(f"“{text}” is not a status. Statuses: "
                       + ", ".join(f"`{s}`" for s in states) + ".")
    return matches[0]


# -- commands other modules declare: summaries (bot/summary.py), import and export
# (bot/subcommands/transfer.py) ------------------------------------------------------------------


def _feature_commands(specs: Iterable[Subcommand[S]], service: Callable[[Services], S | None],
                      missing: str) -> None:
    for spec in specs:
        _feature_command(spec, service, missing)


def _feature_command(spec: Subcommand[S], service: Callable[[Services], S | None],
                     missing: str) -> None:
    async def handler(s: Services, caller: Caller, args: Args) -> Reply:
        found = service(s)
        if found is None:
            raise BadInput(missing)
        if spec.permission:
            await s.review.require(caller.user, spec.permission)
        return await spec.handler(found, caller, args)

    command(spec.name, spec.usage, spec.summary, spec.keys, spec.example)(handler)


_feature_commands(summary.COMMANDS, lambda s: s.summaries,
                  "Summaries are not set up in this bot.")
_feature_commands(transfer.COMMANDS,
                  lambda s: transfer.Transfers(s.review, s.client, s.files)
                  if s.client and s.files else None,
                  "Import and export are not set up in this bot.")
