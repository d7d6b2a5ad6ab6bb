"""How a dossier proves, on its own, that its events are in the review-wide chain.

The manifest's ``chain`` is every block of the review-wide chain from the first to the
one the dossier was made at, in order (``workflows.chain`` says what blocks and heads
are). A block that holds none of the dossier's events is given as its number, the
events it brings the total to and its digest:

    {"number": 7, "total": 19, "digest": "…"}

A block that holds some of them is given with the links of all its events, in the order
they were written: the dossier's own as a reference ``["chicago", 3]`` (the checker puts
in the link it recomputed from that event's fields), every other event's as its link
(64 hex digits, taken as given):

    {"number": 8, "total": 23, "links": ["…", ["chicago", 3], "…", "…"]}

From the zero head, the checker recomputes every block's digest it can and every head,
block by block, to the head the dossier states; and the head after exactly N events for
a fingerprint ``N-…`` posted in Slack. The heads before and after a dossier's events
bind them: to pass with a changed event, the other links or digests given as they are
would have to be a second preimage of SHA-256.

What it cannot prove: the links given for other jurisdictions' events are opaque, so a
dossier of one jurisdiction cannot show that one of its own events was not left out by
being given as an opaque link (``--all`` can: every link is then a reference).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from workflows.chain import ZERO, Fingerprint, block_digest, head, raw
from workflows.verification import StoredBlock

EventKey = tuple[str, int]
"""(jurisdiction id, seq)."""


def prove(blocks: Sequence[StoredBlock], ours: Mapping[int, EventKey],
          links_of: Mapping[int, Sequence[tuple[int, str | None]]]) -> list[dict[str, Any]]:
    """The ``chain`` of a dossier whose events are ``ours`` (by event id): ``blocks``
    in order, and for each block holding one of ours (by number) the (id, link) of
    every event it holds, in id order. A stored link that is missing or not a hash
    counts as zeros, as it does in the block's digest (``chain.raw``)."""
    proof: list[dict[str, Any]] = []
    for block in blocks:
        entry: dict[str, Any] = {"number": block.number, "total": block.total}
        if block.number in links_of:
            entry["links"] = [list(ours[event_id]) if event_id in ours else raw(link).hex()
                              for event_id, link in links_of[block.number]]
        else:
            entry["digest"] = block.digest
        proof.append(entry)
    return proof


def blocks_holding(blocks: Sequence[StoredBlock], event_ids: Iterable[int]) -> dict[int, int]:
    """For each of ``event_ids`` that lies in a block, that block's number."""
    starts = [block.first_id for block in blocks]
    found: dict[int, int] = {}
    for event_id in event_ids:
        at = bisect.bisect_right(starts, event_id) - 1
        if at >= 0 and event_id <= blocks[at].last_id:
            found[event_id] = blocks[at].number
    return found


class Malformed(ValueError):
    """The manifest's chain is not the shape above (a sentence says where)."""


@dataclass
class Recomputed:
    """What the checker recomputed from a dossier's chain."""

    blocks: int = 0
    total: int = 0
    head: str = ZERO
    heads: dict[int, str] = field(default_factory=dict)
    """The head after each block, by the events it covers."""
    placed: dict[EventKey, int] = field(default_factory=dict)
    """Each of the dossier's events found in a block, and the block's number."""
    problems: list[str] = field(default_factory=list)

    @property
    def fingerprint(self) -> Fingerprint:
        return Fingerprint.of(self.total, self.head)

    def matches(self, fingerprint: Fingerprint) -> bool | None:
        """Whether the head after ``fingerprint.events`` events has its digits (None:
        no block ends after exactly that many)."""
        found = self.heads.get(fingerprint.events)
        return None if found is None else found.startswith(fingerprint.digits)


def recompute(chain: object, links: Mapping[EventKey, str]) -> Recomputed:
    """Every head of ``chain`` (the manifest's, as parsed JSON), with the dossier's own
    events' ``links`` as recomputed from their fields. ``Malformed`` if it is not a
    list of blocks as above."""
    if not isinstance(chain, list):
        raise Malformed("the chain is not a list of blocks")
    result = Recomputed()
    for n, entry in enumerate(chain, start=1):
        number, total, digest = _block(entry, n, links, result)
        if number != result.blocks + 1:
            result.problems.append(f"the chain: block {number} follows block {result.blocks}")
        if total < result.total:
            result.problems.append(f"the chain: block {number} brings the events down to {total}")
        result.blocks, result.total = number, total
        result.head = head(result.head, number, total, digest)
        result.heads[total] = result.head
    return result


def _block(entry: object, n: int, links: Mapping[EventKey, str],
           result: Recomputed) -> tuple[int, int, str]:
    if not isinstance(entry, dict):
        raise Malformed(f"block entry {n} is not an object")
    number, total = entry.get("number"), entry.get("total")
    if (not isinstance(number, int) or not isinstance(total, int)
            or not 1 <= number < 2**63 or not 0 <= total < 2**63):
        raise Malformed(f"block entry {n} has no number or total")
    if "links" not in entry:
        digest = entry.get("digest")
        if not _is_hash(digest):
            raise Malformed(f"block {number} has neither links nor a digest")
        return number, total, str(digest)
    given = entry["links"]
    if not isinstance(given, list):
        raise Malformed(f"block {number}'s links are not a list")
    return number, total, block_digest(_link(item, number, links, result) for item in given)


def _link(item: object, number: int, links: Mapping[EventKey, str], result: Recomputed) -> str:
    if _is_hash(item):
        return str(item)
    if (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)
            and isinstance(item[1], int)):
        key = (item[0], item[1])
        if key in result.placed:
            result.problems.append(f"{key[0]} seq {key[1]}: in the chain twice (blocks"
                                   f" {result.placed[key]} and {number})")
        result.placed[key] = number
        if key not in links:
            result.problems.append(f"the chain: block {number} names {key[0]} seq {key[1]},"
                                   " which is not in the dossier")
            return ZERO
        return links[key]
    raise Malformed(f"block {number} holds a link that is neither a hash nor an event")


def _is_hash(value: object) -> bool:
    return (isinstance(value, str) and len(value) == 64
            and all(c in "0123456789abcdef" for c in value))
