"""Copies of the SQLite file, taken while the bot runs, and put back into an empty one.

A backup reads one snapshot of the file through SQLite's online backup API. The file
is in WAL mode (``storage.sqlite``), so the copying connection holds a read
transaction open for the whole copy: every page it copies comes from the same
committed state, the bot's writers never wait on it (they append to the log), and the
copy never starts over (a backup that lets go of its snapshot between pages restarts
whenever another connection commits: on a busy file it may never finish). It copies
``PAGES`` pages at a time with a short pause between them, leaving the disk to the bot,
in a worker thread of the caller's choosing (``asyncio.to_thread``). It writes a
temporary file beside the destination, made self-contained (rollback journal, no log
beside it), checks it (``PRAGMA integrity_check``, a schema version this code knows,
the tables) and only then renames it into place.

A restore checks the backup the same way and copies it, again through the backup API
(which takes the destination's locks, so a log or another connection there is handled
by SQLite), into a destination that must not exist or must hold no jurisdictions and
no events: it never overwrites a record.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from storage.migrations import available

PAGES = 256
"""Pages copied per step (1 MiB of 4 KiB pages)."""
PAUSE = 0.005
"""Seconds between steps: a 1 GiB file takes about 5 s longer, the bot's disk reads
and writes go between."""
BUSY_TIMEOUT_MS = 10_000
REQUIRED = ("jurisdictions", "events")
"""Tables without which a file is not a review-bot database."""


class BackupError(Exception):
    """A backup or restore refused or failed; the message is one sentence for a person."""


@dataclass(frozen=True)
class Facts:
    """What a checked database file holds."""

    path: Path
    schema_version: int
    jurisdictions: int
    events: int
    size: int
    """Bytes."""

    def describe(self) -> str:
        return (f"{self.jurisdictions:,} jurisdiction(s) and {self.events:,} event(s), "
                f"schema version {self.schema_version}, {self.size / 1e6:,.1f} MB")


def latest_version() -> int:
    """The newest schema version this code's migrations make."""
    return available()[-1][0]


def backup(source: Path, output: Path, pages: int = PAGES, pause: float = PAUSE) -> Facts:
    """Copy the database at ``source`` to ``output`` (replaced whole, or left as it was),
    consistent as of one moment, while others write to it; checked before it is
    renamed into place. Blocking: run it in a worker thread."""
    if not source.is_file():
        raise BackupError(f"there is no database at {source}")
    if output.resolve() == source.resolve():
        raise BackupError(f"{output} is the database itself; write the backup elsewhere")
    fd, name = _partial_beside(output)
    os.close(fd)
    partial = Path(name)
    try:
        with _open(source) as src, contextlib.closing(sqlite3.connect(partial)) as dst:
            _copy(src, dst, pages, pause)
            dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        facts = check(partial)
        partial.replace(output)
        _sync_folder(output.parent)
    finally:
        partial.unlink(missing_ok=True)
    return Facts(output, facts.schema_version, facts.jurisdictions, facts.events, facts.size)


def _partial_beside(output: Path) -> tuple[int, str]:
    try:
        return tempfile.mkstemp(dir=output.parent or Path("."), prefix=f".{output.name}.",
                                suffix=".partial")
    except OSError as error:
        raise BackupError(f"cannot write beside {output}: {error.strerror}") from error


def _copy(src: sqlite3.Connection, dst: sqlite3.Connection, pages: int,
          pause: float) -> None:
    """The backup proper. In WAL mode, from one read transaction held throughout; in
    any other mode a held read would stop writers, so in one step instead."""
    wal = str(src.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal"
    if wal:
        src.execute("BEGIN")
        src.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the snapshot
    try:
        src.backup(dst, pages=pages if wal else -1,
                   progress=lambda _status, _remaining, _total: time.sleep(pause))
    except sqlite3.Error as error:
        raise BackupError(f"the copy failed: {error}") from error
    finally:
        if src.in_transaction:
            src.execute("COMMIT")


def check(path: Path) -> Facts:
    """What the review-bot database at ``path`` holds, after checking that it is one:
    intact, of a schema version this code knows, with its tables."""
    if not path.is_file():
        raise BackupError(f"there is no file {path}")
    try:
        with _open(path, read_only=True) as conn:
            problems = [str(row[0]) for row in conn.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise BackupError(f"{path} is damaged (integrity check: {problems[0]})")
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            tables = set(REQUIRED) <= _tables(conn)
            counts = [_count(conn, table) for table in REQUIRED] if tables else [0, 0]
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is damaged or not a review-bot database ({error})"
                          ) from error
    if version < 1 or not tables:
        raise BackupError(f"{path} is an SQLite file but not a review-bot database")
    if version > latest_version():
        raise BackupError(f"{path} has schema version {version}, newer than this "
                          f"review-bot knows ({latest_version()}); use a newer one")
    return Facts(path, version, counts[0], counts[1], path.stat().st_size)


def restore(backup_file: Path, target: Path) -> Facts:
    """Copy the checked backup into ``target``, which must not exist or must hold no
    jurisdictions and no events. Blocking: run it in a worker thread. Migrations are
    the caller's (opening the store runs them)."""
    facts = check(backup_file)
    if target.exists() and target.resolve() == backup_file.resolve():
        raise BackupError(f"{target} is the backup itself")
    _refuse_unless_empty(target)
    try:
        with _open(backup_file, read_only=True) as src, \
                contextlib.closing(sqlite3.connect(target)) as dst:
            dst.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            src.backup(dst)
    except sqlite3.Error as error:
        raise BackupError(f"cannot restore into {target}: {error}") from error
    return Facts(target, facts.schema_version, facts.jurisdictions, facts.events,
                 target.stat().st_size)


def _refuse_unless_empty(target: Path) -> None:
    if not target.parent.is_dir():
        raise BackupError(f"there is no folder {target.parent} to restore into")
    if not target.exists():
        return
    try:
        with _open(target) as conn:
            held = [_count(conn, table) for table in REQUIRED if table in _tables(conn)]
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{target} exists and is not an empty database ({error}); "
                          "restore will not overwrite it") from error
    if any(held):
        raise BackupError(f"{target} already holds a record ({held[0]:,} jurisdiction(s), "
                          f"{held[-1]:,} event(s)); restore only into a new or empty "
                          "database: point DATABASE_URL at a new file")


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {str(row[0]) for row in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}


def _count(conn: sqlite3.Connection, table: str) -> int:
    return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


@contextlib.contextmanager
def _open(path: Path, read_only: bool = False) -> Iterator[sqlite3.Connection]:
    """A connection to an existing file (never creating one), autocommit."""
    mode = "ro" if read_only else "rw"
    conn = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode={mode}", uri=True,
                           isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        yield conn
    finally:
        conn.close()


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX: fsync the directory)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
