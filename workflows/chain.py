"""The record proves itself: every event is hashed, and the hashes are chained.

**An event's digest** is the SHA-256 of its canonical form (version 1): the JSON array

    ["review-bot/event/1", jurisdiction_id, seq, kind, actor, on_date, recorded_at,
     from_state, to_state, detail]

of the event's fields as stored, in that order, written with no whitespace
(separators ``,`` and ``:``), non-ASCII characters as themselves, encoded as UTF-8.
``seq`` is a number, ``from_state`` and ``to_state`` text or ``null``, every other
field text: ``on_date`` the step's day (``2018-01-24``), ``recorded_at`` the moment it
was recorded in UTC (``2018-02-03T15:04:05.123456+00:00``), ``detail`` the event's
details as stored (JSON text, keys sorted). The form never changes; a new one would
get a new version word.

**The chain per jurisdiction.** Each event's link is SHA-256(previous link ‖ digest),
over the 32 bytes of each; the link before a jurisdiction's first event is 32 zero
bytes. An event cannot be changed, removed or moved without breaking every link after
it in its jurisdiction.

**The review-wide chain.** Every transaction that records events seals them as one
block, in commit order: the block's digest is SHA-256 over the links of its events in
the order they were written (event id), and its head is

    SHA-256(previous head ‖ block number ‖ events so far ‖ block digest)

(numbers as 8-byte big-endian; the head before the first block is 32 zero bytes). The
head of the last block stands for the whole history: its **fingerprint** is the count
of events it covers and the first 20 hex digits of the head (``1204-7f3a9c210be4d5aa91c2``).

Anyone who can write to the database can recompute every hash after an edit (the
hashes have no secret). What they cannot change is a fingerprint already posted in
Slack: ``verify`` recomputes every digest, link and head from the events themselves,
never trusting a stored hash, so an edit made after a fingerprint was posted changes
the head it is checked against.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from json.encoder import encode_basestring as _text

FORM = "review-bot/event/1"
ZERO = "0" * 64
FINGERPRINT_DIGITS = 20
_sha256 = hashlib.sha256
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


_FORM = _text(FORM)


def canonical(jurisdiction_id: str, seq: int, kind: str, actor: str, on_date: str,
              recorded_at: str, from_state: str | None, to_state: str | None,
              detail: str) -> bytes:
    """The canonical form of an event's stored fields (see above). Fields of the types
    the bot stores are written piece by piece, as the JSON encoder writes them (its
    own string escaping, an int as ``repr`` does), a third of the encoder's time on a
    million events; anything else (a row written behind the bot's back) goes through
    the encoder itself."""
    if (type(seq) is int and type(jurisdiction_id) is str and type(kind) is str
            and type(actor) is str and type(on_date) is str and type(recorded_at) is str
            and type(detail) is str and (from_state is None or type(from_state) is str)
            and (to_state is None or type(to_state) is str)):
        before = "null" if from_state is None else _text(from_state)
        after = "null" if to_state is None else _text(to_state)
        return (f"[{_FORM},{_text(jurisdiction_id)},{seq!r},{_text(kind)},{_text(actor)},"
                f"{_text(on_date)},{_text(recorded_at)},{before},{after},{_text(detail)}]"
                ).encode()
    return _dumps([FORM, jurisdiction_id, seq, kind, actor, on_date, recorded_at,
                   from_state, to_state, detail]).encode()


def digest(jurisdiction_id: str, seq: int, kind: str, actor: str, on_date: str,
           recorded_at: str, from_state: str | None, to_state: str | None,
           detail: str) -> str:
    """The hex SHA-256 of an event's canonical form."""
    return _sha256(canonical(jurisdiction_id, seq, kind, actor, on_date, recorded_at,
                             from_state, to_state, detail)).hexdigest()


def link(previous: str, event_digest: str) -> str:
    """The link of an event whose digest is ``event_digest``, after ``previous``."""
    return _sha256(raw(previous) + bytes.fromhex(event_digest)).hexdigest()


def block_digest(links: Iterable[str | None]) -> str:
    """The digest of a block whose events have ``links``, in the order written."""
    hashed = _sha256()
    for each in links:
        hashed.update(raw(each))
    return hashed.hexdigest()


def raw(stored: str | None) -> bytes:
    """The 32 bytes of a stored hash; zeros for one that is missing or not a hash (a row
    someone wrote behind the bot's back: ``verify`` names it, and writing goes on)."""
    try:
        value = bytes.fromhex(stored or "")
    except ValueError:
        return bytes(32)
    return value if len(value) == 32 else bytes(32)


def head(previous: str, number: int, total: int, block: str) -> str:
    """The review-wide head after block ``number``, which brings the events recorded to
    ``total`` and whose digest is ``block``."""
    return _sha256(raw(previous) + number.to_bytes(8, "big")
                   + total.to_bytes(8, "big") + bytes.fromhex(block)).hexdigest()


# -- fingerprints ---------------------------------------------------------------------------

_FINGERPRINT = re.compile(r"^(\d{1,12})-([0-9a-fA-F]{12,64})$")


@dataclass(frozen=True)
class Fingerprint:
    """A short, quotable name of the review-wide head after ``events`` events."""

    events: int
    digits: str

    @classmethod
    def of(cls, total: int, head_hex: str) -> Fingerprint:
        return cls(total, head_hex[:FINGERPRINT_DIGITS])

    @classmethod
    def parse(cls, text: str) -> Fingerprint:
        """``1204-7f3a9c210be4d5aa91c2`` (or more digits of the head, up to all 64);
        ``ValueError`` with a sentence for anything else."""
        match = _FINGERPRINT.match(text.strip())
        if not match:
            raise ValueError(
                "That is not a fingerprint: one looks like 1204-7f3a9c210be4d5aa91c2 (the"
                " events it covers, a dash, then at least 12 hex digits of the head).")
        return cls(int(match[1]), match[2].lower())

    def matches(self, total: int, head_hex: str) -> bool:
        return total == self.events and head_hex.startswith(self.digits)

    def __str__(self) -> str:
        return f"{self.events}-{self.digits}"


@dataclass(frozen=True)
class Seal:
    """The review-wide head as stored now: what ``/review seal`` posts."""

    blocks: int
    events: int
    head: str

    @property
    def fingerprint(self) -> Fingerprint:
        return Fingerprint.of(self.events, self.head)
