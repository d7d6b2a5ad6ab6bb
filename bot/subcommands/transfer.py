"""Import and export from Slack: CSV files in and out of the review.

``/review export state`` (or ``history``) writes the CSV page by page to a temporary
file and uploads it with files_upload_v2 to the channel the command came from.

``/review import <file link or id> [apply]`` imports a CSV file someone shared in
Slack. A slash command carries no attachment, so the file is first uploaded to Slack
(in a channel the bot is in, or in a direct message to the bot); its link ("Copy link
to file", https://team.slack.com/files/U…/F…/name.csv) or its id (F…) is given to the
command. The bot reads it (``bot.slack.shared_files``: only a file the caller can see, only
from Slack's own file hosts, at most 5 MB), parses it in a worker thread and checks
every line. It is a dry run (nothing changes) unless the command ends with ``apply``; a
file with any bad line imports nothing and every bad line is listed. Only analysts,
leads and admins may import, checked before Slack is asked about the file. The bot
needs the ``files:read`` scope for this, the ``*:read`` scopes of conversations to see
who is in the ones a file is shared in, and ``files:write`` to upload.
"""

from __future__ import annotations

import io
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.cli.limits import COMMAND_LINE_ROWS
from bot.slack.shared_files import SharedFiles
from bot.subcommands.parsing import Args
from bot.subcommands.progress import shown
from bot.subcommands.subcommand import CallerLike, Progress, Subcommand
from bot.ui import render
from bot.ui.render import Block, Reply
from workflows.errors import BadInput
from workflows.event_lines import Tally
from workflows.imports import ImportReport, RowLimit
from workflows.review import Review
from workflows.transfer import EXPORTS, import_csv

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = RowLimit(100_000, "Split it, or import it with the command line "
                           f"(review-bot import FILE), which takes up to "
                           f"{COMMAND_LINE_ROWS:,} rows.")
"""Rows one import from Slack takes: the 100,000 jurisdictions the review is built and
measured for, checked in a few seconds while everyone else goes on working."""
MAX_LISTED_ERRORS = 40
"""Bad lines listed in the reply; past that, the whole list is uploaded as a file."""

EXPORT_TITLES = {"state": "where every jurisdiction stands",
                 "history": "every event recorded"}
APPLY, DRY_RUN = "apply", frozenset({"dry-run", "dry", "check"})
_FILE_ID = re.compile(r"(?:^|[/-])(F[A-Z0-9]{6,})(?=[/?#]|$)")


# -- export --------------------------------------------------------------------------


@dataclass(frozen=True)
class Transfers:
    """What import and export need: the use cases, the Slack client (to upload) and
    the reader of shared files (to import)."""

    review: Review
    client: AsyncWebClient
    files: SharedFiles


async def handle_export(transfers: Transfers, caller: CallerLike, args: Args) -> Reply:
    """``export state|history``: upload the CSV to the caller's channel."""
    review, client = transfers.review, transfers.client
    what = " ".join(args.words).strip().lower()
    if what not in EXPORTS:
        raise BadInput("Export `state` (where every jurisdiction stands) or `history` "
                       f"(every event recorded). Usage: `{EXPORT_USAGE}`")
    if not caller.channel:
        raise BadInput("Run `export` in a channel: the file is uploaded there.")
    filename = f"review-{what}-{review.today()}.csv"
    with tempfile.TemporaryDirectory(prefix="review-export-") as folder:
        path = Path(folder) / filename
        with path.open("w", newline="", encoding="utf-8") as handle:
            count = await EXPORTS[what](review, handle)
        await upload(client, caller.channel, path, filename,
                      f"{render.user(caller.user)} exported {EXPORT_TITLES[what]} "
                      f"({count:,} rows).")
    text = (f":white_check_mark: {count:,} rows ({EXPORT_TITLES[what]}) uploaded to "
            f"{render.channel(caller.channel)} as `{filename}`.")
    return Reply(text, [render.section(text)])


async def upload(client: AsyncWebClient, channel: str, data: Path | bytes, filename: str,
                  comment: str) -> None:
    """Upload the file at ``data`` (a path) or ``data`` itself (bytes) to ``channel``
    (files_upload_v2); ``BadInput`` with what to do when Slack does not take it."""
    try:
        await client.files_upload_v2(channel=channel,
                                     file=str(data) if isinstance(data, Path) else data,
                                     filename=filename, title=filename,
                                     initial_comment=comment)
    except SlackApiError as error:
        code = str(error.response.get("error", "unknown_error"))
        raise render.upload_refused(code, channel) from None
    except SlackClientError as error:
        raise BadInput(f"The file could not be uploaded ({error}); try again.") from None


# -- import --------------------------------------------------------------------------


def file_id_of(text: str, usage: str = "", what: str = "the CSV") -> str:
    """A Slack file id from the id itself (F0ABCDEF), a file's link
    (https://team.slack.com/files/U123/F0ABCDEF/name.csv, with or without Slack's <…>)
    or its url_private (…/files-pri/T123-F0ABCDEF/name.csv)."""
    value = link_of(text)
    match = _FILE_ID.search(value)
    if match is None:
        raise BadInput(f"“{text}” is not a Slack file. Upload {what} to Slack, choose "
                       f"“Copy link to file” and give the link. Usage: "
                       f"`{usage or IMPORT_USAGE}`")
    return match[1]


def link_of(text: str) -> str:
    """What was typed, without the <…|label> Slack puts around a link."""
    return text.strip().removeprefix("<").removesuffix(">").split("|", 1)[0]


async def handle_import(transfers: Transfers, caller: CallerLike, args: Args) -> Reply:
    """``import <file link or id> [apply]``: a dry run unless the last word is apply."""
    words = list(args.words)
    if not words:
        raise BadInput(f"Give the link to a CSV file shared in Slack. Usage: `{IMPORT_USAGE}`")
    mode = words.pop().lower() if len(words) > 1 else ""
    if len(words) != 1 or (mode and mode != APPLY and mode not in DRY_RUN):
        raise BadInput(f"Give one file, then `apply` to import it (without it, the file is "
                       f"only checked). Usage: `{IMPORT_USAGE}`")
    return await handle_import_file(transfers.review, transfers.files, caller.user,
                                    caller.channel, file_id_of(words[0]),
                                    dry_run=mode != APPLY, progress=caller.progress)


async def handle_import_file(review: Review, files: SharedFiles, user: str,
                             channel: str, file_id: str, dry_run: bool,
                             progress: Progress | None = None) -> Reply:
    """Check (and unless ``dry_run``, import) the CSV file ``file_id``, as ``user``,
    telling ``progress`` how far it has got every few seconds. Bad lines that do not
    fit in the reply are uploaded to ``channel`` as a file."""
    await review.require(user, "add")  # before anything is asked of Slack
    name, data = await files.fetch(file_id, user, MAX_IMPORT_BYTES)
    lines = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    tally = Tally()
    try:  # decoded line by line as it is read: no second copy of the whole file
        async with shown(tally, progress, f"*{render.escape(name)}*"):
            report = await import_csv(review, user, lines, dry_run, MAX_IMPORT_ROWS, tally)
    except UnicodeDecodeError:
        raise BadInput(f"{name} is not UTF-8 text; in a spreadsheet, save it as "
                       "“CSV UTF-8”.") from None
    if report.errors:
        return await _bad_lines(files.client, channel, name, report)
    return _done(name, file_id, user, report)


async def _bad_lines(client: AsyncWebClient, channel: str, name: str,
                     report: ImportReport) -> Reply:
    shown = [render.escape(line) for line in report.errors[:MAX_LISTED_ERRORS]]
    blocks: list[Block] = [render.section(f":x: *{render.escape(name)}*: {report.outcome()} "
                                          "Fix these lines and run the import again:"),
                           *render.sections(shown)]
    rest = len(report.errors) - len(shown)
    if rest:
        blocks.append(render.context(await _upload_errors(client, channel, name, report, rest)))
    return Reply(f"{render.escape(name)}: {report.outcome()}", blocks[:render.MAX_BLOCKS])


async def _upload_errors(client: AsyncWebClient, channel: str, name: str,
                         report: ImportReport, rest: int) -> str:
    """Upload every bad line as a text file; say where it is (or that it could not be)."""
    filename = f"{Path(name).stem}-bad-lines.txt"
    try:
        await client.files_upload_v2(channel=channel, content="\n".join(report.errors) + "\n",
                                     filename=filename, title=filename)
    except SlackClientError:
        return f"…and {rest:,} more bad lines (the full list could not be uploaded here)."
    return (f"…and {rest:,} more: all {len(report.errors):,} bad lines are in "
            f"`{render.escape(filename)}`, uploaded to {render.channel(channel)}.")


def _done(name: str, file_id: str, user: str, report: ImportReport) -> Reply:
    standing = report.standing()
    if report.dry_run:
        lines = [f":mag: Dry run of *{render.escape(name)}*: every line is good. "
                 f"{report.outcome()}"]
        if standing:
            lines.append("They would stand: " + "; ".join(standing) + ".")
        blocks = [*render.sections(lines), render.context(
            f"To import it: `/review import {file_id} apply`")]
        return Reply(lines[0], blocks)
    text = (f":inbox_tray: {render.user(user)} imported *{render.escape(name)}*: "
            f"{report.outcome()}")
    lines = [text] + (["They stand: " + "; ".join(standing) + "."] if standing else [])
    return Reply(text, render.sections(lines), in_channel=True)


# -- the commands --------------------------------------------------------------------

EXPORT_USAGE = "/review export <state|history>"
IMPORT_USAGE = "/review import <file link or id> [apply]"


COMMANDS: tuple[Subcommand[Transfers], ...] = (
    Subcommand(
        "export", "export <state|history>",
        "Upload a CSV file to this channel: where every jurisdiction stands (`state`) or "
        "every event recorded (`history`).", (), handle_export, "export state"),
    Subcommand(
        "import", "import <file link or id> [apply]",
        "Import a CSV file shared in Slack: jurisdictions (like jurisdictions.csv) or past "
        "events (like record.csv). Only checks it unless you add `apply`; a file with any "
        "bad line imports nothing (analysts, leads, admins).", (), handle_import,
        "import https://team.slack.com/files/U0ANA/F0RECORD/record.csv apply"),
)
