"""Any text typed after /review gets a clear answer, never an exception."""

from __future__ import annotations

import asyncio
import shlex
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.subcommands import commands
from bot.subcommands.commands import Caller, Services
from bot.subcommands.parsing import tokens
from storage.sqlite import SqliteStore
from tests.packaged import packaged_workflow
from workflows.errors import ReviewError
from workflows.review import Review, ReviewConfig

WORDS = st.sampled_from(["add", "letter", "show", "list", "batch", "threaten", "role",
                         "history", "chicago", "due=", "date=", "page=", "=", '"', "“",
                         "<@U1|a>", "<#C1|c>", "2017-02-30", "30 days", "kind=city",
                         "status=x", "help", "injunction", "case=", "blocks=", "lift", "#1"])
TEXT = st.one_of(st.text(max_size=60), st.lists(WORDS, max_size=8).map(" ".join))


class Clock:
    def now(self) -> datetime:
        return datetime(2018, 2, 1, 15, tzinfo=UTC)


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(TEXT)
def test_any_text_gets_an_answer_or_a_clear_refusal(tmp_path: Path, text: str) -> None:
    async def attempt() -> None:
        store = await SqliteStore.open(tmp_path / "p.db")
        try:
            review = Review(store, Clock(), ReviewConfig("#r", frozenset({"UADMIN"})),
                            packaged_workflow())
            try:
                services = Services(review, commands.command_table(review.workflow.definition))
                reply = await commands.run(services, Caller("UADMIN", "C1"), text)
            except ReviewError as refusal:
                assert refusal.message.strip()
            else:
                assert reply.text or reply.blocks or reply.modal
        finally:
            await store.close()

    asyncio.run(attempt())


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab =é#<>&\"'\\\t\n\r\x0b\x0c\xa0\u2003\x1c\x85")),
               max_size=16) | TEXT)
def test_words_are_split_as_shlex_splits_them(text: str) -> None:
    """The quick way for text without quotes gives shlex's words exactly."""
    try:
        expected: list[str] | None = shlex.split(text)
    except ValueError:
        expected = None
    try:
        got: list[str] | None = tokens(text)
    except ValueError:
        got = None
    assert got == expected
