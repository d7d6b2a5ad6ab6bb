"""The slash command, ``/review``: acked at once, answered after a worker is free.

The words are parsed and the subcommand run by ``bot/subcommands/``; a subcommand that
needs a form (``add`` with no words) opens it here, with the command's trigger.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext

from bot.slack import stopwatch
from bot.slack.acks_first import acked
from bot.slack.answers import send, worked_out
from bot.slack.deps import Deps
from bot.slack.progress import Interim
from bot.subcommands.commands import SLASH, Caller
from bot.subcommands.subcommand import Progress
from bot.ui.render import Reply
from storage.roles_once import roles_read_once


def register(app: AsyncApp, deps: Deps) -> None:
    @app.command(SLASH)
    async def on_review(ack: AsyncAck, command: dict[str, Any],
                        context: AsyncBoltContext) -> None:
        await ack()
        acked(context)  # the rest of the request is Bolt's wait for this ack
        received = stopwatch.received(context)
        deps.metrics.acked(received)
        interim = Interim(deps.responder.to(command["response_url"]),
                          deps.responder.progress_every)
        deps.workers.submit(lambda: answer_command(deps, command, interim, received),
                            command["user_id"])


async def answer_command(deps: Deps, command: dict[str, Any], interim: Interim,
                         received: float) -> None:
    """Work out the command's answer (showing any progress at its response_url
    meanwhile), then leave posting it there to ``workers.then`` (the worker is free for
    the next command meanwhile); once posted, count it and time it from ``received``.
    The caller's role is read once for all the command's checks (``roles_read_once``)."""
    with roles_read_once():
        reply, outcome = await worked_out(run_command(deps, command, interim))

    async def post() -> None:
        await send(interim.respond, reply, silent_when_empty=True)
        deps.metrics.command_answered(command.get("text", ""), outcome, received)

    deps.workers.then(post)


async def run_command(deps: Deps, command: dict[str, Any], progress: Progress | None = None
                      ) -> Reply:
    """The command's answer, or an empty one when it opened a form instead."""
    caller = Caller(command["user_id"], command.get("channel_id", ""), progress)
    reply = await deps.run_command(caller, command.get("text", ""))
    if reply.modal is not None:
        await deps.client.views_open(trigger_id=command["trigger_id"], view=reply.modal)
        return Reply("")
    return reply
