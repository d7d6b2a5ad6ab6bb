"""How long a big import holds up another person's writes: ``python -m bench.big_writes``.

On one SQLite file, the review's own import (``workflows.transfer.import_csv``, as
``/review import … apply`` and ``review-bot import`` run it) writes ``--rows`` new
jurisdictions, then ``--rows`` steps, one on each. Meanwhile another person's write (a
role change, one small transaction) runs again and again, 10 ms apart, and the longest
any of them waited is the longest the import held SQLite's write lock, plus that write's
own few milliseconds. Each import runs twice: row by row in one transaction (how every
write went before big ones were staged, and how small ones still go) and staged
(``storage.writes``; from 20,000 changes, a run of jurisdictions at a time:
``storage.runs``).

Prints one line per import and way, and with ``--out`` the figures as JSON. Not a test:
it asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.wiring.review import FixedClock
from storage.sqlite import SqliteStore
from workflows.definition import default_definition
from workflows.machine import Workflow
from workflows.model import Role
from workflows.review import Review, ReviewConfig
from workflows.transfer import import_csv

ADMIN = "UADMIN0001"
AS_OF = datetime(2017, 8, 1, 15, 0, tzinfo=UTC)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m bench.big_writes", description=__doc__,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    top.add_argument("--rows", type=int, default=100_000,
                     help="jurisdictions imported, then steps imported (100000)")
    top.add_argument("--out", type=Path, help="also write the figures here as JSON")
    return top


async def imports(folder: Path, rows: int, staged: bool) -> dict[str, dict[str, Any]]:
    store = await SqliteStore.open(folder / f"{'staged' if staged else 'rows'}.db")
    if not staged:
        store.staged_from = rows + 1
    review = Review(store, FixedClock(AS_OF), ReviewConfig("#review", admins=frozenset({ADMIN})),
                    Workflow(default_definition()))  # the packaged workflow, measured
    towns = "id,name,kind,state\n" + "".join(f"town-{n:06d},Town {n},city,CA\n"
                                             for n in range(rows))
    steps = "date,jurisdiction,event,due\n" + "".join(
        f"2017-06-01,town-{n:06d},letter_sent,2017-07-14\n" for n in range(rows))
    try:
        return {"jurisdictions": await timed(store, review, towns),
                "steps": await timed(store, review, steps)}
    finally:
        await store.close()


async def timed(store: SqliteStore, review: Review, text: str) -> dict[str, Any]:
    done = asyncio.Event()
    waits: list[float] = []

    async def another_person() -> None:
        while not done.is_set():
            started = time.perf_counter()
            await store.set_role(f"U{len(waits)}", Role.ANALYST, ADMIN, AS_OF)
            waits.append(time.perf_counter() - started)
            await asyncio.sleep(0.01)

    meanwhile = asyncio.create_task(another_person())
    started = time.perf_counter()
    try:
        report = await import_csv(review, ADMIN, text, dry_run=False)
    finally:
        took = time.perf_counter() - started
        done.set()
        await meanwhile
    if report.errors or not report.applied:
        raise SystemExit(f"the import failed: {report.errors[:3]}")
    return {"import_seconds": round(took, 2), "other_writes": len(waits),
            "longest_wait_ms": round(max(waits) * 1000, 1)}


async def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    figures: dict[str, Any] = {"rows": args.rows}
    with tempfile.TemporaryDirectory(prefix="bench-big-writes-") as folder:
        for staged in (False, True):
            way = "staged" if staged else "row by row"
            figures[way] = await imports(Path(folder), args.rows, staged)
            for kind, result in figures[way].items():
                print(f"{args.rows:,} {kind}, {way}: import {result['import_seconds']} s;"
                      f" another person's write waited at most"
                      f" {result['longest_wait_ms']:,.0f} ms ({result['other_writes']} writes)",
                      flush=True)
    if args.out:
        args.out.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    asyncio.run(main())
