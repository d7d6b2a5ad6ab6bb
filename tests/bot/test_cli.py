"""The command line as a person uses it: real processes, real files, real HTTP."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from aiohttp import ClientSession

from bot.console.stand_in.sender import SlackSender
from bot.console.stand_in.server import LocalSlack
from tests.packaged import packaged_workflow

REPO = Path(__file__).resolve().parents[2]

DONE_MEANS = """\
/review add chicago "Chicago, IL" kind=city state=IL
/review letter chicago date=2017-04-21 due=2017-06-30
/review response chicago date=2017-06-30
/review insufficient chicago date=2018-01-24
/review role @lena lead
/review role @ana analyst
:as lena
/review threaten chicago date=2018-01-24 due=30 days note=no documents came
:as ana
/review threaten chicago date=2018-01-24 due=30 days
/review history chicago
:quit
"""


def env(tmp_path: Path, **extra: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "REVIEW_"))}
    clean.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'review.db'}",
                  "PYTHONPATH": str(REPO)}, **extra)
    return clean


def review_bot(tmp_path: Path, *args: str, stdin: str = "", **extra: str
               ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, text=True,
                          capture_output=True, cwd=tmp_path, env=env(tmp_path, **extra),
                          timeout=60)


def test_console_runs_the_chicago_story(tmp_path: Path) -> None:
    result = review_bot(tmp_path, "console", stdin=DONE_MEANS)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "@lena threatened *Chicago, IL* with a subpoena" in out
    assert "Due 2018-02-23" in out
    refusal = out[out.index("@ana> /review threaten"):]
    assert "Only leads may threaten a subpoena" in refusal.splitlines()[2]
    assert "== History of Chicago, IL ==" in out
    assert "Traceback" not in out + result.stderr
    assert (tmp_path / "review.db").exists()


def test_console_keeps_data_between_runs(tmp_path: Path) -> None:
    review_bot(tmp_path, "console", stdin='/review add cook-county "Cook County, IL" state=IL\n')
    again = review_bot(tmp_path, "console", stdin="/review show cook\n")
    assert "== Cook County, IL ==" in again.stdout


def test_run_without_credentials_opens_the_console(tmp_path: Path) -> None:
    result = review_bot(tmp_path, stdin="/review whoami\n")
    assert result.returncode == 0
    assert "Local console" in result.stdout and "admin" in result.stdout


def test_a_wrong_setting_stops_with_one_line(tmp_path: Path) -> None:
    cases = [({"SLACK_BOT_TOKEN": "nope"}, "SLACK_BOT_TOKEN"),
             ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
             ({"REVIEW_TIMEZONE": "Mars/Olympus"}, "REVIEW_TIMEZONE"),
             ({"PORT": "http"}, "PORT"),
             ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
             ({"DATABASE_URL": "postgresql://u:hunter2@db:99999/review"}, "DATABASE_URL"),
             ({"DATABASE_URL": "postgresql://u:hunter2@db:abc/review"}, "DATABASE_URL"),
             ({"DATABASE_URL": "postgresql://u:hunter2@[::1/review"}, "DATABASE_URL"),
             ({"DATABASE_URL": "sqlite:///"}, "DATABASE_URL")]
    for extra, name in cases:
        result = review_bot(tmp_path, "run", **extra)
        assert result.returncode == 2, (extra, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and name in lines[0], (extra, result.stderr)
        assert "hunter2" not in result.stderr


async def test_the_console_works_on_postgresql(tmp_path: Path) -> None:
    from tests.postgres import fresh_database

    async with fresh_database() as url:
        result = await asyncio.to_thread(
            review_bot, tmp_path, "console", DATABASE_URL=url,
            stdin=':help\n/review add denver "Denver, CO" state=CO\n/review list\n:quit\n')
    assert result.returncode == 0, result.stderr
    name = url.split("://", 1)[1].split("/", 1)[0]
    assert result.stdout.count(name) == 2  # where the data lives: at start and on :help
    assert "*Denver, CO* `denver`" in result.stdout


def test_a_database_that_cannot_be_opened_stops_with_one_line(tmp_path: Path) -> None:
    closed = free_port()  # nothing listens there
    cases = [(f"sqlite:///{tmp_path / 'missing' / 'review.db'}", "unable to open"),
             (f"postgresql://review:hunter2@127.0.0.1:{closed}/review", "Connect call failed"),
             (f"postgresql://review:hunter2@127.0.0.1:{closed}/review?sslmode=hunter2",
              "sslmode")]
    for url, reason in cases:
        result = review_bot(tmp_path, "console", stdin=":quit\n", DATABASE_URL=url)
        assert result.returncode == 2, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        line = lines[0]
        assert line.startswith("review-bot: cannot open the database") and reason in line
        assert "hunter2" not in result.stderr + result.stdout


def test_help_names_every_setting(tmp_path: Path) -> None:
    out = review_bot(tmp_path, "--help").stdout
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_URL",
                 "DATABASE_URL", "PORT", "REVIEW_ADMINS", "REVIEW_TIMEZONE", "console", "import"):
        assert name in out


def test_import_dry_run_reports_bad_lines_and_changes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name,kind,state\nok-town,OK Town,city,CA\nBad Id!,X,city,CA\n"
                   "no-name,,city,CA\nwhere,Where,city,ZZ\nok-town,Again,city,CA\n")
    result = review_bot(tmp_path, "import", str(bad), "--dry-run")
    assert result.returncode == 1
    for line in (3, 4, 5, 6):
        assert f"line {line}:" in result.stdout
    assert "nothing was imported" in result.stdout
    real = review_bot(tmp_path, "import", str(bad))
    assert real.returncode == 1
    listing = review_bot(tmp_path, "console", stdin="/review list\n").stdout
    assert "0 in all" in listing


def test_import_the_record(tmp_path: Path) -> None:
    data = REPO / "data" / "jurisdictions.csv"
    dry = review_bot(tmp_path, "import", str(data), "--dry-run")
    assert dry.returncode == 0 and "38 jurisdiction(s) would be added" in dry.stdout
    real = review_bot(tmp_path, "import", str(data))
    assert real.returncode == 0 and "38 jurisdiction(s) added" in real.stdout
    out = review_bot(tmp_path, "console", stdin="/review show nyc\n/review list\n").stdout
    assert "== New York City, NY ==" in out and "38 in all" in out


async def healthy(session: ClientSession, port: int, seconds: float = 30) -> None:
    """Wait until the bot process on ``port`` answers GET /healthz."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        assert time.monotonic() < deadline, f"the bot on port {port} did not come up"
        await asyncio.sleep(0.1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_http_mode_process_against_the_stand_in(tmp_path: Path) -> None:
    slack = LocalSlack(token="xoxb-process-test")
    await slack.start()
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], cwd=tmp_path, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
        env=env(tmp_path, SLACK_BOT_TOKEN=slack.token, SLACK_SIGNING_SECRET="s3cret",
                SLACK_API_URL=slack.api_url, PORT=str(port), HOST="127.0.0.1",
                REVIEW_ADMINS="UBOSS"))
    try:
        async with ClientSession() as session:
            await healthy(session, port)
            sender = SlackSender(f"http://127.0.0.1:{port}/slack/events", "s3cret", slack)
            posted = await sender.run(session, "UBOSS", 'add denver "Denver, CO" state=CO')
            assert "added *Denver, CO*" in posted[-1].text
            await slack.wait_for(lambda p: "added *Denver, CO*" in p.text and not p.response_key)
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=20)
        await slack.stop()
    assert process.returncode == 0, output
    assert "s3cret" not in output and slack.token not in output


async def test_socket_mode_process_against_the_stand_in(tmp_path: Path) -> None:
    slack = LocalSlack(token="xoxb-socket-test", app_token="xapp-socket-test")
    await slack.start()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], cwd=tmp_path, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
        env=env(tmp_path, SLACK_BOT_TOKEN=slack.token, SLACK_APP_TOKEN=slack.app_token,
                SLACK_API_URL=slack.api_url, REVIEW_ADMINS="UBOSS"))
    try:
        await slack.wait_for_socket(timeout=20)
        sender = SlackSender("unused: socket mode", "unused", slack)
        payload = sender.fields("UBOSS", 'add denver "Denver, CO" state=CO', "CREVIEW", "s1")
        ack = await slack.send_over_socket(payload)
        assert ack["envelope_id"]
        posted = await slack.wait_for(lambda p: p.response_key == "s1", timeout=10)
        assert "added *Denver, CO*" in posted[-1].text
        await slack.wait_for(lambda p: "added *Denver, CO*" in p.text and not p.response_key)
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=20)
        await slack.stop()
    assert process.returncode == 0, output
    assert slack.app_token not in output and slack.token not in output


async def test_kill_9_in_the_middle_of_a_sweep_neither_doubles_nor_loses(tmp_path: Path) -> None:
    from datetime import UTC, date, datetime

    from storage.sqlite import SqliteStore
    from workflows.deadlines import DueSpec
    from workflows.review import Review, ReviewConfig, new_jurisdiction

    class Fixed:
        def now(self) -> datetime:
            return datetime(2018, 2, 1, 15, tzinfo=UTC)

    store = await SqliteStore.open(tmp_path / "review.db")
    review = Review(store, Fixed(), ReviewConfig("#review", frozenset({"UBOSS"})),
                    packaged_workflow())
    towns = [new_jurisdiction(f"town-{n:02d}", f"Town {n:02d}", "city", "CA") for n in range(24)]
    await review.import_jurisdictions("test", towns)
    for n, town in enumerate(towns):
        await review.assign("UBOSS", town.id, channel=f"CTOWN{n:02d}")
        await review.take("UBOSS", town.id, "letter", date(2018, 2, 1),
                          DueSpec(on=date(2018, 2, 23)))
    await store.close()

    slack = LocalSlack(token="xoxb-kill-test", post_delay=0.1)
    await slack.start()
    extra = {"SLACK_BOT_TOKEN": slack.token, "SLACK_SIGNING_SECRET": "s",
             "SLACK_API_URL": slack.api_url}
    try:
        first = subprocess.Popen([sys.executable, "-m", "bot", "sweep", "--as-of",
                                  "2018-02-20T10:00"], cwd=tmp_path, env=env(tmp_path, **extra),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        await slack.wait_for(lambda p: bool(p.metadata) and p.channel == "CTOWN05", timeout=30)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        early = await asyncio.to_thread(review_bot, tmp_path, "sweep", "--as-of",
                                        "2018-02-20T10:01", **extra)
        assert "0 reminder(s)" in early.stdout, early.stdout + early.stderr  # claims still leased
        late = await asyncio.to_thread(review_bot, tmp_path, "sweep", "--as-of",
                                       "2018-02-20T10:05", **extra)
        assert late.returncode == 0, late.stdout + late.stderr
        posted_late = int(re.search(r"(\d+) reminder", late.stdout)[1])  # type: ignore[index]
        assert 1 <= posted_late < 24, late.stdout  # it died mid-way; the rest came later
    finally:
        await slack.stop()
    posted = [i for p in slack.posted if p.metadata for i in p.metadata["event_payload"]["ids"]]
    assert sorted(posted) == sorted(set(posted)), "a reminder was posted twice"
    assert len(posted) == 24, "a reminder was lost"


def test_debug_logs_print_no_response_url_and_no_sql_parameters(tmp_path: Path) -> None:
    result = review_bot(tmp_path, "console", LOG_LEVEL="DEBUG", stdin=(
        '/review add chicago "Chicago, Secretville" kind=city state=IL\n'
        "/review letter chicago date=2017-04-21 due=2017-06-30 note=hush-hush\n"
        "/review show chicago\n:quit\n"))
    assert result.returncode == 0, result.stderr
    log = result.stderr
    assert "DEBUG slack_bolt" in log  # DEBUG is on: the quiet lines are left out, not all
    sql = [line for line in log.splitlines() if "INSERT INTO" in line or "SELECT " in line]
    assert sql == [], sql[:3]
    assert "/respond/" not in log and "response_url" not in log
    assert "xoxb-" not in log


def test_a_response_url_in_any_log_record_is_blotted_out() -> None:
    from bot.wiring.logs import Redact

    record = logging.LogRecord("slack_bolt", logging.WARNING, __file__, 1,
                               "Unhandled request (%s)", ({
                                   "response_url": "https://hooks.slack.com/actions/T1/2/abc",
                                   "text": "see https://hooks.slack.com/commands/T1/9/xyz"},),
                               None)
    assert Redact().filter(record)
    assert "hooks.slack.com" not in record.getMessage()
    assert "'response_url': '(redacted)'" in record.getMessage()
