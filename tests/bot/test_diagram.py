"""`/review workflow`: the workflow as Mermaid text, and as a PNG where Graphviz is."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.console.stand_in.records import Failure
from bot.console.stand_in.server import LocalSlack
from bot.subcommands.parsing import Args
from bot.ui.diagram import (
    code_sections,
    diagram_png,
    edges,
    graphviz,
    handle_workflow,
    mermaid,
    upload_png,
)
from bot.ui.render import MAX_BLOCKS, MAX_SECTION
from workflows.definition import RETURN, default_definition, load_definition
from workflows.errors import BadInput

PNG = b"\x89PNG\r\n\x1a\n"
HAS_DOT = shutil.which("dot") is not None
NO_DOT = "Graphviz `dot` is not installed here (apt-get install graphviz to test the PNG)"
TINY = """\
states: {draft: "a \\"draft\\"", done: done}
initial: draft
steps:
  - {name: finish, label: finish, sources: [draft], dest: done, roles: [lead]}
permissions: {add: [lead], alias: [lead], assign: [lead], order: [lead], role: [admin]}
"""


@dataclass(frozen=True)
class Caller:
    user: str
    channel: str


class Uploads:
    """A hand-written stand-in for the upload the bot is given: records what it shares."""

    def __init__(self, refuse: str | None = None) -> None:
        self.shared: list[tuple[str, bytes]] = []
        self.refuse = refuse

    async def __call__(self, channel: str, png: bytes) -> str | None:
        self.shared.append((channel, png))
        return self.refuse


def section_texts(blocks: list[dict[str, object]]) -> list[str]:
    return [str(block["text"]["text"]) for block in blocks
            if block["type"] == "section"]


# -- Mermaid -------------------------------------------------------------------------------


def test_the_mermaid_text_names_every_state_with_its_label() -> None:
    review = default_definition()
    text = mermaid(review)
    assert text.startswith("stateDiagram-v2\n")
    for state, label in review.states.items():
        assert f'    state "{label}" as {state}\n' in text
    assert "    [*] --> new\n" in text
    assert "    closed --> [*]\n" in text
    assert text.count("--> [*]") == 1, "only closed is final"


def test_the_mermaid_text_has_every_step_from_every_source_with_its_roles() -> None:
    review = default_definition()
    text = mermaid(review)
    for step in review.steps:
        roles = "/".join(sorted(role.value for role in step.roles))
        for source in step.sources:
            dests = review.held_sources(source) if step.dest == RETURN else [step.dest]
            for dest in dests:
                assert f"    {source} --> {dest}: {step.name} ({roles}" in text, (step, source)
    arrows = sum(len(review.held_sources(s)) if step.dest == RETURN else 1
                 for step in review.steps for s in step.sources)
    steps = [line for line in text.splitlines() if " --> " in line and "[*]" not in line]
    assert len(steps) == arrows == len(edges(review))


def test_guards_and_the_way_back_are_written_on_the_arrows() -> None:
    text = mermaid(default_definition())
    assert ("subpoena_requested --> subpoena_issued: approve (counsel, if not_requester)\n"
            in text)
    assert "insufficient --> subpoena_requested: subpoena (lead, if after_demand)\n" in text
    assert "awaiting_response --> insufficient: insufficient (admin/analyst/lead, if overdue)\n" \
        in text
    assert "response_received --> insufficient: insufficient (admin/analyst/lead)\n" in text
    assert "clarification_requested --> awaiting_response: resume (admin/analyst/lead, back)\n" \
        in text
    assert "subpoena_requested --> insufficient: deny (counsel, back)\n" in text
    assert RETURN not in text


def test_a_workflow_of_ones_own_is_drawn_as_it_is() -> None:
    tiny = load_definition(TINY, "tiny.yml")
    assert mermaid(tiny) == (
        "stateDiagram-v2\n"
        '    state "a #quot;draft#quot;" as draft\n'
        '    state "done" as done\n'
        "    [*] --> draft\n"
        "    draft --> done: finish (lead)\n"
        "    done --> [*]\n")
    dot = graphviz(tiny)
    assert '"draft" [label="a \\"draft\\"\\n(draft)"];' in dot
    assert '"draft" -> "done" [label="finish (lead)"];' in dot
    assert '"done" -> "[end]";' in dot


def test_the_dot_text_has_every_state_and_arrow() -> None:
    review = default_definition()
    dot = graphviz(review)
    assert dot.startswith("digraph workflow {") and dot.rstrip().endswith("}")
    for state in review.states:
        assert f'    "{state}" [label=' in dot
    assert dot.count(" -> ") == len(edges(review)) + 2  # the start and the end


# -- the PNG ---------------------------------------------------------------------------------


def test_without_graphviz_there_is_no_png(monkeypatch: pytest.MonkeyPatch,
                                          tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH with no programs on it
    assert diagram_png(default_definition()) is None


def test_with_graphviz_the_png_is_drawn() -> None:
    png = diagram_png(default_definition())
    if not HAS_DOT:
        assert png is None
        pytest.skip(NO_DOT)
    assert png is not None and png.startswith(PNG)
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width > 1000 and height > 300, "eleven states side by side"


# -- the command ------------------------------------------------------------------------------


async def test_the_command_answers_with_the_mermaid_text_in_code_blocks() -> None:
    uploads = Uploads()
    reply = await handle_workflow(default_definition(), Caller("UANA", "CREVIEW"), Args(),
                                  uploads)
    assert reply.text == "The workflow as a Mermaid diagram (review.yml)"
    assert reply.blocks[0]["text"]["text"] == "The workflow (review.yml)"
    assert "11 states and 12 steps, from `review.yml`" in str(reply.blocks[1])
    code = section_texts(reply.blocks)
    assert code and all(t.startswith("```\n") and t.endswith("\n```") for t in code)
    assert all(len(t) <= MAX_SECTION for t in code)
    shown = "\n".join(t.removeprefix("```\n").removesuffix("\n```") for t in code)
    expected = mermaid(default_definition()).replace(">", "&gt;").rstrip("\n")
    assert shown == expected
    assert "-->" not in shown, "Slack needs > escaped"
    last = str(reply.blocks[-1])
    if HAS_DOT:
        assert [channel for channel, _ in uploads.shared] == ["CREVIEW"]
        assert uploads.shared[0][1].startswith(PNG)
        assert "The picture is posted in <#CREVIEW>." in last
    else:
        assert uploads.shared == []
        assert "Graphviz (`dot`) is not installed" in last


async def test_without_graphviz_the_command_says_so_and_uploads_nothing(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    uploads = Uploads()
    reply = await handle_workflow(default_definition(), Caller("UANA", "CREVIEW"), Args(),
                                  uploads)
    assert uploads.shared == []
    assert "No picture: Graphviz (`dot`) is not installed where the bot runs." in str(
        reply.blocks[-1])
    assert section_texts(reply.blocks), "the text is given all the same"


async def test_a_refused_upload_is_explained() -> None:
    if not HAS_DOT:
        pytest.skip(NO_DOT)
    reply = await handle_workflow(default_definition(), Caller("UANA", "CREVIEW"), Args(),
                                  Uploads(refuse="not_in_channel"))
    assert "could not be posted (not_in_channel); is the bot in this channel?" in str(
        reply.blocks[-1])


async def test_text_alone_shares_no_picture_and_other_words_are_refused() -> None:
    uploads = Uploads()
    caller = Caller("UANA", "CREVIEW")
    reply = await handle_workflow(default_definition(), caller, Args(["text"]), uploads)
    assert uploads.shared == []
    assert "picture" not in str(reply.blocks)
    with pytest.raises(BadInput, match="`workflow` takes nothing after it"):
        await handle_workflow(default_definition(), caller, Args(["png", "now"]), uploads)


async def test_without_an_upload_or_a_channel_there_is_no_picture() -> None:
    reply = await handle_workflow(default_definition(), Caller("UANA", ""), Args(), Uploads())
    assert "No picture here" in str(reply.blocks[-1])
    reply = await handle_workflow(default_definition(), Caller("UANA", "C1"), Args())
    assert "No picture here" in str(reply.blocks[-1])


def test_a_long_diagram_is_cut_to_fit_slack() -> None:
    lines = [f"    s{n} --> s{n + 1}: step{n} (lead)" for n in range(6000)]
    blocks = code_sections("\n".join(lines), MAX_BLOCKS - 3)
    texts = section_texts(blocks)
    assert len(blocks) == MAX_BLOCKS - 3
    assert all(len(t) <= MAX_SECTION for t in texts)
    assert all(t.startswith("```\n") and t.endswith("\n```") for t in texts[:-1])
    kept = sum(t.count("\n") - 1 for t in texts[:-1])
    assert texts[-1] == f"…and {6000 - kept} more lines, left out to fit Slack."
    assert texts[0].splitlines()[1] == "    s0 --&gt; s1: step0 (lead)"


# -- sharing the PNG in Slack (the stand-in) -----------------------------------------------




async def test_the_png_is_shared_in_the_channel(slack: LocalSlack) -> None:
    client = AsyncWebClient(token=slack.token, base_url=slack.api_url)
    assert await upload_png(client, "CREVIEW", PNG + b"picture") is None
    [shared] = slack.files
    assert (shared.channel, shared.data, shared.title) == (
        "CREVIEW", PNG + b"picture", "The review workflow")


async def test_slacks_refusal_is_given_back(slack: LocalSlack) -> None:
    client = AsyncWebClient(token=slack.token, base_url=slack.api_url)
    slack.failures.append(Failure(500))
    assert await upload_png(client, "CREVIEW", PNG) == "internal_error"
    assert slack.files == []
