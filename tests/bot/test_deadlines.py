"""Deadlines that explain themselves, closure days and extensions, through the real app
over signed HTTP: on the public record replayed to 2018-02-01, and on a small story."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest

from bot.cli.replay import replay
from bot.wiring.settings import load_settings
from tests.bot.conftest import ADMIN, Harness, running
from tests.bot.test_batches import button, click
from workflows.deadline_changes import derivations
from workflows.derivation import MOVED
from workflows.ports import Filters

FEB_23, FEB_26 = date(2018, 2, 23), date(2018, 2, 26)
KINDS = (frozenset({"clarify"}), frozenset({"resume"}))


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The record replayed to 2018-02-01 once for the module; each test copies it."""
    import asyncio

    folder = tmp_path_factory.mktemp("replayed")
    asyncio.run(replay(load_settings(None), folder / "review.db", date(2018, 2, 1)))
    return folder / "review.db"


@pytest.fixture
async def record(replayed: Path, tmp_path: Path) -> AsyncIterator[Harness]:
    (tmp_path / "review.db").write_bytes(replayed.read_bytes())
    async with running(tmp_path) as h:
        yield h


async def dues(h: Harness) -> dict[str, date | None]:
    items, _ = await h.bot.store.page(Filters(), 0, 1000)
    return {item.id: item.due_on for item in items}


async def test_albany_s_letter_is_explained_across_thanksgiving(record: Harness) -> None:
    answer = await record.answer(ADMIN, "deadline albany")
    text = str(answer.blocks)
    assert answer.ephemeral
    assert "Letter 2017-11-15" in text
    assert "2017-12-08, which is 16 business days" in text
    assert "the letter's day left out (FRCP 6(a)(1)(A))" in text
    assert "skipped: 3 weekends, 2017-11-23 Thanksgiving Day (federal)" in text
    assert "→ due 2017-12-08" in text and "→ due 2018-02-23" in text


async def test_every_derivation_agrees_with_the_stored_deadline(record: Harness) -> None:
    store = record.bot.store
    items, _ = await store.page(Filters(), 0, 1000)
    loaded = await store.get_many([item.id for item in items])
    events = await store.events_of(list(loaded))
    assert len(loaded) == 38
    for j in loaded.values():
        found = derivations(j, events.get(j.id, []), [], KINDS)
        assert [d.due_on for d in found] == [r.due_on for r in j.rounds], j.id


async def test_a_closure_moves_the_23_demands_once_per_channel_and_back(
        record: Harness) -> None:
    for jid in ("albany", "new-york-city"):
        await record.answer(ADMIN, f"assign {jid} channel=<#CNY|ny-team>")
    before = await dues(record)
    assert sum(due == FEB_23 for due in before.values()) == 23
    posted = await record.command(ADMIN, 'closed 2018-02-23 reason="snow day"')
    answer, announcements = posted[-1], [p for p in posted[:-1] if not p.ephemeral]
    assert answer.ephemeral and "23 deadlines moved" in answer.text
    heard = {p.channel: p.text for p in announcements}
    assert len(announcements) == 2 and set(heard) == {"CNY", "CCOMPLIANCE"}, heard
    assert "2 deadlines moved here" in heard["CNY"] and "Albany, NY" in heard["CNY"]
    assert "21 deadlines moved here" in heard["CCOMPLIANCE"]
    assert "Albany" not in heard["CCOMPLIANCE"]
    after = await dues(record)
    assert sum(due == FEB_26 for due in after.values()) == 23
    assert {jid for jid, due in after.items() if due != before[jid]} == {
        jid for jid, due in before.items() if due == FEB_23}
    planned = await record.bot.store.read(
        "SELECT DISTINCT deadline FROM reminders WHERE jurisdiction_id = 'albany'"
        " AND status = 'pending'")
    assert [r["deadline"] for r in planned] == ["2018-02-26"]
    explained = str((await record.answer(ADMIN, "deadline albany")).blocks)
    assert "so it moves to the next open day (FRCP 6(a)(3)) → 2018-02-26" in explained
    events, _ = await record.bot.store.events_of_kind("albany", MOVED, 10)
    assert events[-1].detail["closure"]["reason"] == "snow day"

    listed = await record.answer(ADMIN, "closed")
    assert "#1 `2018-02-23` snow day" in listed.text
    posted = await record.command(ADMIN, "closed withdraw 1")
    assert "23 deadlines moved" in posted[-1].text
    assert len([p for p in posted[:-1] if not p.ephemeral]) == 2
    assert await dues(record) == before
    again = await record.answer(ADMIN, "closed withdraw 1")
    assert "already withdrawn" in again.text


@pytest.mark.parametrize(("command", "says"), [
    ("closed 2018-02-23", "Say why the office was closed"),
    ("closed 2018-01-01..2018-03-01 reason=x", "a closure covers at most 31"),
    ("closed 2019-03-01 reason=x", "more than a year after today"),
    ("closed soon reason=x", "“soon” is not a date"),
    ("closed 2018-02-23 reason=x state=ZZ", "not a US state code"),
    ("closed withdraw seven", "Give the number of the closure"),
])
async def test_a_bad_closure_is_refused_and_nothing_changes(
        record: Harness, command: str, says: str) -> None:
    before = await record.bot.store.seal()
    answer = await record.answer(ADMIN, command)
    assert answer.ephemeral and says in answer.text, answer.text
    assert await record.bot.store.seal() == before
    assert await record.bot.store.closures() == []


async def test_only_leads_and_admins_declare_and_a_state_closure_stays_in_its_state(
        record: Harness) -> None:
    await record.answer(ADMIN, "role <@UANA|ana> analyst")
    refused = await record.answer("UANA", "closed 2018-02-23 reason=x")
    assert "Only admin or lead may use “closed”" in refused.text
    posted = await record.command(ADMIN, "closed 2018-02-23 reason=storm state=NY")
    assert "2 deadlines moved" in posted[-1].text, posted[-1].text
    after = await dues(record)
    assert after["albany"] == FEB_26 and after["new-york-city"] == FEB_26
    assert after["chicago"] == FEB_23


async def test_the_card_s_why_button_explains_the_date(record: Harness) -> None:
    card = await record.answer(ADMIN, "show albany")
    answers = await click(record, ADMIN, button(card, "why_deadline"), card)
    assert "2017-12-08, which is 16 business days" in str(answers[-1].blocks)


STORY = ['add chicago "Chicago, IL" kind=city state=IL',
         'letter chicago date=2018-01-24 due="16 business days"']


async def test_a_lead_extends_a_running_deadline_with_its_reason(harness: Harness) -> None:
    for line in STORY:
        await harness.answer(ADMIN, line)
    assert (await dues(harness))["chicago"] == date(2018, 2, 16)  # Lincoln's Birthday (IL)
    posted = await harness.command(ADMIN, 'extend chicago by="5 business days" reason="asked"')
    assert "due 2018-02-26" in posted[-1].text, posted[-1].text
    assert any("by 5 business days: 2018-02-16 → *2018-02-26*" in p.text for p in posted)
    explained = str((await harness.answer(ADMIN, "deadline chicago")).blocks)
    assert "extended 2018-02-01 (asked): + 5 business days" in explained
    assert "2018-02-19 Washington's Birthday (federal)" in explained
    shorter = await harness.answer(ADMIN, "extend chicago to=2018-02-20 reason=agreed")
    assert "due 2018-02-20" in shorter.text
    assert (await dues(harness))["chicago"] == date(2018, 2, 20)


@pytest.mark.parametrize(("command", "says"), [
    ("extend chicago by=5 days", "Say why the deadline moves"),
    ("extend chicago by=-3 days reason=x", "by= must be a positive count"),
    ("extend chicago by=2018-03-01 reason=x", "for a date, write to="),
    ("extend chicago to=2018-01-30 reason=x", "before today (2018-02-01)"),
    ("extend chicago reason=x", "Give by="),
    ("extend nowhere by=5 days reason=x", "No jurisdiction matches"),
])
async def test_a_bad_extension_is_refused_and_nothing_changes(
        harness: Harness, command: str, says: str) -> None:
    for line in STORY:
        await harness.answer(ADMIN, line)
    before = await harness.bot.store.seal()
    answer = await harness.answer(ADMIN, command)
    assert answer.ephemeral and says in answer.text, answer.text
    assert await harness.bot.store.seal() == before


async def test_no_extension_without_a_running_clock(harness: Harness) -> None:
    await harness.answer(ADMIN, STORY[0])
    none = await harness.answer(ADMIN, "extend chicago by=5 days reason=x")
    assert "has no running deadline" in none.text
    await harness.answer(ADMIN, STORY[1])
    await harness.answer(ADMIN, "clarify chicago date=2018-01-30")
    paused = await harness.answer(ADMIN, "extend chicago by=5 days reason=x")
    assert "clock is paused" in paused.text, paused.text
    resumed = await harness.answer(ADMIN, "resume chicago")
    explained = str((await harness.answer(ADMIN, "deadline chicago")).blocks)
    assert "clock paused 2018-01-30 (clarify): 12 business days left" in explained
    j = await harness.bot.store.get("chicago")
    assert j is not None and f"→ due {j.due_on}" in explained, (resumed.text, explained)
