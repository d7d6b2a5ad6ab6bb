"""The container files: no image can be built here (no registry to pull a base from),
so what can be checked is: the Dockerfile builds the wheel as CI does and runs it as a
user of its own, its health check really asks a running bot, and compose.yaml runs two
HTTP replicas on PostgreSQL once it is healthy. (hadolint lints the Dockerfile in
scripts/test.)"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from aiohttp import ClientSession

from bot.console.stand_in.server import LocalSlack
from tests.bot.test_cli import env, free_port, healthy

REPO = Path(__file__).resolve().parents[1]


def _instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions, continuation lines joined, comments dropped."""
    text = (REPO / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines
            if line and not line.startswith("#")]


def _healthcheck() -> list[str]:
    [check] = [args for name, args in _instructions() if name == "HEALTHCHECK"]
    command: list[str] = json.loads(check.split("CMD", 1)[1])
    return command


def test_the_image_builds_the_wheel_as_ci_does_and_runs_it_unprivileged() -> None:
    steps = _instructions()
    assert [args.split()[0] for name, args in steps if name == "FROM"] == [
        "python:3.11-slim", "python:3.11-slim"]
    assert ("RUN", "scripts/wheel /wheels") in steps
    [user] = [args for name, args in steps if name == "USER"]
    assert user not in {"0", "root"}
    assert steps[-1] == ("CMD", '["review-bot", "run"]')


async def test_the_health_check_asks_a_running_bot_and_fails_without_one(
        tmp_path: Path) -> None:
    command = _healthcheck()
    assert command[:2] == ["python", "-c"] and "/healthz" in command[2]
    check = [sys.executable, *command[1:]]
    slack = LocalSlack(token="xoxb-health-test")
    await slack.start()
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], cwd=tmp_path, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
        env=env(tmp_path, SLACK_BOT_TOKEN=slack.token, SLACK_SIGNING_SECRET="s3cret",
                SLACK_API_URL=slack.api_url, PORT=str(port), HOST="127.0.0.1"))
    try:
        async with ClientSession() as session:
            await healthy(session, port)
        up = subprocess.run(check, env=env(tmp_path, PORT=str(port)), capture_output=True,
                            timeout=20)
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=20)
        await slack.stop()
    assert up.returncode == 0, up.stderr
    down = subprocess.run(check, env=env(tmp_path, PORT=str(port)), capture_output=True,
                          timeout=20)
    assert down.returncode != 0


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((REPO / "compose.yaml").read_text())
    return loaded


def test_compose_runs_two_http_replicas_on_a_healthy_postgresql() -> None:
    services = _compose()["services"]
    postgres, bot = services["postgres"], services["bot"]
    assert postgres["image"].startswith("postgres:")
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert bot["build"] == "."
    assert bot["deploy"]["replicas"] == 2
    assert bot["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    environment = bot["environment"]
    assert environment["DATABASE_URL"].startswith("postgresql://")
    assert "@postgres:5432/" in environment["DATABASE_URL"]
    assert environment["SLACK_APP_TOKEN"] == ""  # HTTP mode: no Socket Mode token
    assert environment["SLACK_SIGNING_SECRET"].startswith("${SLACK_SIGNING_SECRET:?")
    [ports] = bot["ports"]
    host_ports = ports.rsplit(":", 1)[0].split(":")[-1].split("-")
    assert len(range(int(host_ports[0]), int(host_ports[-1]) + 1)) == 2
    assert ports.endswith(":" + environment["PORT"])
