"""The README's console story is examples/chicago.txt, and it reads on any day as it did
in 2018: the clock is set first, the form refuses then takes the demand, the reminder is
posted three business days before the deadline and snoozed from its menu, a batch one
lead asks for is approved by another."""

from __future__ import annotations

import io
from pathlib import Path

from bot.console.repl import run_console
from bot.wiring.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
STORY = (ROOT / "examples" / "chicago.txt").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_readmes_story_is_the_examples() -> None:
    section = README.split("## Try it in the console", 1)[1].split("\n## ", 1)[0]
    typed = [line.split("> ", 1)[1] for line in section.splitlines()
             if line.startswith("@") and "> " in line]
    assert typed[0].startswith(":now 2018-"), typed
    lines = [line for line in STORY.splitlines() if line and not line.startswith("#")]
    for line in typed:
        assert any(line == mine or mine.startswith(line) for mine in lines), line
    for surface in (":click", ":set", ":submit", ":sweep", "/review batch"):
        assert any(line.startswith(surface) for line in typed), surface


async def test_the_story_reads_as_it_did_in_2018(tmp_path: Path) -> None:
    lines = iter(STORY.splitlines())

    def read() -> str:
        try:
            return next(lines)
        except StopIteration:
            raise EOFError from None

    out = io.StringIO()
    settings = load_settings(None, database_url=f"sqlite:///{tmp_path / 'review.db'}")
    await run_console(settings, read=read, out=out)
    shown = out.getvalue()
    assert "Only leads may threaten a subpoena" in shown
    assert "✗ due: “soon” is not a deadline" in shown and "Nothing was saved" in shown
    assert "Form sent." in shown and "Deadline: due 2018-02-23" in shown
    assert "due *2018-02-23* (in 3 business days)" in shown
    assert "again on Wednesday 2018-02-21 at 09:00" in shown
    assert shown.count("*threaten*") >= 2 and "(no answer" not in shown
    assert "approved by @max: 2 done, 0 refused" in shown  # a batch, asked and approved
