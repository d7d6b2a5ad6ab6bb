"""The offline check of a dossier over hostile bytes: whatever a manifest holds in place
of what it should (another type, a huge number, a path that climbs out, nesting too
deep to parse), the check names a problem and never raises."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from workflows.chain import ZERO, digest, head, link
from workflows.dossier import HISTORY_COLUMNS, MANIFEST, manifest_bytes, self_hash
from workflows.dossier_check import DossierReport, check_dossier
from workflows.dossier_zip import member

ROW = ["x", "1", "added", "U1", "2018-01-24", "2018-01-24T12:00:00+00:00", "", "new", "{}"]
DIGEST = digest("x", 1, "added", "U1", "2018-01-24", "2018-01-24T12:00:00+00:00", None,
                "new", "{}")
LINK = link(ZERO, DIGEST)
CSV = ("\r\n".join(",".join(r) for r in (HISTORY_COLUMNS, [*ROW, DIGEST, LINK])) + "\r\n"
       ).encode()


def bundle(manifest: dict[str, Any] | bytes, extra: dict[str, bytes] | None = None) -> bytes:
    """A dossier's container (as ``workflows.dossier_zip`` writes it) of these members."""
    out, moment = io.BytesIO(), (2018, 2, 1, 12, 0, 0)
    with zipfile.ZipFile(out, "w") as zipped:
        zipped.writestr(member("history/x.csv", moment), CSV)
        for name, data in (extra or {}).items():
            zipped.writestr(member(name, moment), data)
        zipped.writestr(member(MANIFEST, moment), manifest if isinstance(manifest, bytes)
                        else manifest_bytes(manifest))
    return out.getvalue()


def good() -> dict[str, Any]:
    """A dossier of one jurisdiction of one event, sealed alone in block 1."""
    import hashlib

    block = [{"number": 1, "total": 1, "links": [["x", 1]]}]
    head_hex = head(ZERO, 1, 1, hashlib.sha256(bytes.fromhex(LINK)).hexdigest())
    body: dict[str, Any] = {
        "format": "review-bot/dossier/1",
        "head": {"blocks": 1, "events": 1, "head": head_hex, "fingerprint": f"1-{head_hex[:20]}"},
        "jurisdictions": [{"id": "x", "history": "history/x.csv", "events": [[1, DIGEST, LINK]],
                           "evidence": []}],
        "files": [{"path": "history/x.csv", "size": len(CSV),
                   "sha256": hashlib.sha256(CSV).hexdigest()}],
        "chain": block}
    body["self_sha256"] = self_hash(body)
    return body


def checked(data: bytes) -> DossierReport:
    return check_dossier(io.BytesIO(data))


def test_a_hand_made_dossier_checks() -> None:
    report = checked(bundle(good()))
    assert report.intact, report.problems
    assert report.events == 1 and str(report.recomputed) == good()["head"]["fingerprint"]


JUNK = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70),
                 st.text(max_size=8), st.lists(st.integers(), max_size=3),
                 st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))
PLACES = [("format",), ("head",), ("jurisdictions",), ("jurisdictions", 0),
          ("jurisdictions", 0, "events"),
          ("jurisdictions", 0, "events", 0), ("jurisdictions", 0, "history"),
          ("jurisdictions", 0, "evidence"), ("jurisdictions", 0, "id"), ("files",),
          ("files", 0), ("files", 0, "path"), ("chain",), ("chain", 0), ("chain", 0, "number"),
          ("chain", 0, "total"), ("chain", 0, "links"), ("chain", 0, "links", 0)]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(PLACES), JUNK)
def test_junk_anywhere_in_the_manifest_is_a_problem_not_a_crash(
        place: tuple[str | int, ...], junk: object) -> None:
    manifest = good()
    target: Any = manifest
    for key in place[:-1]:
        target = target[key]
    if target[place[-1]] == junk:
        return
    target[place[-1]] = junk
    manifest["self_sha256"] = self_hash(manifest)
    report = checked(bundle(manifest))  # never raises
    if place != ("jurisdictions", 0, "evidence"):  # none to list: junk there is harmless
        assert not report.intact and report.problems


def test_what_cannot_be_parsed_is_named() -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    assert checked(bundle(deep)).problems[0].startswith(f"{MANIFEST}: not valid JSON")
    climbs = checked(bundle(good(), {"../../etc/passwd": b"root"}))
    assert climbs.problems == ["'../../etc/passwd': refused: its path leads outside the"
                               " dossier (absolute or ..); it was not read"]
