"""A step the workflow file says needs a text (a threat, its rationale) is refused
without it from the slash command, a card's button, its form and a batch alike, and
nothing changes."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from tests.bot.conftest import Harness, running
from tests.bot.test_interactions import ANALYST, LEAD, buttons, card_for, click_only, team

RATIONALE = "Give the rationale for the document demand."
CLEAR_WHY = "Say why the jurisdiction is cleared."


async def standing(h: Harness) -> list[tuple[str, str, int]]:
    rows = await h.bot.store.read("SELECT id, state, version FROM jurisdictions ORDER BY id")
    return [(row["id"], row["state"], row["version"]) for row in rows]


async def batches(h: Harness) -> int:
    [row] = await h.bot.store.read("SELECT count(*) AS n FROM batches")
    return int(row["n"])


async def two_insufficient(h: Harness) -> None:
    """Chicago and Denver, each with an insufficient response, for a lead to threaten."""
    await team(h)
    await h.answer(ANALYST, 'add denver "Denver, CO" state=CO')
    for text in ("letter denver date=2017-04-21 due=2017-06-30",
                 "response denver date=2017-06-30",
                 "insufficient denver date=2017-07-05", "insufficient chicago date=2017-07-05"):
        await h.answer(ANALYST, text)


async def test_a_threat_without_its_rationale_is_refused_on_every_surface(
        harness: Harness) -> None:
    await two_insufficient(harness)
    before = await standing(harness)
    for text in ("threaten chicago date=2018-01-24 due=30 days",
                 "batch threaten chicago date=2018-01-24 due=30 days",
                 "batch threaten chicago, denver date=2018-01-24 due=30 days"):
        refused = await harness.answer(LEAD, text)
        assert RATIONALE in refused.text and refused.ephemeral, (text, refused.text)
    assert await batches(harness) == 0
    card = await card_for(harness, LEAD)
    await click_only(harness, LEAD, buttons(card)["step_threaten"], card)  # opens its form
    form = harness.slack.modals[-1]
    assert [b["optional"] for b in form["blocks"] if b.get("block_id") == "note"] == [False]
    _, ack = await harness.sender.submit(harness.session, LEAD, form,
                                         {"date": "2018-01-24", "due": "30 days", "note": ""})
    assert ack == {"response_action": "errors", "errors": {"note": RATIONALE}}
    assert await standing(harness) == before
    done = await harness.answer(LEAD, "threaten chicago date=2018-01-24 due=30 days "
                                      "note=no documents came")
    assert "threatened *Chicago, IL*" in done.text


def clear_needs_a_note(folder: Path) -> Path:
    """The packaged workflow, but clearing a jurisdiction needs a note."""
    text = resources.files("workflows").joinpath("review.yml").read_text(encoding="utf-8")
    head = "  - name: clear\n"
    assert text.count(head) == 2
    custom = folder / "custom.yml"
    custom.write_text(text.replace(head, f"{head}    needs:\n      note: {CLEAR_WHY}\n"),
                      encoding="utf-8")
    return custom


async def test_a_custom_workflow_file_declares_the_need_for_another_step(
        tmp_path: Path) -> None:
    async with running(tmp_path, review_workflow=str(clear_needs_a_note(tmp_path))) as h:
        await two_insufficient(h)
        await h.answer(ANALYST, "response chicago date=2017-07-10")
        before = await standing(h)
        for user, text in ((ANALYST, "clear chicago date=2017-07-11"),
                           (LEAD, "batch clear chicago, denver date=2017-07-11")):
            refused = await h.answer(user, text)
            assert CLEAR_WHY in refused.text, (text, refused.text)
        assert await batches(h) == 0
        card = await card_for(h, ANALYST)
        status, _ = await click_only(h, ANALYST, buttons(card)["step_clear"], card)
        assert status == 200 and await standing(h) == before  # a form, not a clearance
        [form] = h.slack.modals
        assert {b["block_id"]: b["optional"] for b in form["blocks"] if b["type"] == "input"
                } == {"date": False, "note": False}
        _, ack = await h.sender.submit(h.session, ANALYST, form, {"date": "2017-07-11"})
        assert ack == {"response_action": "errors", "errors": {"note": CLEAR_WHY}}
        assert await standing(h) == before
        _, ack = await h.sender.submit(h.session, ANALYST, form,
                                       {"date": "2017-07-11", "note": "answered in full"})
        assert ack == {}
        assert (await h.bot.store.get("chicago")).state == "cleared"  # type: ignore[union-attr]
        assert "Nothing was changed" not in (await h.answer(
            LEAD, "clear denver date=2017-07-11 note=withdrawn")).text
