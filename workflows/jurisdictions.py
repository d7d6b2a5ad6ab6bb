"""A jurisdiction to add, checked field by field before anything is stored.

Ids, aliases and kinds are slugs of at most 64 characters; a name is text of at most
``MAX_NAME``; a US state is a two-letter code the holiday tables know. Whether an id or
alias is already taken is the store's to say (``Review.add``).
"""

from __future__ import annotations

import re

from workflows.deadlines import is_us_state
from workflows.errors import BadInput, Field
from workflows.lengths import MAX_NAME, check_length
from workflows.model import Jurisdiction

_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


def new_jurisdiction(jid: str, name: str, kind: str = "", us_state: str = "",
                     aliases: tuple[str, ...] = ()) -> Jurisdiction:
    """A jurisdiction to add, its fields checked one by one, each refusal about its
    field (the command, the form and an imported file all add through here)."""
    jid = slug(jid, "id", "id")
    name = check_length(name.strip(), "name", MAX_NAME, "name")
    if not name:
        raise BadInput("Give the jurisdiction a name, e.g. add chicago \"Chicago, IL\".",
                       field="name")
    us_state = us_state.strip().upper()
    if us_state and not is_us_state(us_state):
        raise BadInput(f"“{us_state}” is not a US state code (IL, CA, DC, …).", field="state")
    kind = kind.strip().lower()
    if kind and not _ID.match(kind):
        raise BadInput(f"“{kind}” is not a kind; use a word such as city, county or state.",
                       field="kind")
    slugs = tuple(dict.fromkeys(slug(alias, "alias", "aliases") for alias in aliases
                                if alias.strip()))
    return Jurisdiction(jid, name, kind, us_state, tuple(a for a in slugs if a != jid))


def slug(text: str, what: str, field: Field) -> str:
    """``text`` as an id or alias (lowercase letters, digits and dashes), or refused
    about ``field``."""
    cleaned = text.strip().lower()
    if not _ID.match(cleaned):
        raise BadInput(f"“{text}” is not a valid {what}: use lowercase letters, digits and "
                       "dashes, e.g. cook-county.", field=field)
    return cleaned
