"""A subcommand for each step of the workflow in force (``letter``, ``threaten``, and
whatever a team's own workflow file adds), built from its ``Definition``."""

from __future__ import annotations

from collections.abc import Sequence

from bot.subcommands.context import SLASH, Caller, Command, Handler, Services, done
from bot.subcommands.parsing import Args, link
from bot.ui.render import Reply
from workflows.definition import Definition, Step
from workflows.errors import BadInput

EXAMPLES = {"letter": "letter chicago date=2017-04-21 due=2017-06-30",
            "threaten": "threaten chicago date=2018-01-24 due=30 days note=no documents came"}


def step_commands(definition: Definition) -> list[Command]:
    """One subcommand per step name of ``definition``, in its order."""
    return [step_command(name, definition.steps_named(name)) for name in definition.step_names]


def step_command(name: str, steps: Sequence[Step]) -> Command:
    """The subcommand for workflow step ``name`` (declared by ``steps``)."""
    takes_due = any(s.deadline != "none" for s in steps)
    keys = ("date", "note", "link") + (("due",) if takes_due else ())
    due = " due=<date|N days|N business days>" if takes_due else ""
    roles = sorted({r.value for s in steps for r in s.roles})
    usage = f"{SLASH} {name} <jurisdiction> [date=…]{due} [note=…]"
    example = EXAMPLES.get(name, f"{name} chicago")
    return Command(name, usage, f"Workflow step: {steps[0].label} ({', '.join(roles)}).",
                   frozenset(keys), _take(name, usage), f"{SLASH} {example}")


def _take(name: str, usage: str) -> Handler:
    async def handler(s: Services, caller: Caller, args: Args) -> Reply:
        ref = " ".join(args.words)
        if not ref:
            raise BadInput(f"Name the jurisdiction. Usage: `{usage}`")
        change = await s.review.take(caller.user, ref, name, args.date(), args.due(),
                                     args.options.get("note", ""),
                                     link(args.options.get("link", "")))
        return await done(s.review, caller, change.event, change.jurisdiction)

    return handler
