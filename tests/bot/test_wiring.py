"""The workflow diagram, export and Slack import, through the real app over signed HTTP."""

from __future__ import annotations

from pathlib import Path

from tests.bot.conftest import ADMIN, Harness

DATA = Path(__file__).resolve().parents[2] / "data"


async def test_workflow_diagram_command(harness: Harness) -> None:
    reply = await harness.answer(ADMIN, "workflow text")
    text = str(reply.blocks)
    assert "stateDiagram-v2" in text and "subpoena_threatened" in text


async def test_import_a_shared_file_then_export(harness: Harness) -> None:
    file_id = harness.slack.share("jurisdictions.csv", (DATA / "jurisdictions.csv").read_bytes())
    dry = await harness.answer(ADMIN, f"import {file_id}")
    assert dry.ephemeral and "38" in dry.text and await harness.bot.store.get("chicago") is None
    await harness.answer(ADMIN, f"import {file_id} apply")
    assert await harness.bot.store.get("chicago") is not None
    await harness.answer(ADMIN, "export state")
    [upload] = harness.slack.files
    lines = upload.data.decode().splitlines()
    assert lines[0].startswith("id,name,kind,state") and len(lines) == 39


async def test_a_bad_file_imports_nothing(harness: Harness) -> None:
    file_id = harness.slack.share("bad.csv", b"id,name,kind,state\nok,OK,city,CA\nBad!,X,city,ZZ\n")
    reply = await harness.answer(ADMIN, f"import {file_id} apply")
    assert "line 3" in reply.text or "line 3" in str(reply.blocks)
    assert await harness.bot.store.get("ok") is None
