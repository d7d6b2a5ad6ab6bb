"""The dossier's reads (``workflows.dossier.DossierSource``): one snapshot, so the head
a dossier states is the head of exactly the events it holds."""

from __future__ import annotations

from storage.database import Reader
from storage.rows import jurisdiction_from, order_from, round_from
from workflows.chain import Seal
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

    async def jurisdiction(self, jurisdiction_id: str) -> Jurisdiction | None:
        rows = await self._fetch("SELECT * FROM jurisdictions WHERE id = ?", jurisdiction_id)
        if not rows:
            return None
        aliases = await self._fetch("SELECT alias FROM aliases WHERE jurisdiction_id = ?"
                                    " ORDER BY alias", jurisdiction_id)
        rounds = await self._fetch("SELECT * FROM rounds WHERE jurisdiction_id = ?"
                                   " ORDER BY number", jurisdiction_id)
        orders = await self._fetch("SELECT * FROM court_orders WHERE jurisdiction_id = ?"
                                   " ORDER BY id", jurisdiction_id)
        return jurisdiction_from(rows[0], [r["alias"] for r in aliases],
                                 [round_from(r) for r in rounds],
                                 [order_from(r) for r in orders])

    async def events(self, jurisdiction_id: str) -> list[StoredEvent]:
        rows = await self._fetch(f"{_EVENT} WHERE jurisdiction_id = ? ORDER BY seq",
                                 jurisdiction_id)
        return [StoredEvent(*r) for r in rows]

    async def blocks(self) -> list[StoredBlock]:
        rows = await self._fetch("SELECT number, first_id, last_id, events, total, digest,"
                                 " head FROM chain_blocks ORDER BY number")
        return [StoredBlock(*r) for r in rows]

    async def links(self, first_id: int, last_id: int) -> list[tuple[int, str | None]]:
        rows = await self._fetch("SELECT id, link FROM events WHERE id BETWEEN ? AND ?"
                                 " ORDER BY id", first_id, last_id)
        return [(int(r["id"]), r["link"]) for r in rows]
