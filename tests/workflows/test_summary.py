"""Summary schedules, tiers in bulk and the summary's windows, without I/O."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from workflows.chain import Seal
from workflows.deadlines import Tier, calendar_for
from workflows.errors import BadInput
from workflows.summary import (
    Activity,
    Blocked,
    Cadence,
    Capped,
    DateGroup,
    DeadlineGroup,
    DueItem,
    Schedule,
    StateCount,
    Subscription,
    build_summary,
    check_timezone,
    parse_schedule,
    tier_counts,
)

NY = "America/New_York"
NOW = datetime(2018, 2, 1, 15, 0, tzinfo=UTC)  # a Thursday, 10:00 in New York


# -- parsing ---------------------------------------------------------------------------


@pytest.mark.parametrize(("words", "expected"), [
    ("daily 09:00", Schedule(Cadence.DAILY, time(9, 0), NY)),
    ("weekly mon 08:30", Schedule(Cadence.WEEKLY, time(8, 30), NY, 0)),
    ("Weekly Friday 7:05", Schedule(Cadence.WEEKLY, time(7, 5), NY, 4)),
    ("weekly 17:45", Schedule(Cadence.WEEKLY, time(17, 45), NY, 0)),
    ("DAILY 00:00", Schedule(Cadence.DAILY, time(0, 0), NY)),
])
def test_schedules_parse(words: str, expected: Schedule) -> None:
    assert parse_schedule(words.split(), NY) == expected


@pytest.mark.parametrize(("words", "says"), [
    ("", "Say when"),
    ("hourly 09:00", "“hourly” is not a schedule"),
    ("daily 25:00", "“25:00” is not a time of day"),
    ("daily 09:60", "“09:60” is not a time of day"),
    ("daily 9", "“9” is not a time of day"),
    ("daily 9am", "“9am” is not a time of day"),
    ("weekly funday 09:00", "“funday” is not a day of the week"),
    ("weekly t 09:00", "“t” is not a day of the week"),
    ("daily mon 09:00", "is not a schedule"),
    ("weekly mon 08:30 extra", "is not a schedule"),
    ("weekly", "is not a schedule"),
])
def test_bad_schedules_are_refused_with_a_reason(words: str, says: str) -> None:
    with pytest.raises(BadInput) as refused:
        parse_schedule(words.split(), NY)
    assert says in refused.value.message


@pytest.mark.parametrize("name", ["Mars/Olympus", "localtime", "", "../etc/passwd",
                                  "/etc/localtime", "America"])
def test_time_zones_that_do_not_exist_are_refused(name: str) -> None:
    with pytest.raises(BadInput) as refused:
        parse_schedule(["daily", "09:00"], name)
    assert "is not a time zone" in refused.value.message


def test_a_misspelt_zone_gets_a_suggestion_and_case_does_not_matter() -> None:
    with pytest.raises(BadInput) as refused:
        check_timezone("America/New_Yrok")
    assert "Did you mean America/New_York?" in refused.value.message
    assert check_timezone(" europe/paris ") == "Europe/Paris"
    assert parse_schedule(["daily", "09:00"], "utc").timezone == "UTC"


def test_describe() -> None:
    assert Schedule(Cadence.DAILY, time(9), NY).describe() == "daily at 09:00 (America/New_York)"
    assert (Schedule(Cadence.WEEKLY, time(8, 30), "Europe/Paris", 0).describe()
            == "weekly on Mondays at 08:30 (Europe/Paris)")


# -- when summaries fall -----------------------------------------------------------------


def test_daily_last_and_next_in_the_schedule_zone() -> None:
    daily = Schedule(Cadence.DAILY, time(9), NY)
    assert daily.last_due(NOW) == datetime(2018, 2, 1, 14, 0, tzinfo=UTC)
    assert daily.next_due(NOW) == datetime(2018, 2, 2, 14, 0, tzinfo=UTC)
    early = datetime(2018, 2, 1, 13, 59, tzinfo=UTC)  # 08:59 in New York
    assert daily.last_due(early) == datetime(2018, 1, 31, 14, 0, tzinfo=UTC)
    exact = datetime(2018, 2, 1, 14, 0, tzinfo=UTC)
    assert daily.last_due(exact) == exact
    assert daily.next_due(exact) == datetime(2018, 2, 2, 14, 0, tzinfo=UTC)


def test_the_same_clock_time_in_another_zone_is_another_moment() -> None:
    tokyo = Schedule(Cadence.DAILY, time(9), "Asia/Tokyo")
    assert tokyo.last_due(NOW) == datetime(2018, 2, 1, 0, 0, tzinfo=UTC)
    assert tokyo.next_due(NOW) == datetime(2018, 2, 2, 0, 0, tzinfo=UTC)


def test_weekly_falls_on_its_weekday() -> None:
    monday = Schedule(Cadence.WEEKLY, time(8, 30), NY, 0)
    assert monday.last_due(NOW) == datetime(2018, 1, 29, 13, 30, tzinfo=UTC)
    assert monday.next_due(NOW) == datetime(2018, 2, 5, 13, 30, tzinfo=UTC)
    thursday = Schedule(Cadence.WEEKLY, time(11), NY, 3)  # later today in New York
    assert thursday.last_due(NOW) == datetime(2018, 1, 25, 16, 0, tzinfo=UTC)
    assert thursday.next_due(NOW) == datetime(2018, 2, 1, 16, 0, tzinfo=UTC)


def test_daylight_saving_keeps_the_local_time() -> None:
    daily = Schedule(Cadence.DAILY, time(9), NY)
    after = datetime(2018, 3, 12, 15, 0, tzinfo=UTC)  # EDT from 2018-03-11
    assert daily.last_due(after) == datetime(2018, 3, 12, 13, 0, tzinfo=UTC)
    assert daily.last_due(after - timedelta(days=2)) == datetime(2018, 3, 10, 14, 0, tzinfo=UTC)


def subscription(last_sent_at: datetime | None, cadence: Cadence = Cadence.DAILY
                 ) -> Subscription:
    weekday = 0 if cadence is Cadence.WEEKLY else None
    return Subscription("CLEAD", Schedule(cadence, time(9), NY, weekday), "UADMIN",
                        datetime(2018, 1, 1, tzinfo=UTC), last_sent_at)


def test_the_period_starts_at_the_previous_summary_or_one_period_back() -> None:
    sent = datetime(2018, 1, 30, 14, 0, tzinfo=UTC)
    assert subscription(sent).period_start(NOW) == sent
    assert subscription(None).period_start(NOW) == NOW - timedelta(days=1)
    assert subscription(None, Cadence.WEEKLY).period_start(NOW) == NOW - timedelta(days=7)


def test_missed_when_a_scheduled_moment_passed_with_no_summary_since() -> None:
    today_9am = datetime(2018, 2, 1, 14, 0, tzinfo=UTC)
    assert subscription(today_9am - timedelta(days=1)).missed(NOW)
    assert subscription(None).missed(NOW)  # created a month ago, never sent
    assert not subscription(today_9am).missed(NOW)
    assert not subscription(today_9am + timedelta(minutes=5)).missed(NOW)
    new = Subscription("C", Schedule(Cadence.DAILY, time(9), NY), "U", NOW)
    assert not new.missed(NOW)  # subscribed after today's 09:00: nothing missed yet
    assert new.missed(NOW + timedelta(days=1))


# -- tiers in bulk ------------------------------------------------------------------------


@pytest.mark.parametrize("us_state", ["IL", "CA", "NY", ""])
@pytest.mark.parametrize("today", [date(2018, 2, 1), date(2017, 12, 26), date(2018, 1, 15),
                                   date(2017, 11, 24), date(2018, 7, 4), date(2018, 2, 3)])
def test_tiers_agree_with_counting_business_days_one_by_one(us_state: str, today: date) -> None:
    calendar = calendar_for(us_state or None)
    for offset in range(-80, 40):
        due = today + timedelta(days=offset)
        if due < today:
            late = calendar.business_days_between(due, today)
            expected = Tier.VERY_OVERDUE if late >= 20 else Tier.OVERDUE
        else:
            soon = calendar.business_days_between(today, due) <= 3
            expected = Tier.DUE_SOON if soon else Tier.ON_TRACK
        assert calendar.tier(due, today) is expected, (due, today, us_state)
        assert calendar.bounds(today).tier(due) is expected


def test_tier_counts_add_up_groups() -> None:
    today = date(2018, 2, 1)
    groups = [DeadlineGroup(date(2018, 2, 20), "IL", 4), DeadlineGroup(date(2018, 2, 2), "IL", 2),
              DeadlineGroup(date(2018, 1, 31), "CA", 3), DeadlineGroup(date(2017, 12, 1), "", 1)]
    assert tier_counts(groups, today) == {Tier.ON_TRACK: 4, Tier.DUE_SOON: 2, Tier.OVERDUE: 3,
                                          Tier.VERY_OVERDUE: 1}
    assert tier_counts([], today) == dict.fromkeys(
        (Tier.ON_TRACK, Tier.DUE_SOON, Tier.OVERDUE, Tier.VERY_OVERDUE), 0)


# -- building ------------------------------------------------------------------------------


class RecordingSource:
    """A hand-written SummarySource that answers fixed data and records what it was asked."""

    def __init__(self, activity: Activity | None = None, overdue: int = 0,
                 today: date | None = None) -> None:
        self.asked: dict[str, tuple[object, ...]] = {}
        self._activity = activity or Activity()
        self._overdue = overdue
        self._today = today or NOW.date()

    async def state_counts(self, since: datetime) -> list[StateCount]:
        self.asked["state_counts"] = (since,)
        return [StateCount("new", 2, 3), StateCount("awaiting_response", 5, 4)]

    async def deadline_groups(self) -> list[DeadlineGroup]:
        return [DeadlineGroup(date(2018, 1, 1), "IL", 5)]

    async def seal(self) -> Seal:
        return Seal(3, 12, "ab" * 32)

    async def deadline_dates(self, limit: int) -> list[DateGroup]:
        self.asked["deadline_dates"] = (limit,)
        return [DateGroup("awaiting_response", date(2018, 1, 1), 5)]

    async def activity(self, since: datetime, until: datetime, limit: int) -> Activity:
        self.asked["activity"] = (since, until, limit)
        return self._activity

    async def deadlines_between(self, first: date, last: date, limit: int) -> Capped[DueItem]:
        self.asked["deadlines"] = (*self.asked.get("deadlines", ()), (first, last, limit))
        if last < self._today and self._overdue:
            item = DueItem("x", "X", first, "awaiting_response", "IL", None)
            return Capped((item,), self._overdue)
        return Capped()

    async def blocked(self, today: date, limit: int) -> tuple[Capped[Blocked], int]:
        self.asked["blocked"] = (today, limit)
        return Capped(), 0


async def test_build_summary_asks_for_the_right_windows_in_the_team_zone() -> None:
    source = RecordingSource()
    since = datetime(2018, 1, 30, 3, 0, tzinfo=UTC)  # the evening of 29 January in New York
    until = datetime(2018, 2, 1, 3, 0, tzinfo=UTC)  # the evening of 31 January
    summary = await build_summary(source, "CLEAD", "Daily summary", since, until,
                                  ZoneInfo(NY), limit=7)
    assert summary.today == date(2018, 1, 31)
    assert source.asked["state_counts"] == (since,)
    assert source.asked["activity"] == (since, until, 7)
    assert source.asked["deadlines"] == (
        (date(2018, 1, 31), date(2018, 2, 7), 7),  # due in the next 7 days
        (date(2018, 1, 29), date(2018, 1, 30), 7),  # passed since the period began
    )
    assert source.asked["blocked"] == (date(2018, 1, 31), 7)
    assert summary.total == 7
    assert summary.tiers[Tier.VERY_OVERDUE] == 5


@pytest.mark.parametrize(("activity", "overdue", "no_change"), [
    (Activity(), 0, True),
    (Activity(steps=1), 0, False),
    (Activity(added=2), 0, False),
    (Activity(other=1), 0, False),
    (Activity(), 3, False),
])
async def test_no_change_means_no_event_and_no_deadline_passed(
        activity: Activity, overdue: int, no_change: bool) -> None:
    summary = await build_summary(RecordingSource(activity, overdue), "C", "Summary",
                                  NOW - timedelta(days=1), NOW, ZoneInfo(NY))
    assert summary.no_change is no_change


def test_capped_counts_what_it_hides() -> None:
    assert Capped((1, 2), 10).hidden == 8
    assert Capped().hidden == 0
