"""The message shortcut "Record as response" (``record_response`` in manifest.yml).

On any message: the message's text becomes the response's note and its files its
evidence. The shortcut opens a form (within the 3 seconds its trigger lasts) asking
which jurisdiction responded and when; its submission is checked, the form closed, and
the ``response`` step recorded with the files' ``evidence`` events in one change
(``bot.slack.evidence_forms``).
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.answers import answer
from bot.slack.deps import Deps
from bot.slack.evidence_forms import record_later
from bot.slack.views import parse_field
from bot.ui import forms
from bot.ui.render import Reply
from workflows.deadlines import parse_date
from workflows.errors import BadInput, ReviewError
from workflows.evidence import MAX_FILES
from workflows.model import Jurisdiction
from workflows.review import Review

RESPONSE_STEP = "response"
Body = dict[str, Any]


def register(app: AsyncApp, deps: Deps) -> None:
    @app.shortcut(forms.RESPONSE_SHORTCUT)
    async def on_record_response(ack: AsyncAck, body: Body, respond: AsyncRespond,
                                 client: AsyncWebClient) -> None:
        await ack()
        await answer(respond, open_form(deps, client, body), silent_when_empty=True)

    @app.options(forms.JURISDICTION_PICKER)
    async def on_jurisdiction_typed(ack: AsyncAck, body: Body) -> None:
        await ack(options=await suggestions(deps.review, body))

    @app.view(forms.RESPONSE_FORM)
    async def on_response_form(ack: AsyncAck, body: Body, view: Body,
                               client: AsyncWebClient) -> None:
        await response_form(deps, ack, client, body["user"]["id"], view)


async def suggestions(review: Review, body: Body) -> list[dict[str, Any]]:
    """The jurisdictions the form's menu offers for what was typed (none to someone
    who may not read the review)."""
    try:
        found = await review.suggest(body["user"]["id"], str(body.get("value") or ""))
    except ReviewError:
        return []
    return forms.options(found)


async def open_form(deps: Deps, client: AsyncWebClient, body: Body) -> Reply:
    """Open the form for the message the shortcut was used on."""
    user, review = body["user"]["id"], deps.review
    message = body.get("message") or {}
    files = [f for f in message.get("files") or [] if isinstance(f, dict) and f.get("id")]
    await review.require_reader(user)
    if files:
        await review.require(user, "attach")
    if len(files) > MAX_FILES:
        raise BadInput(f"That message has {len(files)} files; at most {MAX_FILES} are taken.")
    meta = {"f": [str(f["id"]) for f in files], "ch": (body.get("channel") or {}).get("id")}
    names = [str(f.get("name") or f["id"]) for f in files]
    await client.views_open(trigger_id=body["trigger_id"], view=forms.response_modal(
        names, str(message.get("text") or ""), review.today(), meta))
    return Reply("")


async def response_form(deps: Deps, ack: AsyncAck, client: AsyncWebClient, user: str,
                        view: Body) -> None:
    """Check the form, close it, then record the response and its evidence."""
    review, meta, fields = deps.review, forms.metadata(view), forms.values(view)
    errors: dict[str, str] = {}
    on = parse_field(errors, "date", fields, parse_date)
    j = await _responding(review, user, str(fields.get("jurisdiction", "")), errors)
    if errors or j is None:
        await ack(response_action="errors", errors=errors)
        return
    await ack()
    jid, note = j.id, str(fields.get("note", ""))
    await record_later(deps, client, user, meta, [str(f) for f in meta.get("f") or []],
                       lambda evidence: review.take(user, jid, RESPONSE_STEP, on, note=note,
                                                    evidence=evidence))


async def _responding(review: Review, user: str, text: str,
                      errors: dict[str, str]) -> Jurisdiction | None:
    """The jurisdiction named, if this person may record its response now."""
    try:
        j = await review.resolve(text)
        await review.check_step(user, j, RESPONSE_STEP)
    except ReviewError as error:
        errors["jurisdiction"] = error.message[:2000]
        return None
    return j
