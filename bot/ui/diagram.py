"""The workflow as a diagram: Mermaid text anywhere, a PNG where Graphviz is installed.

``mermaid`` writes a stateDiagram-v2 with each step and who may take it on its edges
(paste it into GitHub, mermaid.live or any Mermaid viewer). ``diagram_png`` draws the
same graph with Graphviz's ``dot`` when the machine has it, and returns None when it
does not. ``handle_workflow`` answers `/review workflow` with the Mermaid text and,
given a way to upload, shares the PNG in the channel.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.subcommands.parsing import Args
from bot.ui import render
from bot.ui.render import Block, Reply
from workflows.definition import RETURN, Definition
from workflows.errors import BadInput

if TYPE_CHECKING:
    from bot.subcommands.subcommand import CallerLike

DOT_SECONDS = 30
FENCE = "```"
PNG_NAME = "workflow.png"

Upload = Callable[[str, bytes], Awaitable[str | None]]
"""Shares a PNG in a channel; returns None when done, else why it could not."""


@dataclass(frozen=True)
class Edge:
    """One arrow: a step from ``source`` to ``dest``, and what to write on it."""

    source: str
    dest: str
    label: str


def edges(definition: Definition) -> list[Edge]:
    """Every step from every source; a step back to the held state gets one arrow to
    each state it can go back to."""
    result = []
    for step in definition.steps:
        roles = "/".join(sorted(role.value for role in step.roles))
        for source in step.sources:
            guards = step.guards.get(source, ())
            label = f"{step.name} ({roles}" + (f", if {' and '.join(guards)}" if guards else "")
            backs = definition.held_sources(source) if step.dest == RETURN else [step.dest]
            back = ", back" if step.dest == RETURN else ""
            result += [Edge(source, dest, f"{label}{back})") for dest in backs]
    return result


def mermaid(definition: Definition) -> str:
    """A Mermaid stateDiagram-v2: the states with their labels, the start, each step
    (with who may take it and its guards) and the final states."""
    lines = ["stateDiagram-v2"]
    lines += [f'    state "{_quoted(label)}" as {state}'
              for state, label in definition.states.items()]
    lines.append(f"    [*] --> {definition.initial}")
    lines += [f"    {e.source} --> {e.dest}: {e.label}" for e in edges(definition)]
    lines += [f"    {state} --> [*]" for state in definition.final_states()]
    return "\n".join(lines) + "\n"


def graphviz(definition: Definition) -> str:
    """The same graph in Graphviz's DOT language."""
    lines = ["digraph workflow {", "    rankdir=LR;",
             '    node [shape=box, style=rounded, fontname="Helvetica"];',
             '    edge [fontname="Helvetica", fontsize=10];',
             '    "[*]" [shape=point, width=0.2];',
             '    "[end]" [shape=doublecircle, label="", width=0.15];']
    lines += [f'    "{state}" [label="{_dot(label)}\\n({state})"];'
              for state, label in definition.states.items()]
    lines.append(f'    "[*]" -> "{definition.initial}";')
    lines += [f'    "{e.source}" -> "{e.dest}" [label="{_dot(e.label)}"];'
              for e in edges(definition)]
    lines += [f'    "{state}" -> "[end]";' for state in definition.final_states()]
    lines.append("}")
    return "\n".join(lines) + "\n"


def diagram_png(definition: Definition) -> bytes | None:
    """The diagram as a PNG drawn by Graphviz, or None when ``dot`` is not installed."""
    dot = shutil.which("dot")
    if dot is None:
        return None
    drawn = subprocess.run([dot, "-Tpng"], input=graphviz(definition).encode(),
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


async def handle_workflow(definition: Definition, caller: CallerLike, args: Args,
                          upload: Upload | None = None) -> Reply:
    """`/review workflow [text]`: the Mermaid text, and (without ``text``) the PNG shared
    in the caller's channel when a renderer and ``upload`` are there."""
    if args.words not in ([], ["text"]):
        raise BadInput("`workflow` takes nothing after it, or `text` for the text alone.")
    name = Path(definition.source).name
    about = (f"{len(definition.states)} states and {len(definition.step_names)} steps, "
             f"from `{name}`. Paste the text into any Mermaid viewer (GitHub, mermaid.live) "
             "to draw it.")
    blocks = [render.header(f"The workflow ({name})"), render.context(about)]
    blocks += code_sections(mermaid(definition), render.MAX_BLOCKS - 3)
    if not args.words:
        blocks.append(render.context(await _picture(definition, caller, upload)))
    return Reply(f"The workflow as a Mermaid diagram ({name})", blocks)


async def _picture(definition: Definition, caller: CallerLike, upload: Upload | None) -> str:
    if upload is None or not caller.channel:
        return "No picture here: this bot does not post files in this place."
    try:
        png = await asyncio.to_thread(diagram_png, definition)
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
    return text.replace('"', "#quot;")


def _dot(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')
