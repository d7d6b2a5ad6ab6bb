"""``/review attach <jurisdiction> <file link or id> [note=…]``: a file shared in Slack
(a response letter, a legal opinion) kept as evidence of the jurisdiction's round.

Who may: the workflow's ``attach`` permission (the recorders by default), checked
before Slack is asked about the file. The link is parsed as ``import``'s is
(``transfer.file_id_of``), but a web address outside Slack is refused outright; the
file is read by ``bot.slack.evidence`` (Slack's rules, at most 50 MB) and recorded by
``Review.attach_evidence``: an ``evidence`` event, in the chain like every event."""

from __future__ import annotations

from dataclasses import dataclass

from bot.slack.evidence import EvidenceReader
from bot.slack.shared_files import FileHosts
from bot.subcommands.parsing import Args
from bot.subcommands.subcommand import CallerLike, Subcommand
from bot.subcommands.transfer import file_id_of, link_of
from bot.ui import changes
from bot.ui.render import Reply
from workflows.errors import BadInput
from workflows.review import Review

ATTACH_USAGE = "/review attach <jurisdiction> <file link or id> [note=…]"


@dataclass(frozen=True)
class Attachments:
    review: Review
    reader: EvidenceReader


def evidence_file_id(text: str, hosts: FileHosts, usage: str = ATTACH_USAGE) -> str:
    """The Slack file ``text`` names (a link into Slack, or a file id); a web address
    anywhere else is refused, whatever it looks like."""
    link = link_of(text)
    if "://" in link and not hosts.is_slack_link(link):
        raise BadInput(f"“{text}” is not a link into Slack; the bot takes as evidence only "
                       "a file shared in Slack. Upload it to Slack, choose “Copy link to "
                       f"file” and give that link. Usage: `{usage}`")
    return file_id_of(text, usage, "the file")


async def handle_attach(service: Attachments, caller: CallerLike, args: Args) -> Reply:
    words = list(args.words)
    if len(words) < 2:
        raise BadInput(f"Name the jurisdiction and give the file's link. Usage: `{ATTACH_USAGE}`")
    file_id = evidence_file_id(words[-1], service.reader.files.hosts)
    review = service.review
    j = await review.resolve(" ".join(words[:-1]))  # before Slack is asked about the file
    evidence = await service.reader.read(file_id, caller.user)
    change = await review.attach_evidence(caller.user, j.id, evidence,
                                          note=args.options.get("note", ""))
    j = change.jurisdiction
    return changes.done(change.event, j, await review.allowed(caller.user, j), review.today(),
                        definition=review.workflow.definition)


COMMANDS = (
    Subcommand(
        "attach", "attach <jurisdiction> <file link or id> [note=…]",
        "Keep a file shared in Slack (a response letter, a legal opinion; up to 50 MB) as "
        "evidence of the jurisdiction's round: its hash goes into the record (analysts, "
        "leads, admins).", ("note",), handle_attach,
        "attach albany https://team.slack.com/files/U0ANA/F0LETTER/response.pdf "
        "note=\"signed reply\"", permission="attach"),
)
