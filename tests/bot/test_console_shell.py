"""The console as a shell (Ctrl-C cancels the line, not the console) and Slack's markup
read as text."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

from bot.console import textview
from bot.console.repl import run_console
from bot.wiring.settings import load_settings

NAMES = {"U123": "ana", "C123": "midwest"}


def text(markup: str, bold: bool = False) -> str:
    return textview.mrkdwn(markup, lambda u: NAMES.get(u, u), lambda c: NAMES.get(c, c),
                           (lambda s: f"[{s}]") if bold else None)


def test_mentions_channels_links_and_entities_read_as_text() -> None:
    assert text("<@U123> and <@U999>") == "@ana and @U999"
    assert text("<#C123|midwest> <#C123>") == "#midwest #midwest"
    assert text("<https://example.gov/a|the letter>") == "the letter (https://example.gov/a)"
    assert text("AT&amp;T &lt;b&gt;") == "AT&T <b>"
    assert text("*Chicago, IL* is *due*", bold=True) == "[Chicago, IL] is [due]"
    assert text("2*3*4") == "2*3*4"


def test_a_code_block_is_printed_raw_in_one_piece() -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "```\na --&gt; b\n```"}},
              {"type": "section", "text": {"type": "mrkdwn", "text": "```\nb --&gt; c\n```"}}]
    shown = textview.blocks_to_text(blocks, "", str, str)
    assert textview.wrap(shown, 30) == "a --> b\nb --> c"


def test_prose_wraps_to_the_width() -> None:
    wrapped = textview.wrap("word " * 30, 40)
    assert all(len(line) <= 40 for line in wrapped.splitlines())
    assert len(wrapped.splitlines()) > 3


async def test_ctrl_c_cancels_the_line_not_the_console(tmp_path: Path) -> None:
    def lines() -> Iterator[str]:
        yield "/review whoa"
        raise KeyboardInterrupt
    typed = lines()
    after = iter(["/review whoami"])

    def read() -> str:
        try:
            return next(typed)
        except StopIteration:
            try:
                return next(after)
            except StopIteration:
                raise EOFError from None

    out = io.StringIO()
    settings = load_settings(None, database_url=f"sqlite:///{tmp_path / 'review.db'}")
    await run_console(settings, read=read, out=out)
    printed = out.getvalue()
    assert "^C" in printed and "@you> /review whoami" in printed, printed
    assert "admin" in printed.split("/review whoami")[-1]
