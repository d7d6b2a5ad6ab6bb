"""The administrative record: a dossier of jurisdictions as one ZIP that checks itself.

For each jurisdiction the ZIP holds ``timeline/<id>.html`` (a page a person reads,
rendered by the ``Render`` the bot gives), ``history/<id>.csv`` (every event's stored
fields with its digest and link, ``HISTORY_COLUMNS``) and, when the evidence folder
keeps them, ``evidence/<sha256>`` (the bytes of each file its evidence events record).
``manifest.json`` is the bundle's own record (``FORMAT``):

- ``files``: every other member's path, size and SHA-256;
- ``head``: the review-wide head the dossier was made at (blocks, events, head and its
  fingerprint), all read from one snapshot with the events;
- ``jurisdictions``: for each, its id, name, version, state, members, and every event
  as ``[seq, digest, link]``, and its evidence;
- ``chain``: the blocks up to that head, so the head can be recomputed from the
  events (``workflows.dossier_chain``);
- ``self_sha256``: the SHA-256 of the manifest's canonical JSON without this key (it
  catches a manifest damaged or edited by hand; one rewritten whole is caught only by
  a fingerprint posted in Slack).

Cells of the CSV are guarded against formula injection as the exports are
(``workflows.exports.guard``); ``from_state``/``to_state`` are empty for none. The
dossier is read from one snapshot (``DossierSource``) and written in a worker thread.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any, BinaryIO, Protocol

from workflows.chain import Seal
from workflows.closures import Closure
from workflows.deadline_changes import DEFAULT_KINDS, Kinds, derivations
from workflows.derivation import Derivation
from workflows.dossier_chain import blocks_holding, prove
from workflows.dossier_zip import member
from workflows.errors import NotFound
from workflows.evidence import EVIDENCE, Evidence, readable
from workflows.exports import guard
from workflows.model import Event, Jurisdiction
from workflows.ports import Clock
from workflows.verification import StoredBlock, StoredEvent

FORMAT = "review-bot/dossier/1"
MANIFEST = "manifest.json"
HISTORY_COLUMNS = ("jurisdiction", "seq", "kind", "actor", "on_date", "recorded_at",
                   "from_state", "to_state", "detail", "digest", "link")
COPY_CHUNK = 1024 * 1024


class DossierSource(Protocol):
    """The stored review as of one moment (a read snapshot)."""

    async def seal(self) -> Seal: ...

    async def ids(self) -> list[str]:
        """Every jurisdiction's id, in order."""
        ...

    async def jurisdictions(self, ids: Sequence[str]) -> dict[str, Jurisdiction]:
        """Those of ``ids`` that are stored, whole (rounds, orders, aliases)."""
        ...

    async def events(self, ids: Sequence[str]) -> dict[str, list[StoredEvent]]:
        """The events of each of ``ids`` as stored, by seq."""
        ...

    async def blocks(self) -> list[StoredBlock]:
        """Every block of the review-wide chain, in order."""
        ...

    async def links(self, first_id: int, last_id: int) -> list[tuple[int, str | None]]:
        """(id, link) of every event from ``first_id`` to ``last_id``, in id order."""
        ...

    async def closures(self) -> list[Closure]:
        """Every closure declared (withdrawn ones too), by id."""
        ...


class DossierStore(Protocol):
    def dossier(self) -> AbstractAsyncContextManager[DossierSource]: ...


class EvidenceFiles(Protocol):
    """The evidence folder's kept bytes (read in the worker thread)."""

    def open_kept(self, sha256: str) -> BinaryIO | None:
        """The kept file whose bytes hash to ``sha256``, open; None if none is."""
        ...


@dataclass(frozen=True)
class Chapter:
    """One jurisdiction of a dossier: as it stands, and its events as stored."""

    jurisdiction: Jurisdiction
    stored: list[StoredEvent]
    events: list[Event]
    evidence: list[tuple[int, Evidence]]
    """(seq, evidence) of each readable evidence event."""
    kept: dict[str, str] = field(default_factory=dict)
    """sha256 → the member holding the file's bytes (filled as the ZIP is written)."""
    derivations: list[Derivation] = field(default_factory=list)
    """How each round's deadline was counted (``workflows.derivation``), as
    ``/review deadline`` shows it."""

    @property
    def timeline_path(self) -> str:
        return f"timeline/{self.jurisdiction.id}.html"

    @property
    def history_path(self) -> str:
        return f"history/{self.jurisdiction.id}.csv"


@dataclass(frozen=True)
class Stamp:
    """When a dossier was made, and the head it was made at."""

    made_at: datetime
    seal: Seal


Render = Callable[[Chapter, Stamp], str]
"""The timeline page of one chapter (HTML)."""


@dataclass(frozen=True)
class Made:
    """A dossier written: what it holds."""

    jurisdictions: int
    events: int
    files: int
    evidence_kept: int
    stamp: Stamp


def event_of(stored: StoredEvent) -> Event:
    """The domain's event from its stored fields (a detail that is not JSON: empty)."""
    try:
        detail = json.loads(stored.detail)
    except ValueError:
        detail = {}
    return Event(stored.jurisdiction_id, stored.kind, stored.actor,
                 date.fromisoformat(stored.on_date), datetime.fromisoformat(stored.recorded_at),
                 stored.from_state, stored.to_state,
                 detail if isinstance(detail, dict) else {}, stored.seq)


def recorded_note(event: Event) -> str | None:
    """``recorded 2018-02-03 for 2018-01-24`` when the step was recorded more than a
    day from the day it was taken on (UTC), else None."""
    recorded = event.at.date()
    if abs((recorded - event.on).days) <= 1:
        return None
    return f"recorded {recorded.isoformat()} for {event.on.isoformat()}"


class Dossiers:
    """Making dossiers: read from one snapshot, written as a ZIP in a worker thread."""

    def __init__(self, store: DossierStore, render: Render, clock: Clock,
                 evidence: EvidenceFiles | None = None, kinds: Kinds = DEFAULT_KINDS) -> None:
        self.store, self.render, self.clock, self.evidence = store, render, clock, evidence
        self.kinds = kinds
        """The steps that pause and resume a round's clock, in the workflow in force."""

    async def write(self, ids: Sequence[str] | None, out: BinaryIO) -> Made:
        """The dossier of the jurisdictions ``ids`` (all of them if None) to ``out``."""
        async with self.store.dossier() as source:
            seal = await source.seal()
            chapters = await _chapters(source, ids, self.kinds)
            chain = await _chain(source, chapters)
        stamp = Stamp(self.clock.now(), seal)
        return await asyncio.to_thread(write_zip, out, chapters, chain, stamp, self.render,
                                       self.evidence)


async def _chapters(source: DossierSource, ids: Sequence[str] | None,
                    kinds: Kinds) -> list[Chapter]:
    wanted = await source.ids() if ids is None else list(ids)
    found = await source.jurisdictions(wanted)
    stored = await source.events(wanted)
    closures = await source.closures()
    chapters = []
    for jid in wanted:
        if jid not in found:
            raise NotFound(f"“{jid}” was removed a moment ago; no dossier was made.")
        events = [event_of(e) for e in stored.get(jid, [])]
        evidence = [(e.seq, item) for e in events if e.kind == EVIDENCE
                    for item in readable([e])]
        chapters.append(Chapter(found[jid], stored.get(jid, []), events, evidence,
                                derivations=derivations(found[jid], events, closures, kinds)))
    return chapters


async def _chain(source: DossierSource, chapters: Sequence[Chapter]) -> list[dict[str, Any]]:
    blocks = await source.blocks()
    ours = {e.id: (e.jurisdiction_id, e.seq) for c in chapters for e in c.stored}
    holding = set(blocks_holding(blocks, ours).values())
    links = {b.number: await source.links(b.first_id, b.last_id)
             for b in blocks if b.number in holding}
    return prove(blocks, ours, links)


# -- the ZIP --------------------------------------------------------------------------------


def write_zip(out: BinaryIO, chapters: Sequence[Chapter], chain: list[dict[str, Any]],
              stamp: Stamp, render: Render, evidence: EvidenceFiles | None) -> Made:
    """Write the whole dossier to ``out``, a seekable file (blocking: run it in a worker
    thread); its container as ``workflows.dossier_zip`` says."""
    files: list[dict[str, Any]] = []
    t = stamp.made_at.timetuple()
    moment = (t[0], t[1], t[2], t[3], t[4], t[5])
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as bundle:
        def add(path: str, data: bytes) -> None:
            bundle.writestr(member(path, moment), data)
            files.append(_entry(path, len(data), hashlib.sha256(data).hexdigest()))

        kept = 0
        for chapter in chapters:
            kept += _keep_evidence(bundle, chapter, evidence, moment, files)
            add(chapter.history_path, history_csv(chapter.stored))
            add(chapter.timeline_path, render(chapter, stamp).encode())
        manifest = manifest_of(chapters, chain, stamp, files)
        bundle.writestr(member(MANIFEST, moment), manifest)
    return Made(len(chapters), sum(len(c.stored) for c in chapters), len(files) + 1, kept,
                stamp)


def _entry(path: str, size: int, sha256: str) -> dict[str, Any]:
    return {"path": path, "size": size, "sha256": sha256}


def _keep_evidence(bundle: zipfile.ZipFile, chapter: Chapter, evidence: EvidenceFiles | None,
                   moment: tuple[int, int, int, int, int, int],
                   files: list[dict[str, Any]]) -> int:
    """Copy the kept bytes of each of the chapter's evidence files into the bundle (once
    per dossier, however many events record them); how many were copied."""
    copied = 0
    for _, found in chapter.evidence:
        path = f"evidence/{found.sha256}"
        if evidence is None or found.sha256 in chapter.kept:
            continue
        if any(entry["path"] == path for entry in files):  # another chapter's
            chapter.kept[found.sha256] = path
            continue
        kept = evidence.open_kept(found.sha256)
        if kept is None:
            continue
        with kept, bundle.open(member(path, moment), "w") as written:
            size = _copy(kept, written)
        files.append(_entry(path, size, found.sha256))
        chapter.kept[found.sha256] = path
        copied += 1
    return copied


def _copy(source: BinaryIO, target: IO[bytes]) -> int:
    size = 0
    while chunk := source.read(COPY_CHUNK):
        target.write(chunk)
        size += len(chunk)
    return size


def history_csv(events: Sequence[StoredEvent]) -> bytes:
    """The events' stored fields, digests and links, as CSV (cells guarded)."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(HISTORY_COLUMNS)
    for e in events:
        writer.writerow(guard(cell) for cell in (
            e.jurisdiction_id, str(e.seq), e.kind, e.actor, e.on_date, e.recorded_at,
            e.from_state or "", e.to_state or "", e.detail, e.digest or "", e.link or ""))
    return text.getvalue().encode()


def manifest_of(chapters: Sequence[Chapter], chain: list[dict[str, Any]], stamp: Stamp,
                files: list[dict[str, Any]]) -> bytes:
    seal = stamp.seal
    body: dict[str, Any] = {
        "format": FORMAT, "made_at": stamp.made_at.isoformat(),
        "head": {"blocks": seal.blocks, "events": seal.events, "head": seal.head,
                 "fingerprint": str(seal.fingerprint)},
        "jurisdictions": [_chapter(c) for c in chapters],
        "files": files, "chain": chain}
    body["self_sha256"] = self_hash(body)
    return manifest_bytes(body)


def manifest_bytes(body: dict[str, Any]) -> bytes:
    """The manifest as written, byte for byte (a check rebuilds it from what it read)."""
    return (json.dumps(body, indent=1, ensure_ascii=False) + "\n").encode()


def self_hash(body: dict[str, Any]) -> str:
    """The SHA-256 of the manifest's canonical JSON, leaving out ``self_sha256``."""
    rest = {key: value for key, value in body.items() if key != "self_sha256"}
    return hashlib.sha256(json.dumps(rest, sort_keys=True, separators=(",", ":"),
                                     ensure_ascii=False).encode()).hexdigest()


def _chapter(c: Chapter) -> dict[str, Any]:
    j = c.jurisdiction
    return {"id": j.id, "name": j.name, "version": j.version, "state": j.state,
            "timeline": c.timeline_path, "history": c.history_path,
            "events": [[e.seq, e.digest, e.link] for e in c.stored],
            "evidence": [{"seq": seq, "sha256": found.sha256, "name": found.name,
                          "size": found.size, "path": c.kept.get(found.sha256)}
                         for seq, found in c.evidence]}
