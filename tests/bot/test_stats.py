"""The review's numbers on the public record replayed to 2018-02-01, checked against
counts made here, by hand, from data/record.csv (none of the product's numbers code
is used for them); then `/review stats` over real HTTP, and `review-bot stats --csv`."""

from __future__ import annotations

import csv
import io
import json
import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bot.cli.replay import DATA, replay
from bot.wiring.settings import load_settings
from tests.bot.conftest import ADMIN, running
from tests.bot.test_cli import review_bot

TODAY = date(2018, 2, 1)
OPENERS = {"letter_sent", "preliminary_finding", "subpoena_threatened"}
ENDS_A_WAIT = {"response_received", "found_insufficient", "cleared"}


@dataclass
class HandRound:
    kind: str
    us_state: str
    sent: date
    due: date | None
    first_response: date | None = None
    closed: date | None = None


def hand_rounds(today: date) -> list[HandRound]:
    """Every round of record.csv up to ``today``: a letter, finding or demand opens one;
    a response, a finding of insufficiency, a clearance or the next round ends its wait."""
    with (DATA / "jurisdictions.csv").open(newline="", encoding="utf-8") as handle:
        places = {row["id"]: (row["kind"], row["state"]) for row in csv.DictReader(handle)}
    rounds: list[HandRound] = []
    current: dict[str, HandRound] = {}
    with (DATA / "record.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            day, jid, event = date.fromisoformat(row["date"]), row["jurisdiction"], row["event"]
            if day > today:
                break
            was = current.get(jid)
            if was is not None and event == "response_received" and was.first_response is None:
                was.first_response = day
            if was is not None and (event in ENDS_A_WAIT | OPENERS) and was.closed is None:
                was.closed = day
            if event in OPENERS:
                due = date.fromisoformat(row["due"]) if row["due"] else None
                current[jid] = HandRound(*places[jid], day, due)
                rounds.append(current[jid])
    return rounds


def hand_figures(rounds: list[HandRound], today: date) -> dict[str, object]:
    days = sorted((r.first_response - r.sent).days for r in rounds if r.first_response)
    decided = on_time = 0
    for r in rounds:
        if r.due is None:
            continue
        if r.first_response:
            decided, on_time = decided + 1, on_time + (r.first_response <= r.due)
        elif r.due < (r.closed or today):
            decided += 1
    ages = [0, 0, 0, 0]
    for r in rounds:
        if r.closed is None:
            age = (today - r.sent).days
            ages[0 if age <= 30 else 1 if age <= 60 else 2 if age <= 90 else 3] += 1

    def rank(p: int) -> str:
        return str(days[math.ceil(p * len(days) / 100) - 1]) if days else ""
    return {"rounds": str(len(rounds)), "answered": str(len(days)), "median_days": rank(50),
            "p90_days": rank(90), "on_time": str(on_time), "decided": str(decided),
            "open_0_30": str(ages[0]), "open_31_60": str(ages[1]), "open_61_90": str(ages[2]),
            "open_over_90": str(ages[3])}


def hand_groups(today: date) -> dict[tuple[str, str], dict[str, object]]:
    rounds = hand_rounds(today)
    groups: dict[tuple[str, str], list[HandRound]] = defaultdict(list)
    for r in rounds:
        groups[("total", "all")].append(r)
        groups[("kind", r.kind)].append(r)
        groups[("state", r.us_state)].append(r)
        groups[("batch", r.sent.isoformat())].append(r)
    return {key: hand_figures(found, today) for key, found in groups.items()}


def hand_escalations(today: date) -> dict[str, tuple[str, str, str]]:
    counts: Counter[tuple[str, str]] = Counter()
    with (DATA / "record.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if date.fromisoformat(row["date"]) <= today:
                counts[(row["date"][:7], row["event"])] += 1
    months = sorted({month for month, _ in counts})
    return {m: (str(counts[(m, "preliminary_finding")]), str(counts[(m, "subpoena_threatened")]),
                "0") for m in months}


async def replayed(tmp_path: Path) -> tuple[Path, str]:
    out = io.StringIO()
    database = tmp_path / "record.db"
    await replay(load_settings(None), database, TODAY, out=out)
    return database, out.getvalue()


async def test_the_numbers_of_the_record_are_the_hand_counted_ones(tmp_path: Path) -> None:
    database, printed = await replayed(tmp_path)
    done = review_bot(tmp_path, "stats", "--csv", "--as-of", "2018-02-01",
                      DATABASE_URL=f"sqlite:///{database}")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    figures = {(r["dimension"], r["group"]): {k: r[k] for k in hand_figures([], TODAY)}
               for r in rows if r["dimension"] != "month"}
    expected = hand_groups(TODAY)
    assert figures == expected
    assert expected[("total", "all")]["rounds"] == "66"  # 9 + 5 + 29 + 23: the story's
    assert expected[("batch", "2017-04-21")]["on_time"] == "9"
    months = {r["group"]: (r["findings"], r["threats"], r["subpoenas"])
              for r in rows if r["dimension"] == "month"}
    hand = hand_escalations(TODAY)
    assert {m: v for m, v in months.items() if v != ("0", "0", "0")} == {
        m: v for m, v in hand.items() if v != ("0", "0", "0")}
    assert months["2018-01"] == ("0", "23", "0") and list(months) == sorted(months)
    # The weekly summary of #leadership on the last day carries the numbers.
    summary = printed[printed.rindex("[#leadership]"):]
    assert "The review's numbers" in summary and "whole review" in summary


async def test_the_cli_refuses_a_bad_filter(tmp_path: Path) -> None:
    database, _ = await replayed(tmp_path)
    done = review_bot(tmp_path, "stats", "--state", "ZZ", DATABASE_URL=f"sqlite:///{database}")
    assert done.returncode == 2 and "not a US state code" in done.stderr
    assert done.stdout == ""
    tables = review_bot(tmp_path, "stats", "--kind", "county", "--as-of", "2018-02-01",
                        DATABASE_URL=f"sqlite:///{database}")
    assert tables.returncode == 0, tables.stderr
    assert "covering kind county" in tables.stdout
    assert [line.split()[:2] for line in tables.stdout.splitlines()
            if line.startswith("county")] == [["county", "21"]]


async def test_review_stats_over_http(tmp_path: Path) -> None:
    database, _ = await replayed(tmp_path)
    async with running(tmp_path, database_url=f"sqlite:///{database}") as h:
        posted = await h.answer(ADMIN, "stats")
        text = json.dumps(posted.blocks, ensure_ascii=False)
        assert posted.ephemeral
        assert "whole review" in text and "2017-11-15" in text and "0/29" in text
        assert h.slack.files and h.slack.files[-1].data.startswith(b"\x89PNG")
        assert h.slack.files[-1].channel == "CREVIEW"
        assert "The chart (on time and still open, per batch) is posted" in text

        narrowed = json.dumps((await h.answer(ADMIN, "stats kind=county state=CA")).blocks,
                              ensure_ascii=False)
        assert "Covering kind county, state CA" in narrowed
        assert "\\nall                   9 " in narrowed  # 6 letters, 3 demands
        for bad, says in (("stats kind=parish", "is not a kind of jurisdiction"),
                          ("stats state=ZZ", "is not a US state code"),
                          ("stats since=soon", "is not a date"),
                          ("stats since=2018-03-01", "is in the future"),
                          ("stats kind=<!channel>", "&lt;!channel&gt;")):
            files = len(h.slack.files)
            refusal = await h.answer(ADMIN, bad)
            assert says in refusal.text and refusal.ephemeral, refusal.text
            assert len(h.slack.files) == files, "nothing uploaded for a refusal"


async def test_weekly_summaries_carry_the_numbers_and_daily_ones_do_not(
        tmp_path: Path) -> None:
    database, _ = await replayed(tmp_path)
    async with running(tmp_path, database_url=f"sqlite:///{database}") as h:
        await h.answer(ADMIN, "subscribe weekly mon 09:00")
        await h.command(ADMIN, "summary")
        weekly = [p for p in h.slack.posted if p.channel == "CREVIEW" and not p.response_key]
        assert "The review's numbers" in json.dumps(weekly[-1].blocks, ensure_ascii=False)
        await h.answer(ADMIN, "subscribe daily 09:00")
        await h.command(ADMIN, "summary")
        daily = [p for p in h.slack.posted if p.channel == "CREVIEW" and not p.response_key]
        assert len(daily) > len(weekly)
        assert "The review's numbers" not in json.dumps(daily[-1].blocks, ensure_ascii=False)
