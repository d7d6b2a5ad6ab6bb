"""The version check of a write row by row (``storage.writes``), and the narrower update
of the jurisdictions it allows.

A change is written only over the row it was made from: every jurisdiction it changes
must still be at its expected version (``Conflict``) and not being written by an import
(``BeingImported``). The check reads each row's names, kind, state of the union, owner
and channel too: where a change leaves those as they are (every step does), its row is
updated without them (``STEP_UPDATE``). SQLite rewrites the entries of every index on a
column an UPDATE sets, whether or not its value changes, and three of the jurisdictions'
indexes are on those columns alone: the narrower statement leaves them (and their
counts' triggers) alone, the row ending the same. The check reads its alias too (where it
has at most one, as most do): a change whose aliases are those stored leaves their rows
alone (``unchanged_aliases``) rather than deleting and inserting them again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

from storage.database import Row, Transaction, chunks
from workflows.errors import BeingImported, Conflict
from workflows.ports import StagedChange

IDENTITY = ("name", "name_key", "kind", "us_state", "owner", "channel")
"""The columns a step never changes, as ``STEP_UPDATE`` leaves them."""
IN_FULL_UPDATE = (0, 1, 2, 3, 5, 6)
"""Where ``IDENTITY`` is in a row of ``writes.UPDATE_JURISDICTIONS``."""
STEP_UPDATE = (
    "UPDATE jurisdictions SET state = ?, held_from = ?, held_by = ?, last_step_on = ?,"
    " due_on = ?, updated_at = ?, version = ? WHERE id = ? AND version = ?")
_ALIAS = ("(SELECT CASE WHEN count(*) = 0 THEN '' WHEN count(*) = 1 THEN min(alias) END"
          " FROM aliases WHERE aliases.jurisdiction_id = jurisdictions.id) AS alias")
"""A jurisdiction's alias: '' for none (an alias is never empty), NULL for two or more."""
_LINK = ("(SELECT link FROM events WHERE events.jurisdiction_id = jurisdictions.id"
         " AND events.seq = jurisdictions.version) AS link")
"""The link of a jurisdiction's last event (NULL if it has none)."""

Stored = Mapping[str, tuple[Any, ...]]
"""Each checked jurisdiction's ``IDENTITY`` as stored, then its ``_ALIAS``, then its last
event's ``_LINK``, by id."""


async def check(db: Transaction, for_update: str, changes: Sequence[StagedChange]) -> Stored:
    """Raise ``Conflict`` unless every jurisdiction is still at its expected version;
    where other processes write at the same time (PostgreSQL) the rows stay locked.
    Returns each one's ``IDENTITY``, alias and last link as stored."""
    found: dict[str, tuple[Any, ...]] = {}
    for chunk in chunks(changes):
        rows = await db.fetch(
            f"SELECT id, version, import_run, {', '.join(IDENTITY)}, {_ALIAS}, {_LINK}"
            f" FROM jurisdictions"
            f" WHERE id IN ({', '.join('?' * len(chunk))}){for_update}",
            *(c.jurisdiction.id for c in chunk))
        stored = {r["id"]: r for r in rows}
        for change in chunk:
            row = stored.get(change.jurisdiction.id)
            if row is None or row["version"] != change.expected_version or row["import_run"]:
                refuse({"id": change.jurisdiction.id, "version": change.expected_version,
                        "import_run": row["import_run"] if row else None})
            found[row["id"]] = tuple(row[column] for column in (*IDENTITY, "alias", "link"))
    return found


def links(stored: Stored) -> dict[str, str]:
    """The link of each checked jurisdiction's last event (none: not there, the chain
    starts from the zero link)."""
    return {jid: row[-1] for jid, row in stored.items() if row[-1]}


def refuse(row: Row) -> NoReturn:
    """The jurisdiction of ``row`` cannot be changed now: an import is writing it, or
    it is no longer at the version the change was made from."""
    if row["import_run"]:
        raise BeingImported(f"{row['id']} is being written by an import")
    raise Conflict(f"{row['id']} is no longer at version {row['version']}")


def narrowed(full: str, rows: Sequence[tuple[Any, ...]], stored: Stored
             ) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """The rows of ``full`` (``writes.UPDATE_JURISDICTIONS``: a row's columns, then its
    id and expected version) as statements: ``STEP_UPDATE`` for those whose
    ``IDENTITY`` is as stored, ``full`` for the others."""
    steps, others = [], []
    for row in rows:
        if stored.get(row[-2], ())[:len(IDENTITY)] == tuple(row[n] for n in IN_FULL_UPDATE):
            steps.append((row[4], *row[7:]))
        else:
            others.append(row)
    return [(sql, chosen) for sql, chosen in ((STEP_UPDATE, steps), (full, others)) if chosen]


def unchanged_aliases(deleted: Sequence[tuple[Any, ...]], inserted: Sequence[tuple[Any, ...]],
                      stored: Stored) -> set[str]:
    """The jurisdictions of ``deleted`` (``(id,)`` rows: their aliases replaced) whose
    new aliases (``inserted``: ``(alias, id)`` rows) are exactly those stored: none, or
    the one stored. Their alias rows can be left as they are."""
    new: dict[str, list[str]] = {}
    for alias, jid in inserted:
        new.setdefault(jid, []).append(alias)
    same = set()
    for (jid,) in deleted:
        alias = stored.get(jid, ())[len(IDENTITY):len(IDENTITY) + 1]
        if alias and alias[0] is not None and new.get(jid, []) == ([alias[0]] if alias[0] else []):
            same.add(jid)
    return same
