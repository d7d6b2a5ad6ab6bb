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
    file_id = harness.slack.share("jurisdictions.csv", (DATA / "jurisdictions.csv").read_bytes(),
                                  ADMIN)
    dry = await harness.answer(ADMIN, f"import {file_id}")
    assert dry.ephemeral and "38" in dry.text and await harness.bot.store.get("chicago") is None
    await harness.answer(ADMIN, f"import {file_id} apply")
    assert await harness.bot.store.get("chicago") is not None
    await harness.answer(ADMIN, "export state")
    [upload] = harness.slack.files
    lines = upload.data.decode().splitlines()
    assert lines[0].startswith("id,name,kind,state") and len(lines) == 39


async def test_a_bad_file_imports_nothing(harness: Harness) -> None:
    file_id = harness.slack.share("bad.csv", b"id,name,kind,state\nok,OK,city,CA\nBad!,X,city,ZZ\n",
                                  ADMIN)
    reply = await harness.answer(ADMIN, f"import {file_id} apply")
    assert "line 3" in reply.text or "line 3" in str(reply.blocks)
    assert await harness.bot.store.get("ok") is None


async def test_a_custom_workflow_file_adds_a_step_the_bot_understands(tmp_path: Path) -> None:
    from aiohttp import ClientSession

    from bot.console.stand_in.sender import SlackSender
    from bot.console.stand_in.server import LocalSlack
    from bot.wiring.app import EVENTS_PATH, SlackAccess, build
    from bot.wiring.runtime import start_http
    from bot.wiring.settings import load_settings
    from tests.bot.conftest import SECRET

    text = (Path(__file__).resolve().parents[2] / "workflows" / "review.yml").read_text()
    custom = tmp_path / "custom.yml"
    custom.write_text(text.replace("steps:\n", """steps:
  - name: remind
    label: send a reminder letter
    sources: [awaiting_response]
    dest: awaiting_response
    roles: recorders

  - name: refer
    label: refer to the Attorney General
    sources: [awaiting_response]
    dest: referred
    roles: recorders
""", 1).replace("  closed: closed\n",
                "  closed: closed\n  referred: referred to the Attorney General\n", 1))
    settings = load_settings(None, database_url=f"sqlite:///{tmp_path / 'r.db'}",
                             review_admins=ADMIN, review_workflow=str(custom))
    slack = LocalSlack()
    await slack.start()
    bot = await build(settings, SlackAccess(slack.token, SECRET, slack.api_url))
    runner, port = await start_http(bot, "127.0.0.1", 0)
    try:
        async with ClientSession() as session:
            sender = SlackSender(f"http://127.0.0.1:{port}{EVENTS_PATH}", SECRET, slack)
            await sender.run(session, ADMIN, 'add chicago "Chicago, IL" state=IL')
            await sender.run(session, ADMIN, "letter chicago due=30 days")
            posted = await sender.run(session, ADMIN, "remind chicago note=second notice")
            assert "Nothing was changed" not in posted[-1].text, posted[-1].text
            [event], _ = await bot.store.history("chicago", 0, 1)
            assert event.kind == "remind" and event.detail["note"] == "second notice"
            posted = await sender.run(session, ADMIN, "refer chicago")
            assert "is now referred to the Attorney General" in posted[-1].text
            await slack.wait_for(lambda p: "*referred to the Attorney General*" in p.text
                                 and not p.response_key)  # announced after the answer
            listing = await sender.run(session, ADMIN, "list status=referred")
            assert "Chicago, IL" in str(listing[-1].blocks)
            card = await sender.run(session, ADMIN, "show chicago")
            assert "referred to the Attorney General" in str(card[-1].blocks)
            helped = await sender.run(session, ADMIN, "help all")
            assert "/review refer <jurisdiction>" in str(helped[-1].blocks)
    finally:
        await runner.cleanup()
        await bot.close()
        await slack.stop()
