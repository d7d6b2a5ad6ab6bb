"""The administrative record as a dossier: made from a stored history (on both engines),
checked alone and offline against itself, and every way of changing it named: a byte of
each kind of member, an event edited with the manifest re-hashed to match, a whole
dossier forged consistently (caught only by a fingerprint posted before), members that
climb out of the bundle, a member too big to read."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import zipfile
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from bot.ui import timeline
from storage.evidence_folder import EvidenceFolder
from storage.store import Store
from tests.bot.test_record import edit_note as edit_with_sqlite3
from tests.storage.conftest import BOTH, Clock
from workflows import chain
from workflows.chain import Fingerprint
from workflows.deadline_changes import Deadlines
from workflows.deadlines import DueSpec
from workflows.dossier import HISTORY_COLUMNS, MANIFEST, Dossiers, manifest_bytes, self_hash
from workflows.dossier_check import MAX_MEMBER, DossierReport, NotADossier, check_dossier
from workflows.dossier_zip import Moment, member
from workflows.evidence import Evidence
from workflows.model import CourtOrder, OrderKind
from workflows.review import Review

LEAD = "UADMIN"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
SHA = hashlib.sha256(PDF).hexdigest()
HOSTILE = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'
Members = dict[str, bytes]


async def story(review: Review, folder: Path) -> None:
    """Chicago: a letter (recorded a week after its day), evidence, a response the day
    before it was recorded, an injunction. Albany beside it."""
    await review.add(LEAD, "chicago", "Chicago, IL", "city", "IL")
    await review.add(LEAD, "albany", "Albany, NY", "city", "NY")
    await review.take(LEAD, "chicago", "letter", date(2018, 1, 24), DueSpec(days=30),
                      note=HOSTILE)
    await review.take(LEAD, "albany", "letter", date(2018, 1, 25), DueSpec(days=30))
    await EvidenceFolder(folder).keep(PDF)
    await review.attach_evidence(LEAD, "chicago", Evidence(
        SHA, len(PDF), "response <b>.pdf", "application/pdf", "F0LETTER",
        "https://local.slack.com/files/U0/F0LETTER/response.pdf", stored=True))
    await review.take(LEAD, "chicago", "response", date(2018, 1, 31), note="legal opinion")
    await review.attach_order(LEAD, "chicago", CourtOrder(
        OrderKind.INJUNCTION, date(2018, 1, 31), "17-cv-5720", "N.D. Ill.",
        blocks=frozenset({"subpoena"})))


async def made(store: Store, review: Review, folder: Path | None,
               ids: list[str] | None = None) -> bytes:
    dossiers = Dossiers(store, partial(timeline.render,
                                       label_of=review.workflow.definition.label_of),
                        Clock(), EvidenceFolder(folder) if folder else None)
    out = io.BytesIO()
    await dossiers.write(["chicago"] if ids is None else ids, out)
    return out.getvalue()


def members(data: bytes) -> Members:
    with zipfile.ZipFile(io.BytesIO(data)) as bundle:
        return {info.filename: bundle.read(info) for info in bundle.infolist()}


def zipped(files: Members, moment: Moment = (2018, 2, 1, 12, 0, 0)) -> bytes:
    """A ZIP of ``files`` as given (names too: ``zipfile`` writes ``..`` as it is told),
    its container as a dossier's is (as someone forging one would write it)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as bundle:
        for name, data in files.items():
            bundle.writestr(member(name, moment), data)
    return out.getvalue()


def checked(data: bytes, fingerprint: str | None = None) -> DossierReport:
    return check_dossier(io.BytesIO(data),
                         Fingerprint.parse(fingerprint) if fingerprint else None)


def manifest_of(files: Members) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(files[MANIFEST])
    return found


def with_manifest(files: Members, manifest: dict[str, Any], rehash: tuple[str, ...] = ()
                  ) -> Members:
    """``files`` with ``manifest``, its entries for ``rehash`` and its own hash made to
    match (as someone covering an edit would)."""
    for entry in manifest["files"]:
        if entry["path"] in rehash:
            entry["sha256"] = hashlib.sha256(files[entry["path"]]).hexdigest()
            entry["size"] = len(files[entry["path"]])
    manifest["self_sha256"] = self_hash(manifest)
    return {**files, MANIFEST: manifest_bytes(manifest)}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    kept = tmp_path / "evidence"
    kept.mkdir()
    return kept


@BOTH
async def test_a_dossier_holds_the_record_and_checks_alone(
        store: Store, review: Review, folder: Path) -> None:
    await story(review, folder)
    data = await made(store, review, folder)
    files = members(data)
    assert set(files) == {"timeline/chicago.html", "history/chicago.csv", f"evidence/{SHA}",
                          MANIFEST}
    assert files[f"evidence/{SHA}"] == PDF
    manifest = manifest_of(files)
    seal = await store.seal()
    assert manifest["head"]["fingerprint"] == str(seal.fingerprint)
    for entry in manifest["files"]:
        assert entry["sha256"] == hashlib.sha256(files[entry["path"]]).hexdigest()
    [chicago] = manifest["jurisdictions"]
    rows = await store.read("SELECT seq, digest, link FROM events WHERE jurisdiction_id ="
                            " 'chicago' ORDER BY seq")
    assert chicago["events"] == [[r["seq"], r["digest"], r["link"]] for r in rows]
    assert [e["path"] for e in chicago["evidence"]] == [f"evidence/{SHA}"]
    report = checked(data)
    assert report.intact, report.problems
    assert (report.events, report.files, report.jurisdictions) == (5, 3, ["chicago"])
    assert str(report.recomputed) == str(seal.fingerprint)
    assert checked(data, str(seal.fingerprint)).intact  # the fingerprint posted in Slack
    other = checked(data, f"{seal.events}-{'0' * 20}")
    assert not other.intact and other.fingerprint_found and not other.fingerprint_matches
    assert not checked(data, "99-0123456789abcdef0123").fingerprint_found


@BOTH
async def test_the_timeline_shows_how_each_deadline_was_counted(
        store: Store, review: Review, folder: Path) -> None:
    """The derivation ``/review deadline`` shows, closure days included, is in the
    dossier: Chicago's 30 days from 2018-01-24 end on Friday 2018-02-23; that day
    declared closed, they end on Monday 2018-02-26 (FRCP 6(a)(3))."""
    await review.add(LEAD, "chicago", "Chicago, IL", "city", "IL")
    await review.take(LEAD, "chicago", "letter", date(2018, 1, 24), DueSpec(days=30))
    await Deadlines(review, store).declare(LEAD, "2018-02-23", "snow day")
    html = members(await made(store, review, None))["timeline/chicago.html"].decode()
    counted = html[html.index("How each deadline was counted"):html.index("<h2>Steps")]
    assert "Round 1 (letter)" in counted and "Letter 2018-01-24" in counted
    assert ("the last day is a closure day, 2018-02-23: snow day (closure #1), so it moves"
            " to the next open day (FRCP 6(a)(3))") in counted
    assert counted.rstrip().endswith("<li>→ due 2018-02-26</li></ol></li></ul>")


async def test_the_whole_review_is_recomputed_from_its_own_events(
        store: Store, review: Review, folder: Path) -> None:
    await story(review, folder)
    posted = (await store.seal()).fingerprint
    data = await made(store, review, None, ids=["albany", "chicago"])
    assert f"evidence/{SHA}" not in members(data)  # no folder: the hash only
    manifest = manifest_of(members(data))
    assert all("digest" not in block for block in manifest["chain"])  # every link ours
    report = checked(data, str(posted))
    assert report.intact and report.events == 7, report.problems
    html = members(data)["timeline/chicago.html"].decode()
    assert "not kept (hash only)" in html and SHA in html


async def test_the_timeline_reads_alone_and_escapes_what_people_typed(
        store: Store, review: Review, folder: Path) -> None:
    await story(review, folder)
    html = members(await made(store, review, folder))["timeline/chicago.html"].decode()
    assert "<script" not in html and "<img" not in html and "<b>.pdf" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img" in html
    assert "http://" not in html and "https://" not in html.replace(
        "local.slack.com", "")  # nothing fetched: the permalink is not shown as a resource
    assert "@media print" in html and "@page" in html
    assert SHA in html and "yes: <code>evidence/</code>" in html and "17-cv-5720" in html
    assert "Awaiting response" in html or "awaiting" in html.lower()
    # steps recorded on 2018-02-01: the letter of 01-24 says so, the response of 01-31 not
    assert "recorded 2018-02-01 for 2018-01-24" in html
    assert "for 2018-01-31" not in html and "for 2018-02-01" not in html


@pytest.mark.parametrize("member", ["timeline/chicago.html", "history/chicago.csv",
                                    f"evidence/{SHA}"])
async def test_one_byte_changed_in_a_member_is_named(
        store: Store, review: Review, folder: Path, member: str) -> None:
    await story(review, folder)
    files = members(await made(store, review, folder))
    changed = bytearray(files[member])
    changed[len(changed) // 2] ^= 0x01
    report = checked(zipped({**files, member: bytes(changed)}))
    assert not report.intact
    assert f"{member}: SHA-256 differs from the manifest" in report.problems


async def test_one_byte_changed_in_the_manifest_is_named(
        store: Store, review: Review, folder: Path) -> None:
    await story(review, folder)
    files = members(await made(store, review, folder))
    text = files[MANIFEST].decode()
    at = text.index('"made_at": "') + len('"made_at": "') + 3  # a digit of the year
    edited = text[:at] + ("9" if text[at] != "9" else "8") + text[at + 1:]
    report = checked(zipped({**files, MANIFEST: edited.encode()}))
    assert report.problems == [f"{MANIFEST}: its contents do not match its own SHA-256"
                               " (edited)"]
    broken = text[:10] + "\x00" + text[11:]
    assert checked(zipped({**files, MANIFEST: broken.encode()})).problems[0].startswith(
        f"{MANIFEST}: not valid JSON")


async def test_a_byte_changed_in_the_zip_itself_is_named(
        store: Store, review: Review, folder: Path) -> None:
    await story(review, folder)
    data = bytearray(await made(store, review, folder))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as bundle:
        info = bundle.getinfo(f"evidence/{SHA}")
    data[info.header_offset + 30 + len(info.filename) + 5] ^= 0x01  # inside its bytes
    report = checked(bytes(data))
    assert any(p.startswith(f"evidence/{SHA}:") for p in report.problems), report.problems


async def test_any_one_byte_changed_anywhere_fails_and_never_crashes(
        store: Store, review: Review, folder: Path) -> None:
    """Every byte of the file (headers, member bytes, the central directory, its end)
    is accounted for: a change to any one is a problem named, or not a dossier at all;
    never "intact", never an exception. (Every third byte, each of two bits, and a few
    whole-byte replacements; a test run of every byte found none missed.)"""
    await story(review, folder)
    data = await made(store, review, folder)
    assert checked(data).intact
    for at in range(0, len(data), 3):
        for change in (0x01, 0x80):
            damaged = bytearray(data)
            damaged[at] ^= change
            with contextlib.suppress(NotADossier):
                assert not checked(bytes(damaged)).intact, f"byte {at} changed, not seen"
    respaced = data.replace(b'{\n "format"', b'{\r "format"', 1)  # the manifest's first line
    assert respaced != data and not checked(respaced).intact
    assert checked(data + b"\0").problems[0].startswith("the ZIP: the end of the ZIP")


async def test_an_evidence_file_replaced_and_rehashed_is_named(
        store: Store, review: Review, folder: Path) -> None:
    await story(review, folder)
    files = members(await made(store, review, folder))
    files[f"evidence/{SHA}"] = b"%PDF-1.4 another letter"
    report = checked(zipped(with_manifest(files, manifest_of(files),
                                          rehash=(f"evidence/{SHA}",))))
    assert report.problems == [f"evidence/{SHA}: its bytes do not hash to its name",
                               f"evidence/{SHA}: its SHA-256 is not the one chicago seq 3"
                               " recorded"]


def edit_note(files: Members) -> Members:
    csv = files["history/chicago.csv"].decode()
    assert "legal opinion" in csv
    return {**files, "history/chicago.csv": csv.replace("legal opinion", "no opinion").encode()}


async def test_an_edit_covered_in_the_manifest_is_still_named(
        store: Store, review: Review, folder: Path) -> None:
    await story(review, folder)
    files = edit_note(members(await made(store, review, folder)))
    covered = with_manifest(files, manifest_of(files), rehash=("history/chicago.csv",))
    report = checked(zipped(covered))
    assert not report.intact
    assert report.problems[0].startswith("chicago seq 4: edited: the digest of its fields")
    assert not any("SHA-256 differs" in p for p in report.problems)


async def test_a_dossier_forged_whole_passes_alone_but_not_against_slack(
        store: Store, review: Review, folder: Path) -> None:
    """Every hash in it recomputed after the edit: the bundle agrees with itself (no
    dossier can prove more without a secret), but not with the fingerprint posted."""
    await story(review, folder)
    posted = str((await store.seal()).fingerprint)
    files = edit_note(members(await made(store, review, folder)))
    rows = list(csv_rows(files["history/chicago.csv"]))
    previous, events = chain.ZERO, []
    for row in rows:
        row[9] = chain.digest(row[0], int(row[1]), row[2], row[3], row[4], row[5],
                              row[6] or None, row[7] or None, row[8])
        row[10] = previous = chain.link(previous, row[9])
        events.append([int(row[1]), row[9], row[10]])
    files["history/chicago.csv"] = csv_bytes(rows)
    manifest = manifest_of(files)
    manifest["jurisdictions"][0]["events"] = events
    manifest["head"]["fingerprint"], manifest["head"]["head"] = recomputed_head(files,
                                                                                manifest)
    forged = zipped(with_manifest(files, manifest, rehash=("history/chicago.csv",)))
    alone = checked(forged)
    assert alone.intact, alone.problems
    against = checked(forged, posted)
    assert not against.intact and against.fingerprint_found
    assert not against.fingerprint_matches


def csv_rows(data: bytes) -> list[list[str]]:
    import csv

    rows = list(csv.reader(io.StringIO(data.decode(), newline="")))
    assert tuple(rows[0]) == HISTORY_COLUMNS
    return rows[1:]


def csv_bytes(rows: list[list[str]]) -> bytes:
    import csv

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([list(HISTORY_COLUMNS), *rows])
    return out.getvalue().encode()


def recomputed_head(files: Members, manifest: dict[str, Any]) -> tuple[str, str]:
    """The fingerprint and head the checker finds, as a forger would compute them."""
    interim = with_manifest(files, manifest, rehash=("history/chicago.csv",))
    found = checked(zipped(interim))
    assert found.recomputed is not None
    return str(found.recomputed), found.head


async def test_members_outside_the_bundle_are_refused_unread(
        store: Store, review: Review, folder: Path, tmp_path: Path) -> None:
    await story(review, folder)
    files = members(await made(store, review, folder))
    report = checked(zipped({**files, "../escaped.txt": b"x", "/etc/cron.d/x": b"x",
                             "timeline/../../up.html": b"x"}))
    for name in ("../escaped.txt", "/etc/cron.d/x", "timeline/../../up.html"):
        assert f"{name!r}: refused: its path leads outside the dossier (absolute or ..);" \
               " it was not read" in report.problems
    assert not (tmp_path.parent / "escaped.txt").exists() and not Path("up.html").exists()


async def test_a_member_bigger_than_the_cap_stops_being_read(
        store: Store, review: Review, folder: Path) -> None:
    await story(review, folder)
    files = members(await made(store, review, folder))
    bomb = b"\0" * (MAX_MEMBER + 1)  # compresses to about 64 KB
    manifest = manifest_of(files)
    manifest["files"].append({"path": "timeline/bomb.html", "size": len(bomb),
                              "sha256": hashlib.sha256(bomb).hexdigest()})
    report = checked(zipped(with_manifest({**files, "timeline/bomb.html": bomb}, manifest)))
    assert any(p.startswith("timeline/bomb.html: refused: larger than") for p in
               report.problems), report.problems


@pytest.mark.parametrize(("data", "says"), [
    (b"not a zip at all", "not a ZIP file"),
    (zipped({"history/chicago.csv": b"x"}), "no manifest.json"),
])
def test_what_is_not_a_dossier_is_one_sentence(data: bytes, says: str) -> None:
    with pytest.raises(NotADossier, match=says):
        checked(data)




async def test_a_dossier_of_a_database_edited_behind_the_bot_says_so(
        store: Store, review: Review, folder: Path, db_path: Path) -> None:
    """The dossier carries the hashes as stored and recomputes none of them: a history
    edited with the sqlite3 shell is shown as it is, and named."""
    await story(review, folder)
    edit_with_sqlite3(db_path, seq=4)
    report = checked(await made(store, review, folder))
    assert report.problems[0].startswith("chicago seq 4: edited: the digest of its fields")
