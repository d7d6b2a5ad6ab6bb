"""Recording a response with evidence from a form: the response form's "Evidence" field
and the message shortcut's form (``bot/slack/shortcuts.py``).

A form must be answered within 3 seconds and a file of up to 50 MB takes longer to
read, so such a form is checked first (the fields, the jurisdiction, whether the
person may take the step and attach), then closed, and only then are the files read
and the step recorded with their ``evidence`` events, in one change. What went wrong
after the form closed (a file the bot may not read, one too big) is told to the person
alone, in the channel the form came from, and nothing is recorded.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.answers import after_form
from bot.slack.deps import Deps
from bot.subcommands.evidence import evidence_file_id
from bot.ui import changes, render
from bot.ui.render import Reply
from workflows.errors import BadInput, NotPermitted, ReviewError
from workflows.evidence import Evidence
from workflows.review import Change

log = logging.getLogger(__name__)
Take = Callable[[Sequence[Evidence]], Awaitable[Change]]
"""Record the step with these files' evidence, in one change."""


def form_file_id(deps: Deps, errors: dict[str, str], text: str) -> str:
    """The file the form's evidence field names, or an error under it."""
    if deps.evidence is None:
        errors["evidence"] = "Evidence is not set up in this bot."
        return ""
    try:
        return evidence_file_id(text, deps.evidence.files.hosts, "a file link or id")
    except BadInput as error:
        errors["evidence"] = error.message[:2000]
        return ""


async def step_later(deps: Deps, ack: AsyncAck, client: AsyncWebClient, user: str,
                     meta: dict[str, Any], errors: dict[str, str], files: Sequence[str],
                     take: Take) -> None:
    """A step's form with evidence: what can be refused before the files are read is
    shown in the form; then it closes and ``record_later`` does the rest."""
    review = deps.review
    if not errors:
        try:
            await review.require(user, "attach")
            j = await review.resolve(str(meta.get("j")))
            await review.check_step(user, j, str(meta.get("s")))
        except ReviewError as error:
            where = "evidence" if isinstance(error, NotPermitted) else "date"
            errors[where] = error.message[:2000]
    if errors:
        await ack(response_action="errors", errors=errors)
        return
    await ack()
    await record_later(deps, client, user, meta, files, take)


async def record_later(deps: Deps, client: AsyncWebClient, user: str, meta: dict[str, Any],
                       files: Sequence[str], take: Take) -> None:
    """After the form closed: read ``files``, record the step with their evidence, and
    tell the person (the card redrawn, if the form came from one)."""
    try:
        if files and deps.evidence is None:
            raise BadInput("Evidence is not set up in this bot; nothing was recorded.")
        evidence = await deps.evidence.read_all(files, user) if deps.evidence and files else []
        change = await take(evidence)
    except ReviewError as error:
        await _tell(client, user, meta, render.refusal(error))
        return
    except Exception:
        reference = secrets.token_hex(4)
        log.exception("could not record a response with evidence, reference %s", reference)
        await _tell(client, user, meta, render.unexpected(reference))
        return
    review, j = deps.review, change.jurisdiction
    await after_form(deps, client, user, meta, j, changes.done(
        change.event, j, await review.allowed(user, j), review.today(),
        definition=review.workflow.definition))


async def _tell(client: AsyncWebClient, user: str, meta: dict[str, Any], reply: Reply) -> None:
    if not meta.get("ch"):
        return
    try:
        await client.chat_postEphemeral(channel=str(meta["ch"]), user=user, text=reply.text,
                                        blocks=reply.blocks)
    except Exception:
        log.exception("could not tell %s why a form recorded nothing", user)
