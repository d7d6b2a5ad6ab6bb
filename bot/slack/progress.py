"""A slow command's answers on its response_url: a few interim ones ("checked 400,000 of
1,000,000 lines…"), each in the place of the one before, then the final one in theirs.

Slack takes at most 5 answers on one response_url: ``MAX_INTERIM`` of them at most are
progress, which leaves the final answer (and, when that answer is for the whole
channel, the deletion of the last interim one, which only the caller saw)."""

from __future__ import annotations

from typing import Any

from bot.slack.answers import Respond

MAX_INTERIM = 3


class Interim:
    """Wraps ``respond``: ``say`` posts progress, ``respond`` the final answer."""

    def __init__(self, respond: Respond, every: float) -> None:
        self._respond = respond
        self.every = every
        self.shown = 0

    async def say(self, text: str) -> None:
        """Show ``text`` to the caller alone, in the place of the progress before it."""
        if self.shown >= MAX_INTERIM:
            return
        self.shown += 1
        await self._respond(text=text, response_type="ephemeral",
                            replace_original=self.shown > 1)

    async def respond(self, **body: Any) -> None:
        """The final answer: in the place of the progress, or (for the channel) after
        taking the progress away."""
        if self.shown and body.get("response_type") == "in_channel":
            await self._respond(delete_original=True)
        elif self.shown:
            body = {**body, "replace_original": True}
        await self._respond(**body)
