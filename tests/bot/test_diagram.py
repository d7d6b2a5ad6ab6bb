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
    graphviz,
    handle_workflow,
    mermaid,
    upload_png,
    wanted,
)
from bot.ui.diagram_plan import FEW, all_edges, open_states, plan
from bot.ui.render import MAX_BLOCKS, MAX_SECTION
from tests.bot.conftest import ADMIN, Harness
from tests.bot.test_batches import button, click
from tests.bot.test_custom_workflow import PACKAGED, custom_workflow, without_close
from workflows.definition import RETURN, default_definition, load_definition
from workflows.errors import BadInput
from workflows.review import new_jurisdiction

PNG = b"\x89PNG\r\n\x1a\n"
HAS_DOT = shutil.which("dot") is not None
NO_DOT = "Graphviz `dot` is not installed here (apt-get install graphviz to test the PNG)"
TINY = """\
states: {draft: "a \\"draft\\" #1", done: done}
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


# -- what is drawn -------------------------------------------------------------------------


def arrows(text: str) -> list[str]:
    """The Mermaid lines that draw an arrow (the start's and the ends' too)."""
    return [line.strip() for line in text.splitlines() if " --> " in line]


def test_clear_and_close_are_drawn_once_from_one_box_of_open_states() -> None:
    review = default_definition()
    drawing = plan(review)
    assert [(s.step, s.dest, s.but) for s in drawing.shared] == [
        ("clear", "cleared", ("new",)), ("close", "closed", ("new",))]
    text = mermaid(review)
    assert '    state "from any open state but new" as any_open\n' in text
    assert "    any_open --> cleared: clear (lead)\n" in text
    assert "    any_open --> closed: close (lead)\n" in text
    every = len(all_edges(review))
    assert every == 45, "the packaged file: 45 arrows drawn one by one before"
    assert len(arrows(text)) == 34 and len(arrows(text)) <= every - 10
    for step in ("clear", "close"):
        drawn = [a for a in arrows(text) if f": {step}" in a]
        assert len(drawn) <= 2, (step, drawn)  # the shared arrow, and the main path's


def test_the_main_path_is_drawn_first_and_in_order() -> None:
    review = default_definition()
    drawing = plan(review)
    assert drawing.main == ("new", "awaiting_response", "response_received", "cleared",
                            "closed")
    assert drawing.main_steps == ("letter", "response", "clear", "close")
    assert arrows(mermaid(review))[:5] == [
        "[*] --> new", "new --> awaiting_response: letter",
        "awaiting_response --> response_received: response",
        "response_received --> cleared: clear", "cleared --> closed: close (lead)"]
    assert ("    class new,awaiting_response,response_received,cleared,closed main\n"
            in mermaid(review))
    dot = graphviz(review)
    assert dot.count("penwidth=2.5") == 4
    assert '"response_received" -> "cleared" [label="clear", penwidth=2.5' in dot


def test_the_usual_roles_are_said_once_and_the_others_on_their_arrows() -> None:
    text = mermaid(default_definition())
    assert ("    note left of new: Unmarked steps are for admin, analyst or lead. Bold is "
            "the main path, new → awaiting_response → response_received → cleared → closed."
            "\n") in text
    assert "subpoena_requested --> subpoena_issued: approve (counsel, if not_requester)\n" in text
    assert "insufficient --> subpoena_requested: subpoena (lead, if after_demand)\n" in text
    assert "awaiting_response --> insufficient: insufficient (if overdue)\n" in text
    assert "response_received --> insufficient: insufficient\n" in text
    assert "clarification_requested --> awaiting_response: resume (back)\n" in text
    assert "subpoena_requested --> insufficient: deny (counsel, back)\n" in text
    assert RETURN not in text and "admin/analyst/lead" not in text


def test_every_step_from_every_source_is_drawn_or_said_by_a_shared_arrow() -> None:
    review = default_definition()
    drawing = plan(review)
    drawn = {(e.step, e.source, e.dest) for e in drawing.edges}
    for edge in all_edges(review):
        shared = [s for s in drawing.shared if (s.step, s.dest) == (edge.step, edge.dest)
                  and edge.source in s.sources and edge.roles <= s.roles]
        assert (edge.step, edge.source, edge.dest) in drawn or shared, edge


def test_the_mermaid_text_names_every_state_with_its_label() -> None:
    review = default_definition()
    text = mermaid(review)
    assert text.startswith("stateDiagram-v2\n")
    for state, label in review.states.items():
        assert f'    state "{label}" as {state}\n' in text
    assert "    [*] --> new\n" in text
    assert "    closed --> [*]\n" in text
    assert text.count("--> [*]") == 1, "only closed is final"
    assert "current" not in text, "no jurisdiction, nothing highlighted"


def test_the_current_state_is_highlighted() -> None:
    text = mermaid(default_definition(), current="insufficient")
    assert text.endswith("    classDef current fill:#ffd54f,stroke:#e65100,stroke-width:3px\n"
                         "    class insufficient current\n")
    dot = graphviz(default_definition(), current="insufficient")
    [node] = [line for line in dot.splitlines() if line.startswith('    "insufficient" [')]
    assert 'style="rounded,filled", fillcolor="#ffd54f"' in node
    assert dot.count("filled") == 1


def test_a_workflow_of_ones_own_is_drawn_as_it_is() -> None:
    tiny = load_definition(TINY, "tiny.yml")
    assert mermaid(tiny) == (
        "stateDiagram-v2\n"
        '    state "a #quot;draft#quot; #35;1" as draft\n'
        '    state "done" as done\n'
        "    [*] --> draft\n"
        "    draft --> done: finish\n"
        "    done --> [*]\n"
        "    note left of draft: Unmarked steps are for lead. Bold is the main path, "
        "draft → done.\n"
        "    classDef main font-weight:bold,stroke-width:3px\n"
        "    class draft,done main\n")
    dot = graphviz(tiny)
    assert '"draft" [label="a \\"draft\\" #1\\n(draft)", penwidth=2' in dot
    assert '"draft" -> "done" [label="finish", penwidth=2.5' in dot
    assert '"done" -> "[end]";' in dot
    assert plan(tiny).shared == (), "one arrow is no clutter"


def test_a_custom_workflow_file_draws_its_own_shared_steps_and_path(tmp_path: Path) -> None:
    custom = load_definition(custom_workflow(tmp_path), "custom.yml")
    drawing = plan(custom)
    assert [(s.step, s.but) for s in drawing.shared] == [("clear", ("new",)),
                                                         ("close", ("new",))]
    assert "    insufficient --> referred: refer (lead)\n" in mermaid(custom)
    assert "    referred --> [*]\n" in mermaid(custom)
    no_close = load_definition(without_close(tmp_path), "no-close.yml")
    drawing = plan(no_close)
    assert [s.step for s in drawing.shared] == ["clear"]
    assert drawing.main == ("new", "awaiting_response", "response_received", "cleared")


def test_a_step_missing_from_more_than_a_few_open_states_is_not_shared() -> None:
    text = PACKAGED.read_text(encoding="utf-8").replace(
        "sources: [cleared, awaiting_response, response_received, clarification_requested,\n"
        "              insufficient,", "sources: [cleared, awaiting_response,\n")
    fewer = load_definition(text, "fewer.yml")
    assert [s.step for s in plan(fewer).shared] == ["clear"]
    assert "    awaiting_response --> closed: close (lead)\n" in mermaid(fewer)
    assert "    response_received --> closed" not in mermaid(fewer)
    exceptions = ("new", "response_received", "clarification_requested", "insufficient")
    assert len(exceptions) > len(open_states(fewer)) // FEW


def test_the_dot_text_has_every_state_and_arrow() -> None:
    review = default_definition()
    drawing = plan(review)
    dot = graphviz(review)
    assert dot.startswith("digraph workflow {") and dot.rstrip().endswith("}")
    for state in review.states:
        assert f'    "{state}" [label=' in dot
    assert '"any_open" [label="from any open state but new", style="dashed,rounded"];' in dot
    assert dot.count(" -> ") == len(drawing.edges) + len(drawing.shared) + 2


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
    reply = await handle_workflow(default_definition(), Caller("UANA", "CREVIEW"), False,
                                  uploads)
    assert reply.text == "The workflow (review.yml) as a Mermaid diagram"
    assert reply.blocks[0]["text"]["text"] == "The workflow (review.yml)"
    assert "11 states and 12 steps, from `review.yml`" in str(reply.blocks[1])
    assert "Bold is the main path, new → awaiting_response" in str(reply.blocks[1])
    code = section_texts(reply.blocks)
    assert code and all(t.startswith("```\n") and t.endswith("\n```") for t in code)
    assert all(len(t) <= MAX_SECTION for t in code)
    shown = "\n".join(t.removeprefix("```\n").removesuffix("\n```") for t in code)
    expected = mermaid(default_definition()).replace(">", "&gt;").rstrip("\n")
    assert shown == expected, "the Mermaid text as it is, Slack's three escapes aside"
    assert "-->" not in shown and "&quot;" not in shown and "&amp;" not in shown
    last = str(reply.blocks[-1])
    if HAS_DOT:
        assert [channel for channel, _ in uploads.shared] == ["CREVIEW"]
        assert uploads.shared[0][1].startswith(PNG)
        assert "The picture is posted in <#CREVIEW>." in last
    else:
        assert uploads.shared == []
        assert "Graphviz (`dot`) is not installed" in last


async def test_a_jurisdiction_s_state_is_highlighted_in_the_text_and_the_picture() -> None:
    here = new_jurisdiction("a-b", "A & <B>", "city", "CA")
    uploads = Uploads()
    reply = await handle_workflow(default_definition(), Caller("UANA", "CREVIEW"), False,
                                  uploads, here)
    assert reply.blocks[0]["text"]["text"] == "A & <B> in the workflow (review.yml)"
    assert reply.text == "A &amp; &lt;B&gt; in the workflow (review.yml) as a Mermaid diagram"
    assert ("*A &amp; &lt;B&gt;* is at _added, no letter yet_ (`new`), highlighted."
            in str(reply.blocks[1]))
    shown = "\n".join(section_texts(reply.blocks))
    assert "    class new current\n" in shown
    if HAS_DOT:
        [(_, png)] = uploads.shared
        assert png.startswith(PNG) and png != diagram_png(default_definition())


def test_the_words_name_a_jurisdiction_and_text_asks_for_the_text_alone() -> None:
    assert wanted(Args()) == ("", False)
    assert wanted(Args(["text"])) == ("", True)
    assert wanted(Args(["new", "york", "Text"])) == ("new york", True)
    assert wanted(Args(["chicago"])) == ("chicago", False)
    with pytest.raises(BadInput, match="nothing with “=”"):
        wanted(Args(["chicago"], {"page": "2"}))


async def test_without_graphviz_the_command_says_so_and_uploads_nothing(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    uploads = Uploads()
    reply = await handle_workflow(default_definition(), Caller("UANA", "CREVIEW"), False,
                                  uploads)
    assert uploads.shared == []
    assert "No picture: Graphviz (`dot`) is not installed where the bot runs." in str(
        reply.blocks[-1])
    assert section_texts(reply.blocks), "the text is given all the same"


async def test_a_refused_upload_is_explained() -> None:
    if not HAS_DOT:
        pytest.skip(NO_DOT)
    reply = await handle_workflow(default_definition(), Caller("UANA", "CREVIEW"), False,
                                  Uploads(refuse="not_in_channel"))
    assert "could not be posted (not_in_channel); is the bot in this channel?" in str(
        reply.blocks[-1])


async def test_text_alone_shares_no_picture() -> None:
    uploads = Uploads()
    caller = Caller("UANA", "CREVIEW")
    reply = await handle_workflow(default_definition(), caller, True, uploads)
    assert uploads.shared == []
    assert "picture" not in str(reply.blocks)


async def test_without_an_upload_or_a_channel_there_is_no_picture() -> None:
    reply = await handle_workflow(default_definition(), Caller("UANA", ""), False, Uploads())
    assert "No picture here" in str(reply.blocks[-1])
    reply = await handle_workflow(default_definition(), Caller("UANA", "C1"))
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


# -- a jurisdiction's place, from its card (the real app over signed HTTP) -----------------


async def test_the_card_s_workflow_button_highlights_where_it_stands(harness: Harness) -> None:
    await harness.answer(ADMIN, 'add chicago "Chicago, IL" kind=city state=IL')
    await harness.answer(ADMIN, "letter chicago date=2017-04-21 due=2017-06-30")
    card = await harness.answer(ADMIN, "show chicago")
    answers = await click(harness, ADMIN, button(card, "card_workflow"), card)
    shown = str(answers[-1].blocks)
    assert "Chicago, IL in the workflow (review.yml)" in shown
    assert "class awaiting_response current" in shown
    assert "is at _letter sent, awaiting response_ (`awaiting_response`)" in shown
    if HAS_DOT:
        [shared] = harness.slack.files
        assert shared.data.startswith(PNG)


async def test_the_workflow_of_a_jurisdiction_that_is_not_there_is_refused(
        harness: Harness) -> None:
    answer = await harness.answer(ADMIN, "workflow atlantis text")
    assert "atlantis" in answer.text.lower() and "class " not in str(answer.blocks)
    answer = await harness.answer(ADMIN, "workflow text")
    assert "class new," in str(answer.blocks) and "current" not in str(answer.blocks)
