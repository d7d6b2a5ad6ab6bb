"""The benchmark's parts, run one after another by ``bench.run``.

Each part is a module of its own that can also be run alone (``python -m bench.<part>
--help``); here each runs as a child process with the sizes of the plan, its table
kept as it printed it and its figures read from the JSON it wrote. The reviews are
seeded once per engine and size (``scale``) and reused by ``pages``.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import pages as page_bench
from bench.databases import _with_name, create, remove
from bench.processes import ChildFailed, environment, run_json
from bench.report import Part, Results, SizeFigures

PART_NAMES = ("scale", "pages", "imports", "answer", "writes", "ack")


@dataclass(frozen=True)
class Plan:
    sizes: list[int]
    postgres: str | None
    repeat: int
    page_runs: int
    answer_requests: int
    answer_letters: int
    writes_seconds: int
    writes_size: int
    import_events: int

    def targets(self, size: int) -> list[str]:
        """Where the review of ``size`` lives on each engine measured."""
        found = [f"review-{size}.db"]
        if self.postgres:
            found.append(_with_name(self.postgres, f"review_bench_{size}"))
        return found


async def run_parts(plan: Plan, names: list[str], workdir: Path, results: Results) -> None:
    for name in names:
        print(f"{name}…", file=sys.stderr, flush=True)
        if name == "scale":
            await scale(plan, workdir, results)
        elif name == "pages":
            results.parts.append(await pages(plan, workdir))
        else:
            results.parts.append(await script(name, _script_args(name, plan, workdir),
                                              workdir))


def _script_args(name: str, plan: Plan, workdir: Path) -> list[str]:
    sizes = ",".join(str(size) for size in plan.sizes)
    return {"imports": ["--sizes", sizes, "--events-per", str(plan.import_events)],
            "answer": ["--clients", "1,50", "--requests", str(plan.answer_requests),
                       "--letters", str(plan.answer_letters),
                       "--workdir", str(workdir / "answer")],
            "writes": ["--seconds", str(plan.writes_seconds), "--size", str(plan.writes_size),
                       "--workdir", str(workdir / "writes")]}[name]


# -- scale: seeded, then measured ---------------------------------------------------------


async def scale(plan: Plan, workdir: Path, results: Results) -> None:
    for size in plan.sizes:
        for target in plan.targets(size):
            seed = await seeded(workdir, target, size)
            print(f"  measuring {size:,} jurisdictions on {_engine(target)}…",
                  file=sys.stderr, flush=True)
            measure = await run_json(["-m", "bench.scale", _path(workdir, target), str(size),
                                      "--repeat", str(plan.repeat)], workdir)
            results.scale.append(SizeFigures(size, seed, measure))


async def seeded(workdir: Path, target: str, size: int) -> dict[str, Any]:
    """The review of ``size`` jurisdictions at ``target``, seeded now (timed: the
    figure is the seed's own), or reused with the report it was seeded with."""
    record = workdir / f"{_engine(target)}-{size}.seed.json"
    where = _path(workdir, target)
    if record.exists() and (_engine(target) == "postgresql" or Path(where).exists()):
        return dict(json.loads(record.read_text()))
    await remove(where)
    print(f"  seeding {size:,} jurisdictions on {_engine(target)}…", file=sys.stderr,
          flush=True)
    report = dict(await run_json(["-m", "bench.seed", where, str(size)], workdir))
    record.write_text(json.dumps(report))
    return report


def _engine(target: str) -> str:
    return "postgresql" if target.startswith("postgres") else "sqlite"


def _path(workdir: Path, target: str) -> str:
    return target if _engine(target) == "postgresql" else str(workdir / target)


# -- pages: on a copy of each seeded review, with one long history -----------------------


async def pages(plan: Plan, workdir: Path) -> Part:
    databases = []
    for size in plan.sizes:
        sqlite_target, *others = plan.targets(size)
        await seeded(workdir, sqlite_target, size)
        copy = workdir / f"pages-{size}.db"
        if not copy.exists():
            _copied_and_filled(workdir / sqlite_target, copy)
        databases.append(str(copy))
        for target in others:
            copied = _with_name(target, f"review_bench_pages_{size}")
            await remove(copied)
            await (await create(copied)).close()
            await page_bench.to_postgres(copy, copied)
            databases.append(copied)
    return await script("pages", [*databases, "--runs", str(plan.page_runs)], workdir)


def _copied_and_filled(seeded: Path, copy: Path) -> None:
    """A copy of ``seeded`` (SQLite's backup API: whole, WAL included) whose first
    jurisdiction gets a long history (``bench.pages.fill``), complete or not there."""
    partial = copy.with_name(copy.name + ".partial")
    partial.unlink(missing_ok=True)
    source, target = sqlite3.connect(seeded), sqlite3.connect(partial)
    try:
        source.backup(target)
        page_bench.fill(target, 0)
        target.commit()
    finally:
        source.close()
        target.close()
    partial.replace(copy)


# -- a part that prints its table and writes its JSON -------------------------------------


async def script(name: str, args: list[str], workdir: Path) -> Part:
    """Run ``python -m bench.<name> ARGS --json FILE``: its table as it printed it (its
    progress goes to standard error as it comes), its figures, its exit status. A part
    that wrote no figures did not run: that is fatal."""
    figures = workdir / f"{name}.json"
    figures.unlink(missing_ok=True)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", f"bench.{name}", *args, "--json", str(figures), cwd=workdir,
        env=environment({}), stdout=asyncio.subprocess.PIPE)
    out, _ = await process.communicate()
    if not figures.exists():
        raise ChildFailed(f"bench.{name} exited {process.returncode} and wrote no figures")
    return Part(name, out.decode(errors="replace"), process.returncode or 0,
                json.loads(figures.read_text()))
