"""Checking a dossier alone, offline, against itself (``review-bot verify --dossier``).

Every member's bytes are hashed as they are read (never extracted to disk) and compared
with the manifest; every event of each ``history/<id>.csv`` is recomputed from its
fields (``workflows.chain.digest``), its links chained from zero per jurisdiction, and
compared with the CSV's and the manifest's; every kept evidence file's hash with the
evidence events'; the review-wide head recomputed from the manifest's chain
(``workflows.dossier_chain``) with the dossier's own events' links, and compared with
the head the dossier states and, if given, a fingerprint posted in Slack. Each
problem names what failed: ``timeline/chicago.html: SHA-256 differs from the manifest``,
``chicago seq 3: edited: …``.

A member whose name is absolute or climbs out (``..``) is refused, unread. Sizes are
capped as members are read (whatever their headers say): ``MAX_MEMBER`` each,
``MAX_TOTAL`` in all, ``MAX_MEMBERS`` members, so a ZIP bomb stops at the cap.
``NotADossier`` (the CLI's exit 2) when there is nothing to check: not a ZIP, no
manifest.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import IO, Any

from workflows.chain import ZERO, Fingerprint, digest, link
from workflows.dossier import FORMAT, HISTORY_COLUMNS, MANIFEST, manifest_bytes, self_hash
from workflows.dossier_chain import Malformed, Recomputed, recompute
from workflows.dossier_zip import layout_problems
from workflows.evidence import EVIDENCE
from workflows.exports import unguard

MAX_MEMBER = 64 * 1024 * 1024
"""Bytes read of one member (evidence files are at most 50 MB)."""
MAX_TOTAL = 2 * 1024 * 1024 * 1024
MAX_MEMBERS = 100_000
CHUNK = 1024 * 1024


class NotADossier(Exception):
    """There is no dossier to check (a sentence says why)."""


class TooBig(Exception):
    pass


@dataclass
class DossierReport:
    """What the check of a dossier found."""

    problems: list[str] = field(default_factory=list)
    jurisdictions: list[str] = field(default_factory=list)
    events: int = 0
    files: int = 0
    stated: str = ""
    """The fingerprint of the head the dossier says it was made at."""
    recomputed: Fingerprint | None = None
    head: str = ""
    """The head recomputed from the dossier's chain (all 64 hex digits)."""
    fingerprint: Fingerprint | None = None
    fingerprint_found: bool = False
    fingerprint_matches: bool = False

    @property
    def intact(self) -> bool:
        return not self.problems and (self.fingerprint is None or self.fingerprint_matches)

    def as_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "intact": self.intact, "jurisdictions": self.jurisdictions, "events": self.events,
            "files": self.files, "head": self.stated,
            "recomputed": str(self.recomputed) if self.recomputed else None,
            "recomputed_head": self.head,
            "problems": self.problems}
        if self.fingerprint is not None:
            result["checked_fingerprint"] = {
                "fingerprint": str(self.fingerprint), "found": self.fingerprint_found,
                "matches": self.fingerprint_matches}
        return result


UNREADABLE = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError,
              NotImplementedError, RuntimeError, zlib.error, struct.error, UnicodeError)
"""What reading a damaged ZIP can raise (a damaged member, a header that lies)."""


def check_dossier(handle: IO[bytes], fingerprint: Fingerprint | None = None) -> DossierReport:
    """Check the dossier ``handle`` holds (a seekable binary file)."""
    try:
        bundle = zipfile.ZipFile(handle)
    except UNREADABLE:
        raise NotADossier("this is not a ZIP file, so not a dossier") from None
    with bundle:
        report = _Check(bundle, fingerprint).run()
        report.problems[:0] = layout_problems(handle, bundle.infolist())
    return report


def safe_name(name: str) -> bool:
    """Whether a member's name stays inside the bundle (no zip-slip)."""
    parts = name.split("/")
    return (bool(name) and not name.startswith("/") and "\\" not in name and "\x00" not in name
            and ":" not in parts[0] and all(part not in ("", ".", "..") for part in parts))


class _Check:
    def __init__(self, bundle: zipfile.ZipFile, fingerprint: Fingerprint | None) -> None:
        self.bundle = bundle
        self.report = DossierReport(fingerprint=fingerprint)
        self.members: dict[str, zipfile.ZipInfo] = {}
        self.read_so_far = 0
        self.links: dict[tuple[str, int], str] = {}
        self.stated_head = ""
        self.recorded: set[str] = set()
        """Evidence members checked against the event that records them."""
        self.hashes: dict[str, str] = {}
        """The SHA-256 of each member read."""

    def problem(self, text: str) -> None:
        self.report.problems.append(text)

    def run(self) -> DossierReport:
        self._members()
        manifest = self._manifest()
        if manifest is not None:
            texts = self._files(manifest)
            for chapter in _list(manifest.get("jurisdictions")):
                self._chapter(chapter, texts)
            for path in sorted(p for p in self.hashes if p.startswith("evidence/")
                               and p not in self.recorded):
                self.problem(f"{path}: no evidence event in the dossier records it")
            self._chain(manifest)
        return self.report

    def _members(self) -> None:
        infos = self.bundle.infolist()
        if len(infos) > MAX_MEMBERS:
            raise NotADossier(f"it has {len(infos):,} members; a dossier has at most"
                              f" {MAX_MEMBERS:,}")
        for info in infos:
            if not safe_name(info.filename):
                self.problem(f"{info.filename!r}: refused: its path leads outside the"
                             " dossier (absolute or ..); it was not read")
            elif info.filename in self.members:
                self.problem(f"{info.filename}: in the ZIP twice")
            elif not info.is_dir():
                self.members[info.filename] = info

    def _read(self, name: str, keep: bool) -> tuple[str, int, bytes | None]:
        """(SHA-256, size, the bytes if ``keep``) of a member, read streaming with caps."""
        hashed, size, kept = hashlib.sha256(), 0, io.BytesIO() if keep else None
        with self.bundle.open(self.members[name]) as member:
            while chunk := member.read(CHUNK):
                size += len(chunk)
                self.read_so_far += len(chunk)
                if size > MAX_MEMBER or self.read_so_far > MAX_TOTAL:
                    raise TooBig
                hashed.update(chunk)
                if kept is not None:
                    kept.write(chunk)
        return hashed.hexdigest(), size, kept.getvalue() if kept is not None else None

    def _safely(self, name: str, keep: bool) -> tuple[str, int, bytes | None] | None:
        try:
            return self._read(name, keep)
        except TooBig:
            self.problem(f"{name}: refused: larger than a dossier's member may be"
                         f" ({MAX_MEMBER:,} bytes; {MAX_TOTAL:,} in all)")
        except UNREADABLE as error:
            self.problem(f"{name}: cannot be read ({error}): changed or damaged")
        return None

    def _manifest(self) -> dict[str, Any] | None:
        if MANIFEST not in self.members:
            raise NotADossier(f"it has no {MANIFEST}, so it is not a dossier")
        read = self._safely(MANIFEST, keep=True)
        if read is None:
            return None
        try:
            manifest = json.loads(read[2] or b"")
        except (ValueError, RecursionError) as error:
            self.problem(f"{MANIFEST}: not valid JSON ({error}): changed or damaged")
            return None
        if not isinstance(manifest, dict):
            self.problem(f"{MANIFEST}: not a dossier's manifest")
            return None
        if manifest_bytes(manifest) != read[2]:
            self.problem(f"{MANIFEST}: its bytes are not as a dossier's manifest is written"
                         " (re-spaced, re-encoded or edited)")
        if manifest.get("format") != FORMAT:
            self.problem(f"{MANIFEST}: not a dossier of the form {FORMAT}")
        if manifest.get("self_sha256") != self_hash(manifest):
            self.problem(f"{MANIFEST}: its contents do not match its own SHA-256 (edited)")
        head = manifest.get("head")
        if isinstance(head, dict):
            self.report.stated = str(head.get("fingerprint", ""))
            self.stated_head = str(head.get("head", ""))
        return manifest

    def _files(self, manifest: dict[str, Any]) -> dict[str, bytes]:
        """Hash every member listed; the text of the CSV ones, to check their events."""
        texts: dict[str, bytes] = {}
        listed = set()
        for entry in _list(manifest.get("files")):
            path = entry.get("path") if isinstance(entry, dict) else None
            if not isinstance(path, str) or not isinstance(entry, dict):
                self.problem(f"{MANIFEST}: a file entry has no path")
                continue
            listed.add(path)
            if path not in self.members:
                self.problem(f"{path}: in the manifest, missing from the dossier")
                continue
            read = self._safely(path, keep=path.endswith(".csv"))
            if read is None:
                continue
            self.report.files += 1
            sha256, size, data = read
            self.hashes[path] = sha256
            if path.startswith("evidence/") and path != f"evidence/{sha256}":
                self.problem(f"{path}: its bytes do not hash to its name")
            if sha256 != entry.get("sha256") or size != entry.get("size"):
                self.problem(f"{path}: SHA-256 differs from the manifest")
            if data is not None:
                texts[path] = data
        for name in sorted(set(self.members) - listed - {MANIFEST}):
            self.problem(f"{name}: in the dossier, not listed in the manifest")
        return texts

    def _chapter(self, chapter: object, texts: dict[str, bytes]) -> None:
        if not isinstance(chapter, dict) or not isinstance(chapter.get("id"), str):
            self.problem(f"{MANIFEST}: a jurisdiction entry has no id")
            return
        jid = str(chapter["id"])
        self.report.jurisdictions.append(jid)
        path = chapter.get("history")
        if not isinstance(path, str) or path not in texts:
            self.problem(f"{jid}: its history is not in the dossier")
            return
        listed = {e[0]: e for e in _list(chapter.get("events"))
                  if isinstance(e, list) and len(e) == 3 and isinstance(e[0], int)}
        rows = _rows(texts[path], path)
        if isinstance(rows, str):
            self.problem(rows)
            return
        evidence = self._events(jid, rows, listed)
        self._evidence(jid, chapter, evidence)

    def _events(self, jid: str, rows: list[list[str]],
                listed: dict[int, list[Any]]) -> dict[int, str]:
        """Recompute each event's digest and link; the sha256 each evidence event
        records, by seq."""
        previous, evidence, broken = ZERO, {}, False
        for n, row in enumerate(rows, start=1):
            self.report.events += 1
            (who, seq_text, kind, actor, on_date, recorded_at, from_state, to_state, detail,
             stored_digest, stored_link) = row
            seq = int(seq_text) if seq_text.isdigit() else -1
            recomputed = digest(who, seq, kind, actor, on_date, recorded_at, from_state or None,
                                to_state or None, detail)
            previous = link(previous, recomputed)
            self.links[(jid, seq)] = previous
            entry = listed.pop(seq, None)
            if broken:
                continue
            broken = self._event(jid, n, seq, who, recomputed, previous,
                                 (stored_digest, stored_link), entry)
            if kind == EVIDENCE:
                evidence[seq] = _sha_of(detail)
        for seq in sorted(listed)[:1]:
            self.problem(f"{jid} seq {seq}: deleted: in the manifest, not in its history")
        return evidence

    def _event(self, jid: str, n: int, seq: int, who: str, recomputed: str, chained: str,
               stored: tuple[str, str], entry: list[Any] | None) -> bool:
        """Name the first problem with one event; whether there was one."""
        where = f"{jid} seq {seq if seq > 0 else n}"
        if who != jid:
            self.problem(f"{where}: inserted: it belongs to {who!r}, not to {jid}")
        elif seq != n:
            self.problem(f"{where}: {'deleted' if seq > n else 'reordered'}: expected seq {n}")
        elif entry is None:
            self.problem(f"{where}: inserted: not in the manifest")
        elif recomputed != entry[1] or recomputed != stored[0]:
            self.problem(f"{where}: edited: the digest of its fields is {recomputed[:12]}…,"
                         f" it was recorded as {str(entry[1])[:12]}…")
        elif chained != entry[2] or chained != stored[1]:
            self.problem(f"{where}: edited: its link does not follow from the event before"
                         " it (the hashes were rewritten)")
        else:
            return False
        return True

    def _evidence(self, jid: str, chapter: dict[str, Any], recorded: dict[int, str]) -> None:
        for item in _list(chapter.get("evidence")):
            if not isinstance(item, dict) or not isinstance(item.get("path"), str):
                continue
            path, seq = str(item["path"]), item.get("seq")
            if path not in self.hashes:
                continue  # named missing or unreadable already
            self.recorded.add(path)
            if not isinstance(seq, int) or recorded.get(seq) != self.hashes[path]:
                self.problem(f"{path}: its SHA-256 is not the one {jid} seq {seq} recorded")

    def _chain(self, manifest: dict[str, Any]) -> None:
        try:
            found: Recomputed = recompute(manifest.get("chain"), self.links)
        except Malformed as error:
            self.problem(f"{MANIFEST}: {error}")
            return
        self.report.problems.extend(found.problems)
        for jid, seq in sorted(set(self.links) - set(found.placed))[:10]:
            self.problem(f"{jid} seq {seq}: in no block of the dossier's chain")
        self.report.recomputed, self.report.head = found.fingerprint, found.head
        if str(found.fingerprint) != self.report.stated or found.head != self.stated_head:
            self.problem(f"the chain: the head recomputed from the events ({found.fingerprint})"
                         f" is not the head the dossier states ({self.report.stated})")
        fingerprint = self.report.fingerprint
        if fingerprint is not None:
            matches = found.matches(fingerprint)
            self.report.fingerprint_found = matches is not None
            self.report.fingerprint_matches = bool(matches)


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _rows(data: bytes, path: str) -> list[list[str]] | str:
    """The CSV's rows, cells unguarded; or what is wrong with it."""
    try:
        reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
        header = next(reader, None)
        rows = [[unguard(cell) for cell in row] for row in reader]
    except (UnicodeDecodeError, csv.Error) as error:
        return f"{path}: not CSV text ({error})"
    if header is None or tuple(header) != HISTORY_COLUMNS:
        return f"{path}: its header is not a dossier history's"
    for n, row in enumerate(rows, start=2):
        if len(row) != len(HISTORY_COLUMNS):
            return f"{path}: line {n} has {len(row)} cells, not {len(HISTORY_COLUMNS)}"
    return rows


def _sha_of(detail: str) -> str:
    try:
        value = json.loads(detail)
    except ValueError:
        return ""
    return str(value.get("sha256", "")) if isinstance(value, dict) else ""
