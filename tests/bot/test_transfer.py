"""Import and export from Slack: the handlers of ``bot.subcommands.transfer`` against a real SQLite
store and the Slack stand-in on loopback, through a real AsyncWebClient."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sqlite3
import time
import tracemalloc
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.cli.replay import replay
from bot.console.stand_in.records import Failure
from bot.console.stand_in.server import LocalSlack
from bot.slack.shared_files import FileHosts, SharedFiles
from bot.subcommands.commands import Caller
from bot.subcommands.parsing import Args
from bot.subcommands.transfer import (
    MAX_IMPORT_BYTES,
    MAX_LISTED_ERRORS,
    Transfers,
    file_id_of,
    handle_export,
    handle_import,
    handle_import_file,
)
from bot.wiring.app import SlackAccess, slack_client
from bot.wiring.review import FixedClock
from bot.wiring.settings import load_settings
from storage.sqlite import SqliteStore
from tests.packaged import packaged_workflow
from workflows.errors import BadInput, NotPermitted
from workflows.model import Jurisdiction, Role
from workflows.review import Review, ReviewConfig
from workflows.transfer import import_csv

DATA = Path(__file__).resolve().parents[2] / "data"
ADMIN, ANALYST, LEAD, VIEWER = "UADMIN", "UANA", "ULEA", "UVIC"
CHANNEL = "CREVIEW"
LAST_DAY = datetime(2018, 10, 5, 15, 0, tzinfo=UTC)
"""The record's last day: the replay stops there."""
HEADER = "date,jurisdiction,event,due,detail,date_is_approximate\n"


@dataclass
class Env:
    review: Review
    store: SqliteStore
    slack: LocalSlack
    client: AsyncWebClient
    files: SharedFiles
    db: Path

    def count(self, table: str) -> int:
        conn = sqlite3.connect(self.db)
        try:
            return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
        finally:
            conn.close()

    def share(self, path: Path) -> str:
        """Upload a file to the stand-in as a person would (the analyst, in the review's
        channel); return its link."""
        file_id = self.slack.share(path.name, path.read_bytes(), ANALYST, CHANNEL)
        return f"<https://local.slack.com/files/{ANALYST}/{file_id}/{path.name}>"

    @property
    def transfers(self) -> Transfers:
        return Transfers(self.review, self.client, self.files)

    async def import_(self, link: str, *mode: str, user: str = ANALYST) -> Any:
        return await handle_import(self.transfers, Caller(user, CHANNEL), Args([link, *mode]))


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[Env]:
    slack = LocalSlack()
    await slack.start()
    store = await SqliteStore.open(tmp_path / "review.db")
    review = Review(store, FixedClock(LAST_DAY), ReviewConfig("#review", frozenset({ADMIN})),
                    packaged_workflow())
    await review.grant(ADMIN, ANALYST, Role.ANALYST)
    slack.join(CHANNEL, ADMIN, ANALYST, LEAD)
    await review.grant(ADMIN, LEAD, Role.LEAD)  # the record holds a lead's steps
    client = slack_client(SlackAccess(slack.token, None, slack.api_url))
    files = SharedFiles(client, FileHosts.for_api(slack.api_url))
    yield Env(review, store, slack, client, files, tmp_path / "review.db")
    await store.close()
    await slack.stop()


async def import_record(env: Env) -> None:
    for name, user in (("jurisdictions.csv", ANALYST), ("record.csv", LEAD)):
        reply = await env.import_(env.share(DATA / name), "apply", user=user)
        assert reply.in_channel and ":inbox_tray:" in reply.text, reply.text


def standing(j: Jurisdiction) -> tuple[Any, ...]:
    """Everything about where a jurisdiction stands (not who recorded it, nor when)."""
    return (j.state, j.due_on, j.held_from, j.last_step_on,
            [(r.number, r.kind, r.sent_on, r.due_on, r.outcome, r.closed_on, r.paused_on)
             for r in j.rounds],
            [(o.id, o.kind, o.on, o.case, o.court, o.blocks, o.lifted_on) for o in j.orders])


# -- import --------------------------------------------------------------------------


async def test_the_record_imports_from_slack_and_stands_as_the_replay_left_it(
        env: Env, tmp_path: Path) -> None:
    jurisdictions = await env.import_(env.share(DATA / "jurisdictions.csv"), "apply")
    assert "38 jurisdiction(s) added" in jurisdictions.text
    link = env.share(DATA / "record.csv")
    events = env.count("events")

    dry = await env.import_(link, user=LEAD)
    assert not dry.in_channel and "Dry run of *record.csv*: every line is good" in dry.text
    assert "115 line(s) would be recorded: 108 step(s) and 7 court order(s)" in dry.text
    assert env.count("events") == events  # a dry run changes nothing

    applied = await env.import_(link, "apply", user=LEAD)
    assert applied.in_channel and f"<@{LEAD}> imported *record.csv*" in applied.text
    assert env.count("events") == events + 115

    replayed = await replay(load_settings(None), tmp_path / "replay.db", quiet=True)
    assert replayed.refused == []
    other = await SqliteStore.open(tmp_path / "replay.db")
    try:
        for jid in sorted(await other.taken_keys()):
            theirs = await other.get(jid)
            if theirs is None:  # an alias
                continue
            ours = await env.store.get(jid)
            assert ours is not None and standing(ours) == standing(theirs), jid
    finally:
        await other.close()


async def test_a_file_with_bad_lines_imports_nothing_and_lists_every_one(
        env: Env, tmp_path: Path) -> None:
    await env.import_(env.share(DATA / "jurisdictions.csv"), "apply")
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "2017-04-21,chicago,letter_sent,2017-06-30,fine,\n"
                            "2017-04-31,chicago,response_received,,no such day,\n"
                            "2017-04-21,gotham,letter_sent,2017-06-30,no such city,\n"
                            "2017-04-21,denver,cleared,,too soon,\n", encoding="utf-8")
    events, jurisdictions = env.count("events"), env.count("jurisdictions")
    reply = await env.import_(env.share(bad), "apply")
    assert not reply.in_channel
    assert reply.text == "bad.csv: 3 bad line(s); nothing was imported."
    shown = "\n".join(block["text"]["text"] for block in reply.blocks[1:])
    assert [line.split(":")[0] for line in shown.splitlines()] == ["line 3", "line 4", "line 5"]
    assert "2017-04-31" in shown and "“gotham”" in shown and "not possible" in shown
    assert (env.count("events"), env.count("jurisdictions")) == (events, jurisdictions)
    assert env.slack.files == []


async def test_more_bad_lines_than_a_reply_shows_are_uploaded_in_full(
        env: Env, tmp_path: Path) -> None:
    bad = tmp_path / "many.csv"
    bad.write_text(HEADER + "".join(f"2017-04-21,town-{n},letter_sent,2017-06-30,,\n"
                                    for n in range(100)), encoding="utf-8")
    reply = await env.import_(env.share(bad))
    listed = [line for block in reply.blocks if block["type"] == "section"
              for line in block["text"]["text"].splitlines() if line.startswith("line ")]
    assert len(listed) == MAX_LISTED_ERRORS
    assert "…and 60 more: all 100 bad lines are in `many-bad-lines.txt`" in str(reply.blocks)
    uploaded = env.slack.files[-1]
    assert (uploaded.title, uploaded.channel) == ("many-bad-lines.txt", CHANNEL)
    lines = uploaded.data.decode().splitlines()
    assert [line.split(":")[0] for line in lines] == [f"line {n}" for n in range(2, 102)]
    assert env.count("events") == 0


async def test_only_analysts_leads_and_admins_may_import(env: Env) -> None:
    link = env.share(DATA / "jurisdictions.csv")
    with pytest.raises(NotPermitted, match="you are viewer"):
        await env.import_(link, "apply", user=VIEWER)
    assert not any(method == "files.info" for method, _ in env.slack.calls)
    assert env.count("jurisdictions") == 0
    reply = await env.import_(link, "apply", user=ADMIN)
    assert "38 jurisdiction(s) added" in reply.text


async def test_a_file_over_5_mb_is_refused_before_it_is_read(env: Env) -> None:
    file_id = env.slack.share("huge.csv", b"id,name\n" + b"x" * MAX_IMPORT_BYTES, ANALYST)
    with pytest.raises(BadInput, match=r"huge\.csv is 5\.0 MB; the bot imports files up to 5 MB"):
        await handle_import_file(env.review, env.files, ANALYST, CHANNEL, file_id, False)
    assert env.count("jurisdictions") == 0


async def test_files_slack_cannot_give_or_that_are_not_text_are_refused(env: Env) -> None:
    with pytest.raises(BadInput, match=r"file F0NOSUCH1 \(file_not_found\)"):
        await handle_import_file(env.review, env.files, ANALYST, CHANNEL, "F0NOSUCH1", True)
    latin = env.slack.share("latin.csv", "id,name\nbogota,Bogotá\n".encode("latin-1"),
                            ANALYST)
    with pytest.raises(BadInput, match=r"latin\.csv is not UTF-8 text"):
        await handle_import_file(env.review, env.files, ANALYST, CHANNEL, latin, True)
    stranger = slack_client(SlackAccess("xoxb-wrong", None, env.slack.api_url))
    with pytest.raises(BadInput, match="invalid_auth"):
        await handle_import_file(env.review, SharedFiles(stranger, env.files.hosts), ANALYST,
                                 CHANNEL, latin, True)


@pytest.mark.parametrize("text", [
    "F0ABCDEF12",
    "https://team.slack.com/files/U123ABC/F0ABCDEF12/record.csv",
    "<https://team.slack.com/files/U123ABC/F0ABCDEF12/record.csv>",
    "<https://team.slack.com/files/U123ABC/F0ABCDEF12/record.csv|record.csv>",
    "https://files.slack.com/files-pri/T0TEAM-F0ABCDEF12/record.csv",
])
def test_a_file_is_named_by_its_id_or_any_of_its_links(text: str) -> None:
    assert file_id_of(text) == "F0ABCDEF12"


@pytest.mark.parametrize("words", [[], ["record.csv"], ["F0ABCDEF12", "now"],
                                   ["F0ABCDEF12", "F0OTHER123", "apply"]])
async def test_an_import_command_names_one_file_and_maybe_apply(env: Env,
                                                                words: list[str]) -> None:
    with pytest.raises(BadInput, match="Usage: `/review import <file link or id> "):
        await handle_import(env.transfers, Caller(ANALYST, CHANNEL),
                            Args(words))
    assert env.slack.calls == []


# -- export --------------------------------------------------------------------------


async def export(env: Env, what: str) -> tuple[Any, list[dict[str, str]]]:
    reply = await handle_export(env.transfers, Caller(ANALYST, CHANNEL),
                                Args([what]))
    uploaded = env.slack.files[-1]
    assert uploaded.channel == CHANNEL and uploaded.title == f"review-{what}-2018-10-05.csv"
    assert f"<@{ANALYST}> exported" in uploaded.comment
    return reply, list(csv.DictReader(io.StringIO(uploaded.data.decode("utf-8"))))


async def test_the_state_export_says_where_each_jurisdiction_stands(env: Env) -> None:
    await import_record(env)
    reply, rows = await export(env, "state")
    assert "38 rows" in reply.text and f"<#{CHANNEL}>" in reply.text
    assert len(rows) == 38
    for row in rows:
        j = await env.store.get(row["id"])
        assert j is not None
        current = j.current_round
        assert (row["name"], row["kind"], row["state"], row["aliases"], row["status"]) == (
            j.name, j.kind, j.us_state, ",".join(j.aliases), j.state)
        assert row["round"] == (str(current.number) if current else "")
        assert row["due_on"] == (j.due_on.isoformat() if j.due_on else "")
    by_id = {row["id"]: row for row in rows}
    assert by_id["new-york-city"]["aliases"] == "nyc"
    assert by_id["albany"]["tier"] == "very_overdue"  # due 2018-02-23, seen on 2018-10-05
    assert by_id["philadelphia"]["active_orders"] == (
        "injunction #2 (2:17-cv-03894, E.D. Pa., 2017-11-15) blocks approve,finding,subpoena,"
        "threaten")


async def test_the_state_export_imports_into_a_new_database_as_the_same_jurisdictions(
        env: Env, tmp_path: Path) -> None:
    await import_record(env)
    _, rows = await export(env, "state")
    other = await SqliteStore.open(tmp_path / "other.db")
    try:
        review = Review(other, FixedClock(LAST_DAY),
                        ReviewConfig("#review", frozenset({ADMIN})), packaged_workflow())
        report = await import_csv(review, ADMIN, env.slack.files[-1].data.decode(), False)
        assert report.applied and report.jurisdictions == 38
        for row in rows:
            copy, original = await other.get(row["id"]), await env.store.get(row["id"])
            assert copy is not None and original is not None
            assert (copy.name, copy.kind, copy.us_state, copy.aliases) == (
                original.name, original.kind, original.us_state, original.aliases)
    finally:
        await other.close()


async def test_the_history_export_holds_every_event_as_recorded(env: Env) -> None:
    await import_record(env)
    reply, rows = await export(env, "history")
    assert len(rows) == env.count("events") == 38 + 115
    assert f"{len(rows)} rows" in reply.text
    by_jurisdiction: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_jurisdiction.setdefault(row["jurisdiction"], []).append(row)
    for jid, exported in by_jurisdiction.items():
        stored, _ = await env.review.repo.history(jid, 0, 1000)
        assert [int(row["seq"]) for row in exported] == [e.seq for e in reversed(stored)]
        for row, event in zip(exported, reversed(stored), strict=True):
            assert (row["date"], row["actor"], row["kind"], row["from"], row["to"]) == (
                event.on.isoformat(), event.actor, event.kind, event.from_state or "",
                event.to_state)
            assert json.loads(row["detail"]) == event.detail
            assert datetime.fromisoformat(row["recorded_at"]) == event.at
    chicago = by_jurisdiction["chicago"]
    assert chicago[1]["kind"] == "letter" and chicago[1]["date"] == "2017-04-21"
    assert json.loads(chicago[1]["detail"])["as"] == "lead"  # the importer's own role


async def test_an_export_needs_a_known_kind_and_a_channel_slack_takes(env: Env) -> None:
    caller = Caller(ANALYST, CHANNEL)
    with pytest.raises(BadInput, match="Export `state`"):
        await handle_export(env.transfers, caller, Args(["everything"]))
    with pytest.raises(BadInput, match="Run `export` in a channel"):
        await handle_export(env.transfers, Caller(ANALYST, ""), Args(["state"]))
    env.slack.failures.extend(Failure(500) for _ in range(4))  # past the client's retries
    with pytest.raises(BadInput, match=r"Slack did not take the file \(internal_error\)"):
        await handle_export(env.transfers, caller, Args(["history"]))
    assert env.slack.files == []


# -- what one file may carry ---------------------------------------------------------


async def test_five_megabytes_of_blank_lines_take_little_memory(env: Env) -> None:
    """The 5 MB a file may have, all blank lines (5 million of them): read through,
    holding none of them (blank lines are no rows), and nothing to import."""
    blank = b"id,name\n" + b"\n" * (MAX_IMPORT_BYTES - 8)
    file_id = env.slack.share("blank.csv", blank, ANALYST)
    tracemalloc.start()
    try:
        reply = await handle_import_file(env.review, env.files, ANALYST, CHANNEL, file_id, True)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024 * 1024, f"{peak / 1024 / 1024:.0f} MiB"
    assert "0 jurisdiction(s) would be added" in reply.text, reply.text


async def test_a_big_file_is_parsed_off_the_event_loop(env: Env) -> None:
    """4.5 MB of CSV takes most of a second to decode, parse and count; meanwhile the
    event loop keeps answering (a task that wakes every 10 ms is never kept waiting
    for long)."""
    rows = "".join(f"value-{n:08d},other-{n:08d}\n" for n in range(150_000))
    file_id = env.slack.share("wide.csv", ("a,b\n" + rows).encode(), ANALYST)
    gaps: list[float] = []
    done = asyncio.Event()

    async def tick() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    ticker = asyncio.create_task(tick())
    started = time.perf_counter()
    reply = await handle_import_file(env.review, env.files, ANALYST, CHANNEL, file_id, True)
    took = time.perf_counter() - started
    done.set()
    await ticker
    assert "neither a jurisdictions file" in str(reply.blocks)
    # Parsed on the loop, it would stall it for nearly the whole command (0.9 s of 0.9 s
    # measured); in a worker thread the loop waits 0.05 to 0.1 s at most (of 1.2 to 2).
    assert max(gaps) < took / 2, f"the loop stalled {max(gaps):.3f} s of {took:.3f} s"
