"""Forms (modals): a step that needs input, a court order, a new jurisdiction.

Forms are validated field by field and their errors shown in the form
(``response_action: errors``); nothing changes until every field is right and the
workflow allows the step. Then the form closes, the card it came from is redrawn and
the person told.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.answers import after_form
from bot.slack.deps import Deps
from bot.slack.evidence_forms import form_file_id, step_later
from bot.ui import changes, forms
from workflows.deadlines import DueSpec, parse_date
from workflows.errors import BadInput, ReviewError
from workflows.model import CourtOrder, OrderKind
from workflows.review import Change

log = logging.getLogger(__name__)
Body = dict[str, Any]


def register(app: AsyncApp, deps: Deps) -> None:
    @app.view(forms.STEP_FORM)
    async def on_step_form(ack: AsyncAck, body: Body, view: Body,
                           client: AsyncWebClient) -> None:
        await step_form(deps, ack, client, body["user"]["id"], view)

    @app.view(forms.ORDER_FORM)
    async def on_order_form(ack: AsyncAck, body: Body, view: Body,
                            client: AsyncWebClient) -> None:
        await order_form(deps, ack, client, body["user"]["id"], view)

    @app.view(forms.ADD_FORM)
    async def on_add_form(ack: AsyncAck, body: Body, view: Body,
                          client: AsyncWebClient) -> None:
        await add_form(deps, ack, client, body["user"]["id"], view)


async def step_form(deps: Deps, ack: AsyncAck, client: AsyncWebClient, user: str,
                    view: Body) -> None:
    """A step's date, deadline, note and link."""
    review, meta, fields = deps.review, forms.metadata(view), forms.values(view)
    errors: dict[str, str] = {}
    on = parse_field(errors, "date", fields, parse_date)
    due = parse_field(errors, "due", fields, DueSpec.parse)
    for unmet in review.workflow.definition.unmet(str(meta.get("s")), fields):
        errors[_step_field(fields, unmet)] = unmet.message  # with the others at once
    if fields.get("evidence"):  # read after the form closes: see bot.slack.evidence_forms
        file_id = form_file_id(deps, errors, fields["evidence"])
        await step_later(deps, ack, client, user, meta, errors, [file_id], lambda ev: review.take(
            user, str(meta.get("j")), str(meta.get("s")), on, due, fields.get("note", ""),
            fields.get("link", ""), expected_version=meta.get("v"), evidence=ev))
        return
    await submit(deps, ack, client, user, meta, errors, lambda: review.take(
        user, str(meta.get("j")), str(meta.get("s")), on, due, fields.get("note", ""),
        fields.get("link", ""), expected_version=meta.get("v")), partial(_step_field, fields))


async def order_form(deps: Deps, ack: AsyncAck, client: AsyncWebClient, user: str,
                     view: Body) -> None:
    """A court order: its kind, date, case, court, scope and the steps it blocks."""
    review, meta, fields = deps.review, forms.metadata(view), forms.values(view)
    errors: dict[str, str] = {}
    on = parse_field(errors, "date", fields, lambda raw: review.day_of(parse_date(raw)))
    blocks = parse_field(errors, "blocks", fields, review.workflow.definition.expand_blocks)
    if not fields.get("case"):
        errors["case"] = "Give the case number."
    kind = parse_field(errors, "kind", fields, OrderKind.parse) or OrderKind.INJUNCTION
    order = CourtOrder(kind, on or review.today(),
                       fields.get("case", ""), fields.get("court", ""),
                       fields.get("scope", ""), blocks or frozenset())
    await submit(deps, ack, client, user, meta, errors,
                 lambda: review.attach_order(user, str(meta.get("j")), order),
                 partial(_order_field, fields))


async def add_form(deps: Deps, ack: AsyncAck, client: AsyncWebClient, user: str,
                   view: Body) -> None:
    """A new jurisdiction (``/review add`` with no words)."""
    review, meta, fields = deps.review, forms.metadata(view), forms.values(view)
    aliases = tuple(a for a in fields.get("aliases", "").split(",") if a.strip())
    await submit(deps, ack, client, user, meta, {}, lambda: review.add(
        user, fields.get("id", ""), fields.get("name", ""), fields.get("kind", ""),
        fields.get("state", ""), aliases), partial(_add_field, fields))


async def submit(deps: Deps, ack: AsyncAck, client: AsyncWebClient, user: str,
                 meta: Body, errors: dict[str, str], work: Callable[[], Awaitable[Change]],
                 where: Callable[[ReviewError], str]) -> None:
    """Show field errors in the form, or run the change and show its refusal under
    the field ``where`` picks; on success close the form, redraw the card the form
    came from and tell the person."""
    if errors:
        await ack(response_action="errors", errors=errors)
        return
    try:
        change = await work()
    except ReviewError as error:
        await ack(response_action="errors", errors={where(error): error.message[:2000]})
        return
    await ack()
    review, j = deps.review, change.jurisdiction
    await after_form(deps, client, user, meta, j, changes.done(
        change.event, j, await review.allowed(user, j), review.today(),
        definition=review.workflow.definition))


def parse_field(errors: dict[str, str], name: str, fields: dict[str, Any], parse: Any) -> Any:
    """Parse one field; on BadInput note the error under that field's block."""
    raw = fields.get(name)
    if not raw:
        return None
    try:
        return parse(raw)
    except BadInput as error:
        errors[name] = error.message[:2000]
        return None


def _named_field(error: ReviewError, fields: Mapping[str, object], otherwise: str) -> str:
    """The block a refusal goes under: the field it names (``ReviewError.field``; a
    form's block ids are the domain's field names) when the form has that field, else
    ``otherwise``, the form's block for refusals of the request as a whole."""
    return error.field if error.field is not None and error.field in fields else otherwise


def _step_field(fields: Mapping[str, object], error: ReviewError) -> str:
    """The step form: the workflow's refusals of the step itself go under its date."""
    return _named_field(error, fields, "date")


def _order_field(fields: Mapping[str, object], error: ReviewError) -> str:
    return _named_field(error, fields, "case")


def _add_field(fields: Mapping[str, object], error: ReviewError) -> str:
    return _named_field(error, fields, "id")
