"""The administrative record from Slack and from the command line: ``/review dossier``
through the real Bolt app over signed HTTP, its ZIP read back from the stand-in and
checked; ``review-bot dossier`` and ``review-bot verify --dossier`` as real processes,
on the bot's own SQLite file, with evidence attached through Slack and kept in
REVIEW_EVIDENCE_DIR."""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
import sys
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.bot.conftest import ADMIN, Harness, running
from tests.bot.test_cli import env
from workflows.chain import Fingerprint
from workflows.dossier_check import check_dossier

ANALYST, CHANNEL = "UANALYST", "CREVIEW"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
SHA = hashlib.sha256(PDF).hexdigest()
STORY = ['add chicago "Chicago, IL" kind=city state=IL',
         "letter chicago date=2017-04-21 due=2017-06-30",
         "response chicago date=2017-06-30 note=legal opinion"]
FINGERPRINT = re.compile(r"`(\d+-[0-9a-f]{20})`")


@pytest.fixture
async def kept(tmp_path: Path) -> AsyncIterator[tuple[Harness, Path]]:
    """Chicago's story, and a response letter attached as evidence, kept in the folder."""
    folder = tmp_path / "evidence"
    folder.mkdir()
    async with running(tmp_path, review_evidence_dir=str(folder)) as h:
        await h.answer(ADMIN, f"role <@{ANALYST}|ana> analyst")
        for line in STORY:
            await h.answer(ADMIN, line)
        h.slack.join(CHANNEL, ANALYST, ADMIN)
        file_id = h.slack.share("response.pdf", PDF, ANALYST, CHANNEL)
        attached = await h.answer(ANALYST, f"attach chicago {file_id}")
        assert "attached evidence" in attached.text, attached.text
        yield h, folder


def unzipped(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as bundle:
        return {info.filename: bundle.read(info) for info in bundle.infolist()}


async def test_the_dossier_is_uploaded_to_the_channel_and_verifies(
        kept: tuple[Harness, Path]) -> None:
    h, _ = kept
    seal = await h.bot.store.seal()
    posted = await h.command(ANALYST, "dossier chic")  # a prefix names it, as everywhere
    answer = posted[-1]
    assert answer.ephemeral and "dossier-chicago-2018-02-01.zip" in answer.text, answer.text
    [upload] = h.slack.files
    assert upload.channel == CHANNEL and upload.title == "dossier-chicago-2018-02-01.zip"
    assert str(seal.fingerprint) in upload.comment and "verify --dossier" in upload.comment
    report = check_dossier(io.BytesIO(upload.data), seal.fingerprint)
    assert report.intact and report.events == 4, report.problems
    files = unzipped(upload.data)
    assert files[f"evidence/{SHA}"] == PDF
    html = files["timeline/chicago.html"].decode()
    assert SHA in html and "response.pdf" in html and "legal opinion" in html


async def test_an_unknown_jurisdiction_is_refused_and_nothing_uploaded(
        kept: tuple[Harness, Path]) -> None:
    h, _ = kept
    for text, says in (("dossier springfield", "No jurisdiction matches “springfield”"),
                       ("dossier", "Name the jurisdiction")):
        answer = await h.answer(ADMIN, text)
        assert answer.ephemeral and says in answer.text, answer.text
    assert h.slack.files == []
    shown = await h.answer(ADMIN, "help all")
    assert "/review dossier <jurisdiction>" in json.dumps(shown.blocks)


def review_bot(tmp_path: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], text=True,
                          capture_output=True, cwd=tmp_path, timeout=60,
                          env=env(tmp_path, **extra))


def retouched(path: Path, member: str, old: bytes, new: bytes, out: Path) -> Path:
    """The dossier at ``path`` with bytes of one member changed (the ZIP kept whole)."""
    files = unzipped(path.read_bytes())
    assert old in files[member]
    files[member] = files[member].replace(old, new)
    with zipfile.ZipFile(out, "w") as bundle:
        for name, data in files.items():
            bundle.writestr(name, data)
    return out


async def test_the_command_line_writes_a_dossier_and_checks_it_alone(
        kept: tuple[Harness, Path], tmp_path: Path) -> None:
    h, folder = kept
    posted = str((await h.bot.store.seal()).fingerprint)
    made = review_bot(tmp_path, "dossier", "chicago", "--output", "chicago.zip",
                      REVIEW_EVIDENCE_DIR=str(folder))
    assert made.returncode == 0, made.stderr
    assert "1 jurisdiction(s), 4 events and 1 evidence file(s) written to chicago.zip" \
        in made.stdout and posted in made.stdout
    dossier = tmp_path / "chicago.zip"
    assert f"evidence/{SHA}" in unzipped(dossier.read_bytes())
    ok = review_bot(tmp_path, "verify", "--dossier", "chicago.zip", "--head", posted)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "chicago.zip is intact" in ok.stdout and f"{posted} matches" in ok.stdout

    retouched(dossier, "history/chicago.csv", b"legal opinion", b"legal 0pinion",
              tmp_path / "tampered.zip")
    broken = review_bot(tmp_path, "verify", "--dossier", "tampered.zip", "--head", posted)
    assert broken.returncode == 1
    assert "history/chicago.csv: SHA-256 differs from the manifest" in broken.stdout
    assert "chicago seq 3: edited" in broken.stdout
    machine = json.loads(review_bot(tmp_path, "verify", "--dossier", "tampered.zip",
                                    "--json").stdout)
    assert machine["intact"] is False and machine["dossier"] == "tampered.zip"
    assert "history/chicago.csv: SHA-256 differs from the manifest" in machine["problems"]
    assert Fingerprint.parse(machine["head"]) == Fingerprint.parse(posted)


@pytest.mark.parametrize(("args", "says"), [
    (("dossier", "springfield", "-o", "x.zip"), "No jurisdiction matches “springfield”"),
    (("dossier", "-o", "x.zip"), "name the jurisdictions to include, or give --all"),
    (("dossier", "chicago", "--all", "-o", "x.zip"), "or give --all (not both)"),
    (("verify", "--dossier", "review.db"), "review.db: this is not a ZIP file"),
    (("verify", "--dossier", "none.zip"), "cannot read none.zip"),
])
async def test_bad_input_is_one_line_and_exit_2(
        kept: tuple[Harness, Path], tmp_path: Path, args: tuple[str, ...], says: str) -> None:
    result = review_bot(tmp_path, *args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert says in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x.zip").exists()
