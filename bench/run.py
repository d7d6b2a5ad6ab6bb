"""The benchmark, in one run: ``python -m bench.run`` (``--help`` lists the options).

1. Storage at scale: for each size, a database is seeded (``bench.seed``, the sizes
   side by side, one per CPU) and then measured alone (``bench.scale``, one fresh
   process per size): claiming the due reminders, a leadership summary, listing a
   page, peak RSS.
2. Ack latency: the bot in HTTP mode and a bare Bolt app, each loaded in turn by a
   separate process (``bench.ack``).

The figures are printed as tables with the targets met or missed, and written to
``--out`` (text) and beside it as JSON. Not a test: it asserts nothing and exits 0
unless something failed to run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sqlite3
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.ack import Load, measure_ack
from bench.processes import measured, run_json
from bench.report import Results, SizeFigures, render

HERE = Path(__file__).resolve().parent
PARTS = ("scale", "ack")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="python -m bench.run", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    top.add_argument("--clients", type=int, default=50, help="concurrent clients (50)")
    top.add_argument("--requests", type=int, default=5000,
                     help="measured requests per app (5000)")
    top.add_argument("--warmup", type=int, default=500, help="warm-up requests per app (500)")
    top.add_argument("--rounds", type=int, default=2,
                     help="rounds per app, ordered bare, bot, bot, bare, … (2)")
    top.add_argument("--text", default="list",
                     help="the command text after /review, the same for both apps (list)")
    top.add_argument("--ack-size", type=int, default=1000,
                     help="jurisdictions in the bot's database for the ack run (1000)")
    top.add_argument("--sizes", type=_sizes, default=[1_000, 10_000, 100_000],
                     help="jurisdictions per storage database (1000,10000,100000)")
    top.add_argument("--repeat", type=int, default=5,
                     help="runs of each storage operation per size (5)")
    top.add_argument("--only", choices=PARTS, help="run only this part")
    top.add_argument("--out", type=Path, default=HERE / "results.txt",
                     help="the text report; the JSON goes beside it (bench/results.txt)")
    top.add_argument("--workdir", type=Path,
                     help="keep the databases and logs here, and reuse storage databases "
                          "seeded here by an earlier run (default: a temporary folder, "
                          "removed at the end)")
    return top


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("sizes are numbers, e.g. 1000,10000") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("give at least one size of 1 or more")
    return sizes


def machine() -> str:
    return (f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
            f"{platform.system()} {platform.release()}")


# -- storage at scale ------------------------------------------------------------------


async def seeded(workdir: Path, size: int, slots: asyncio.Semaphore
                 ) -> tuple[Path, dict[str, Any]]:
    """The database of ``size`` jurisdictions in ``workdir``: seeded now (written under
    another name and renamed when complete), or reused with the report it was seeded
    with."""
    database, record = workdir / f"review-{size}.db", workdir / f"review-{size}.seed.json"
    if database.exists() and record.exists():
        return database, json.loads(record.read_text())
    partial = database.with_name(database.name + ".partial")
    partial.unlink(missing_ok=True)
    async with slots:
        report = await run_json(["-m", "bench.seed", str(partial), str(size)], workdir)
    partial.replace(database)
    record.write_text(json.dumps(report))
    return database, report


async def measure_scale(workdir: Path, sizes: list[int], repeat: int) -> list[SizeFigures]:
    slots = asyncio.Semaphore(os.cpu_count() or 1)
    databases = await asyncio.gather(*(seeded(workdir, size, slots) for size in sizes))
    figures = []
    for size, (database, seed) in zip(sizes, databases, strict=True):
        print(f"measuring {size:,} jurisdictions…", file=sys.stderr)
        measured = await run_json(["-m", "bench.scale", str(database), str(size),
                                   "--repeat", str(repeat)], workdir)
        figures.append(SizeFigures(size, seed, measured))
    return figures


# -- the run ---------------------------------------------------------------------------


async def run(opts: argparse.Namespace, workdir: Path) -> Results:
    results = Results(machine())
    if opts.only in (None, "scale"):
        print(f"seeding {', '.join(f'{s:,}' for s in opts.sizes)} jurisdictions…",
              file=sys.stderr)
        results.scale = await measure_scale(workdir, opts.sizes, opts.repeat)
    if opts.only in (None, "ack"):
        print("ack latency: the bare Bolt app, then the bot…", file=sys.stderr)
        load = Load(opts.text, opts.clients, opts.requests, opts.warmup, opts.rounds)
        results.ack = await measure_ack(workdir, opts.ack_size, load)
    return results


def write(results: Results, text: str, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    out.with_suffix(".json").write_text(json.dumps(asdict(results), indent=2) + "\n",
                                        encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    opts = parser().parse_args(argv)
    results = measured(lambda folder: run(opts, folder), opts.workdir, "review-bench-")
    if results is None:
        return 1
    text = render(results)
    print(text, end="")
    write(results, text, opts.out)
    print(f"(written to {opts.out} and {opts.out.with_suffix('.json')})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
