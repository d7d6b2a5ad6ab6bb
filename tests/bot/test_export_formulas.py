"""Names a spreadsheet would run as formulas: accepted by ``add``, exported as text from
Slack and from the command line, and imported back unchanged."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from tests.bot.conftest import ADMIN, Harness
from tests.bot.test_cli import review_bot

NAMES = {
    "hyperlink": '=HYPERLINK("http://evil","x")',
    "dde": "+cmd|' /C calc'!A0",
    "at-sum": "@SUM(1+1)",
    "minus": "-2+3",
}
TYPED = {
    "hyperlink": "'=HYPERLINK(\"http://evil\",\"x\")'",
    "dde": "\"+cmd|' /C calc'!A0\"",
    "at-sum": "@SUM(1+1)",
    "minus": "-2+3",
}
"""How each name is typed after /review add <id>: quoted as the command line reads it."""
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def rows(data: bytes | str) -> list[dict[str, str]]:
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    return list(csv.DictReader(io.StringIO(text)))


def all_cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


async def test_from_slack_formula_names_are_added_and_exported_as_text(
        harness: Harness) -> None:
    for jid, typed in TYPED.items():
        reply = await harness.answer(ADMIN, f"add {jid} {typed}")
        assert "Traceback" not in reply.text
    for jid, name in NAMES.items():
        j = await harness.bot.review.repo.get(jid)
        assert j is not None and j.name == name  # legal names, stored as typed
    await harness.answer(ADMIN, "export state")
    state = harness.slack.files[-1].data.decode("utf-8")
    assert {row["id"]: row["name"] for row in rows(state)} == {
        jid: "'" + name for jid, name in NAMES.items()}
    await harness.answer(ADMIN, "export history")
    history = harness.slack.files[-1].data.decode("utf-8")
    assert len(rows(history)) == len(NAMES)
    for text in (state, history):
        assert not [cell for cell in all_cells(text) if cell.startswith(TRIGGERS)]


async def test_from_slack_a_state_export_imports_back_with_the_same_names(
        harness: Harness) -> None:
    for jid, typed in TYPED.items():
        await harness.answer(ADMIN, f"add {jid} {typed}")
    await harness.answer(ADMIN, "export state")
    exported = harness.slack.files[-1].data
    for jid in NAMES:  # the same names again, under other ids
        exported = exported.replace(f"\n{jid},".encode(), f"\n{jid}-2,".encode())
    file_id = harness.slack.share("state.csv", exported, ADMIN)
    reply = await harness.answer(ADMIN, f"import {file_id} apply")
    assert "4 jurisdiction(s) added" in reply.text, reply.text
    for jid, name in NAMES.items():
        copy = await harness.bot.review.repo.get(f"{jid}-2")
        assert copy is not None and copy.name == name


def test_from_the_command_line_formulas_are_exported_as_text_and_import_back(
        tmp_path: Path) -> None:
    towns = tmp_path / "towns.csv"
    with towns.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name", "state"])
        writer.writerows([jid, name, "IL"] for jid, name in NAMES.items())
    assert review_bot(tmp_path, "import", str(towns)).returncode == 0
    state = review_bot(tmp_path, "export", "state")
    assert state.returncode == 0, state.stderr
    assert {row["id"]: row["name"] for row in rows(state.stdout)} == {
        jid: "'" + name for jid, name in NAMES.items()}
    assert not [cell for cell in all_cells(state.stdout) if cell.startswith(TRIGGERS)]
    history = review_bot(tmp_path, "export", "history")
    assert not [cell for cell in all_cells(history.stdout) if cell.startswith(TRIGGERS)]

    other = tmp_path / "other"
    other.mkdir()
    exported = other / "state.csv"
    exported.write_text(state.stdout, encoding="utf-8")
    assert review_bot(other, "import", str(exported)).returncode == 0
    again = review_bot(other, "export", "state")
    assert again.stdout == state.stdout  # the same file, cell for cell
