"""The workflow as a diagram: Mermaid text anywhere, a PNG where Graphviz is installed.

``mermaid`` writes a stateDiagram-v2 (paste it into GitHub, mermaid.live or any Mermaid
viewer) of what ``diagram_plan.plan`` says to draw: the main path first and bold, each
step shared by (almost) every open state once from a dashed box, the other steps with
who may take them (the roles most steps have are said once, in a note) and their
guards. ``diagram_png`` draws the same with Graphviz's ``dot`` when the machine has it,
and returns None when it does not. Either can highlight a jurisdiction's state.
``handle_workflow`` answers `/review workflow [<jurisdiction>]` with the Mermaid text
and, given a way to upload, shares the PNG in the channel.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.subcommands.parsing import Args
from bot.ui import render
from bot.ui.diagram_plan import Plan, plan
from bot.ui.render import Block, Reply
from workflows.definition import Definition
from workflows.errors import BadInput
from workflows.model import Jurisdiction, Role

if TYPE_CHECKING:
    from bot.subcommands.subcommand import CallerLike

DOT_SECONDS = 30
FENCE = "```"
PNG_NAME = "workflow.png"

Upload = Callable[[str, bytes], Awaitable[str | None]]
"""Shares a PNG in a channel; returns None when done, else why it could not."""


MAIN_STYLE = "font-weight:bold,stroke-width:3px"
SHARED_STYLE = "fill:#f4f4f4,stroke-dasharray:5 5"
CURRENT_STYLE = "fill:#ffd54f,stroke:#e65100,stroke-width:3px"
CURRENT_FILL = "#ffd54f"


def default_roles(drawing: Plan) -> frozenset[Role]:
    """The roles most arrows name: left off the arrows and said once in the legend."""
    counts = Counter([e.roles for e in drawing.edges] + [s.roles for s in drawing.shared])
    return counts.most_common(1)[0][0] if counts else frozenset()


def short(label: str, roles: frozenset[Role], usual: frozenset[Role]) -> str:
    """``label`` without the roles when they are the ``usual`` ones."""
    if roles != usual:
        return label
    name, _, rest = label.partition(" (")
    rest = rest.partition(", ")[2] if ", " in rest else ")"
    return name if rest == ")" else f"{name} ({rest}"


def legend(definition: Definition, drawing: Plan | None = None) -> str:
    """What the picture leaves unsaid: who may take the unmarked steps, the main path."""
    drawing = drawing or plan(definition)
    usual = default_roles(drawing)
    said = f"Unmarked steps are for {_roles_text(usual)}. " if usual else ""
    return f"{said}Bold is the main path, {' → '.join(drawing.main)}."


def box_label(but: tuple[str, ...]) -> str:
    return "from any open state" + (f" but {', '.join(but)}" if but else "")


def mermaid(definition: Definition, current: str | None = None) -> str:
    """A Mermaid stateDiagram-v2: the states with their labels, the start, the main
    path, the other steps (with who may take them and their guards), each shared
    step once from a dashed box, the final states; ``current`` highlighted."""
    drawing = plan(definition)
    usual = default_roles(drawing)
    lines = ["stateDiagram-v2"]
    lines += [f'    state "{_quoted(label)}" as {state}'
              for state, label in definition.states.items()]
    lines += [f'    state "{box_label(but)}" as {box}' for but, box in drawing.boxes.items()]
    lines.append(f"    [*] --> {definition.initial}")
    lines += [f"    {e.source} --> {e.dest}: {short(e.label, e.roles, usual)}"
              for e in drawing.edges]
    lines += [f"    {drawing.boxes[s.but]} --> {s.dest}: {short(s.label, s.roles, usual)}"
              for s in drawing.shared]
    lines += [f"    {state} --> [*]" for state in definition.final_states()]
    lines.append(f"    note left of {definition.initial}: {legend(definition, drawing)}")
    lines += _classes(drawing, current)
    return "\n".join(lines) + "\n"


def _classes(drawing: Plan, current: str | None) -> list[str]:
    lines = [f"    classDef main {MAIN_STYLE}", f"    class {','.join(drawing.main)} main"]
    if drawing.boxes:
        lines += [f"    classDef shared {SHARED_STYLE}",
                  f"    class {','.join(drawing.boxes.values())} shared"]
    if current:
        lines += [f"    classDef current {CURRENT_STYLE}", f"    class {current} current"]
    return lines


def graphviz(definition: Definition, current: str | None = None) -> str:
    """The same picture in Graphviz's DOT language."""
    drawing = plan(definition)
    usual = default_roles(drawing)
    lines = ["digraph workflow {", "    rankdir=LR; concentrate=true; nodesep=0.3; ranksep=0.6;",
             f'    labelloc=b; fontname="Helvetica"; label="{_dot(legend(definition, drawing))}";',
             '    node [shape=box, style=rounded, fontname="Helvetica"];',
             '    edge [fontname="Helvetica", fontsize=10, color="#555555"];',
             '    "[*]" [shape=point, width=0.2];',
             '    "[end]" [shape=doublecircle, label="", width=0.15];']
    lines += [f'    "{state}" [{_node(state, label, drawing, current)}];'
              for state, label in definition.states.items()]
    lines += [f'    "{box}" [label="{_dot(box_label(but))}", style="dashed,rounded"];'
              for but, box in drawing.boxes.items()]
    lines.append(f'    "[*]" -> "{definition.initial}" [weight=10];')
    lines += [f'    "{e.source}" -> "{e.dest}" [label="{_dot(short(e.label, e.roles, usual))}"'
              + (', penwidth=2.5, weight=10, color="black"' if e.main else "") + "];"
              for e in drawing.edges]
    lines += [f'    "{drawing.boxes[s.but]}" -> "{s.dest}" '
              f'[label="{_dot(short(s.label, s.roles, usual))}", style=dashed];'
              for s in drawing.shared]
    lines += [f'    "{state}" -> "[end]";' for state in definition.final_states()]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _node(state: str, label: str, drawing: Plan, current: str | None) -> str:
    attributes = f'label="{_dot(label)}\\n({state})"'
    if state in drawing.main:
        attributes += ", penwidth=2, group=main"
    if state == current:
        attributes += f', style="rounded,filled", fillcolor="{CURRENT_FILL}", penwidth=3'
    return attributes


def _roles_text(roles: frozenset[Role]) -> str:
    names = sorted(role.value for role in roles)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def diagram_png(definition: Definition, current: str | None = None) -> bytes | None:
    """The diagram as a PNG drawn by Graphviz, or None when ``dot`` is not installed."""
    dot = shutil.which("dot")
    if dot is None:
        return None
    drawn = subprocess.run([dot, "-Tpng"], input=graphviz(definition, current).encode(),
                           capture_output=True, timeout=DOT_SECONDS, check=True)
    return drawn.stdout


async def upload_png(client: AsyncWebClient, channel: str, png: bytes) -> str | None:
    """Share the diagram in ``channel``; None when done, else Slack's reason."""
    try:
        await client.files_upload_v2(channel=channel, file=png, filename=PNG_NAME,
                                     title="The review workflow",
                                     alt_txt="The review workflow: states and steps")
    except SlackApiError as error:
        return str(error.response.get("error", "unknown_error"))
    return None


# -- the command ---------------------------------------------------------------------


def wanted(args: Args) -> tuple[str, bool]:
    """`workflow [<jurisdiction>] [text]`: the jurisdiction's words, and text alone?"""
    words = list(args.words)
    text_only = bool(words) and words[-1].lower() == "text"
    if args.options:
        raise BadInput("`workflow` takes a jurisdiction and `text`, nothing with “=”.")
    return " ".join(words[:-1] if text_only else words), text_only


async def handle_workflow(definition: Definition, caller: CallerLike, text_only: bool = False,
                          upload: Upload | None = None, here: Jurisdiction | None = None
                          ) -> Reply:
    """`/review workflow [<jurisdiction>] [text]`: the Mermaid text, with ``here``'s
    state highlighted, and (without ``text``) the PNG shared in the caller's channel
    when a renderer and ``upload`` are there."""
    name = Path(definition.source).name
    current = here.state if here else None
    about = (f"{len(definition.states)} states and {len(definition.step_names)} steps, "
             f"from `{name}`. {legend(definition)} Paste the text into any Mermaid viewer "
             "(GitHub, mermaid.live) to draw it.")
    title = f"The workflow ({name})"
    if here:
        title = f"{here.name} in the workflow ({name})"
        label = render.escape(definition.label_of(here.state))
        about = (f"*{render.escape(here.name)}* is at _{label}_ (`{here.state}`), "
                 "highlighted. " + about)
    blocks = [render.header(title), render.context(about)]
    blocks += code_sections(mermaid(definition, current), render.MAX_BLOCKS - 3)
    if not text_only:
        blocks.append(render.context(await _picture(definition, caller, upload, current)))
    return Reply(f"{render.escape(title)} as a Mermaid diagram", blocks)


async def _picture(definition: Definition, caller: CallerLike, upload: Upload | None,
                   current: str | None) -> str:
    if upload is None or not caller.channel:
        return "No picture here: this bot does not post files in this place."
    try:
        png = await asyncio.to_thread(diagram_png, definition, current)
    except (OSError, subprocess.SubprocessError) as error:
        return f"The picture could not be drawn ({type(error).__name__})."
    if png is None:
        return "No picture: Graphviz (`dot`) is not installed where the bot runs."
    refused = await upload(caller.channel, png)
    if refused:
        return f"The picture could not be posted ({refused}); is the bot in this channel?"
    return f"The picture is posted in {render.channel(caller.channel)}."


def code_sections(text: str, limit: int) -> list[Block]:
    """``text`` as code blocks of whole lines, each within Slack's section limit, at
    most ``limit`` blocks (the last then says how many lines were left out)."""
    room = render.MAX_SECTION - 2 * len(FENCE) - 2
    chunks: list[list[str]] = [[]]
    # Slack reads &, < and > as markup even inside a code block
    for line in (render.escape(line)[:room] for line in text.splitlines()):
        if chunks[-1] and len("\n".join([*chunks[-1], line])) > room:
            chunks.append([])
        chunks[-1].append(line)
    shown = chunks if len(chunks) <= limit else chunks[:limit - 1]
    blocks = [render.section(f"{FENCE}\n" + "\n".join(chunk) + f"\n{FENCE}") for chunk in shown]
    if len(shown) < len(chunks):
        left = sum(len(chunk) for chunk in chunks[len(shown):])
        blocks.append(render.section(f"…and {left} more lines, left out to fit Slack."))
    return blocks


def _quoted(text: str) -> str:
    """Text inside a Mermaid string: ``#`` starts an entity code there."""
    return text.replace("#", "#35;").replace('"', "#quot;")


def _dot(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')
