"""Deadlines counted as the field counts them, parsed as people type them, and tiered."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from workflows.deadlines import Calendar, DueSpec, Tier, calendar_for, is_us_state, parse_date
from workflows.errors import BadInput

FEDERAL = calendar_for(None)
IL = calendar_for("IL")
NY = calendar_for("NY")


# -- calendar days -----------------------------------------------------------------------


@pytest.mark.parametrize(("start", "days", "due"), [
    (date(2017, 10, 12), 15, date(2017, 10, 27)),  # the preliminary findings
    (date(2018, 1, 24), 30, date(2018, 2, 23)),  # the document demands
    (date(2017, 4, 21), 70, date(2017, 6, 30)),  # the April letters
    (date(2017, 6, 29), 1, date(2017, 6, 30)),  # the day of the letter is left out
])
def test_calendar_days_from_the_record(start: date, days: int, due: date) -> None:
    for calendar in (FEDERAL, IL, NY):
        assert calendar.due_on(DueSpec(days=days), start) == due


@pytest.mark.parametrize(("start", "days", "due", "why"), [
    (date(2017, 11, 15), 10, date(2017, 11, 27), "Saturday Nov 25"),
    (date(2017, 11, 16), 10, date(2017, 11, 27), "Sunday Nov 26"),
    (date(2017, 11, 15), 8, date(2017, 11, 24), "Thanksgiving"),
    (date(2017, 12, 15), 10, date(2017, 12, 26), "Christmas"),
    (date(2017, 12, 14), 10, date(2017, 12, 26), "Sunday Dec 24, then Christmas"),
    (date(2017, 12, 22), 10, date(2018, 1, 2), "New Year's Day"),
    (date(2017, 6, 24), 10, date(2017, 7, 5), "Independence Day"),
])
def test_a_calendar_deadline_on_a_weekend_or_holiday_moves_to_the_next_business_day(
        start: date, days: int, due: date, why: str) -> None:
    landing = start + timedelta(days=days)
    assert not FEDERAL.is_business_day(landing), why
    assert FEDERAL.due_on(DueSpec(days=days), start) == due
    assert FEDERAL.is_business_day(due)


def test_a_calendar_deadline_on_a_state_holiday_moves_only_in_that_state() -> None:
    start = date(2017, 2, 24)  # + 10 = Monday Mar 6, Casimir Pulaski Day in Illinois
    assert IL.due_on(DueSpec(days=10), start) == date(2017, 3, 7)
    assert NY.due_on(DueSpec(days=10), start) == date(2017, 3, 6)


def test_a_fixed_date_is_kept_as_written() -> None:
    sunday = date(2017, 12, 24)
    assert IL.due_on(DueSpec(on=sunday), date(2017, 12, 1)) == sunday


# -- business days -----------------------------------------------------------------------


def test_business_days_skip_weekends() -> None:
    friday = date(2017, 6, 2)
    assert FEDERAL.add_business_days(friday, 1) == date(2017, 6, 5)
    assert FEDERAL.add_business_days(friday, 5) == date(2017, 6, 9)
    assert FEDERAL.due_on(DueSpec(days=10, business=True), friday) == date(2017, 6, 16)


def test_business_days_skip_thanksgiving() -> None:
    # Nov 16-17, 20-22, (23), 24, 27-Dec 1, Dec 4-8, 11-14
    assert FEDERAL.due_on(DueSpec(days=20, business=True), date(2017, 11, 15)) == date(2017, 12, 14)
    assert FEDERAL.add_business_days(date(2017, 11, 22), 1) == date(2017, 11, 24)
    assert FEDERAL.holiday(date(2017, 11, 23)) == "Thanksgiving Day"


def test_business_days_skip_christmas_and_new_years_day() -> None:
    assert FEDERAL.add_business_days(date(2017, 12, 22), 1) == date(2017, 12, 26)
    assert FEDERAL.add_business_days(date(2017, 12, 29), 1) == date(2018, 1, 2)
    assert FEDERAL.business_days_between(date(2017, 12, 22), date(2018, 1, 2)) == 5


def test_lincolns_birthday_observed_is_an_illinois_holiday() -> None:
    friday = date(2017, 2, 10)
    assert IL.holiday(date(2017, 2, 13)) is not None
    assert IL.add_business_days(friday, 1) == date(2017, 2, 14)
    assert FEDERAL.add_business_days(friday, 1) == date(2017, 2, 13)


def test_casimir_pulaski_day_counts_in_illinois_not_in_new_york() -> None:
    friday = date(2017, 3, 3)
    pulaski = date(2017, 3, 6)
    assert not IL.is_business_day(pulaski)
    assert NY.is_business_day(pulaski)
    assert IL.add_business_days(friday, 1) == date(2017, 3, 7)
    assert NY.add_business_days(friday, 1) == pulaski
    assert IL.business_days_between(friday, date(2017, 3, 10)) == 4
    assert NY.business_days_between(friday, date(2017, 3, 10)) == 5


def test_business_days_between_counts_after_start_up_to_end() -> None:
    monday, friday = date(2017, 6, 5), date(2017, 6, 9)
    assert FEDERAL.business_days_between(monday, friday) == 4
    assert FEDERAL.business_days_between(friday, monday) == -4
    assert FEDERAL.business_days_between(monday, monday) == 0


def test_days_left_when_a_clock_stops() -> None:
    due = date(2017, 6, 30)
    assert FEDERAL.days_left(due, date(2017, 6, 20), business=False) == 10
    assert FEDERAL.days_left(due, date(2017, 6, 20), business=True) == 8
    assert FEDERAL.days_left(due, date(2017, 7, 5), business=False) == 0


def test_an_unknown_state_falls_back_to_federal_holidays() -> None:
    assert Calendar("ZZ").subdivision is None
    assert Calendar("").subdivision is None
    assert Calendar("IL").subdivision == "IL"
    assert Calendar("ZZ").is_business_day(date(2017, 3, 6))
    assert calendar_for("IL") is calendar_for("IL")
    assert is_us_state("DC") and is_us_state("IL") and not is_us_state("ZZ")


# -- parsing -----------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "spec"), [
    ("2017-06-30", DueSpec(on=date(2017, 6, 30))),
    (" 2017-06-30 ", DueSpec(on=date(2017, 6, 30))),
    ("30 days", DueSpec(days=30)),
    ("30 calendar days", DueSpec(days=30)),
    ("1 day", DueSpec(days=1)),
    ("30d", DueSpec(days=30)),
    ("7 cd", DueSpec(days=7)),
    ("20 business days", DueSpec(days=20, business=True)),
    ("1 business day", DueSpec(days=1, business=True)),
    ("20bd", DueSpec(days=20, business=True)),
    ("20 BD", DueSpec(days=20, business=True)),
])
def test_due_spec_parses_what_people_type(text: str, spec: DueSpec) -> None:
    assert DueSpec.parse(text) == spec


@pytest.mark.parametrize("text", [
    "", "garbage", "30", "thirty days", "30 weeks", "0 days", "0bd", "00 days", "-3 days",
    "2017-02-30", "2017-6-30", "2017-06-30 and then some", "30 days later", "12345 days",
])
def test_due_spec_refuses_garbage_and_zero(text: str) -> None:
    with pytest.raises(BadInput):
        DueSpec.parse(text)


@pytest.mark.parametrize(("spec", "text"), [
    (DueSpec(days=30), "30 calendar days"),
    (DueSpec(days=1, business=True), "1 business day"),
    (DueSpec(on=date(2017, 6, 30)), "2017-06-30"),
])
def test_due_spec_describes_itself(spec: DueSpec, text: str) -> None:
    assert spec.describe() == text
    assert DueSpec.parse(spec.describe()) == spec


def test_parse_date() -> None:
    assert parse_date(" 2017-12-08 ") == date(2017, 12, 8)
    with pytest.raises(BadInput):
        parse_date("12/08/2017")


# -- tiers -------------------------------------------------------------------------------

DEC_8 = date(2017, 12, 8)  # a Friday: the November letters' deadline


@pytest.mark.parametrize(("today", "tier"), [
    (date(2017, 11, 15), Tier.ON_TRACK),
    (date(2017, 12, 4), Tier.ON_TRACK),  # Monday: 4 business days to go
    (date(2017, 12, 5), Tier.DUE_SOON),  # Tuesday: 3 business days to go
    (date(2017, 12, 8), Tier.DUE_SOON),  # the day itself
    (date(2017, 12, 9), Tier.OVERDUE),  # the day after (a Saturday)
    (date(2017, 12, 11), Tier.OVERDUE),
    (date(2018, 1, 8), Tier.OVERDUE),  # 19 business days late (Christmas, New Year off)
    (date(2018, 1, 9), Tier.VERY_OVERDUE),  # 20 business days late
    (date(2018, 2, 1), Tier.VERY_OVERDUE),
])
def test_tiers(today: date, tier: Tier) -> None:
    assert FEDERAL.tier(DEC_8, today) == tier


def test_due_soon_counts_business_days_not_calendar_days() -> None:
    # From Wednesday Nov 22, Monday Nov 27 is 2 business days away (Thanksgiving off)
    # though 5 calendar days away; from the Friday before, Thursday Nov 30 is 4.
    assert FEDERAL.tier(date(2017, 11, 27), date(2017, 11, 22)) == Tier.DUE_SOON
    assert FEDERAL.tier(date(2017, 11, 30), date(2017, 11, 24)) == Tier.ON_TRACK


def test_no_deadline_has_no_tier() -> None:
    assert FEDERAL.tier(None, date(2017, 12, 8)) == Tier.NONE


@pytest.mark.parametrize("state", [None, "CA", "TX", "MA"])
def test_business_days_agree_with_the_holiday_tables_year_after_year(
        state: str | None) -> None:
    """``is_business_day`` keeps each year's holidays as a plain set (asking the tables
    cost a million lookups in a state export at 100,000 jurisdictions): it says what
    the tables say, for every day of every year (the years either side are asked
    first, for a holiday observed the year before)."""
    import holidays

    calendar = Calendar(state)
    tables = holidays.country_holidays("US", subdiv=state, years=range(2016, 2031))
    day = date(2017, 1, 1)
    while day < date(2030, 1, 1):
        assert calendar.is_business_day(day) == (day.weekday() < 5 and day not in tables), day
        day += timedelta(days=1)
