"""The subcommands that only read: help, list, show, history, whoami, roles, workflow.

``help`` is generated from the table in force (``Services.commands``), so it lists
exactly the commands that run, the steps of a team's own workflow file included.
"""

from __future__ import annotations

from bot.subcommands.context import Caller, Command, Services, command, status_key
from bot.subcommands.guide import help_reply
from bot.subcommands.parsing import Args
from bot.ui import cards, diagram, pages, render
from bot.ui.render import Reply
from workflows.deadlines import Tier
from workflows.errors import BadInput
from workflows.glance import glance
from workflows.model import Jurisdiction, Listing
from workflows.muting import Mutes
from workflows.ports import Filters, stopped
from workflows.review import Review
from workflows.tiers import in_tier, parse_tier, tier_named

PAGE_SIZE = 20
RECENT = 5
OVERDUE_HINT = ("`overdue` is late by fewer than 20 business days; `list tier=very_overdue` "
                "lists those later still.")
EVIDENCE_SHOWN = 5
"""Files a card lists as evidence (the first ones); `history` lists them all."""


async def _help(s: Services, caller: Caller, args: Args) -> Reply:
    return help_reply(args.words[0] if args.words else None, s.commands,
                      s.review.workflow.definition)


async def _list(s: Services, caller: Caller, args: Args) -> Reply:
    definition = s.review.workflow.definition
    options = dict(args.options)
    status = options.get("status", "")
    if status and status.lower() not in definition.states and tier_named(status):
        options["tier"] = options.pop("status")  # `status=overdue`: a deadline's tier
        status = ""
    tier = options.get("tier", "")
    if status:
        status = status_key(status, definition.states)
    filters = Filters(status, args.options.get("kind", "").lower(),
                      args.options.get("state", "").upper())
    if tier:
        filters = await in_tier(s.review.repo, filters, parse_tier(tier), s.review.today())
    page = args.page()
    shown = " ".join(f"{k}={v}" for k, v in options.items() if k not in ("page", "after"))
    items, total = await _page(s.review, filters, page, args.options.get("after"),
                               f"list {shown} page={page}".replace("  ", " "))
    _check_page(page, total, f"list {shown}".strip(), bool(items))
    reply = pages.listing_page(items, total, page, PAGE_SIZE, s.review.today(), shown,
                               label=definition.label_of)
    if tier and parse_tier(tier) is Tier.OVERDUE:
        reply.blocks.append(render.context(OVERDUE_HINT))
    return reply


async def _page(review: Review, filters: Filters, page: int, cursor: str | None,
                again: str) -> tuple[list[Listing], int]:
    """Page ``page``: from the cursor a Previous or Next button carries (a seek in the
    index), or by its number; a cursor whose page has gone (what it stood after was
    the last) gives the page of that number."""
    if cursor is not None:
        items, total = await review.repo.page(filters, 0, PAGE_SIZE,
                                              pages.cursor_from(cursor, again))
        if items or page == 1:
            return items, total
    return await review.page(filters, page, PAGE_SIZE)


def _check_page(page: int, total: int, again: str, found: bool | None = None) -> None:
    """Refuse a page past the last, naming the last (``again`` is the command without
    its page); for a list (``found``: whether the page has any), where the store
    stopped counting (``workflows.ports.Total``), a page with nothing on it."""
    if found is not None and stopped(total):
        if not found and page > 1:
            raise BadInput(f"There is no page {page}: fewer match (`{render.escape(again)}`).")
        return
    last = max(1, -(-total // PAGE_SIZE))
    if page > last:
        shown = render.escape(again) + (f" page={last}" if last > 1 else "")
        raise BadInput(f"There is no page {page}: {total:,} in all, so the last is page "
                       f"{last} (`{shown}`).")


async def _show(s: Services, caller: Caller, args: Args) -> Reply:
    j = await s.review.resolve(" ".join(args.words))
    return await card(s.review, caller.user, j, s.mutes)


async def card(review: Review, user: str, j: Jurisdiction, mutes: Mutes | None = None) -> Reply:
    """The jurisdiction's card as ``user`` sees it: buttons for what they may do now,
    and the mute of its reminders (where ``mutes`` can tell). Its events are one read
    (``glance``)."""
    seen = await glance(review, j, RECENT, EVIDENCE_SHOWN)
    return cards.card(j, seen.recent, await review.allowed(user, j), review.today(),
                      await review.may(user, "order"), definition=review.workflow.definition,
                      evidence=(seen.evidence, seen.evidence_total),
                      mute=seen.mute if mutes else None)


async def _history(s: Services, caller: Caller, args: Args) -> Reply:
    j = await s.review.resolve(" ".join(args.words))
    page = args.page()
    events, total = await s.review.history(j, page, PAGE_SIZE)
    _check_page(page, total, f"history {j.id}")
    return pages.history_page(j, events, total, page, PAGE_SIZE,
                              definition=s.review.workflow.definition)


async def _whoami(s: Services, caller: Caller, args: Args) -> Reply:
    role = await s.review.role_of(caller.user)
    steps = sorted({step.name for step in s.review.workflow.definition.steps
                    if role in step.roles})
    text = (f"You are {render.user(caller.user)}, {role.value}. Steps your role may take: "
            + (", ".join(f"`{s}`" for s in steps) or "none (viewers only look)") + ".")
    return Reply(text, [render.section(text)])


async def _roles(s: Services, caller: Caller, args: Args) -> Reply:
    return pages.roles(await s.review.roles())


async def _workflow(s: Services, caller: Caller, args: Args) -> Reply:
    name, text_only = diagram.wanted(args)
    here = await s.review.resolve(name) if name else None
    return await diagram.handle_workflow(s.review.workflow.definition, caller, text_only,
                                         s.upload, here)


COMMANDS: tuple[Command, ...] = (
    command("help", "help [command | group | all]", "Show the commands by group, a "
            "group's or every command's usage, or one command in detail.", _help,
            example="help letter"),
    command("list", "list [status=…] [tier=…] [kind=…] [state=XX] [page=N]",
            "List jurisdictions, 20 a page, with status and deadline; tier= is where the "
            "deadline stands (on_track, due_soon, overdue, very_overdue).", _list,
            ("status", "tier", "kind", "state", "page", "after"),
            "list tier=overdue kind=county"),
    command("show", "show <jurisdiction>", "Where one jurisdiction stands: status, round, "
            "deadline, owner, orders, recent steps.", _show, example="show cook"),
    command("history", "history <jurisdiction> [page=N]",
            "The full audit trail of one jurisdiction, newest first.", _history, ("page",),
            "history chicago"),
    command("whoami", "whoami", "Your role, and what it lets you do.", _whoami),
    command("roles", "roles", "Who has which role.", _roles),
)
WORKFLOW = command("workflow", "workflow [<jurisdiction>] [text]",
                   "The workflow in force as a diagram, with where a jurisdiction stands "
                   "highlighted: Mermaid text, and a picture where Graphviz is installed.",
                   _workflow, example="workflow chicago")
