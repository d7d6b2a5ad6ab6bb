"""``review-bot calendar`` as a person runs it: a real process over the imported
record, its file read back by two parsers."""

from __future__ import annotations

from pathlib import Path

import icalendar
import vobject

from tests.bot.test_cli import REPO, review_bot

DATA = REPO / "data"


def test_the_calendar_of_the_record_to_a_file_and_to_stdout(tmp_path: Path) -> None:
    missing = review_bot(tmp_path, "calendar")
    assert missing.returncode == 2 and "there is no database" in missing.stderr
    review_bot(tmp_path, "import", str(DATA / "jurisdictions.csv"))
    review_bot(tmp_path, "role", "ULENA", "lead")
    assert review_bot(tmp_path, "import", str(DATA / "record.csv"), "--as", "ULENA"
                      ).returncode == 0
    out = tmp_path / "deadlines.ics"
    written = review_bot(tmp_path, "calendar", "--output", str(out))
    assert written.returncode == 0, written.stderr
    data = out.read_bytes()
    events = list(icalendar.Calendar.from_ical(data).walk("VEVENT"))
    assert f"{len(events)} running deadline(s) written to {out}." in written.stderr
    assert len(vobject.readOne(data.decode("utf-8")).vevent_list) == len(events)
    assert all(str(e["UID"]).split("@")[0].count("-round-") == 1 for e in events)
    assert data.count(b"\r\n") == data.count(b"\n")  # CRLF, as RFC 5545 has lines end
    again = review_bot(tmp_path, "calendar")  # another process, the same file (read as
    assert again.returncode == 0  # text: its line ends are \n)
    assert again.stdout == data.decode("utf-8").replace("\r\n", "\n")
    bad = review_bot(tmp_path, "calendar", "--owner", "lena")
    assert bad.returncode == 2 and "is not a Slack user" in bad.stderr
    nobody = review_bot(tmp_path, "calendar", "--owner", "UNOBODY", "--output", str(out))
    assert nobody.returncode == 0 and "0 running deadline(s)" in nobody.stderr
    assert b"BEGIN:VEVENT" not in out.read_bytes()
