"""Evidence in the domain: who may attach, what its event records (the contract the
dossier reads), and a response recorded with its evidence as one change."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

import pytest

from tests.workflows.test_review import ANALYST, COUNSEL, LEAD, VIEWER, staffed  # noqa: F401
from workflows.deadlines import DueSpec
from workflows.errors import BadInput, NotPermitted
from workflows.evidence import Evidence
from workflows.review import Review

LETTER = Evidence(hashlib.sha256(b"letter").hexdigest(), 6, "letter.pdf", "application/pdf",
                  "F0LETTER1", "https://t.slack.com/files/U1/F0LETTER1/letter.pdf")
CONTRACT = {"sha256", "size", "name", "mimetype", "file_id", "permalink", "note", "round",
            "stored"}


@pytest.fixture
async def albany(staffed: Review) -> Review:  # noqa: F811
    await staffed.add(ANALYST, "albany", "Albany, NY", "city", "NY")
    return staffed


@pytest.mark.parametrize("user", [VIEWER, COUNSEL])
async def test_only_recorders_may_attach(albany: Review, repo: Any, user: str) -> None:
    with pytest.raises(NotPermitted, match="attach"):
        await albany.attach_evidence(user, "albany", LETTER)
    assert [e.kind for e in repo.events["albany"]] == ["added"]


async def test_the_event_keeps_the_state_and_records_the_contract(albany: Review,
                                                                  repo: Any) -> None:
    change = await albany.attach_evidence(LEAD, "albany", LETTER, note="from the mayor")
    event = change.event
    assert (event.kind, event.from_state, event.to_state) == ("evidence", "new", "new")
    assert set(event.detail) == CONTRACT
    assert event.detail["round"] is None and event.detail["stored"] is False
    assert event.detail["note"] == "from the mayor" and event.detail["name"] == "letter.pdf"
    assert Evidence.of(event) == LETTER
    assert (await albany.evidence_of(change.jurisdiction, 5)) == ([LETTER], 1)


async def test_a_response_and_its_evidence_are_one_change(albany: Review, repo: Any) -> None:
    await albany.take(ANALYST, "albany", "letter", date(2017, 4, 21), DueSpec.parse("30 days"))
    notices = len(repo.notices)
    change = await albany.take(ANALYST, "albany", "response", date(2017, 5, 1), note="reply",
                               evidence=[LETTER, LETTER])
    assert [e.kind for e in repo.events["albany"]][-3:] == ["response", "evidence", "evidence"]
    assert change.jurisdiction.version == 5  # added, letter, then response and two files
    assert change.event.kind == "response" and len(repo.notices) == notices + 1
    last = repo.events["albany"][-1]
    assert last.from_state == last.to_state == "response_received"
    assert last.detail["round"] == 1 and last.detail["note"] == "reply"


async def test_a_viewer_may_not_record_a_response_with_evidence(albany: Review,
                                                                repo: Any) -> None:
    with pytest.raises(NotPermitted, match="attach"):
        await albany.take(VIEWER, "albany", "response", evidence=[LETTER])
    assert [e.kind for e in repo.events["albany"]] == ["added"]


async def test_no_file_or_too_many_is_refused(albany: Review) -> None:
    with pytest.raises(BadInput, match="between 1 and 10"):
        await albany.attach_evidence(ANALYST, "albany", [])
    with pytest.raises(BadInput, match="between 1 and 10"):
        await albany.attach_evidence(ANALYST, "albany", [LETTER] * 11)


def test_a_hash_is_64_hex_digits() -> None:
    with pytest.raises(ValueError, match="64 hex"):
        Evidence("abc", 1, "x", "", "F1", "")
