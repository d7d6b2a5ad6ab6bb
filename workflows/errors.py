"""Domain errors. Each carries a sentence a person can act on.

The bot turns them into ephemeral replies in one place; nothing else catches them.
A sentence is plain words: it may quote what someone typed, and the bot escapes all of
it before Slack sees it. A person or channel the review knows by its Slack id is given
as a ``Person`` or ``Channel`` part instead, so that the bot, and only the bot, can
make that one mention live; a word to type as it is (a command, an id) is a ``Code``
part, which the bot shows as code. No sentence holds markup of its own.

A refusal about the value of one field of a request names that ``field`` (one of
``Field``): a form shows it under that field, whatever its words say.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Person:
    """Someone named in a refusal by the id the review stored for them (never by text
    someone typed). In plain text it reads as the id."""

    id: str

    def __str__(self) -> str:
        return self.id


@dataclass(frozen=True)
class Channel:
    """A channel named in a refusal by the id (or #name) the review resolved it to."""

    id: str

    def __str__(self) -> str:
        return self.id


@dataclass(frozen=True)
class Code:
    """A word to type as it is, such as a command (``list``) or an id. The bot shows it
    as code; in plain text (the command line, a form's error) it reads as it always
    has, between backticks."""

    text: str

    def __str__(self) -> str:
        return f"`{self.text}`"


Part = str | Person | Channel | Code

Field = Literal["date", "due", "note", "link", "id", "name", "kind", "state", "aliases",
                "case", "court", "scope", "blocks"]
"""The fields of the requests the review takes: a step's ``date``, ``due``, ``note`` and
``link``; a jurisdiction's ``id``, ``name``, ``kind``, (US) ``state`` and ``aliases``; a
court order's ``case`` number, ``court``, ``scope``, ``blocks`` and ``date``."""


class ReviewError(Exception):
    """A refusal that is the user's to fix. Nothing was changed when it is raised.

    ``message`` is the sentence as plain text; ``parts`` is the same sentence with the
    people, channels and words to type it names kept apart from its words. ``field``
    is the one field whose value is refused, or None when the refusal is about the
    request as a whole (a role, a state, a court order, someone else's change)."""

    def __init__(self, message: str | Sequence[Part], *, field: Field | None = None) -> None:
        parts: tuple[Part, ...] = (message,) if isinstance(message, str) else tuple(message)
        text = "".join(str(part) for part in parts)
        super().__init__(text)
        self.message = text
        self.parts = parts
        self.field: Field | None = field


class BadInput(ReviewError):
    """The request could not be understood (a date, a number, a missing argument)."""


class NotFound(ReviewError):
    """No jurisdiction (or order, or user) answers to the name given."""


class Ambiguous(ReviewError):
    """A name matches several jurisdictions; the candidates are listed."""

    def __init__(self, text: str, candidates: Sequence[tuple[str, str]]) -> None:
        names: list[Part] = []
        for number, (jid, name) in enumerate(candidates):
            names += [", "] * bool(number) + [Code(jid), f" ({name})"]
        super().__init__([f"“{text}” matches several jurisdictions: ", *names,
                          ". Use one of the ids."])
        self.candidates = list(candidates)


class AlreadyExists(ReviewError):
    """An id or alias is already taken."""


class StepRefused(ReviewError):
    """A workflow step is not allowed now; ``allowed`` names what is."""

    def __init__(self, message: str | Sequence[Part], allowed: Sequence[str] = (), *,
                 field: Field | None = None) -> None:
        super().__init__(message, field=field)
        self.allowed = list(allowed)


class NotPermitted(StepRefused):
    """The user's role does not allow the step or command."""


class BlockedByOrder(StepRefused):
    """An active court order covers the step for this jurisdiction."""


class Conflict(ReviewError):
    """Someone else changed the jurisdiction between our read and our write."""


class Stale(Conflict):
    """A button or form was drawn from a version that is no longer current."""


class BeingImported(Conflict):
    """A big import is writing the jurisdiction right now: it is not changed meanwhile."""


class DeliveryFailed(Exception):
    """Slack (or whatever posts) did not take a message. ``permanent`` when retrying
    cannot help (the channel is gone); otherwise the message is tried again later."""

    def __init__(self, reason: str, permanent: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent
