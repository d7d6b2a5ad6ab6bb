"""Any text typed after /review gets a clear answer, never an exception."""

from __future__ import annotations

import asyncio
import re
import shlex
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.subcommands import commands
from bot.subcommands.commands import Caller, Services
from bot.subcommands.parsing import Args, as_typed, split
from storage.sqlite import SqliteStore
from tests.packaged import packaged_workflow
from workflows.errors import BadInput, ReviewError
from workflows.review import Review, ReviewConfig

WORDS = st.sampled_from(["add", "letter", "show", "list", "batch", "threaten", "role",
                         "history", "chicago", "due=", "date=", "page=", "=", '"', "“",
                         "<@U1|a>", "<#C1|c>", "2017-02-30", "30 days", "kind=city",
                         "status=x", "help", "injunction", "case=", "blocks=", "lift", "#1"])
SMART = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})
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


PLAIN = st.lists(st.sampled_from([*"ab=Z-09#@<>|&;:,.", " ", "\t", "\n", "\r", "\x0b", "\x0c",
                                  "\xa0", "\u2003", "é", "&amp;", "due=", "note="]),
                 max_size=30).map("".join)


def split_by_shlex(text: str) -> Args | None:
    """What ``parsing.split`` made of the words ``shlex`` reads (None: an option twice)."""
    args, key = Args(), None
    for token in (as_typed(t) for t in shlex.split(text.translate(SMART))):
        if option := re.match(r"^([a-z_]+)=(.*)$", token, re.DOTALL):
            if option[1] in args.options:
                return None
            key, args.options[option[1]] = option[1], option[2]
        elif key is not None:
            args.options[key] = f"{args.options[key]} {token}".strip()
        else:
            args.words.append(token)
    return args


@settings(max_examples=500, deadline=None)
@given(PLAIN)
def test_text_without_quotes_splits_as_shlex_splits_it(text: str) -> None:
    """Text with no quote or escape is split without ``shlex`` (``parsing.split``), into
    the same words and options: ``shlex`` splits at four whitespace characters only."""
    expected = split_by_shlex(text)
    if expected is None:
        with pytest.raises(BadInput):
            split(text)
    else:
        assert split(text) == expected
