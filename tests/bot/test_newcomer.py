"""What a newcomer trips on, through the real app: paging past the end, a typo, the
help, a refused order's words, a history line."""

from __future__ import annotations

import json
import re
from pathlib import Path

from bot.subcommands.commands import command_table
from bot.subcommands.guide import GROUPS, MOST_USED, help_reply
from tests.bot.conftest import ADMIN, Harness
from workflows.definition import default_definition

LEAD = "ULENA"


async def seed(h: Harness, count: int = 1) -> None:
    await h.answer(ADMIN, f"role <@{LEAD}|lena> lead")
    for n in range(count):
        await h.answer(ADMIN, f'add town-{n:02d} "Town {n:02d}" kind=city state=IL')


def lines_of(blocks: list[dict[str, object]]) -> list[str]:
    text = [str(b["text"]["text"]) for b in blocks  # type: ignore[index]
            if b["type"] == "section"]
    return "\n".join(text).splitlines()


async def test_a_page_past_the_last_says_so_and_names_the_last(harness: Harness) -> None:
    await seed(harness, 21)
    listed = await harness.answer(ADMIN, "list kind=city page=5")
    assert "There is no page 5: 21 in all" in listed.text, listed.text
    assert "the last is page 2" in listed.text and "`list kind=city page=2`" in listed.text
    assert "page 2 of 2" in (await harness.answer(ADMIN, "list page=2")).text
    history = await harness.answer(ADMIN, "history town-00 page=3")
    assert "There is no page 3" in history.text and "the last is page 1" in history.text
    assert "page 1 of 1" in (await harness.answer(ADMIN, "history town-00")).text


async def test_a_typo_in_a_command_gets_a_did_you_mean(harness: Harness) -> None:
    answer = await harness.answer(ADMIN, "hstory chicago")
    assert "“hstory” is not a command. Did you mean `history`?" in answer.text, answer.text
    answer = await harness.answer(ADMIN, "help injuction")
    assert "Did you mean `injunction`?" in answer.text, answer.text
    assert "Did you mean" not in (await harness.answer(ADMIN, "zzzz")).text


async def test_help_is_short_and_grouped_with_the_details_a_word_away(harness: Harness) -> None:
    short = await harness.answer(ADMIN, "help")
    shown = lines_of(short.blocks)
    assert len(shown) <= 10, shown
    for _, title, _ in GROUPS:
        assert any(line.startswith(f"*{title}*") for line in shown), title
    named = " ".join(shown)
    for name in command_table(default_definition()):
        assert f"`{name}`" in named, name  # every command is named once, in its group
    assert "/review letter <jurisdiction>" not in named  # usages are a word away
    everything = await harness.answer(ADMIN, "help all")
    assert "/review letter <jurisdiction>" in json.dumps(everything.blocks)
    orders = lines_of((await harness.answer(ADMIN, "help orders")).blocks)
    assert orders[0] == "*Court orders*" and len(orders) == 5, orders
    assert "/review lift <jurisdiction>" in orders[-1]
    detail = await harness.answer(ADMIN, "help letter")
    assert "Example: `/review letter chicago" in json.dumps(detail.blocks)


def test_no_help_or_summary_text_is_damaged() -> None:
    """An old rename left "Add a jurisdiction to the s.review."; no text a person reads
    in help holds a variable's name or a doubled word."""
    definition = default_definition()
    table = command_table(definition)
    texts = [json.dumps(help_reply(topic, table, definition).blocks, ensure_ascii=False)
             for topic in (None, "all", *table)]
    texts += [f"{cmd.usage} {cmd.summary} {cmd.example}" for cmd in table.values()]
    texts += list(MOST_USED)
    for text in texts:
        assert not re.search(r"\b[a-z]\.(review|commands|summaries|record|batches)\b", text), text
        doubled = re.search(r"\b(\w+) \1\b", re.sub(r"`[^`]*`", "", text), re.IGNORECASE)
        assert doubled is None, (doubled, text)


async def test_blocks_names_each_known_word_once(harness: Harness) -> None:
    await seed(harness)
    answer = await harness.answer(LEAD, "injunction town-00 case=1:17-cv-1 blocks=foo")
    known = answer.text[answer.text.index("Known:"):]
    words = [w.strip(" .") for w in known[len("Known:"):].split(",")]
    assert "subpoena" in words and len(words) == len(set(words)), known


async def test_history_says_where_steps_are_announced(harness: Harness) -> None:
    await seed(harness)
    await harness.answer(ADMIN, f"assign town-00 owner=<@{LEAD}|lena>")
    history = json.dumps((await harness.answer(ADMIN, "history town-00")).blocks)
    assert "announced in the default channel" in history, history
    assert "channel the default channel" not in history


async def test_list_by_deadline_tier(harness: Harness) -> None:
    for jid, due in (("ahead", "2018-03-01"), ("late", "2018-01-25"), ("later", "2017-12-20")):
        await harness.answer(ADMIN, f'add {jid} "{jid.title()}, IL" kind=city state=IL')
        await harness.answer(ADMIN, f"letter {jid} date=2017-11-01 due={due}")
    overdue = json.dumps((await harness.answer(ADMIN, "list tier=overdue")).blocks)
    assert "`late`" in overdue and "`later`" not in overdue and "`ahead`" not in overdue
    assert "1 in all" in overdue
    status = json.dumps((await harness.answer(ADMIN, "list status=overdue")).blocks)
    assert "`late`" in status and "1 in all" in status  # a tier, taken as one
    assert "Jurisdictions (tier=overdue)" in status and "tier=very_overdue" in status
    very = json.dumps((await harness.answer(ADMIN, "list tier=very_overdue kind=city")).blocks)
    assert "`later`" in very and "1 in all" in very
    refused = await harness.answer(ADMIN, "list tier=late")
    assert "“late” is not a deadline tier. Tiers: on_track, due_soon, overdue" in refused.text
    assert "very_overdue" in json.dumps((await harness.answer(ADMIN, "help list")).blocks)


def test_the_readme_shows_the_help_as_it_is() -> None:
    definition = default_definition()
    short = help_reply(None, command_table(definition), definition)
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for line in lines_of(short.blocks):
        plain = line.replace("*", "").replace("`", "")
        assert plain in readme, "README's Commands section should show:\n" + plain
