"""``review-bot backup --output FILE`` and ``review-bot restore FILE``: a consistent copy
of the SQLite database taken while the bot runs, and put back into an empty database
(``storage.backup``), then brought up to date and verified (``review-bot verify``).

On PostgreSQL both print the pg_dump / pg_restore commands to run instead and exit 2:
PostgreSQL's own tools take a consistent dump of a live database, and running them
here would put the password on a command line. Exit status: 0 done (restore: and the
record's chains intact), 1 restored but a chain is broken, 2 refused or failed."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli import verify
from bot.wiring.settings import Settings

if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]


BACKUP = ("copy the SQLite database to FILE while the bot runs: consistent as of one "
          "moment, the bot's writes never waiting, checked (integrity, schema version) "
          "before FILE is written; on PostgreSQL, print the pg_dump command to run instead")
RESTORE = ("put a backup back into the database DATABASE_URL names, which must not exist or "
           "be empty (a record is never overwritten); then bring its schema up to date and "
           "verify the record's hash chains")


def add_parsers(sub: Subparsers) -> None:
    backup = sub.add_parser("backup", help=BACKUP, description=BACKUP)
    backup.add_argument("--output", "-o", type=Path, metavar="FILE", required=True,
                        help="the backup file to write (replaced whole, only once the copy "
                             "is checked); keep it off the database's disk")
    restore = sub.add_parser("restore", help=RESTORE, description=RESTORE)
    restore.add_argument("file", type=Path, metavar="FILE",
                         help="a backup made by review-bot backup (checked first: an "
                              "intact review-bot database of a known schema version)")


async def run_backup(settings: Settings, output: Path) -> int:
    from storage.backup import BackupError, backup

    if settings.on_postgres:
        return _postgres_advice(settings, "backup")
    try:
        facts = await asyncio.to_thread(backup, settings.database_path, output)
    except BackupError as error:
        print(f"review-bot: {error}", file=sys.stderr)
        return 2
    print(f"Backed up {facts.describe()} to {output}: integrity checked.")
    return 0


async def run_restore(settings: Settings, backup_file: Path) -> int:
    from storage import open_store
    from storage.backup import BackupError, restore

    if settings.on_postgres:
        return _postgres_advice(settings, "restore")
    try:
        facts = await asyncio.to_thread(restore, backup_file, settings.database_path)
    except BackupError as error:
        print(f"review-bot: {error}", file=sys.stderr)
        return 2
    store = await open_store(settings.database_url)  # runs the migrations forward
    now = store.db.schema_version
    await store.close()
    print(f"Restored {facts.describe()} from {backup_file} into {settings.database_name}"
          + (f"; schema brought up to version {now}." if now != facts.schema_version
             else "."))
    return await verify.run(settings, None, False)


def _postgres_advice(settings: Settings, what: str) -> int:
    url = settings.database_name  # without the password: give it in PGPASSWORD
    new = url.rsplit("/", 1)[0] + "/NEWDB"
    advice = {
        "backup": f"  pg_dump --format=custom --file=FILE '{url}'",
        "restore": f"  createdb NEWDB   (an empty database; with -h HOST -U USER as needed)\n"
                   f"  pg_restore --no-owner --exit-on-error --dbname='{new}' FILE\n"
                   f"then set DATABASE_URL to it and run review-bot verify",
    }[what]
    print(f"review-bot: {what} copies SQLite files; on PostgreSQL use its own tools "
          f"(consistent while the bot runs; password in PGPASSWORD or ~/.pgpass):\n{advice}",
          file=sys.stderr)
    return 2
