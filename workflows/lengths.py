"""How long the text people give may be, wherever they give it.

A jurisdiction's name is a heading, a card's title and a line in every list, reminder
and summary; a note is a paragraph of the record. Past these lengths they stop being
either (and a Slack section holds 3,000 characters in all), so a longer one is refused,
the same way from a command, a form, a batch or an imported file. Aliases, ids and
kinds are already slugs of at most 64 characters.
"""

from __future__ import annotations

from workflows.errors import BadInput, Field

MAX_NAME = 200
"""A jurisdiction's name."""
MAX_NOTE = 3000
"""A step's note or rationale, a batch's note, a court order's scope."""
MAX_LINK = 2000
"""A link to a response (longer URLs break in browsers and mail)."""
MAX_CASE = 200
"""A court order's case number, and its court."""


def check_length(text: str, what: str, limit: int, field: Field) -> str:
    """``text`` unchanged, or ``BadInput`` about ``field``, saying ``what`` it is (the
    field in words), its length and the limit."""
    if len(text) > limit:
        raise BadInput(f"The {what} is {len(text):,} characters long; it may have at most "
                       f"{limit:,}.", field=field)
    return text
