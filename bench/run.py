"""The benchmark, in one run: ``python -m bench.run`` (``--help`` lists the options).

Each part runs alone (one after another, never two at once, so that none takes CPU
from another), every measured thing in a process of its own:

1. **scale**: for each engine and size, a review is seeded through the project's own
   code (``bench.seed``, timed: a figure) and measured (``bench.scale``): the sweep's
   claim, the leadership summary and its chart, list pages, ``export state``, peak RSS.
2. **pages**: every page people read (list first/middle/last/filtered, by number and
   by the Next button's cursor, history, show, App Home), on a copy of each seeded
   SQLite file whose first jurisdiction is given a long history, and on PostgreSQL a
   copy of it (``bench.pages``).
3. **imports**: ``review-bot import`` of jurisdictions and of ten past events each, dry
   run and import, at each size, while another person reads and writes
   (``bench.imports``).
4. **answer**: the time from sending a command to its answer at the response_url,
   the bot beside a bare Bolt app answering through ``respond()``, for list, show and
   letter at 1 and 50 clients (``bench.answer``).
5. **writes**: steps committed per second from 20 analysts, answer times, every
   announcement posted once (``bench.writes``).
6. **ack**: the time to the ack of ``/review list`` at 50 clients, beside the bare app
   (``bench.ack``).

The figures are printed part by part with each target met or missed, then every
target in one list, and written to ``--out`` (text) and beside it as JSON. Not a test:
it asserts nothing and exits 0 unless a part failed to run (a part that ran and missed
a target, or counted a failed request, is reported, not fatal).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from bench.ack import Load, measure_ack
from bench.parts import PART_NAMES, Plan, run_parts
from bench.processes import measured
from bench.report import Results, render

HERE = Path(__file__).resolve().parent


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="python -m bench.run", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    top.add_argument("--only", type=_parts, default=list(PART_NAMES),
                     help=f"run only these parts, comma-separated ({','.join(PART_NAMES)})")
    top.add_argument("--sizes", type=_sizes, default=[1_000, 10_000, 100_000],
                     help="jurisdictions per review for scale, pages and imports "
                          "(1000,10000,100000)")
    top.add_argument("--postgres", metavar="URL",
                     help="a PostgreSQL server (postgresql://user@host:port/db) on which "
                          "scale and pages also run, in databases named review_bench_*; "
                          "without it they run on SQLite only")
    top.add_argument("--repeat", type=int, default=5,
                     help="runs of each storage operation per size (5)")
    top.add_argument("--page-runs", type=int, default=15, help="runs of each page (15)")
    top.add_argument("--answer-requests", type=int, default=600,
                     help="measured list and show commands per app and client count (600)")
    top.add_argument("--answer-letters", type=int, default=200,
                     help="measured letters per app and client count (200)")
    top.add_argument("--writes-seconds", type=int, default=20,
                     help="the writes part's measured window (20)")
    top.add_argument("--writes-size", type=int, default=10_000,
                     help="jurisdictions in the writes part's review (10000)")
    top.add_argument("--import-events", type=int, default=10,
                     help="past events per jurisdiction in the imports part (10)")
    top.add_argument("--clients", type=int, default=50, help="ack: concurrent clients (50)")
    top.add_argument("--requests", type=int, default=5000,
                     help="ack: measured requests per app (5000)")
    top.add_argument("--warmup", type=int, default=500,
                     help="ack: warm-up requests per app (500)")
    top.add_argument("--rounds", type=int, default=2,
                     help="ack: rounds per app, ordered bare, bot, bot, bare, … (2)")
    top.add_argument("--text", default="list",
                     help="ack: the command text after /review, the same for both apps")
    top.add_argument("--ack-size", type=int, default=1000,
                     help="ack: jurisdictions in the bot's database (1000)")
    top.add_argument("--out", type=Path, default=HERE / "results.txt",
                     help="the text report; the JSON goes beside it (bench/results.txt)")
    top.add_argument("--render", type=Path, metavar="JSON",
                     help="measure nothing: word the figures of an earlier run's JSON "
                          "anew, to --out")
    top.add_argument("--workdir", type=Path,
                     help="keep the databases and logs here, and reuse reviews seeded "
                          "here by an earlier run (default: a temporary folder, removed "
                          "at the end; delete the folder when the seeding code changes)")
    return top


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("sizes are numbers, e.g. 1000,10000") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("give at least one size of 1 or more")
    return sizes


def _parts(text: str) -> list[str]:
    parts = [part.strip() for part in text.split(",") if part.strip()]
    unknown = sorted(set(parts) - set(PART_NAMES))
    if unknown or not parts:
        raise argparse.ArgumentTypeError(f"parts are {', '.join(PART_NAMES)}; not "
                                         f"{', '.join(unknown) or 'none'}")
    return [name for name in PART_NAMES if name in parts]


def machine() -> str:
    return (f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
            f"{platform.system()} {platform.release()}")


async def run(opts: argparse.Namespace, workdir: Path) -> Results:
    results = Results(machine())
    plan = Plan(opts.sizes, opts.postgres, opts.repeat, opts.page_runs,
                opts.answer_requests, opts.answer_letters, opts.writes_seconds,
                opts.writes_size, opts.import_events)
    await run_parts(plan, [p for p in opts.only if p != "ack"], workdir, results)
    if "ack" in opts.only:
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
    if opts.render:
        results: Results | None = Results.from_json(json.loads(opts.render.read_text()))
    else:
        results = measured(lambda folder: run(opts, folder), opts.workdir, "review-bench-")
    if results is None:
        return 1
    text = render(results)
    print(text, end="")
    write(results, text, opts.out)
    print(f"(written to {opts.out} and {opts.out.with_suffix('.json')})", file=sys.stderr)
    return 1 if results.broken else 0


if __name__ == "__main__":
    raise SystemExit(main())
