"""What delivering the outbox leaves in the store, on both engines: a refusing channel
waits (longer each time) with all its notices, a refused message waits alone, a lapsed
claim comes back marked for a look first, bounded by Slack's ts of the channel's last
recorded message, and each person is told about a channel once."""

from __future__ import annotations

from datetime import timedelta

from storage.outbox import Deliveries
from storage.store import Store
from tests.storage.conftest import BOTH, NOW
from tests.storage.test_repository import add, event, jurisdiction
from workflows.model import Notice

pytestmark = BOTH
LEASE = timedelta(minutes=2)


def doubling(failures: int) -> timedelta:
    return timedelta(minutes=2 ** (failures - 1))


async def notices(store: Store, *channels: str) -> None:
    """One jurisdiction, and an announcement of it to each of ``channels`` in turn."""
    j = jurisdiction("chicago", "Chicago, IL")
    await add(store, j, channel=channels[0])
    letter = event("chicago", "letter", at=NOW, after="awaiting_response")
    await store.save(j, 1, [letter], [Notice(c, letter) for c in channels[1:]])


async def test_a_refusing_channel_waits_longer_each_time_with_all_its_notices(
        store: Store) -> None:
    await notices(store, "#gone", "#gone", "#team")
    deliveries = Deliveries(store)
    first, *_ = await store.claim_notices(NOW, LEASE, 10)
    await store.release_notices(first.claim, [n.id for n in _])
    until = await deliveries.refused(first.claim, [first.id], "channel_not_found", NOW, doubling,
                                     False)
    assert until == NOW + timedelta(minutes=1)
    [team] = await store.claim_notices(NOW, LEASE, 10)
    assert team.channel == "#team"  # other channels go on
    await deliveries.posted(team.id, "1700000000.000050", NOW)
    assert await store.claim_notices(until - timedelta(seconds=1), LEASE, 10) == []
    again = await store.claim_notices(until, LEASE, 10)
    assert [n.channel for n in again] == ["#gone", "#gone"]
    later = await deliveries.refused(again[0].claim, [again[0].id], "channel_not_found", until,
                                     doubling, False)
    assert later == until + timedelta(minutes=2)
    await store.release_notices(again[1].claim, [again[1].id])

    [back] = await store.claim_notices(later, LEASE, 1)
    await deliveries.posted(back.id, "1700000000.000100", later)
    assert await store.read("SELECT * FROM channel_waits") == []
    [rest] = await store.claim_notices(later, LEASE, 10)
    assert rest.channel == "#gone" and not rest.recheck


async def test_a_refused_message_waits_alone(store: Store) -> None:
    await notices(store, "#team", "#team")
    deliveries = Deliveries(store)
    first, second = await store.claim_notices(NOW, LEASE, 10)
    until = await deliveries.held(first.claim, first.id, "invalid_blocks", NOW, doubling)
    await store.release_notices(second.claim, [second.id])
    assert until == NOW + timedelta(minutes=1)
    assert [n.id for n in await store.claim_notices(NOW, LEASE, 10)] == [second.id]
    assert [n.id for n in await store.claim_notices(until, LEASE, 10)] == [first.id]


async def test_a_lapsed_claim_comes_back_to_be_looked_for_after_the_last_recorded_ts(
        store: Store) -> None:
    await notices(store, "#team", "#team", "#other")
    first, second, other = await store.claim_notices(NOW, LEASE, 10)
    assert (first.recheck, first.after_ts) == (False, None)
    await Deliveries(store).posted(first.id, "1700000000.000200", NOW)
    await store.release_notices(other.claim, [other.id])
    # The relay holding ``second`` dies; later, the channel has a recorded message.
    taken = await store.claim_notices(NOW + LEASE, LEASE, 10)
    assert [(n.id, n.recheck, n.after_ts) for n in taken] == [
        (second.id, True, None), (other.id, False, None)]
    await store.release_notices(taken[0].claim, [n.id for n in taken])
    assert [n.recheck for n in await store.claim_notices(NOW + LEASE, LEASE, 10)] == [
        True, False]  # a look is still owed; given back notices are not "lapsed"


async def test_the_anchor_is_the_channels_newest_recorded_ts_at_the_first_claim(
        store: Store) -> None:
    await notices(store, "#team")
    [first] = await store.claim_notices(NOW, LEASE, 10)
    await Deliveries(store).posted(first.id, "1700000000.000300", NOW)
    j = await store.get("chicago")
    assert j is not None
    step = event("chicago", "letter", at=NOW, after="awaiting_response")
    await store.save(j, j.version, [step], [Notice("#team", step)])
    [later] = await store.claim_notices(NOW, LEASE, 10)
    assert later.after_ts == "1700000000.000300"


async def test_each_person_is_told_once_until_the_channel_takes_a_message(
        store: Store) -> None:
    await notices(store, "#gone", "#gone")
    deliveries = Deliveries(store)
    assert await deliveries.unwarned() == []  # nothing refused yet
    first, second = await store.claim_notices(NOW, LEASE, 10)
    await deliveries.refused(first.claim, [first.id], "channel_not_found", NOW, doubling, False)
    [waiting] = await deliveries.unwarned()
    assert (waiting.channel, waiting.user, waiting.error, waiting.count, waiting.name) == (
        "#gone", "UANA", "channel_not_found", 2, "Chicago, IL")
    assert await deliveries.warn("#gone", "UANA", NOW)
    assert not await deliveries.warn("#gone", "UANA", NOW)  # another relay: already told
    assert await deliveries.unwarned() == []
    await deliveries.posted(second.id, "1700000000.000400", NOW)  # the channel is back
    assert await deliveries.warn("#gone", "UANA", NOW)
    await deliveries.unwarn("#gone", "UANA")
    assert await deliveries.warn("#gone", "UANA", NOW)


async def test_a_refusal_recorded_by_a_relay_whose_lease_ran_out_leaves_the_new_claim(
        store: Store) -> None:
    """Relay A's lease runs out while Slack refuses its message; relay B has taken the
    notice meanwhile. A's refusal is counted, but the notice stays B's (as a release
    does): the refusal no longer cleared B's claim for a third relay to take."""
    await notices(store, "#team")
    deliveries = Deliveries(store)
    [held_by_a] = await store.claim_notices(NOW, LEASE, 10)
    [held_by_b] = await store.claim_notices(NOW + LEASE, LEASE, 10)
    await deliveries.held(held_by_a.claim, held_by_a.id, "invalid_blocks", NOW + LEASE,
                          doubling)
    await deliveries.refused(held_by_a.claim, [held_by_a.id], "ratelimited", NOW + LEASE,
                             doubling, True)
    [row] = await store.read("SELECT attempts, claim_id FROM outbox")
    assert (row["attempts"], row["claim_id"]) == (2, held_by_b.claim)
    assert await store.claim_notices(NOW + LEASE, LEASE, 10) == []
