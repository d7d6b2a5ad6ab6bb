"""Operating the bot: real `review-bot` processes against the Slack stand-in, their
standard error read as an operator (or a log shipper) reads it."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path

import pytest
from aiohttp import ClientSession
from prometheus_client.parser import text_string_to_metric_families

from bot.console.stand_in.sender import SlackSender
from bot.console.stand_in.server import LocalSlack
from bot.wiring.start_check import APP, is_placeholder
from tests.bot.test_cli import env, free_port, healthy
from tests.bot.test_metrics import answered, value

pytestmark = pytest.mark.slow


async def start(tmp_path: Path, **extra: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env(tmp_path, **extra),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


async def finished(process: asyncio.subprocess.Process, timeout: float = 30
                   ) -> tuple[int, list[str]]:
    """The exit code and the lines of standard error (the stand-in keeps serving)."""
    _, err = await asyncio.wait_for(process.communicate(), timeout)
    assert process.returncode is not None
    return process.returncode, err.decode().splitlines()


@pytest.mark.parametrize("token", ["xoxb-not-the-right-one", "xoxb-..."])
async def test_a_token_slack_refuses_stops_the_bot_with_one_line(tmp_path: Path,
                                                                token: str) -> None:
    slack = LocalSlack(token="xoxb-the-real-one", app_token="xapp-the-real-one")
    await slack.start()
    try:
        for mode in ({"SLACK_SIGNING_SECRET": "s3cret", "PORT": str(free_port()),
                      "HOST": "127.0.0.1"}, {"SLACK_APP_TOKEN": slack.app_token}):
            process = await start(tmp_path, SLACK_BOT_TOKEN=token,
                                  SLACK_API_URL=slack.api_url, **mode)
            code, lines = await finished(process)
            assert code == 2, lines
            assert len(lines) == 1 and "Traceback" not in lines[0], lines
            assert "SLACK_BOT_TOKEN" in lines[0]
            assert ("placeholder" if token == "xoxb-..." else "invalid_auth") in lines[0]
            assert token not in lines[0] or token == "xoxb-..."
    finally:
        await slack.stop()
    # A token is checked once in each mode; the placeholder before Slack is asked.
    asked = [m for m, _ in slack.calls if m == "auth.test"]
    assert asked == ([] if token == "xoxb-..." else ["auth.test"] * 2)


@pytest.mark.parametrize("app_token", ["xapp-not-the-right-one", "xapp-..."])
async def test_an_app_token_slack_refuses_stops_socket_mode_with_one_line(
        tmp_path: Path, app_token: str) -> None:
    slack = LocalSlack(token="xoxb-the-real-one", app_token="xapp-the-real-one")
    await slack.start()
    try:
        process = await start(tmp_path, SLACK_BOT_TOKEN=slack.token, SLACK_APP_TOKEN=app_token,
                              SLACK_API_URL=slack.api_url)
        code, lines = await finished(process)
    finally:
        await slack.stop()
    assert code == 2, lines
    assert len(lines) == 2 and "Traceback" not in "".join(lines), lines
    assert "Slack: the bot is review-bot" in lines[0]  # the bot token was fine
    assert lines[1].startswith("review-bot: SLACK_APP_TOKEN ")
    assert ("placeholder" if app_token == "xapp-..." else "invalid_auth") in lines[1]
    assert not slack.sockets


def test_a_placeholder_is_told_from_a_token() -> None:
    assert all(map(is_placeholder, ["xoxb-...", "xoxb-…", "xoxb-", "xoxb-…-…"]))
    assert not is_placeholder("xoxb-1234-5678-abcdef")
    assert is_placeholder("xapp-...", APP.prefix) and not is_placeholder("xapp-1-A0", APP.prefix)


async def test_the_stand_in_answers_auth_test_as_slack_does() -> None:
    slack = LocalSlack(token="xoxb-mine")
    await slack.start()
    try:
        async with ClientSession() as session:
            answers = []
            for token in ("xoxb-mine", "xoxb-someone-else"):
                async with session.post(slack.api_url + "auth.test",
                                        headers={"Authorization": f"Bearer {token}"}) as r:
                    answers.append(await r.json())
    finally:
        await slack.stop()
    assert answers[0]["ok"] is True and answers[0]["user_id"] and answers[0]["team_id"]
    assert answers[1] == {"ok": False, "error": "invalid_auth"}


async def test_json_logs_one_object_a_line_without_the_schedulers_chatter(
        tmp_path: Path) -> None:
    slack = LocalSlack(token="xoxb-json-logs")
    await slack.start()
    port = free_port()
    process = await start(tmp_path, SLACK_BOT_TOKEN=slack.token, SLACK_SIGNING_SECRET="s3",
                          SLACK_API_URL=slack.api_url, PORT=str(port), HOST="127.0.0.1",
                          LOG_FORMAT="json", REVIEW_SWEEP_SECONDS="5")
    try:
        async with ClientSession() as session:
            await healthy(session, port)
            await asyncio.sleep(0.5)  # the first sweep and outbox runs are done
            async with session.get(f"http://127.0.0.1:{port}/metrics") as response:
                families = {f.name for f in text_string_to_metric_families(
                    await response.text())}
    finally:
        process.send_signal(signal.SIGTERM)
        code, lines = await finished(process)
        await slack.stop()
    assert code == 0, lines
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
    messages = [r["message"] for r in records]
    assert any("HTTP mode: listening" in m and "uvloop event loop" in m
               for m in messages), messages
    assert any("Slack: the bot is" in m for m in messages), messages
    assert not [r for r in records if r["logger"].startswith("apscheduler")]
    assert not [m for m in messages if "will be unused" in m]  # Bolt's warning: gone
    assert slack.token not in "\n".join(lines)
    assert {"review_bot_commands", "review_bot_outbox_depth",
            "review_bot_database_seconds"} <= families


async def test_the_schedulers_run_lines_come_back_at_debug(tmp_path: Path) -> None:
    slack = LocalSlack(token="xoxb-debug-logs")
    await slack.start()
    port = free_port()
    process = await start(tmp_path, SLACK_BOT_TOKEN=slack.token, SLACK_SIGNING_SECRET="s3",
                          SLACK_API_URL=slack.api_url, PORT=str(port), HOST="127.0.0.1",
                          LOG_LEVEL="DEBUG")
    try:
        async with ClientSession() as session:
            await healthy(session, port)
            await asyncio.sleep(0.5)
    finally:
        process.send_signal(signal.SIGTERM)
        code, lines = await finished(process)
        await slack.stop()
    assert code == 0
    assert any("apscheduler.executors.default" in line and "Running job" in line
               for line in lines)


async def test_socket_mode_serves_metrics_on_its_own_port(tmp_path: Path) -> None:
    slack = LocalSlack(token="xoxb-socket-metrics", app_token="xapp-socket-metrics")
    await slack.start()
    port = free_port()
    process = await start(tmp_path, SLACK_BOT_TOKEN=slack.token,
                          SLACK_APP_TOKEN=slack.app_token, SLACK_API_URL=slack.api_url,
                          METRICS_PORT=str(port), HOST="127.0.0.1")
    try:
        await slack.wait_for_socket(timeout=20)
        sender = SlackSender("unused: socket mode", "unused", slack)
        await slack.send_over_socket(sender.fields("UBOSS", "help", "CREVIEW", "s1"))
        await slack.wait_for(lambda p: p.response_key == "s1", timeout=10)
        async with ClientSession() as session:
            await healthy(session, port)
            _, samples = await answered(session, f"http://127.0.0.1:{port}", 1)
    finally:
        process.send_signal(signal.SIGTERM)
        code, lines = await finished(process)
        await slack.stop()
    assert code == 0, lines
    assert any(f"metrics on 127.0.0.1:{port}" in line for line in lines), lines
    assert value(samples, "review_bot_commands_total", command="help", outcome="ok") == 1
    assert value(samples, "review_bot_ack_seconds_count") == 1
