"""The use cases of ``workflows.review`` through an in-memory fake of the Repository port
(``FakeRepository`` in conftest.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from workflows.deadlines import DueSpec
from workflows.errors import (
    AlreadyExists,
    Ambiguous,
    BadInput,
    BlockedByOrder,
    NotFound,
    NotPermitted,
    StepRefused,
)
from workflows.model import CourtOrder, OrderKind, Role
from workflows.review import Review

ADMIN = "U-ADMIN"  # an admin by the config (conftest)
ANALYST, LEAD, COUNSEL, VIEWER = "U-ANA", "U-LEAD", "U-COUNSEL", "U-NOBODY"
APRIL = date(2017, 4, 21)
JUNE_30 = date(2017, 6, 30)

SOME = [
    ("chicago", "Chicago, IL", "city", "IL", ()),
    ("cook-county", "Cook County, IL", "county", "IL", ()),
    ("new-york-city", "New York City, NY", "city", "NY", ("nyc",)),
    ("san-francisco", "City and County of San Francisco, CA", "city-county", "CA", ("sf",)),
    ("santa-ana", "Santa Ana, CA", "city", "CA", ()),
    ("santa-clara-county", "Santa Clara County, CA", "county", "CA", ()),
    ("philadelphia", "Philadelphia, PA", "city", "PA", ("philly",)),
]


@pytest.fixture
async def staffed(review: Review) -> Review:
    for user, role in ((ANALYST, Role.ANALYST), (LEAD, Role.LEAD), (COUNSEL, Role.COUNSEL)):
        await review.grant(ADMIN, user, role)
    return review


@pytest.fixture
async def seeded(staffed: Review) -> Review:
    for jid, name, kind, state, aliases in SOME:
        await staffed.add(ANALYST, jid, name, kind, state, aliases)
    return staffed


def unchanged(repo: Any) -> Any:
    return repo.snapshot()


# -- add ---------------------------------------------------------------------------------


async def test_add_stores_the_jurisdiction_its_event_and_a_notice(staffed: Review,
                                                                  repo: Any) -> None:
    change = await staffed.add(ANALYST, " Cook-County ", " Cook County, IL ", "County", "il",
                               ("cook", "Cook", "cook-county"))
    j = change.jurisdiction
    assert (j.id, j.name, j.kind, j.us_state, j.aliases) == (
        "cook-county", "Cook County, IL", "county", "IL", ("cook",))
    assert (j.state, j.version) == ("new", 1)
    stored = await repo.get("cook-county")
    assert stored == j
    assert change.event.kind == "added" and change.event.seq == 1
    assert (change.event.from_state, change.event.to_state) == (None, "new")
    assert change.event.actor == ANALYST
    assert [n.channel for n in repo.notices] == ["C-REVIEW"]


@pytest.mark.parametrize(("jid", "name", "state", "kind"), [
    ("Bad Id", "Somewhere", "IL", "city"),
    ("-chicago", "Somewhere", "IL", "city"),
    ("chi_cago", "Somewhere", "IL", "city"),
    ("", "Somewhere", "IL", "city"),
    ("x" * 65, "Somewhere", "IL", "city"),
    ("somewhere", "", "IL", "city"),
    ("somewhere", "   ", "IL", "city"),
    ("somewhere", "Somewhere", "ZZ", "city"),
    ("somewhere", "Somewhere", "Illinois", "city"),
    ("somewhere", "Somewhere", "IL", "big city"),
])
async def test_add_validates_id_name_state_and_kind(
        staffed: Review, repo: Any, jid: str, name: str, state: str, kind: str) -> None:
    before = unchanged(repo)
    with pytest.raises(BadInput):
        await staffed.add(ANALYST, jid, name, kind, state)
    assert repo.snapshot() == before


async def test_add_refuses_a_bad_alias(staffed: Review, repo: Any) -> None:
    before = unchanged(repo)
    with pytest.raises(BadInput):
        await staffed.add(ANALYST, "somewhere", "Somewhere", aliases=("some where",))
    assert repo.snapshot() == before


@pytest.mark.parametrize(("jid", "aliases", "taken"), [
    ("chicago", (), "chicago"),
    ("windy", ("chicago",), "chicago"),
    ("new-york", ("nyc",), "nyc"),
    ("nyc", (), "nyc"),
    ("philly-pa", ("x", "philly"), "philly"),
])
async def test_add_refuses_taken_ids_and_aliases(
        seeded: Review, repo: Any, jid: str, aliases: tuple[str, ...], taken: str) -> None:
    before = unchanged(repo)
    with pytest.raises(AlreadyExists) as refused:
        await seeded.add(ANALYST, jid, "Another Place", "city", "IL", aliases)
    assert f"“{taken}”" in refused.value.message
    assert repo.snapshot() == before


@pytest.mark.parametrize("user", [VIEWER, COUNSEL])
async def test_only_recorders_may_add(staffed: Review, repo: Any, user: str) -> None:
    before = unchanged(repo)
    with pytest.raises(NotPermitted):
        await staffed.add(user, "somewhere", "Somewhere")
    assert repo.snapshot() == before


# -- resolve -----------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "jid"), [
    ("chicago", "chicago"),
    (" CHICAGO ", "chicago"),
    ("nyc", "new-york-city"),
    ("philly", "philadelphia"),
    ("Chicago, IL", "chicago"),
    ("new york city, ny", "new-york-city"),
    ("cook", "cook-county"),
    ("Cook C", "cook-county"),
    ("santa-a", "santa-ana"),
    ("phil", "philadelphia"),
])
async def test_resolve_by_id_alias_name_and_unique_prefix(seeded: Review, text: str,
                                                          jid: str) -> None:
    j = await seeded.resolve(text)
    assert j.id == jid


async def test_an_exact_match_beats_a_prefix(seeded: Review) -> None:
    await seeded.add(ANALYST, "sant", "Sant, CA", "city", "CA")
    assert (await seeded.resolve("sant")).id == "sant"
    with pytest.raises(Ambiguous):
        await seeded.resolve("santa")


async def test_an_ambiguous_prefix_lists_the_candidates(seeded: Review) -> None:
    with pytest.raises(Ambiguous) as ambiguous:
        await seeded.resolve("san")
    assert ambiguous.value.candidates == [
        ("san-francisco", "City and County of San Francisco, CA"),
        ("santa-ana", "Santa Ana, CA"),
        ("santa-clara-county", "Santa Clara County, CA"),
    ]
    assert "`santa-ana`" in ambiguous.value.message


async def test_ambiguity_lists_at_most_ten(staffed: Review) -> None:
    for n in range(12):
        await staffed.add(ANALYST, f"town-{n:02}", f"Town {n:02}")
    with pytest.raises(Ambiguous) as ambiguous:
        await staffed.resolve("town")
    assert len(ambiguous.value.candidates) == 10


@pytest.mark.parametrize("text", ["gotham", "chicagoland", "boston"])
async def test_resolve_an_unknown_name(seeded: Review, text: str) -> None:
    with pytest.raises(NotFound):
        await seeded.resolve(text)


async def test_resolve_needs_a_name(seeded: Review) -> None:
    with pytest.raises(BadInput):
        await seeded.resolve("  ")


# -- roles -------------------------------------------------------------------------------


async def test_config_admins_are_admins_and_others_are_viewers(review: Review,
                                                               repo: Any) -> None:
    assert await review.role_of(ADMIN) == Role.ADMIN
    assert await review.role_of(VIEWER) == Role.VIEWER
    repo.granted[ADMIN] = Role.VIEWER  # a stored role does not demote a configured admin
    assert await review.role_of(ADMIN) == Role.ADMIN
    assert (ADMIN, Role.ADMIN) in await review.roles()


async def test_only_an_admin_may_grant(staffed: Review, repo: Any) -> None:
    for user in (ANALYST, LEAD, COUNSEL, VIEWER):
        with pytest.raises(NotPermitted):
            await staffed.grant(user, VIEWER, Role.LEAD)
    assert await staffed.role_of(VIEWER) == Role.VIEWER

    await staffed.grant(ADMIN, VIEWER, Role.LEAD)
    assert await staffed.role_of(VIEWER) == Role.LEAD
    assert repo.grants[-1][:3] == (VIEWER, Role.LEAD, ADMIN)


async def test_a_granted_admin_may_grant(staffed: Review) -> None:
    await staffed.grant(ADMIN, LEAD, Role.ADMIN)
    await staffed.grant(LEAD, VIEWER, Role.ANALYST)
    assert await staffed.role_of(VIEWER) == Role.ANALYST


async def test_a_config_admin_cannot_be_demoted_by_a_grant(staffed: Review, repo: Any) -> None:
    before = unchanged(repo)
    with pytest.raises(BadInput):
        await staffed.grant(ADMIN, ADMIN, Role.VIEWER)
    assert repo.snapshot() == before


async def test_roles_lists_stored_and_configured(staffed: Review) -> None:
    assert await staffed.roles() == sorted([
        (ADMIN, Role.ADMIN), (ANALYST, Role.ANALYST), (COUNSEL, Role.COUNSEL), (LEAD, Role.LEAD),
    ])


# -- take --------------------------------------------------------------------------------


async def test_take_records_an_event_with_the_states_and_the_due_date(
        seeded: Review, repo: Any) -> None:
    change = await seeded.take(ANALYST, "cook", "letter", on=APRIL, due=DueSpec(days=70),
                               note="grant-condition letter", link="https://example.org/l")
    event = change.event
    assert (event.kind, event.actor, event.on) == ("letter", ANALYST, APRIL)
    assert (event.from_state, event.to_state) == ("new", "awaiting_response")
    assert event.detail["due_on"] == "2017-06-30"
    assert event.detail["due_rule"] == "70 calendar days"
    assert event.detail["round"] == 1
    assert event.detail["note"] == "grant-condition letter"
    assert event.seq == 2

    stored = await repo.get("cook-county")
    assert (stored.state, stored.version, stored.due_on) == ("awaiting_response", 2, JUNE_30)
    assert change.jurisdiction == stored
    history, total = await seeded.history(stored, 1, 10)
    assert total == 2
    assert [(e.kind, e.from_state, e.to_state) for e in history] == [
        ("letter", "new", "awaiting_response"), ("added", None, "new")]
    assert repo.notices[-1].event.kind == "letter"


async def test_take_uses_today_when_no_date_is_given(seeded: Review, clock: Any) -> None:
    change = await seeded.take(ANALYST, "chicago", "letter", due=DueSpec(days=30))
    assert change.event.on == date(2018, 1, 24) == clock.at.date()
    assert change.jurisdiction.due_on == date(2018, 2, 23)


async def test_a_chain_of_steps_bumps_the_version_each_time(seeded: Review, repo: Any) -> None:
    await seeded.take(ANALYST, "chicago", "letter", on=APRIL, due=DueSpec(on=JUNE_30))
    await seeded.take(ANALYST, "chicago", "response", on=JUNE_30)
    change = await seeded.take(LEAD, "chicago", "finding", on=date(2017, 10, 12),
                               due=DueSpec(days=15))
    assert change.event.from_state == "response_received"
    assert change.event.detail["due_on"] == "2017-10-27"
    assert (await repo.get("chicago")).version == 4
    assert [e.seq for e in repo.events["chicago"]] == [1, 2, 3, 4]


async def test_a_viewer_is_refused_steps(seeded: Review, repo: Any) -> None:
    before = unchanged(repo)
    with pytest.raises(NotPermitted):
        await seeded.take(VIEWER, "chicago", "letter", on=APRIL, due=DueSpec(days=30))
    assert repo.snapshot() == before
    assert await seeded.allowed(VIEWER, await seeded.resolve("chicago")) == []


@pytest.mark.parametrize(("user", "step", "error"), [
    (ANALYST, "finding", NotPermitted),
    (ANALYST, "clear", NotPermitted),  # only a lead clears without a response
    (COUNSEL, "response", NotPermitted),
    (LEAD, "resume", StepRefused),
    (LEAD, "subpoena", StepRefused),
    (LEAD, "insufficient", StepRefused),  # the deadline has not passed on June 1
])
async def test_a_refusal_leaves_the_repository_unchanged(
        seeded: Review, repo: Any, user: str, step: str, error: type[StepRefused]) -> None:
    await seeded.take(ANALYST, "chicago", "letter", on=APRIL, due=DueSpec(on=JUNE_30))
    before = unchanged(repo)
    with pytest.raises(error) as refused:
        await seeded.take(user, "chicago", step, on=date(2017, 6, 1),
                          due=DueSpec(days=15) if step == "finding" else None)
    assert repo.snapshot() == before
    assert step not in refused.value.allowed


async def test_a_refusal_says_what_is_allowed(seeded: Review) -> None:
    with pytest.raises(StepRefused) as refused:
        await seeded.take(ANALYST, "chicago", "response", on=APRIL)
    assert refused.value.allowed == ["letter"]


async def test_an_injunction_refuses_through_the_use_case(seeded: Review, repo: Any,
                                                          clock: Any) -> None:
    clock.at = datetime(2018, 1, 25, 15, 0, tzinfo=UTC)  # the lifting is not dated ahead
    await seeded.take(ANALYST, "philly", "letter", on=APRIL, due=DueSpec(on=JUNE_30))
    await seeded.take(ANALYST, "philly", "insufficient", on=date(2017, 7, 3))
    order = CourtOrder(OrderKind.INJUNCTION, date(2017, 11, 15), "2:17-cv-03894", "E.D. Pa.",
                       blocks=frozenset({"threaten", "finding"}))
    attached = await seeded.attach_order(COUNSEL, "philly", order)
    assert attached.jurisdiction.orders[0].id == 1
    before = unchanged(repo)
    with pytest.raises(BlockedByOrder) as blocked:
        await seeded.take(LEAD, "philly", "threaten", on=date(2018, 1, 24), note="no answer")
    assert "2:17-cv-03894" in blocked.value.message
    assert repo.snapshot() == before

    await seeded.lift_order(COUNSEL, "philly", 1, date(2018, 1, 25))
    change = await seeded.take(LEAD, "philly", "threaten", on=date(2018, 1, 25),
                               note="no answer")
    assert change.event.to_state == "subpoena_threatened"


async def test_a_date_before_the_current_round_is_refused(seeded: Review, repo: Any) -> None:
    await seeded.take(ANALYST, "chicago", "letter", on=APRIL, due=DueSpec(on=JUNE_30))
    before = unchanged(repo)
    with pytest.raises(BadInput):
        await seeded.take(ANALYST, "chicago", "response", on=date(2017, 4, 20))
    assert repo.snapshot() == before
    change = await seeded.take(ANALYST, "chicago", "response", on=APRIL)  # the same day is fine
    assert change.event.to_state == "response_received"


@pytest.mark.parametrize("due", [date(2017, 4, 20), APRIL])
async def test_a_deadline_not_after_the_step_date_is_refused(seeded: Review, repo: Any,
                                                             due: date) -> None:
    before = unchanged(repo)
    with pytest.raises(BadInput):
        await seeded.take(ANALYST, "chicago", "letter", on=APRIL, due=DueSpec(on=due))
    assert repo.snapshot() == before


async def test_a_step_needing_a_deadline_refuses_none(seeded: Review, repo: Any) -> None:
    before = unchanged(repo)
    with pytest.raises(BadInput):
        await seeded.take(ANALYST, "chicago", "letter", on=APRIL)
    assert repo.snapshot() == before


async def test_a_step_setting_no_deadline_refuses_one(seeded: Review, repo: Any) -> None:
    await seeded.take(ANALYST, "chicago", "letter", on=APRIL, due=DueSpec(on=JUNE_30))
    before = unchanged(repo)
    with pytest.raises(BadInput):
        await seeded.take(ANALYST, "chicago", "clarify", on=APRIL, due=DueSpec(days=3))
    assert repo.snapshot() == before


async def test_take_on_an_unknown_jurisdiction(seeded: Review) -> None:
    with pytest.raises(NotFound):
        await seeded.take(ANALYST, "gotham", "letter", on=APRIL, due=DueSpec(days=30))
