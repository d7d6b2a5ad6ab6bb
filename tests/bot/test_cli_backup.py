"""``review-bot backup`` and ``review-bot restore`` as a person runs them: real processes.

The public record is replayed into a database by one process while another backs it
up part-way; the backup is restored into a new file, which ``restore`` verifies, and
its history replays to the states it holds. Then what restore refuses, the advice on
PostgreSQL, and both commands' ``--help``."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.bot.test_cli import env, review_bot
from tests.storage.test_backup import histories_end_in_their_states, standing_of


def events_in(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])
    except sqlite3.OperationalError:
        return 0  # not made yet
    finally:
        conn.close()


def test_a_backup_of_a_replay_part_way_restores_and_verifies(tmp_path: Path) -> None:
    live = tmp_path / "live.db"
    replay = subprocess.Popen([sys.executable, "-m", "bot", "replay", "--database", str(live),
                               "--quiet"], cwd=tmp_path, env=env(tmp_path),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        give_up = time.monotonic() + 60
        while not (live.exists() and events_in(live) >= 60) and time.monotonic() < give_up:
            time.sleep(0.05)
        made = review_bot(tmp_path, "backup", "--output", "part.db",
                          DATABASE_URL=f"sqlite:///{live}")
        assert made.returncode == 0, made.stderr
        assert replay.wait(60) == 0
    finally:
        replay.kill()
    assert "integrity checked" in made.stdout
    backed_up = events_in(tmp_path / "part.db")
    assert 60 <= backed_up < events_in(live), "the backup was not taken part-way"
    restored = review_bot(tmp_path, "restore", "part.db")  # into review.db, not there yet
    assert restored.returncode == 0, restored.stderr
    assert "Every chain is intact." in restored.stdout
    assert f"Checked {backed_up:,} events of 38 jurisdictions" in restored.stdout
    histories_end_in_their_states(tmp_path / "review.db")
    states = standing_of(tmp_path / "review.db")
    assert len(states) == 38 and states != standing_of(live)
    again = review_bot(tmp_path, "restore", "part.db")
    assert again.returncode == 2
    assert again.stderr.strip().endswith("point DATABASE_URL at a new file")
    assert "Traceback" not in again.stderr and len(again.stderr.splitlines()) == 1


def test_restore_refuses_what_is_not_a_backup_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello\n" * 200)
    for name, said in (("notes.txt", "is damaged or not a review-bot database"),
                       ("none.db", "there is no file")):
        result = review_bot(tmp_path, "restore", name)
        assert result.returncode == 2
        assert said in result.stderr and len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "review.db").exists()
    nothing = review_bot(tmp_path, "backup", "-o", "b.db")
    assert nothing.returncode == 2 and "there is no database at" in nothing.stderr


def test_on_postgresql_both_say_what_to_run_without_the_password(tmp_path: Path) -> None:
    url = "postgresql://review:s3cret-pw@db.internal:5432/review"
    backup = review_bot(tmp_path, "backup", "-o", "x.dump", DATABASE_URL=url)
    assert backup.returncode == 2
    assert "pg_dump --format=custom --file=FILE 'postgresql://review@db.internal:5432/review'" \
        in backup.stderr
    restore = review_bot(tmp_path, "restore", "x.dump", DATABASE_URL=url)
    assert restore.returncode == 2
    assert "pg_restore --no-owner" in restore.stderr and "review-bot verify" in restore.stderr
    assert "s3cret" not in backup.stderr + restore.stderr
    assert not (tmp_path / "x.dump").exists()


def test_both_commands_explain_themselves(tmp_path: Path) -> None:
    backup = " ".join(review_bot(tmp_path, "backup", "--help").stdout.split())
    assert "--output FILE" in backup and "while the bot runs" in backup
    restore = " ".join(review_bot(tmp_path, "restore", "--help").stdout.split())
    assert "must not exist or be empty" in restore
    assert "a backup made by review-bot backup" in restore
    listed = review_bot(tmp_path, "--help").stdout
    assert "backup" in listed and "restore" in listed
