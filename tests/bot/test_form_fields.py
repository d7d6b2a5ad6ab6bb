"""A form shows a refusal under the field the refusal names (``ReviewError.field``),
never by guessing from its English words, and changes nothing."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.bot.conftest import ADMIN, Harness
from tests.bot.test_interactions import ANALYST, COUNSEL, LEAD, buttons, card_for, click_only, team

LONG_NOTE, LONG_LINK, LONG_CASE = "n" * 3001, "https://example.org/" + "l" * 2000, "1" * 201


async def history(h: Harness) -> list[tuple[str, int]]:
    """Every jurisdiction's id and version: what a refused form must leave alone."""
    rows = await h.bot.store.read("SELECT id, version FROM jurisdictions ORDER BY id")
    return [(row["id"], row["version"]) for row in rows]


async def refused_under(h: Harness, user: str, form: dict[str, Any],
                        cases: list[tuple[dict[str, Any], str, str]]) -> None:
    """Submit each case's values; each is refused under its field, with its words."""
    before = await history(h)
    for values, field, words in cases:
        status, ack = await h.sender.submit(h.session, user, form, values)
        assert status == 200 and ack.get("response_action") == "errors", (values, ack)
        assert list(ack["errors"]) == [field], (values, ack)
        assert words in ack["errors"][field], (values, ack)
    assert await history(h) == before


async def test_the_step_forms_show_each_refusal_under_its_field(harness: Harness) -> None:
    await team(harness)  # chicago: a response received on 2017-06-30
    card = await card_for(harness, LEAD)
    await click_only(harness, LEAD, buttons(card)["step_finding"], card)
    finding = harness.slack.modals[-1]
    await refused_under(harness, LEAD, finding, [
        ({"date": "2017-06-01", "due": "30 days"}, "date", "before Chicago, IL's last step"),
        # The words name the step's date; the refusal is about the deadline.
        ({"date": "2017-07-10", "due": "2017-07-01"}, "due",
         "The deadline 2017-07-01 must fall after the step's date 2017-07-10."),
        ({"date": "2017-07-10", "due": "soon"}, "due", "“soon” is not a deadline"),
        ({"date": "2017-07-10", "due": "30 days", "note": LONG_NOTE}, "note",
         "The note is 3,001 characters long"),
    ])
    await harness.answer(ANALYST, 'add denver "Denver, CO" state=CO')
    await harness.answer(ANALYST, "letter denver date=2017-04-21 due=2017-06-30")
    card = await harness.answer(ANALYST, "show denver")
    await click_only(harness, ANALYST, buttons(card)["step_response"], card)
    response = harness.slack.modals[-1]
    await refused_under(harness, ANALYST, response, [
        ({"date": "2017-06-30", "link": LONG_LINK}, "link", "The link is 2,020 characters"),
        ({"date": "2030-01-01"}, "date", "is after today"),
    ])


async def test_the_order_form_shows_each_refusal_under_its_field(harness: Harness) -> None:
    await team(harness)
    card = await card_for(harness, COUNSEL)
    await click_only(harness, COUNSEL, buttons(card)["order_open"], card)
    form = harness.slack.modals[-1]
    order = {"kind": "injunction", "case": "2:17-cv-03894", "date": "2017-11-15"}
    await refused_under(harness, COUNSEL, form, [
        ({**order, "case": LONG_CASE}, "case", "The case number is 201 characters long"),
        ({**order, "court": "E" * 201}, "court", "The court is 201 characters long"),
        ({**order, "scope": LONG_NOTE}, "scope", "The scope is 3,001 characters long"),
        ({**order, "date": "2030-01-01"}, "date", "is after today"),
        ({**order, "blocks": ["closing"]}, "blocks", "“closing” is not a step an order"),
        # A crafted payload can carry a kind the menu never offered.
        ({**order, "kind": "decree"}, "kind", "“decree” is not a kind of court order"),
    ])


async def test_the_add_form_shows_each_refusal_under_its_field(harness: Harness) -> None:
    await team(harness)
    await harness.answer(ADMIN, "alias chicago chi")
    status, _ = await harness.sender.post(
        harness.session, harness.sender.form(ANALYST, "add", "CREVIEW", "bare"))
    assert status == 200
    for _ in range(250):
        if harness.slack.modals:
            break
        await asyncio.sleep(0.02)
    [form] = harness.slack.modals
    denver = {"id": "denver", "name": "Denver, CO", "state": "CO"}
    await refused_under(harness, ANALYST, form, [
        # Each of these speaks of a "name", an "alias" or nothing the words would give
        # away; each is about the field it lands under.
        ({**denver, "id": "bad name"}, "id", "“bad name” is not a valid id"),
        ({**denver, "id": "chicago"}, "id", "“chicago” is already taken by Chicago, IL"),
        ({**denver, "name": "N" * 201}, "name", "The name is 201 characters long"),
        ({**denver, "kind": "Name!"}, "kind", "“name!” is not a kind"),
        ({**denver, "state": "ZZ"}, "state", "“ZZ” is not a US state code"),
        ({**denver, "aliases": "den, chi"}, "aliases", "“chi” is already taken by Chicago"),
        ({**denver, "aliases": "big name!"}, "aliases", "“big name!” is not a valid alias"),
    ])
    assert await harness.bot.store.get("denver") is None
