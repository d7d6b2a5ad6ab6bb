"""A list page's Previous and Next buttons: they carry a cursor, open the page they name,
and a damaged, forged or stale one gets a clear answer (or the page of that number)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from bot.console.stand_in.workspace import Posted
from bot.ui.pages import cursor_text, listing_page
from tests.bot.conftest import ADMIN, Harness
from tests.bot.test_batches import click
from workflows.jurisdictions import new_jurisdiction
from workflows.model import Listing
from workflows.ports import COUNT_CAP, Cursor, Total


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


def test_a_kept_total_is_exact_and_a_stopped_count_says_more_than() -> None:
    rows = [Listing(f"t{n:02d}", f"Town {n:02d}", "city", "CA", "new", None, None)
            for n in range(20)]
    exact = listing_page(rows, 100_000, 1, 20, date(2018, 2, 1), "", label=str)
    assert "100,000 in all · page 1 of 5000" in json.dumps(exact.blocks, ensure_ascii=False)
    capped = listing_page(rows, Total.more_than(COUNT_CAP), 3, 20, date(2018, 2, 1),
                          "tier=overdue", label=str)
    text = json.dumps(capped.blocks, ensure_ascii=False)
    assert "More than 10,000 in all · page 3" in text and "of" not in capped.text
    assert "list tier=overdue page=4" in text and "Next" in text
