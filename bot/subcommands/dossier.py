"""``/review dossier <jurisdiction>``: the administrative record of one jurisdiction, as
a ZIP uploaded to the channel (``workflows.dossier`` says what it holds).

Who may: every reader of the review, as for ``history`` and ``export`` (the dossier
shows nothing they cannot read already). The ZIP is written to a temporary file in a
worker thread and uploaded with files_upload_v2, as exports are
(``bot.subcommands.transfer.upload``)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from slack_sdk.web.async_client import AsyncWebClient

from bot.subcommands.parsing import Args
from bot.subcommands.subcommand import CallerLike, Subcommand
from bot.subcommands.transfer import upload
from bot.ui import render
from bot.ui.render import Reply
from workflows.dossier import Dossiers
from workflows.errors import BadInput
from workflows.review import Review

DOSSIER_USAGE = "/review dossier <jurisdiction>"


@dataclass(frozen=True)
class Records:
    """What ``dossier`` needs: the use cases (to find the jurisdiction), the Slack
    client (to upload) and the dossiers."""

    review: Review
    client: AsyncWebClient
    dossiers: Dossiers


async def handle_dossier(service: Records, caller: CallerLike, args: Args) -> Reply:
    if not args.words:
        raise BadInput(f"Name the jurisdiction. Usage: `{DOSSIER_USAGE}`")
    if not caller.channel:
        raise BadInput("Run `dossier` in a channel: the file is uploaded there.")
    review = service.review
    j = await review.resolve(" ".join(args.words))
    filename = f"dossier-{j.id}-{review.today()}.zip"
    with tempfile.TemporaryDirectory(prefix="review-dossier-") as folder:
        path = Path(folder) / filename
        with path.open("wb") as out:
            made = await service.dossiers.write([j.id], out)
        fingerprint = made.stamp.seal.fingerprint
        await upload(service.client, caller.channel, path, filename,
                     f"{render.user(caller.user)} made the administrative record of "
                     f"*{render.escape(j.name)}*: {made.events:,} events, "
                     f"{made.evidence_kept:,} evidence file(s), at the record's head "
                     f"`{fingerprint}`. Check it with `review-bot verify --dossier "
                     f"{filename} --head {fingerprint}`.")
    text = (f":card_index_dividers: The record of *{render.escape(j.name)}* "
            f"({made.events:,} events) is uploaded to {render.channel(caller.channel)} as "
            f"`{filename}`.")
    return Reply(text, [render.section(text)])


COMMANDS = (
    Subcommand(
        "dossier", "dossier <jurisdiction>",
        "Upload the jurisdiction's administrative record to this channel: a ZIP with its "
        "timeline (a page to read or print), its history as CSV, its kept evidence files "
        "and a manifest of hashes that `review-bot verify --dossier` checks offline.", (),
        handle_dossier, "dossier chicago"),
)
