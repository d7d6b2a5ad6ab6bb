"""The domain of muted reminders and capped follow-ups: a mute read back from events,
the check a reminder passes when it fires, what a mute's end and an unmute plan, and
the workflow file's words for the cap."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from importlib import resources
from zoneinfo import ZoneInfo

import pytest

from workflows.definition import DefinitionError, default_definition, load_definition
from workflows.model import Event
from workflows.mutes import Mute, Standing, capped, dropped, mute_from, postponed, resumed
from workflows.reminder_settings import Reminders
from workflows.reminders import Kind, Policy, Reminder

NY = ZoneInfo("America/New_York")
POLICY = Policy()
DEADLINE = (1, date(2018, 2, 23))


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00").replace(tzinfo=NY)


def reminder(kind: Kind, day: str) -> Reminder:
    return Reminder("chicago", 1, date(2018, 2, 23), kind, at(day, 9), 7)


def event(kind: str, day: str, **detail: object) -> Event:
    return Event("chicago", kind, "ULEAD", date.fromisoformat(day), at(day), "a", "a", detail)


def test_the_latest_mute_is_read_back_with_the_unmute_that_ended_it() -> None:
    events = [event("mute", "2018-02-01", reason="talks", until="2018-02-10"),
              event("letter", "2018-02-02"), event("unmute", "2018-02-05"),
              event("mute", "2018-02-19", reason="in litigation", until=None)]
    assert mute_from(events) == Mute(at("2018-02-19"), "in litigation", "ULEAD")
    assert mute_from(events[:3]) == Mute(at("2018-02-01"), "talks", "ULEAD",
                                         date(2018, 2, 10), ended=at("2018-02-05"))
    assert mute_from([event("unmute", "2018-02-05")]) is None


def test_a_mute_silences_what_fires_in_it_and_what_came_due_in_it() -> None:
    mute = Mute(at("2018-02-19"), "talks", "ULEAD", date(2018, 3, 1))
    assert mute.active(at("2018-02-28", 23), NY) and not mute.active(at("2018-03-01", 0), NY)
    late = reminder(Kind.OVERDUE, "2018-02-26")
    assert mute.silences(late, at("2018-03-05"), NY)  # came due in it: not posted late
    assert not mute.silences(reminder(Kind.FOLLOW_UP, "2018-03-05"), at("2018-03-05"), NY)
    ended = replace(mute, ended=at("2018-02-22"))
    assert not ended.active(at("2018-02-23"), NY)
    assert ended.end(NY) == at("2018-02-22")


def test_a_reminder_is_dropped_when_its_deadline_moved_on_it_is_muted_or_capped() -> None:
    r, now = reminder(Kind.FOLLOW_UP, "2018-03-06"), at("2018-03-06")
    assert dropped(r, Standing(DEADLINE), POLICY, now) is None
    assert dropped(r, None, POLICY, now) == "its jurisdiction is gone"
    assert "no longer" in str(dropped(r, Standing((2, date(2018, 4, 1))), POLICY, now))
    assert "no longer" in str(dropped(r, Standing(None), POLICY, now))
    muted = Standing(DEADLINE, Mute(at("2018-03-01"), "x", "ULEAD"))
    assert dropped(r, muted, POLICY, now) == "its jurisdiction is muted"
    two = Standing(DEADLINE, follow_ups={DEADLINE: 2})
    assert dropped(r, two, replace(POLICY, max_follow_ups=2), now) is not None
    assert dropped(r, two, replace(POLICY, max_follow_ups=3), now) is None
    overdue = reminder(Kind.OVERDUE, "2018-02-26")
    assert dropped(overdue, two, replace(POLICY, max_follow_ups=0), now) is None  # no cap


def test_the_escalation_ends_follow_ups_only_when_the_workflow_says_so() -> None:
    escalated = Standing(DEADLINE, escalated=frozenset({DEADLINE}))
    assert not capped(escalated, DEADLINE, POLICY)
    stopping = replace(POLICY, stop_after_escalation=True)
    assert capped(escalated, DEADLINE, stopping)
    assert capped(Standing(DEADLINE), DEADLINE, stopping, [Kind.ESCALATION])
    assert capped(Standing(DEADLINE), DEADLINE, replace(POLICY, max_follow_ups=1),
                  [Kind.FOLLOW_UP])


def test_a_nudge_dropped_in_a_mute_with_an_end_waits_for_its_first_business_day() -> None:
    mute = Mute(at("2018-02-19"), "x", "ULEAD", date(2018, 3, 3))  # a Saturday
    standing = Standing(DEADLINE, mute)
    later = postponed(reminder(Kind.OVERDUE, "2018-02-26"), standing, POLICY, "IL")
    assert later is not None and later.id is None
    assert later.due_at == at("2018-03-06", 9)  # Monday 3-5 is Pulaski Day in Illinois
    assert postponed(reminder(Kind.BEFORE, "2018-02-20"), standing, POLICY, "IL") is None
    assert postponed(reminder(Kind.OVERDUE, "2018-02-26"),
                     Standing(DEADLINE, replace(mute, until=None)), POLICY, "IL") is None


def test_an_unmute_plans_nothing_before_now_and_restarts_an_overdue_chain() -> None:
    now = at("2018-04-02", 11)
    planned = [reminder(Kind.ESCALATION, "2018-04-02"), reminder(Kind.BEFORE, "2018-04-05")]
    again = resumed(planned, POLICY, now, overdue=True)
    assert [(r.kind, r.due_at) for r in again] == [
        (Kind.ESCALATION, now), (Kind.BEFORE, at("2018-04-05", 9)), (Kind.FOLLOW_UP, now)]
    assert resumed(planned, POLICY, now, overdue=False)[-1].kind is Kind.BEFORE
    assert all(r.due_at.tzinfo is not None and r.due_at >= now.astimezone(UTC)
               for r in again)


def packaged(reminders: str) -> str:
    text = resources.files("workflows").joinpath("review.yml").read_text(encoding="utf-8")
    head, _ = text.split("\nreminders:", 1)
    return f"{head}\nreminders:\n{reminders}"


def test_the_packaged_file_has_no_cap_so_follow_ups_go_on_as_before() -> None:
    reminders = default_definition().reminders
    assert (reminders.max_follow_ups, reminders.stop_after_escalation) == (None, False)
    assert reminders.apply(POLICY) == POLICY


def test_a_file_can_cap_follow_ups_and_end_them_at_the_escalation() -> None:
    loaded = load_definition(packaged("  max_follow_ups: 0\n  stop_after_escalation: true\n"))
    assert loaded.reminders == Reminders(max_follow_ups=0, stop_after_escalation=True)
    policy = loaded.reminders.apply(POLICY)
    assert (policy.max_follow_ups, policy.stop_after_escalation) == (0, True)


@pytest.mark.parametrize(("line", "says"), [
    ("  max_follow_ups: -1", "(reminders.max_follow_ups): should be a whole number of "
                             "follow-ups from 0 to 100, not the number -1"),
    ("  max_follow_ups: three", "not “three”"),
    ("  max_follow_ups: 2.5", "not the number 2.5"),
    ("  max_follow_ups: true", "(reminders.max_follow_ups)"),
    ("  stop_after_escalation: sometimes", "(reminders.stop_after_escalation): should be "
                                           "true or false, not “sometimes”"),
    ("  stop_follow_ups: true", "unknown key “stop_follow_ups”"),
])
def test_a_bad_cap_is_refused_with_where_it_is(line: str, says: str) -> None:
    with pytest.raises(DefinitionError) as refused:
        load_definition(packaged(line + "\n"), "team.yml")
    message = str(refused.value)
    assert message.startswith("team.yml, line ") and says in message, message
