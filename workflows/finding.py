"""Finding the one jurisdiction a person names: by id, alias, name or the unique start
of any of them. A name that is exact comes whole with its look-up (``Repository.exact``:
on the stores, two queries), so the common case (``show chicago``) reads no more."""

from __future__ import annotations

from workflows.errors import Ambiguous, BadInput, Code, NotFound
from workflows.model import Jurisdiction
from workflows.ports import Repository

LOOKUP_LIMIT = 10


async def resolve(repo: Repository, text: str) -> Jurisdiction:
    """Find one jurisdiction by id, alias, name or unique prefix of any of them."""
    text = text.strip()
    if not text:
        raise BadInput("Name a jurisdiction (its id, name, alias or the start of one).")
    named = await repo.exact(text, LOOKUP_LIMIT + 1)
    if isinstance(named, Jurisdiction):
        return named
    found = named or (await repo.lookup(text, LOOKUP_LIMIT + 1))[1]
    if not found:
        raise NotFound([f"No jurisdiction matches “{text}”. ", Code("list"),
                        " shows them all."])
    if len(found) > 1:
        raise Ambiguous(text, [(item.id, item.name) for item in found[:LOOKUP_LIMIT]])
    j = await repo.get(found[0].id)
    if j is None:
        raise NotFound(f"“{found[0].id}” was removed a moment ago.")
    return j
