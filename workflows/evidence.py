"""Evidence: a file (a response letter, a legal opinion) kept with a jurisdiction's round.

An ``Evidence`` is what the bot learned of a file once it read it: its SHA-256, size,
name, type and where Slack keeps it, and whether its bytes were kept too. Recording it
is an ``evidence`` event (``EVIDENCE``): the jurisdiction's state does not move
(from_state = to_state = where it stands), and the event's detail is the contract the
dossier reads (``evidence_detail``). Like every event it is hashed into the chain when
it is saved. Reading and hashing the bytes is the adapters' (``bot/slack/evidence.py``);
the domain only checks who may attach and what is recorded.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from workflows.lengths import MAX_NOTE, check_length
from workflows.model import Event, Jurisdiction

EVIDENCE = "evidence"
"""The event kind."""
MAX_EVIDENCE_BYTES = 50 * 1024 * 1024
"""The largest file taken as evidence."""
MAX_FILES = 10
"""Files one change takes (a Slack message holds at most 10)."""
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Evidence:
    """A file read from Slack: ``sha256`` (hex) and ``size`` (bytes) of what was read;
    ``stored``: its bytes are kept in the evidence folder."""

    sha256: str
    size: int
    name: str
    mimetype: str
    file_id: str
    permalink: str
    stored: bool = False

    def __post_init__(self) -> None:
        if not _SHA256.fullmatch(self.sha256) or self.size < 0:
            raise ValueError("an evidence's sha256 is 64 hex digits and its size >= 0")

    @property
    def short_hash(self) -> str:
        return self.sha256[:12]

    @classmethod
    def of(cls, event: Event) -> Evidence:
        """The evidence an ``evidence`` event records."""
        d = event.detail
        return cls(str(d["sha256"]), int(d["size"]), str(d.get("name", "")),
                   str(d.get("mimetype", "")), str(d.get("file_id", "")),
                   str(d.get("permalink", "")), bool(d.get("stored")))


def readable(events: Sequence[Event]) -> list[Evidence]:
    """The evidence ``evidence`` events record, leaving out any whose detail is not
    the contract's (an event written by hand, say): it is still in the history."""
    found = []
    for event in events:
        try:
            found.append(Evidence.of(event))
        except (KeyError, TypeError, ValueError):
            continue
    return found


def evidence_detail(j: Jurisdiction, evidence: Evidence, note: str) -> dict[str, object]:
    """What an ``evidence`` event records (the contract, key for key)."""
    check_length(note, "note", MAX_NOTE, "note")
    current = j.current_round
    return {"sha256": evidence.sha256, "size": evidence.size, "name": evidence.name,
            "mimetype": evidence.mimetype, "file_id": evidence.file_id,
            "permalink": evidence.permalink, "note": note,
            "round": current.number if current else None, "stored": evidence.stored}
