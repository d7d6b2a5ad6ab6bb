"""The dossier's reads (``workflows.dossier.DossierSource``): one snapshot, so the head
a dossier states is the head of exactly the events it holds. Jurisdictions and events
are read a few hundred ids to a query (``--all`` of 10,000 took 50,000 queries one by
one)."""

from __future__ import annotations

from collections.abc import Sequence

from storage.closures import closure_from
from storage.database import Reader, chunks
from storage.reads import whole_jurisdictions
from workflows.chain import Seal
from workflows.closures import Closure
from workflows.model import Jurisdiction
from workflows.verification import StoredBlock, StoredEvent

_EVENT = ("SELECT id, jurisdiction_id, seq, kind, actor, on_date, recorded_at, from_state,"
          " to_state, detail, digest, link FROM events")


class DossierReads:
    def __init__(self, reader: Reader) -> None:
        self._fetch = reader.fetch

    async def seal(self) -> Seal:
        [row] = await self._fetch("SELECT number, total, head FROM chain_head WHERE id = 1")
        return Seal(int(row["number"]), int(row["total"]), str(row["head"]))

    async def ids(self) -> list[str]:
        return [str(r["id"]) for r in await self._fetch("SELECT id FROM jurisdictions"
                                                         " ORDER BY id")]

    async def jurisdictions(self, ids: Sequence[str]) -> dict[str, Jurisdiction]:
        return await whole_jurisdictions(self._fetch, ids)

    async def events(self, ids: Sequence[str]) -> dict[str, list[StoredEvent]]:
        found: dict[str, list[StoredEvent]] = {}
        for chunk in chunks(ids):
            rows = await self._fetch(f"{_EVENT} WHERE jurisdiction_id IN"
                                     f" ({', '.join('?' * len(chunk))})"
                                     " ORDER BY jurisdiction_id, seq", *chunk)
            for r in rows:
                found.setdefault(str(r["jurisdiction_id"]), []).append(StoredEvent(*r))
        return found

    async def blocks(self) -> list[StoredBlock]:
        rows = await self._fetch("SELECT number, first_id, last_id, events, total, digest,"
                                 " head FROM chain_blocks ORDER BY number")
        return [StoredBlock(*r) for r in rows]

    async def links(self, first_id: int, last_id: int) -> list[tuple[int, str | None]]:
        rows = await self._fetch("SELECT id, link FROM events WHERE id BETWEEN ? AND ?"
                                 " ORDER BY id", first_id, last_id)
        return [(int(r["id"]), r["link"]) for r in rows]

    async def closures(self) -> list[Closure]:
        return [closure_from(r) for r in await self._fetch("SELECT * FROM closures ORDER BY id")]
