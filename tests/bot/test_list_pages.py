"""A list page's Previous and Next buttons: they carry a cursor, open the page they name,
and a damaged, forged or stale one gets a clear answer (or the page of that number)."""

from __future__ import annotations

import json
from typing import Any

from bot.console.stand_in.workspace import Posted
from bot.ui.pages import cursor_text
from tests.bot.conftest import ADMIN, Harness
from tests.bot.test_batches import click
from workflows.jurisdictions import new_jurisdiction
from workflows.ports import Cursor


def turns(message: Posted) -> dict[str, dict[str, Any]]:
    return {e["text"]["text"]: e for block in message.blocks if block["type"] == "actions"
            for e in block["elements"] if e["action_id"].startswith("list_page_")}


def towns(message: Posted) -> list[str]:
    return [line.split("`")[1] for block in message.blocks if block["type"] == "section"
            for line in block["text"]["text"].splitlines() if "`" in line]


async def answer_to(h: Harness, action: dict[str, Any], message: Posted) -> Posted:
    posted = await click(h, ADMIN, action, message)
    assert len(posted) == 1, posted  # answered once
    return posted[0]


async def test_next_and_previous_open_the_pages_they_name(harness: Harness) -> None:
    batch = [new_jurisdiction(f"town-{n:03d}", f"Town {n // 2:03d}", "city", "CA")
             for n in range(45)]  # two of each name: the id orders them
    await harness.bot.review.import_jurisdictions("test", batch)
    first = await harness.answer(ADMIN, "list state=CA")
    assert list(turns(first)) == ["Next ›"]
    second = await answer_to(harness, turns(first)["Next ›"], first)
    assert "page 2 of 3" in second.text and second.ephemeral
    assert towns(second) == [f"town-{n:03d}" for n in range(20, 40)]
    assert list(turns(second)) == ["‹ Previous", "Next ›"]
    third = await answer_to(harness, turns(second)["Next ›"], second)
    assert towns(third) == [f"town-{n:03d}" for n in range(40, 45)]
    assert list(turns(third)) == ["‹ Previous"]
    back = await answer_to(harness, turns(third)["‹ Previous"], third)
    assert towns(back) == towns(second) and "page 2 of 3" in back.text
    assert all(len(b["value"]) <= 2000 for b in turns(second).values())


async def test_a_damaged_or_stale_cursor_gets_a_clear_answer(harness: Harness) -> None:
    batch = [new_jurisdiction(f"town-{n:03d}", f"Town {n:03d}", "city", "CA")
             for n in range(45)]
    await harness.bot.review.import_jurisdictions("test", batch)
    first = await harness.answer(ADMIN, "list")
    forged = dict(turns(first)["Next ›"])
    for value in ("page=2 after=!!!", "page=2 after=" + "A" * 3000,
                  "page=2 after=" + cursor_text(Cursor("a", "b"))[:-3] + "@@@",
                  "page=2 after=WzEsMiwzXQ"):  # [1,2,3]: JSON, but not a cursor
        forged["value"] = value
        refused = await answer_to(harness, forged, first)
        assert refused.ephemeral and "damaged or out of date" in refused.text, refused.text
        assert "`list page=2`" in refused.text and "Traceback" not in refused.text
    forged["value"] = "page=3 after=" + cursor_text(Cursor("zzz", "zzz"))  # after the last
    nearest = await answer_to(harness, forged, first)
    assert towns(nearest) == [f"town-{n:03d}" for n in range(40, 45)]
    typed = await harness.answer(ADMIN, "list page=2 after=<!channel>")
    assert "damaged or out of date" in typed.text and "<!channel>" not in json.dumps(
        typed.blocks)
