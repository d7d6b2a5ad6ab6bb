"""What a jurisdiction's card shows of its events, read at once: its latest steps, the
first files kept as its evidence, and the mute of its reminders in force now (where a
card has three reads: a page of history, the evidence, the mutes)."""

from __future__ import annotations

from dataclasses import dataclass

from workflows.evidence import Evidence, readable
from workflows.model import Event, Jurisdiction
from workflows.mutes import Mute, mute_from
from workflows.review import Review


@dataclass(frozen=True)
class Glance:
    recent: list[Event]
    """Newest first."""
    evidence: list[Evidence]
    evidence_total: int
    mute: Mute | None
    """The mute in force now, if any."""


async def glance(review: Review, j: Jurisdiction, recent: int, evidence: int) -> Glance:
    """``j``'s ``recent`` latest events, its first ``evidence`` files kept as evidence
    (and how many there are) and its mute in force now: one read (``Repository.glance``)."""
    latest, kept, total, mutes = await review.repo.glance(j.id, recent, evidence)
    mute = mute_from(mutes)
    if mute is not None and not mute.active(review.now(), review.config.policy.timezone):
        mute = None
    return Glance(latest, readable(kept), total, mute)
