"""The record's seal and its check, as the team and an operator use them: ``/review
seal`` and ``/review verify`` through the real Bolt app over signed HTTP, and
``review-bot verify`` as a real process, against a history edited with sqlite3 the way
someone holding the file would."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.subcommands import record as record_commands
from tests.bot.conftest import ADMIN, Harness, running
from tests.bot.test_cli import REPO, env

STORY = ['add chicago "Chicago, IL" kind=city state=IL',
         "letter chicago date=2017-04-21 due=2017-06-30",
         "response chicago date=2017-06-30 note=legal opinion"]
FINGERPRINT = re.compile(r"`(\d+-[0-9a-f]{20})`")


def edit_note(db: Path, seq: int = 3) -> None:
    """What someone holding the file can do with the sqlite3 shell: Chicago's event
    ``seq`` says "nothing" where it said "legal opinion"."""
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("DROP TRIGGER events_no_update")
        conn.execute("UPDATE events SET detail = replace(detail, 'legal opinion', 'nothing')"
                     " WHERE jurisdiction_id = 'chicago' AND seq = ?", (seq,))
    finally:
        conn.close()


async def test_a_lead_seals_the_record_in_the_channel_and_anyone_verifies_it(
        harness: Harness, tmp_path: Path) -> None:
    for line in STORY:
        await harness.answer(ADMIN, line)
    await harness.answer(ADMIN, "role <@UANA|ana> analyst")
    refused = await harness.answer("UANA", "seal")
    assert refused.ephemeral and "Only admin or lead may use “seal”" in refused.text
    posted = await harness.command(ADMIN, "seal", channel="CLEAD")
    sealed = posted[-1]
    assert not sealed.ephemeral, sealed  # in the channel: Slack keeps its copy
    [fingerprint] = FINGERPRINT.findall(str(sealed.blocks))[:1]
    assert fingerprint.startswith("3-") and "Record sealed" in str(sealed.blocks)

    intact = await harness.answer("UANA", f"verify {fingerprint}")
    assert intact.ephemeral and f"`{fingerprint}` matches" in str(intact.blocks), intact
    quoted = await harness.answer("UANA", f"verify `{fingerprint}`")  # copied as shown
    assert f"`{fingerprint}` matches" in str(quoted.blocks), quoted

    edit_note(tmp_path / "review.db")
    changed = await harness.answer("UANA", f"verify {fingerprint}")
    text = str(changed.blocks)
    assert f"`{fingerprint}` does not match" in text, text
    assert "chicago seq 3: edited" in text, text
    assert changed.text == "The record has been changed."
    unknown = await harness.answer("UANA", "verify 7-0123456789abcdef0123")
    assert "No head covers exactly 7 events" in str(unknown.blocks)


async def test_verify_refuses_what_is_not_a_fingerprint(harness: Harness) -> None:
    for text in ("verify https://evil.example/x", "verify 12-xyz", "verify 1-aa 2-bb"):
        answer = await harness.answer(ADMIN, text)
        assert answer.ephemeral and ("is not a fingerprint" in answer.text
                                     or "Give one fingerprint" in answer.text), answer.text
        assert "evil.example" not in str(answer.blocks) + answer.text  # never echoed


async def test_a_posted_summary_carries_the_fingerprint_the_cli_checks(
        tmp_path: Path) -> None:
    async with running(tmp_path) as harness:
        for line in STORY:
            await harness.answer(ADMIN, line)
        await harness.command(ADMIN, "summary", channel="CLEAD")
        [summary] = [p for p in harness.slack.posted if p.channel == "CLEAD"
                     and not p.response_key]
        [fingerprint] = FINGERPRINT.findall(str(summary.blocks))
    db = tmp_path / "review.db"

    def verify(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot", "verify", *args], text=True,
                              capture_output=True, cwd=tmp_path, timeout=60,
                              env=env(tmp_path, DATABASE_URL=f"sqlite:///{db}"))

    ok = verify("--head", fingerprint)
    assert ok.returncode == 0, ok.stderr
    assert "Every chain is intact." in ok.stdout and f"{fingerprint} matches" in ok.stdout
    edit_note(db)
    broken = verify("--head", fingerprint)
    assert broken.returncode == 1
    assert "chicago seq 3: edited" in broken.stdout
    assert f"{fingerprint} does NOT match" in broken.stdout
    machine = json.loads(verify("--json").stdout)
    assert machine["intact"] is False
    assert machine["problems"][0] | {"explanation": ""} == {
        "what": "edited", "jurisdiction": "chicago", "seq": 3, "block": None,
        "event_id": machine["problems"][0]["event_id"], "explanation": ""}
    bad = verify("--head", "not-a-fingerprint")
    assert bad.returncode == 2 and "is not a fingerprint" in bad.stderr
    missing = subprocess.run([sys.executable, "-m", "bot", "verify"], text=True,
                             capture_output=True, cwd=tmp_path, timeout=60,
                             env=env(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path}/none.db"))
    assert missing.returncode == 2 and "there is no database" in missing.stderr
    assert REPO.exists()


async def test_a_long_check_says_it_has_begun_before_its_answer(
        harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    for line in STORY:
        await harness.answer(ADMIN, line)
    monkeypatch.setattr(record_commands, "LONG", 3)  # a big record, in miniature
    posted = await harness.command(ADMIN, "verify")
    assert [p.text for p in posted][:1] == [
        ":hourglass_flowing_sand: Checking the 3 events of the record; the answer comes here"
        " in about 1 s."]
    assert posted[0].ephemeral and posted[0].response_key == f"ephemeral:{ADMIN}"
    assert posted[-1].text == "The record is intact."
