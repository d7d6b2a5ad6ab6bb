"""Steps and court orders dated after today or before 1990 are refused on every surface:
the slash command, the step and court order forms, batches, imports (Slack and the
command line). The harness's today is 2018-02-01 (15:00 UTC, 10:00 in New York)."""

from __future__ import annotations

from pathlib import Path

from tests.bot.conftest import ADMIN, Harness
from tests.bot.test_cli import review_bot
from tests.bot.test_interactions import buttons, card_for, click_only

ANALYST, LEAD, COUNSEL = "UANALYST", "ULEAD", "UCOUNSEL"
HEADER = "date,jurisdiction,event,due,detail,date_is_approximate\n"


def ahead(day: str) -> str:
    return f"{day} is after today (2018-02-01): only what has already happened can be recorded."


def long_ago(day: str) -> str:
    return (f"{day} is before 1990-01-01, earlier than anything this review records (today "
            "is 2018-02-01); check the year.")


async def team(h: Harness) -> None:
    for user, role in ((ANALYST, "analyst"), (LEAD, "lead"), (COUNSEL, "counsel")):
        await h.answer(ADMIN, f"role <@{user}|x> {role}")
    for jid, name in (("chicago", "Chicago, IL"), ("albany", "Albany, NY")):
        await h.answer(ANALYST, f'add {jid} "{name}" kind=city')
        await h.answer(ANALYST, f"letter {jid} date=2017-11-15 due=2017-12-08")


async def standing(h: Harness, jid: str = "chicago") -> tuple[str, int, int]:
    j = await h.bot.store.get(jid)
    assert j is not None
    return j.state, j.version, len(j.orders)


async def announcements(h: Harness) -> int:
    await h.bot.relay.flush()
    return len([p for p in h.slack.posted if p.channel and not p.response_key])


async def test_the_slash_command_refuses_a_step_dated_ahead_or_long_ago(
        harness: Harness) -> None:
    await team(harness)
    before, posted = await standing(harness), await announcements(harness)
    for day, why in (("2099-01-01", ahead("2099-01-01")), ("2030-06-01", ahead("2030-06-01")),
                     ("2018-02-02", ahead("2018-02-02")), ("1989-12-31", long_ago("1989-12-31"))):
        reply = await harness.answer(ANALYST, f"response chicago date={day}")
        assert reply.text == f":warning: {why}", reply.text
    assert await standing(harness) == before
    assert await announcements(harness) == posted
    reply = await harness.answer(ANALYST, "response chicago date=2018-02-01")  # not frozen
    assert "Traceback" not in reply.text
    assert (await standing(harness))[0] == "response_received"


async def test_court_orders_and_liftings_dated_ahead_are_refused(harness: Harness) -> None:
    await team(harness)
    before = await standing(harness)
    reply = await harness.answer(COUNSEL, "injunction chicago case=1:17-cv-05720 "
                                          "date=2030-01-01 blocks=escalation")
    assert reply.text == f":warning: {ahead('2030-01-01')}"
    reply = await harness.answer(COUNSEL, "lawsuit chicago case=1:17-cv-05720 date=1989-08-07")
    assert reply.text == f":warning: {long_ago('1989-08-07')}"
    assert await standing(harness) == before
    await harness.answer(COUNSEL, "injunction chicago case=1:17-cv-05720 date=2017-09-15 "
                                  "blocks=escalation")
    order = await standing(harness)
    reply = await harness.answer(COUNSEL, "lift chicago 1 date=2099-01-01")
    assert reply.text == f":warning: {ahead('2099-01-01')}"
    assert await standing(harness) == order
    j = await harness.bot.store.get("chicago")
    assert j is not None and j.orders[0].lifted_on is None


async def test_a_batch_dated_ahead_is_refused_when_proposed(harness: Harness) -> None:
    await team(harness)
    posted = len(harness.slack.posted)
    reply = await harness.answer(LEAD, "batch insufficient chicago, albany date=2099-01-01")
    assert reply.text == f":warning: {ahead('2099-01-01')}"
    assert await harness.bot.store.read("SELECT id FROM batches") == []
    assert [p for p in harness.slack.posted[posted:] if not p.response_key] == []


async def test_the_step_form_shows_the_refusal_under_its_date(harness: Harness) -> None:
    await team(harness)
    card = await card_for(harness, ANALYST)
    await click_only(harness, ANALYST, buttons(card)["step_response"], card)
    form = harness.slack.modals[-1]
    before = await standing(harness)
    _, ack = await harness.sender.submit(harness.session, ANALYST, form,
                                         {"date": "2030-01-01", "note": "from the future"})
    assert ack == {"response_action": "errors", "errors": {"date": ahead("2030-01-01")}}
    assert await standing(harness) == before
    _, ack = await harness.sender.submit(harness.session, ANALYST, form,
                                         {"date": "2018-02-01", "note": "today"})
    assert ack == {} and (await standing(harness))[0] == "response_received"


async def test_the_court_order_form_shows_the_refusal_under_its_date(harness: Harness) -> None:
    await team(harness)
    card = await card_for(harness, COUNSEL)
    await click_only(harness, COUNSEL, buttons(card)["order_open"], card)
    form = harness.slack.modals[-1]
    before = await standing(harness)
    for day, why in (("2099-01-01", ahead("2099-01-01")), ("1970-01-01", long_ago("1970-01-01"))):
        _, ack = await harness.sender.submit(
            harness.session, COUNSEL, form,
            {"kind": "injunction", "case": "1:17-cv-05720", "date": day,
             "blocks": ["escalation"]})
        assert ack == {"response_action": "errors", "errors": {"date": why}}
    assert await standing(harness) == before


async def test_a_slack_import_with_a_line_dated_ahead_imports_nothing(
        harness: Harness) -> None:
    await team(harness)
    before = await standing(harness)
    text = HEADER + ("2018-01-24,chicago,found_insufficient,,no answer,\n"
                     "2099-01-01,albany,found_insufficient,,from the future,\n")
    file_id = harness.slack.share("ahead.csv", text.encode(), ANALYST)
    reply = await harness.answer(ANALYST, f"import {file_id} apply")
    assert reply.text == "ahead.csv: 1 bad line(s); nothing was imported."
    assert (f"line 3: found_insufficient on 2099-01-01 for albany: {ahead('2099-01-01')}"
            in str(reply.blocks))
    assert await standing(harness) == before


def test_a_command_line_import_with_a_line_dated_ahead_imports_nothing(
        tmp_path: Path) -> None:
    towns, events = tmp_path / "towns.csv", tmp_path / "events.csv"
    towns.write_text("id,name\nchicago,\"Chicago, IL\"\n", encoding="utf-8")
    events.write_text(HEADER + "2017-04-21,chicago,letter_sent,2017-06-30,,\n"
                               "2099-01-01,chicago,response_received,,,\n", encoding="utf-8")
    assert review_bot(tmp_path, "import", str(towns)).returncode == 0
    result = review_bot(tmp_path, "import", str(events))
    assert result.returncode == 1
    first = result.stdout.splitlines()[0]
    assert first.startswith(f"{events}:line 3: response_received on 2099-01-01 for chicago: "
                            "2099-01-01 is after today (")
    assert "only what has already happened can be recorded." in first
    assert "1 bad line(s); nothing was imported." in result.stdout
