"""A person's role read once per piece of work: one command asks it several times (may
they read, which steps may they take, may they record a court order), and each ask was
a query of its own.

``roles_read_once()`` opens a scope (a context variable, so it is the task's own and
ends with the block); in it, ``Store.role`` reads each person's role from the database
the first time only, and a role set in the scope is read afresh after. Outside a scope
every ask reads the database, as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from workflows.model import Role

_SEEN: ContextVar[dict[str, Role | None] | None] = ContextVar("roles_seen", default=None)


@contextmanager
def roles_read_once() -> Iterator[None]:
    token = _SEEN.set({})
    try:
        yield
    finally:
        _SEEN.reset(token)


def seen() -> dict[str, Role | None] | None:
    """The roles read in this scope so far, by person; None outside a scope."""
    return _SEEN.get()
