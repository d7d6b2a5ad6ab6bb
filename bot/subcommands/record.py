"""``/review seal`` and ``/review verify``, over the use case ``workflows.record.Record``.

``seal`` needs the workflow's ``seal`` permission (leads and admins by default);
``verify`` is for every reader of the review. Checking a big history takes seconds: it
runs after the command was acknowledged, like every answer, and reads one snapshot."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.subcommands.parsing import Args
from bot.subcommands.subcommand import CallerLike, Subcommand
from bot.ui import record
from bot.ui.render import Reply
from workflows.chain import Fingerprint
from workflows.errors import BadInput
from workflows.record import Record

LONG = 100_000
"""Events from which ``verify`` first says it has begun (about 1.5 s per 100,000)."""


@dataclass(frozen=True)
class Desk:
    """The record's use case, and a way to tell the caller something before the answer
    (an ephemeral message in the channel they typed in)."""

    record: Record
    tell: Callable[[CallerLike, str], Awaitable[None]] | None = None


async def handle_seal(service: Desk, caller: CallerLike, args: Args) -> Reply:
    if args.words:
        raise BadInput("`seal` takes nothing after it; it posts the record's fingerprint"
                       " in this channel.")
    return record.sealed(await service.record.seal(caller.user), caller.user)


async def handle_verify(service: Desk, caller: CallerLike, args: Args) -> Reply:
    if len(args.words) > 1:
        raise BadInput("Give one fingerprint, e.g. `verify 1204-7f3a9c210be4d5aa91c2`, or"
                       " none to check the record as it stands.")
    try:
        # As Slack shows it, in code quotes (which a copy may take along).
        fingerprint = Fingerprint.parse(args.words[0].strip("`")) if args.words else None
    except ValueError as error:
        raise BadInput(str(error)) from None
    seal = await service.record.store.seal()
    if seal.events >= LONG and service.tell is not None:
        await service.tell(caller, record.checking(seal))
    return record.verified(await service.record.verify(fingerprint))


COMMANDS = (
    Subcommand("seal", "seal", "post the record's fingerprint here, for Slack to keep",
               (), handle_seal, "seal", permission="seal"),
    Subcommand("verify", "verify [fingerprint]", "check that the history is unchanged (up to"
               " a fingerprint posted before)", (), handle_verify,
               "verify 1204-7f3a9c210be4d5aa91c2"),
)
