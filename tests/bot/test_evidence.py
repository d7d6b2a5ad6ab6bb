"""Evidence by ``/review attach``: a file shared in Slack read through the stand-in's
files.info and download, hashed, kept content-addressed when REVIEW_EVIDENCE_DIR is set,
recorded as an ``evidence`` event in the chain and listed in show, history and the card.
Driven by signed slash commands through the real app, on a real SQLite file."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.console.stand_in.records import Posted
from tests.bot.conftest import ADMIN, Harness, running
from workflows.evidence import MAX_EVIDENCE_BYTES

LEAD, ANALYST, VIEWER, OTHER = "ULEAD", "UANALYST", "UVIEWER", "UOTHER"
TEAM_CHANNEL = "CREVIEW"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
SHA = hashlib.sha256(PDF).hexdigest()
CONTRACT = {"sha256", "size", "name", "mimetype", "file_id", "permalink", "note", "round",
            "stored"}


async def team(h: Harness) -> None:
    """An analyst and a lead; Albany with a letter sent (round 1)."""
    for user, role in ((LEAD, "lead"), (ANALYST, "analyst")):
        await h.answer(ADMIN, f"role <@{user}|x> {role}")
    await h.answer(ADMIN, 'add albany "Albany, NY" kind=city state=NY')
    await h.answer(ANALYST, "letter albany date=2018-01-10 due=30 days")
    h.slack.join(TEAM_CHANNEL, LEAD, ANALYST, ADMIN)


async def evidence_rows(h: Harness) -> list[dict[str, object]]:
    rows = await h.bot.store.read(
        "SELECT seq, from_state, to_state, detail FROM events WHERE kind = 'evidence'"
        " ORDER BY seq")
    return [{**dict(r), "detail": json.loads(r["detail"])} for r in rows]


def said(posted: Posted) -> str:
    return posted.text + json.dumps(posted.blocks)


@pytest.fixture
async def kept(tmp_path: Path) -> AsyncIterator[tuple[Harness, Path]]:
    folder = tmp_path / "evidence"
    folder.mkdir()
    async with running(tmp_path, review_evidence_dir=str(folder)) as h:
        await team(h)
        yield h, folder


async def test_attach_records_the_file_in_the_chain_and_keeps_its_bytes(
        kept: tuple[Harness, Path]) -> None:
    h, folder = kept
    file_id = h.slack.share("response.pdf", PDF, ANALYST, TEAM_CHANNEL)
    link = f"https://local.slack.com/files/{ANALYST}/{file_id}/response.pdf"
    answer = await h.answer(ANALYST, f"attach albany <{link}> note=signed <!channel> reply")
    assert "attached evidence to" in answer.text and SHA[:12] in answer.text
    [row] = await evidence_rows(h)
    assert row["from_state"] == row["to_state"] == "awaiting_response"
    detail = row["detail"]
    assert isinstance(detail, dict) and set(detail) == CONTRACT
    assert detail["sha256"] == SHA and detail["size"] == len(PDF)
    assert (detail["name"], detail["mimetype"], detail["file_id"]) == (
        "response.pdf", "application/pdf", file_id)
    assert detail["permalink"] == h.slack.permalink(file_id)
    assert (detail["note"], detail["round"], detail["stored"]) == (
        "signed <!channel> reply", 1, True)
    assert (folder / SHA[:2] / SHA).read_bytes() == PDF
    (folder / SHA[:2] / SHA).write_bytes(b"forged")  # a file put there by hand
    await h.answer(ANALYST, f"attach albany {file_id}")
    assert (folder / SHA[:2] / SHA).read_bytes() == PDF
    assert [p.name for p in (folder / SHA[:2]).iterdir()] == [SHA]  # no temp file left
    assert h.bot.services.record is not None
    assert (await h.bot.services.record.verify()).intact


async def test_show_history_and_the_card_list_the_evidence(kept: tuple[Harness, Path]) -> None:
    h, _ = kept
    file_id = h.slack.share("<!channel> opinion.pdf", PDF, ANALYST, TEAM_CHANNEL)
    attached = await h.answer(ANALYST, f"attach albany {file_id}")
    assert "attached evidence" in attached.text, attached.text
    for command in ("show albany", "history albany"):
        shown = said(await h.answer(LEAD, command))
        assert "&lt;!channel&gt; opinion.pdf" in shown and "<!channel>" not in shown
        assert SHA[:12] in shown and "bytes" in shown
        assert f"<{h.slack.permalink(file_id)}|" in shown
    card = await h.answer(LEAD, "show albany")
    assert any("*Evidence*" in json.dumps(b) for b in card.blocks)


async def test_without_the_setting_only_the_hash_is_kept(harness: Harness,
                                                         tmp_path: Path) -> None:
    await team(harness)
    file_id = harness.slack.share("response.pdf", PDF, ANALYST, TEAM_CHANNEL)
    await harness.answer(ANALYST, f"attach albany {file_id}")
    [row] = await evidence_rows(harness)
    assert isinstance(row["detail"], dict) and row["detail"]["stored"] is False
    assert row["detail"]["sha256"] == SHA
    assert not any(p.name == SHA for p in tmp_path.rglob("*"))


async def test_viewers_may_not_attach_and_slack_is_not_asked(harness: Harness) -> None:
    await team(harness)
    file_id = harness.slack.share("response.pdf", PDF, VIEWER, TEAM_CHANNEL)
    refused = await harness.answer(VIEWER, f"attach albany {file_id}")
    assert "Only admin or analyst or lead may use “attach”" in refused.text
    assert not any(method == "files.info" for method, _ in harness.slack.calls)
    assert await evidence_rows(harness) == []


@pytest.mark.parametrize(("case", "expected"), [
    ("not_slack", "is not a link into Slack"),
    ("not_a_file", "is not a Slack file"),
    ("deleted", "file_not_found"),
    ("not_shared_with_caller", "you are in"),
    ("too_big", "the bot takes files up to 50 MB"),
    ("external", "is not a file uploaded to Slack (it is gdrive"),
    ("remote", "is not a file uploaded to Slack (it is app"),
    ("unknown_jurisdiction", "No jurisdiction matches"),
])
async def test_a_file_the_bot_cannot_take_records_nothing(kept: tuple[Harness, Path],
                                                          case: str, expected: str) -> None:
    h, folder = kept
    h.slack.join("CSECRET", LEAD)
    shared = {
        "deleted": "F99999999",
        "not_shared_with_caller": h.slack.share("memo.pdf", PDF, LEAD, "CSECRET"),
        "too_big": h.slack.share("scan.pdf", PDF, ANALYST, TEAM_CHANNEL,
                                 size=MAX_EVIDENCE_BYTES + 1),
        "external": h.slack.share("drive.pdf", b"", ANALYST, TEAM_CHANNEL,
                                  external_url="https://docs.example.com/x"),
        "remote": h.slack.share("Contract", b"", ANALYST, TEAM_CHANNEL,
                                external_url="https://evil.example.com/doc/7",
                                external_type="app"),
    }
    target = {"not_slack": "https://evil.example.com/files/U1/F0ABC1234/x.pdf",
              "not_a_file": "letter.pdf",
              "unknown_jurisdiction": h.slack.share("r.pdf", PDF, ANALYST)}.get(case)
    ref = "atlantis" if case == "unknown_jurisdiction" else "albany"
    refused = await h.answer(ANALYST, f"attach {ref} {target or shared[case]}")
    assert expected in refused.text, refused.text
    assert refused.ephemeral
    assert await evidence_rows(h) == []
    assert not any(folder.rglob("*"))
    assert h.slack.downloads == []  # refused before any byte was asked for
    assert not any(method == "files.remote.info" for method, _ in h.slack.calls)


async def test_a_planted_symlink_is_never_followed(kept: tuple[Harness, Path],
                                                   tmp_path: Path) -> None:
    h, folder = kept
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, folder / SHA[:2])
    file_id = h.slack.share("response.pdf", PDF, ANALYST, TEAM_CHANNEL)
    refused = await h.answer(ANALYST, f"attach albany {file_id}")
    assert "could not be kept" in refused.text and "Nothing was recorded" in refused.text
    assert list(outside.iterdir()) == [] and await evidence_rows(h) == []
    (folder / SHA[:2]).unlink()
    (folder / SHA[:2]).mkdir()
    target = outside / "target"
    target.write_bytes(b"precious")
    os.symlink(target, folder / SHA[:2] / SHA)
    await h.answer(ANALYST, f"attach albany {file_id}")
    assert target.read_bytes() == b"precious"
    assert not (folder / SHA[:2] / SHA).is_symlink()
    assert (folder / SHA[:2] / SHA).read_bytes() == PDF
