"""The state export at scale: ``review-bot export state`` against one seeded database.

``python -m bench.export TARGET`` (a file made by ``bench.seed``, or the
``postgresql://`` URL of a database it made) works on a fresh copy of it, in a fresh
process (so that its peak RSS is what the export needs at this size), and times
``workflows.transfer.export_state`` writing every jurisdiction's line to a file,
``--repeat`` times: the wall time and the process's CPU time of each run (on a busy
machine the CPU time is the steadier figure). Every run must write the same file, one
line for each jurisdiction: a run that writes another file, or fails, is printed and
fails the benchmark. ``--table`` prints the figures with the targets (under 2 s, under
200 MiB) met or missed; ``--json FILE`` writes them to FILE too.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from bench.databases import fresh_copy, is_postgres, open_target, remove
from bench.scale import Measure
from bench.seed import DEFAULT_AS_OF, peak_rss_kib
from workflows.transfer import export_state

TARGET_MS = 2000
RSS_TARGET_MIB = 200


@dataclass
class ExportReport:
    engine: str
    jurisdictions: int = 0
    wall_s: list[float] = field(default_factory=list)
    cpu_s: list[float] = field(default_factory=list)
    sha256: str = ""
    errors: list[str] = field(default_factory=list)
    peak_rss_kib: int = 0


async def one_run(m: Measure, report: ExportReport) -> None:
    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as out:
        wall, cpu = time.perf_counter(), time.process_time()
        rows = await export_state(m.review, out)
        report.wall_s.append(time.perf_counter() - wall)
        report.cpu_s.append(time.process_time() - cpu)
        out.seek(0)
        digest = hashlib.sha256(out.read().encode("utf-8")).hexdigest()
    if report.jurisdictions and rows != report.jurisdictions:
        report.errors.append(f"run {len(report.wall_s)} wrote {rows} rows, not "
                             f"{report.jurisdictions}")
    report.jurisdictions = report.jurisdictions or rows
    if report.sha256 and digest != report.sha256:
        report.errors.append(f"run {len(report.wall_s)} wrote another file ({digest[:12]})")
    report.sha256 = report.sha256 or digest


async def measure(target: str, repeat: int, as_of: datetime) -> ExportReport:
    report = ExportReport("postgresql" if is_postgres(target) else "sqlite")
    scratch = await fresh_copy(target)
    try:
        store = await open_target(scratch)
        try:
            m = Measure(store, as_of)
            for _ in range(repeat):
                try:
                    await one_run(m, report)
                except Exception as error:  # printed and counted, never hidden
                    report.errors.append(f"run failed: {error!r}")
        finally:
            await store.close()
    finally:
        await remove(scratch)
    report.peak_rss_kib = peak_rss_kib()
    return report


def table(report: ExportReport) -> str:
    wall = statistics.median(report.wall_s) * 1000 if report.wall_s else float("inf")
    cpu = statistics.median(report.cpu_s) * 1000 if report.cpu_s else float("inf")
    rss = report.peak_rss_kib / 1024
    ok = not report.errors
    lines = [f"{report.engine}, export state of {report.jurisdictions:,} jurisdictions, "
             f"{len(report.wall_s)} runs: median (max) ms",
             f"  {'wall':<14}{wall:9.1f} ({max(report.wall_s, default=0) * 1000:.1f})"
             f"  under {TARGET_MS} ms [{'met' if ok and wall < TARGET_MS else 'missed'}]",
             f"  {'cpu':<14}{cpu:9.1f} ({max(report.cpu_s, default=0) * 1000:.1f})",
             f"  {'peak RSS MiB':<14}{rss:9.0f}  under {RSS_TARGET_MIB} MiB"
             f" [{'met' if rss < RSS_TARGET_MIB else 'missed'}]",
             f"  sha256 {report.sha256[:16]}, same file every run: {'yes' if ok else 'NO'}"]
    lines += [f"  ERROR {error}" for error in report.errors]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = argparse.ArgumentParser(prog="python -m bench.export", description=__doc__)
    args.add_argument("database", help="a file made by bench.seed, or the postgresql:// URL"
                      " of a database it made")
    args.add_argument("--repeat", type=int, default=3, help="runs of the export")
    args.add_argument("--as-of", type=datetime.fromisoformat, default=DEFAULT_AS_OF,
                      help="the moment the database was seeded to stand at")
    args.add_argument("--table", action="store_true",
                      help="print the figures as a table (targets met or missed), not JSON")
    args.add_argument("--json", type=Path, metavar="FILE", help="also write the JSON to FILE")
    opts = args.parse_args(argv)
    report = asyncio.run(measure(opts.database, opts.repeat, opts.as_of))
    figures = json.dumps(asdict(report))
    if opts.json is not None:
        opts.json.write_text(figures + "\n", encoding="utf-8")
    print(table(report) if opts.table else figures)
    sys.stdout.flush()
    return 1 if report.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
