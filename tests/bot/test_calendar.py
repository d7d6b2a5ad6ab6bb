"""The deadlines calendar as the team uses it, through the real Bolt app over signed
HTTP: ``/review calendar`` uploads an .ics file, ``/review calendar feed`` makes the
address calendar apps subscribe to, served by the same running bot. Every file is
read back by two parsers that share no code: ``icalendar`` and ``vobject``."""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import icalendar
import vobject

from bot.console.stand_in.records import Uploaded
from bot.subcommands.calendars import feed_reply
from tests.bot.conftest import ADMIN, Harness, running

ANALYST, LEAD, ANA = "UANALYST", "ULEAD", "UANA"
TOKEN = re.compile(r"/calendar/([A-Za-z0-9_-]{40,})\.ics")


async def setup(h: Harness) -> None:
    for user, role in ((ANALYST, "analyst"), (LEAD, "lead"), (ANA, "analyst")):
        assert f"is now {role}" in (await h.answer(ADMIN, f"role <@{user}> {role}")).text
    for jid, name, state in (("chicago", "Chicago, IL", "IL"), ("albany", "Albany, NY", "NY"),
                             ("berkeley", "Berkeley, CA", "CA")):
        assert "added" in (await h.answer(ANALYST, f'add {jid} "{name}" kind=city state={state}'
                                          )).text
    for step in ("letter chicago date=2018-01-10 due=2018-02-23",
                 "letter albany date=2018-01-11 due=20 business days",
                 "assign albany owner=<@UANA|ana> channel=#east"):
        answer = await h.answer(ANALYST if step.startswith("letter") else LEAD, step)
        assert "Usage" not in answer.text, answer.text


async def export(h: Harness, user: str = ANALYST, options: str = "") -> Uploaded:
    before = len(h.slack.files)
    answer = await h.answer(user, f"calendar {options}".strip())
    assert "uploaded to" in answer.text, answer.text
    assert len(h.slack.files) == before + 1
    return h.slack.files[-1]


def events_of(data: bytes) -> dict[str, icalendar.Event]:
    """The events by UID, after checking that vobject reads the same file alike."""
    calendar = icalendar.Calendar.from_ical(data)
    assert calendar["VERSION"] == "2.0" and calendar["METHOD"] == "PUBLISH"
    assert calendar["CALSCALE"] == "GREGORIAN" and "review-bot" in calendar["PRODID"]
    assert calendar["X-WR-CALNAME"] == "Compliance review deadlines"
    found = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    other = vobject.readOne(data.decode("utf-8"))
    theirs = {e.uid.value: e for e in getattr(other, "vevent_list", [])}
    assert set(theirs) == set(found)
    for key, event in theirs.items():
        assert event.summary.value == str(found[key]["SUMMARY"])
        assert event.description.value == str(found[key]["DESCRIPTION"])
        assert event.dtstart.value == found[key].decoded("DTSTART")
        assert int(event.sequence.value) == int(found[key]["SEQUENCE"])
    return found


async def test_every_running_deadline_is_one_all_day_event(harness: Harness) -> None:
    await setup(harness)
    uploaded = await export(harness)
    assert uploaded.channel == "CREVIEW" and uploaded.title.endswith(".ics")
    events = events_of(uploaded.data)
    assert len(events) == 2  # berkeley has no round: no deadline
    [chicago] = [e for uid, e in events.items() if uid.startswith("chicago-round-1@")]
    assert str(chicago["SUMMARY"]) == "Due: Chicago, IL — letter (round 1)"
    assert chicago.decoded("DTSTART") == date(2018, 2, 23)
    assert chicago.decoded("DTEND") == date(2018, 2, 24)
    assert b"DTSTART;VALUE=DATE:20180223" in uploaded.data
    assert int(chicago["SEQUENCE"]) == 0 and "DTSTAMP" in chicago
    description = str(chicago["DESCRIPTION"])
    assert ("Deadline: letter 2018-01-10, due on a date set (2018-02-23) → due 2018-02-23"
            " (FRCP 6(a)).") in description  # the derivation /review deadline shows
    assert "app_redirect?channel=compliance-review&team=" in description
    [albany] = [e for uid, e in events.items() if uid.startswith("albany-")]
    assert "letter 2018-01-11 + 20 business days → due" in str(albany["DESCRIPTION"])
    assert "channel=east" in str(albany["URL"])


async def test_uids_are_stable_and_a_moved_deadline_raises_its_sequence(
        harness: Harness) -> None:
    await setup(harness)
    first = await export(harness)
    second = await export(harness)
    assert first.data == second.data  # nothing changed: the very same file
    await harness.answer(ANALYST, "clarify chicago date=2018-01-20")
    paused = events_of((await export(harness)).data)
    assert not any(uid.startswith("chicago-") for uid in paused)  # no clock running
    await harness.answer(ANALYST, "resume chicago date=2018-01-30")
    moved = events_of((await export(harness)).data)
    before = events_of(first.data)
    assert set(moved) == set(before)  # the same UIDs: updated in place, not added
    [uid] = [uid for uid in moved if uid.startswith("chicago-")]
    due = moved[uid].decoded("DTSTART")
    assert due > date(2018, 2, 23)  # the clock stood still for ten days
    assert int(moved[uid]["SEQUENCE"]) == 1 > int(before[uid]["SEQUENCE"])
    assert f"→ due {due.isoformat()} (FRCP 6(a); 1 pause)" in str(moved[uid]["DESCRIPTION"])
    albany = next(u for u in moved if u.startswith("albany-"))
    assert moved[albany]["SEQUENCE"] == before[albany]["SEQUENCE"]
    # An extension and a closure day move it too: each raises the SEQUENCE once more.
    extended = await harness.answer(LEAD, "extend chicago by=5 days reason=asked for time")
    assert "2018-03-1" in extended.text, extended.text
    later = events_of((await export(harness)).data)[uid]
    assert int(later["SEQUENCE"]) == 2 and "1 pause, 1 extension" in str(later["DESCRIPTION"])
    closed = await harness.answer(LEAD, f"closed {later.decoded('DTSTART')} reason=snow day")
    assert "moved" in closed.text, closed.text
    last = events_of((await export(harness)).data)[uid]
    assert last.decoded("DTSTART") > later.decoded("DTSTART")
    assert int(last["SEQUENCE"]) == 3 and "1 closure day" in str(last["DESCRIPTION"])


async def test_owner_and_channel_filters(harness: Harness) -> None:
    await setup(harness)
    mine = events_of((await export(harness, ANA, "owner=@me")).data)
    assert [uid.split("-round")[0] for uid in mine] == ["albany"]
    assert events_of((await export(harness, ANALYST, "owner=@me")).data) == {}
    theirs = events_of((await export(harness, ANALYST, "owner=<@UANA|ana>")).data)
    assert list(theirs) == list(mine)
    east = events_of((await export(harness, ANALYST, "channel=#east")).data)
    assert list(east) == list(mine)
    default = events_of((await export(harness, ANALYST,
                                      "channel=<#CREVIEW|compliance-review>")).data)
    assert [uid.split("-round")[0] for uid in default] == ["chicago"]
    refused = await harness.answer(ANALYST, "calendar owner=@channel")
    assert refused.ephemeral and "is not a Slack user" in refused.text
    assert "<!channel>" not in refused.text
    refused = await harness.answer(ANALYST, "calendar upcoming")
    assert "is not something the calendar does" in refused.text


async def test_hostile_names_come_out_as_valid_calendars(harness: Harness) -> None:
    await setup(harness)
    hostile = "Evil\r\nBEGIN:VEVENT\nUID:x;y,z \\ " + "w" * 160
    await harness.bot.review.add(ANALYST, "evil", hostile[:200], "city", "IL")
    await harness.answer(ANALYST, "letter evil date=2018-01-10 due=30 days")
    events = events_of((await export(harness)).data)
    [evil] = [e for uid, e in events.items() if uid.startswith("evil-")]
    summary = str(evil["SUMMARY"])
    assert summary.startswith("Due: Evil BEGIN:VEVENT UID:x;y,z \\ www") and "\n" not in summary
    assert str(evil["DESCRIPTION"]).startswith(hostile[:200].replace("\r\n", "\n")[:40])
    assert len(events) == 3  # the name opened no event of its own


async def feed_token(h: Harness) -> str:
    answer = await h.answer(ADMIN, "calendar feed")
    assert answer.ephemeral, answer
    [token] = TOKEN.findall(str(answer.blocks))
    return token


async def get(h: Harness, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    async with h.session.get(h.url + path, headers=headers) as resp:
        return resp.status, {k.lower(): v for k, v in resp.headers.items()}, await resp.read()


async def test_feed_made_served_and_revoked_over_http(harness: Harness) -> None:
    await setup(harness)
    refused = await harness.answer(LEAD, "calendar feed")
    assert "Only admin may use “feed”" in refused.text
    token = await feed_token(harness)
    status, headers, body = await get(harness, f"/calendar/{token}.ics")
    assert status == 200
    assert headers["content-type"] == "text/calendar; charset=utf-8"
    assert headers["cache-control"].startswith("private") and headers["etag"]
    assert len(events_of(body)) == 2
    again = await get(harness, f"/calendar/{token}.ics", **{"If-None-Match": headers["etag"]})
    assert again[0] == 304 and again[2] == b""
    rows = await harness.bot.store.read("SELECT * FROM calendar_feeds")
    assert [r["token_hash"] for r in rows] == [hashlib.sha256(token.encode()).hexdigest()]
    assert token not in str([dict(r) for r in rows])

    unknown = await get(harness, f"/calendar/{token[:-1]}x.ics")
    revoked = await harness.answer(ADMIN, "calendar feed revoke")
    assert "revoked" in revoked.text
    after = await get(harness, f"/calendar/{token}.ics")
    assert unknown[0] == after[0] == 404
    assert unknown[2] == after[2] and b"BEGIN" not in after[2]
    nowhere = await get(harness, "/calendar/nothing-here")
    assert nowhere[0] == 404 and nowhere[2] == after[2]


async def test_a_new_feed_replaces_the_one_before(harness: Harness) -> None:
    await setup(harness)
    first = await feed_token(harness)
    second = await feed_token(harness)
    assert first != second
    assert (await get(harness, f"/calendar/{first}.ics"))[0] == 404
    assert (await get(harness, f"/calendar/{second}.ics"))[0] == 200
    harness.clock.current += timedelta(days=1)
    assert (await get(harness, f"/calendar/{second}.ics"))[0] == 200


async def test_the_answer_gives_the_whole_address_when_the_bot_knows_it(
        tmp_path: Path) -> None:
    async with running(tmp_path, review_public_url="https://review.example.gov/") as h:
        answer = await h.answer(ADMIN, "calendar feed")
        [address] = re.findall(r"https://review\.example\.gov/calendar/[\w-]+\.ics",
                               str(answer.blocks))
        assert (await get(h, address.removeprefix("https://review.example.gov")))[0] == 200
        assert "Socket Mode" not in str(answer.blocks)
        assert h.bot.services.calendar is not None
        desk = replace(h.bot.services.calendar, public_url=None, http=False)
        shown = str(feed_reply(desk, "TOKEN").blocks)
        assert "```/calendar/TOKEN.ics```" in shown and "Socket Mode" in shown
