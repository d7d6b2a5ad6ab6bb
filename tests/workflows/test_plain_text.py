"""Domain text holds no Slack markup: a refusal carries the people, channels and words
to type it names as parts, and only the bot turns them into mentions and code."""

from __future__ import annotations

import ast
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from tests.packaged import packaged_workflow
from tests.workflows.conftest import FakeRepository, FixedClock
from workflows.errors import Code, ReviewError
from workflows.model import Role
from workflows.review import Readers, Review, ReviewConfig
from workflows.summary import parse_schedule

PACKAGE = Path(__file__).resolve().parents[2] / "workflows"
MARKUP = re.compile(r"<[@#!]|`|(?<![\w\\])\*\w[^*\n]*\w\*(?!\w)|:[a-z0-9_+-]+:")
"""Mentions (``<@U…>``, ``<#C…>``, ``<!here>``), code, ``*bold*`` and ``:emoji:``."""
MENTION = re.compile(r"<[@#!]")
LEAD = "U-LEAD"


def texts(path: Path) -> list[tuple[int, str]]:
    """Every string constant of a module but its docstrings, with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef
                                | ast.AsyncFunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)}
    strings: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            docstrings.add(id(node.value))  # attribute docstrings, too
        if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                and id(node) not in docstrings):
            strings.append((node.lineno, node.value))
    return strings


def test_no_string_in_the_domain_is_slack_markup() -> None:
    """``Code`` in errors.py alone quotes a word to type, for plain text."""
    found = [f"{path.name}:{line}: {text!r}" for path in sorted(PACKAGE.rglob("*.py"))
             for line, text in texts(path) if MARKUP.search(text)
             and (path.name, text) != ("errors.py", "`")]
    assert found == []


def test_the_scan_would_see_markup() -> None:
    for marked in ("<@U123>", "<#C123>", "<!here>", "`list`", "*Chicago*", ":warning: x"):
        assert MARKUP.search(marked), marked
    for plain in (r"^\s*(?P<n>\d{1,4})\s*$", "09:00 or 17:30", "line 4: why", "HH:MM"):
        assert not MARKUP.search(plain), plain


@pytest.fixture
async def review() -> Review:
    review = Review(FakeRepository(), FixedClock(),
                    ReviewConfig("#review", frozenset({"U-ADMIN"}), readers=Readers.ROLES),
                    packaged_workflow())
    await review.grant("U-ADMIN", LEAD, Role.LEAD)
    for jid, name in (("chicago", "Chicago, IL"), ("chicago-heights", "Chicago Heights, IL")):
        await review.add(LEAD, jid, name)
    return review


def refusals(review: Review) -> list[Callable[[], Awaitable[object]]]:
    """Requests the review refuses with a sentence that names ids and commands."""

    async def schedule() -> None:
        parse_schedule(["hourly", "09:00"], "UTC")

    return [lambda: review.resolve("atlantis"), lambda: review.resolve("chic"),
            lambda: review.add(LEAD, "chicago", "Chicago again"),
            lambda: review.require_reader("U-STRANGER"), schedule]


async def test_refusals_name_ids_and_commands_as_parts_not_markup(review: Review) -> None:
    for request in refusals(review):
        with pytest.raises(ReviewError) as refused:
            await request()
        error = refused.value
        assert not MENTION.search(error.message), error.message
        words = [part for part in error.parts if isinstance(part, str)]
        assert words and not any(MARKUP.search(part) for part in words), error.parts
        assert any(isinstance(part, Code) for part in error.parts), error.message
        assert error.message == "".join(str(part) for part in error.parts)
