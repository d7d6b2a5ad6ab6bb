"""``review-bot import`` and ``review-bot export`` as a person runs them: real processes,
real files."""

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path

from tests.bot.test_cli import REPO, review_bot

DATA = REPO / "data"
HEADER = "date,jurisdiction,event,due,detail,date_is_approximate\n"


def count(tmp_path: Path, table: str) -> int:
    conn = sqlite3.connect(tmp_path / "review.db")
    try:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        conn.close()


LEAD = "ULENA"
"""The record holds a lead's steps: it is imported as a lead (README's story)."""


def test_import_tells_events_from_jurisdictions_by_the_header(tmp_path: Path) -> None:
    assert review_bot(tmp_path, "import", str(DATA / "jurisdictions.csv")).returncode == 0
    assert review_bot(tmp_path, "role", LEAD, "lead").returncode == 0
    dry = review_bot(tmp_path, "import", str(DATA / "record.csv"), "--dry-run", "--as", LEAD)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert ("115 line(s) would be recorded: 108 step(s) and 7 court order(s) on 38 "
            "jurisdiction(s) (dry run: nothing changed).") in dry.stdout
    assert "Where they would stand: 22 subpoena threatened (document demand);" in dry.stdout
    assert count(tmp_path, "events") == 38

    real = review_bot(tmp_path, "import", str(DATA / "record.csv"), "--as", LEAD)
    assert real.returncode == 0, real.stdout + real.stderr
    assert "115 line(s) recorded" in real.stdout
    assert count(tmp_path, "events") == 38 + 115
    shown = review_bot(tmp_path, "console", stdin="/review show philadelphia\n").stdout
    assert "preliminary finding issued" in shown and "injunction" in shown

    again = review_bot(tmp_path, "import", str(DATA / "record.csv"), "--as", LEAD)
    assert again.returncode == 1
    assert again.stdout.count("was the file imported before?") == 115
    assert count(tmp_path, "events") == 38 + 115


def test_a_bad_events_file_reports_every_bad_line_and_imports_nothing(tmp_path: Path) -> None:
    review_bot(tmp_path, "import", str(DATA / "jurisdictions.csv"))
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "2017-04-21,chicago,letter_sent,2017-06-30,fine,\n"
                            "yesterday,chicago,response_received,,,\n"
                            "2017-04-21,nowhere,letter_sent,2017-06-30,,\n"
                            "2017-04-21,denver,subpoena_threatened,,,\n", encoding="utf-8")
    result = review_bot(tmp_path, "import", str(bad))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert [line.split(":")[1] for line in lines[:3]] == ["line 3", "line 4", "line 5"]
    assert all(line.startswith(f"{bad}:line ") for line in lines[:3])
    assert lines[3] == "3 bad line(s); nothing was imported."
    assert count(tmp_path, "events") == 38


def test_a_file_of_neither_shape_or_encoding_is_refused(tmp_path: Path) -> None:
    odd = tmp_path / "odd.csv"
    odd.write_text("town,when\nchicago,2017\n", encoding="utf-8")
    result = review_bot(tmp_path, "import", str(odd))
    assert result.returncode == 1 and f"{odd}:line 1: the header (town, when)" in result.stdout
    latin = tmp_path / "latin.csv"
    latin.write_bytes("id,name\nbogota,Bogotá\n".encode("latin-1"))
    result = review_bot(tmp_path, "import", str(latin))
    assert result.returncode == 2 and "not UTF-8 text" in result.stderr


def test_export_state_to_stdout_and_history_to_a_file(tmp_path: Path) -> None:
    review_bot(tmp_path, "import", str(DATA / "jurisdictions.csv"))
    review_bot(tmp_path, "role", LEAD, "lead")
    assert review_bot(tmp_path, "import", str(DATA / "record.csv"), "--as", LEAD).returncode == 0

    state = review_bot(tmp_path, "export", "state")
    assert state.returncode == 0, state.stderr
    rows = list(csv.DictReader(io.StringIO(state.stdout)))
    assert len(rows) == 38
    chicago = next(row for row in rows if row["id"] == "chicago")
    assert (chicago["name"], chicago["state"], chicago["status"]) == (
        "Chicago, IL", "IL", "response_received")

    out = tmp_path / "out" / "history.csv"
    out.parent.mkdir()
    history = review_bot(tmp_path, "export", "history", "--output", str(out))
    assert history.returncode == 0, history.stderr
    assert f"153 row(s) written to {out}." in history.stderr
    with out.open(encoding="utf-8", newline="") as handle:
        events = list(csv.DictReader(handle))
    assert len(events) == count(tmp_path, "events") == 153
    assert list(out.parent.iterdir()) == [out]  # no partial file left behind


def test_export_needs_an_existing_database_and_a_known_kind(tmp_path: Path) -> None:
    missing = review_bot(tmp_path, "export", "state")
    assert missing.returncode == 2 and "there is no database" in missing.stderr
    assert not (tmp_path / "review.db").exists()
    wrong = review_bot(tmp_path, "export", "everything")
    assert wrong.returncode == 2 and "invalid choice" in wrong.stderr


def test_export_to_a_file_follows_no_symlink_planted_beside_it(tmp_path: Path) -> None:
    review_bot(tmp_path, "import", str(DATA / "jurisdictions.csv"))
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "state.csv.partial").symlink_to(victim)  # the name the export used to write to
    (out / "state.csv").symlink_to(victim)
    result = review_bot(tmp_path, "export", "state", "--output", str(out / "state.csv"))
    assert result.returncode == 0, result.stderr
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert not (out / "state.csv").is_symlink()
    assert (out / "state.csv").read_text(encoding="utf-8").startswith("id,name,kind")
    assert sorted(p.name for p in out.iterdir()) == ["state.csv", "state.csv.partial"]


def test_an_import_of_more_rows_than_the_command_line_takes_is_refused(tmp_path: Path) -> None:
    from bot.cli.main import COMMAND_LINE_ROWS

    many = tmp_path / "many.csv"
    with many.open("w", encoding="utf-8") as out:
        out.write("id,name\n")
        out.writelines(f"town-{n},Town {n}\n" for n in range(COMMAND_LINE_ROWS + 1))
    result = review_bot(tmp_path, "import", str(many), "--dry-run")
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout == (f"{many}: The file has more than {COMMAND_LINE_ROWS:,} rows; an "
                             f"import takes at most {COMMAND_LINE_ROWS:,} here. Split it into "
                             f"files of at most {COMMAND_LINE_ROWS:,} rows. Nothing was "
                             "imported.\n")
    assert "Traceback" not in result.stderr


def test_a_file_that_is_not_utf8_is_refused_in_one_line(tmp_path: Path) -> None:
    latin = tmp_path / "latin.csv"
    latin.write_bytes("id,name\nbogota,Bogotá\n".encode("latin-1"))
    result = review_bot(tmp_path, "import", str(latin))
    assert result.returncode == 2
    assert result.stderr == f"review-bot: {latin} is not UTF-8 text; save it as CSV (UTF-8)\n"
