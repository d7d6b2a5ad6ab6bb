"""The public record replayed through the real bot, checked against the story."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest

from bot.cli.replay import replay
from bot.wiring.settings import load_settings
from workflows.definition import default_definition

FEB_23 = date(2018, 2, 23)


async def test_on_2018_02_01_the_record_stands_as_the_news_said(tmp_path: Path) -> None:
    out = io.StringIO()
    standing = await replay(load_settings(None), tmp_path / "replay.db", date(2018, 2, 1),
                            out=out)
    assert standing.refused == []
    assert standing.deadlines[("subpoena_threatened", FEB_23)] == 23
    assert standing.states["subpoena_threatened"] == 23
    assert sorted(standing.cleared) == ["Clark County (Las Vegas), NV", "Miami-Dade County, FL",
                                        "Milwaukee County, WI", "New Orleans, LA"]
    assert standing.blocked == ["Philadelphia, PA (preliminary finding issued)"]
    november_overdue = [name for name, due in standing.overdue if due == date(2017, 12, 8)]
    assert len(november_overdue) == 10 and "Seattle, WA" in november_overdue
    assert standing.states["awaiting_response"] == 10
    groups = standing.groups()  # a partition: each of the 38 in exactly one group
    assert sum(len(members) for members in groups.values()) == 38
    assert [title for title, members in groups.items()
            if any("Philadelphia" in m for m in members)] == ["held back by a court order"]
    printed = out.getvalue()
    told = standing.lines()
    shown = [line for line in told[told.index("Each of them once:") + 1:]
             if not line.startswith(" " * 9) and line.strip()[:1].isdigit()]
    assert sum(int(line.split()[0]) for line in shown) == 38, shown
    assert "=== Tuesday 2017-06-27" in printed
    assert "due *2017-06-30* (in 3 business days)" in printed
    assert standing.reminders > 0
    summary = printed[printed.rindex("[#leadership]"):]
    assert "Weekly summary — Thu 1 Feb 2018" in summary
    assert "23 subpoena threatened (document demand), due 2018-02-23" in summary
    assert "10 letter sent, awaiting response, overdue since 2017-12-08" in summary
    assert "cleared (monitoring) 4" in summary and "1 blocked by court orders" in summary
    assert standing.chart is not None and standing.chart.read_bytes().startswith(b"\x89PNG")
    # One chain of nudges per deadline: Contra Costa's letter was due 2017-12-08, the
    # escalation came 20 business days late (1-09) and the chain went on from it, once a
    # week (MLK Day skipped), saying "very overdue" as `list` does.
    heard = reminder_lines(printed, "Contra Costa County, CA")
    assert [day for day, _ in heard] == [
        "2017-12-05", "2017-12-07", "2017-12-11", "2017-12-18", "2017-12-26", "2018-01-03",
        "2018-01-09", "2018-01-17", "2018-01-24", "2018-01-31"]
    assert all("very overdue" in line for day, line in heard if day >= "2018-01-09")
    assert not any("very overdue" in line for day, line in heard if day < "2018-01-09")


def reminder_lines(printed: str, name: str) -> list[tuple[str, str]]:
    """(day, line) of every reminder line the replay printed about ``name``."""
    day, found = "", []
    for line in printed.splitlines():
        if line.startswith("=== "):
            day = line.split()[-1]
        elif line.strip().startswith(f"*{name}* —"):
            found.append((day, line))
    return found


async def test_the_replay_refuses_to_overwrite_a_database(tmp_path: Path) -> None:
    existing = tmp_path / "review.db"
    existing.write_bytes(b"")
    with pytest.raises(FileExistsError):
        await replay(load_settings(None), existing, date(2017, 5, 1))


async def test_the_whole_record_plays_without_refusals(tmp_path: Path) -> None:
    standing = await replay(load_settings(None), tmp_path / "replay.db", quiet=True)
    assert standing.refused == []
    assert "Washington, DC" in standing.cleared and "Louisville Metro, KY" in standing.cleared
    assert sum(standing.states.values()) == 38


def test_record_rows_become_steps_and_orders() -> None:
    from workflows.replay import actions, read_rows

    header = ["date", "jurisdiction", "event", "due", "detail", "date_is_approximate"]
    rows, errors = read_rows(header, [
        {"date": "2017-08-30", "jurisdiction": "philadelphia", "event": "lawsuit_filed",
         "detail": "City of Philadelphia v. Sessions, E.D. Pa. 2:17-cv-03894"},
        {"date": "2017-11-15", "jurisdiction": "philadelphia", "event": "injunction",
         "detail": "FY2017 Byrne JAG may not be withheld on the basis of the 1373 certification"},
        {"date": "2017-09-15", "jurisdiction": "chicago", "event": "injunction",
         "detail": "against other conditions (the 1373 condition itself not enjoined)"},
        {"date": "2018-01-24", "jurisdiction": "albany", "event": "subpoena_threatened",
         "due": "2018-02-23", "detail": "document demand"},
    ])
    assert errors == []
    lawsuit, philly, chicago, threat = actions(rows, default_definition())
    assert lawsuit.order is not None and lawsuit.order.case == "2:17-cv-03894"
    assert philly.order is not None and philly.order.case == "2:17-cv-03894"
    escalation = default_definition().scopes["escalation"]
    assert philly.order.court == "E.D. Pa." and philly.order.blocks == escalation
    assert chicago.order is not None and chicago.order.blocks == frozenset()
    assert threat.step == "threaten" and threat.due is not None and threat.due.on == FEB_23


def test_bad_record_lines_are_reported_with_their_numbers() -> None:
    from workflows.replay import read_rows

    header = ["date", "jurisdiction", "event"]
    rows, errors = read_rows(header, [
        {"date": "2017-13-01", "jurisdiction": "x", "event": "letter_sent"},
        {"date": "2017-01-01", "jurisdiction": "x", "event": "party"},
        {"date": "2017-01-02", "jurisdiction": "x", "event": "cleared"},
    ])
    assert [e.split(":")[0] for e in errors] == ["line 2", "line 3"]
    assert len(rows) == 1
    assert read_rows(["date"], [])[1] == ["line 1: missing column(s) jurisdiction, event"]
