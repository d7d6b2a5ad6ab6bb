"""Every page in milliseconds: the pages people read, timed through the bot's own code.

Each figure is one request as the bot answers it, minus Slack: ``/review list`` (first,
middle and last page typed as ``page=N``, and the last reached with the Next button's
cursor; filtered by status, kind, US state, a combination and a deadline tier),
``/review history`` (first and last page of the
jurisdiction with the most events) and ``/review show`` through the slash command's
handler (``bot.subcommands.commands.run``, rendered to Block Kit), and App Home as its
listener builds it (``bot.slack.events.home_view``, for the analyst who owns most).
Each is run N times (alternating, so noise falls on all alike); the table gives the
median and the max, in ms, per database, and whether the median meets its target
(list and history pages 20 ms, show 10 ms, App Home 50 ms). A request that fails
counts as missed and is printed.

    python -m bench.pages A.db B.db postgresql://… --json pages.json
    python -m bench.pages --build /tmp/p-100000.db 100000 --events 1000000
    python -m bench.pages --to-postgres /tmp/p-100000.db postgresql://…

``--build`` seeds FILE with ``bench.seed`` (its own process: about ten events per
jurisdiction) and then gives its first jurisdiction at least 1,000 more, plain ``note``
events added with a quick INSERT, so that one history has many pages (and, with
``--events``, spreads more such notes over all until there are that many in all). They
are bench only: not hashed into the chain, so ``review-bot verify`` refuses the file.
``--to-postgres`` copies such a file's review rows into an empty PostgreSQL database migrated by the
store's own code (the kept counts are filled by its triggers as the rows go in).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from bench.seed import ANALYST, CHANNELS, DEFAULT_AS_OF, DEFAULT_CHANNEL, setting
from bot.slack.events import home_view
from bot.subcommands.commands import PAGE_SIZE, Caller, Services, command_table, run
from bot.ui.pages import cursor_text
from bot.wiring.review import FixedClock
from storage import open_store
from storage.store import Store
from workflows.deadlines import Tier
from workflows.muting import Mutes
from workflows.ports import COUNT_CAP, Cursor, Filters
from workflows.review import Review, ReviewConfig
from workflows.tiers import in_tier

TARGET_MS = {"list": 20.0, "history": 20.0, "show": 10.0, "home": 50.0}
OWNER = ANALYST
COPIED = ("jurisdictions", "aliases", "rounds", "court_orders", "events", "roles")


@dataclass
class Figures:
    """One database's figures: ms per run of each request, and what failed."""

    database: str
    jurisdictions: int = 0
    events: int = 0
    busy_events: int = 0
    runs: dict[str, list[float]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        ops = {name: {"median_ms": round(statistics.median(v), 2), "max_ms": round(max(v), 2),
                      "target_ms": target(name),
                      "met": statistics.median(v) <= target(name)}
               for name, v in self.runs.items() if v}
        return {"database": self.database, "jurisdictions": self.jurisdictions,
                "events": self.events, "busy_events": self.busy_events,
                "operations": ops, "failures": self.failures}


def target(name: str) -> float:
    return TARGET_MS[name.split("_")[0]]


def url_of(database: str) -> str:
    return database if "://" in database else f"sqlite:///{database}"


async def requests(store: Store) -> tuple[dict[str, Callable[[], Awaitable[object]]],
                                          Figures]:
    """What is timed on ``store``, each a call the bot makes for one request."""
    world = setting(DEFAULT_AS_OF)
    config = ReviewConfig(DEFAULT_CHANNEL, frozenset(), world.policy.timezone, world.policy)
    review = Review(store, FixedClock(DEFAULT_AS_OF), config, world.workflow)
    mutes = Mutes(review, store)
    services = Services(review, command_table(world.workflow.definition), mutes=mutes)
    caller = Caller(ANALYST, CHANNELS[0])
    figures = await census(store)
    busy = (await store.read("SELECT jurisdiction_id AS j FROM events"
                             " ORDER BY id LIMIT 1"))[0]["j"]
    figures.busy_events = int((await store.read(
        "SELECT max(seq) AS n FROM events WHERE jurisdiction_id = ?", busy))[0]["n"])
    other = (await store.read("SELECT id FROM jurisdictions WHERE id <> ? ORDER BY id"
                              " LIMIT 1", busy))[0]["id"]
    pages = -(-figures.jurisdictions // PAGE_SIZE)
    state = (await store.read("SELECT value FROM jurisdiction_counts WHERE facet = 'state'"
                              " ORDER BY n DESC LIMIT 1"))[0]["value"]
    texts_overdue = await overdue_last(review)
    texts = {"list_first": "list", "list_middle": f"list page={max(1, pages // 2)}",
             "list_last": f"list page={pages}",
             "list_status_last": await last_page(store, "state", state, f"list status={state}"),
             "list_kind_last": await last_page(store, "kind", "county", "list kind=county"),
             "list_state_last": await last_page(store, "us_state", "CA", "list state=CA"),
             "list_combo_first": "list kind=county state=CA",
             "list_overdue_first": "list tier=overdue",
             "list_overdue_last": texts_overdue,
             "list_next_to_last": await next_to(store, Filters(), pages, "list"),
             "list_overdue_next_to_last": await next_to(
                 store, await in_tier(store, Filters(), Tier.OVERDUE, review.today()),
                 int(texts_overdue.rsplit("=", 1)[1]), "list tier=overdue"),
             "history_first": f"history {busy}",
             "history_last": f"history {busy} page={-(-figures.busy_events // PAGE_SIZE)}",
             "show_busy": f"show {busy}", "show_other": f"show {other}"}
    work: dict[str, Callable[[], Awaitable[object]]] = {
        name: partial(run, services, caller, text) for name, text in texts.items()}
    work["home"] = lambda: home_view(review, mutes, OWNER)
    return work, figures


async def last_page(store: Store, facet: str, value: str, text: str) -> str:
    kept = await store.read("SELECT n FROM jurisdiction_counts WHERE facet = ? AND value = ?",
                            facet, value)
    return f"{text} page={max(1, -(-int(kept[0]['n'] if kept else 0) // PAGE_SIZE))}"


async def next_to(store: Store, filters: Filters, page: int, text: str) -> str:
    """``text`` as the Next button of page ``page - 1`` sends it: with its cursor."""
    before, _ = await store.page(filters, max(0, page - 2) * PAGE_SIZE, PAGE_SIZE)
    last = before[-1]
    cursor = cursor_text(Cursor(last.name.lower(), last.id))
    return f"{text} page={page} after={cursor}"


async def overdue_last(review: Review) -> str:
    filters = await in_tier(review.repo, Filters(), Tier.OVERDUE, review.today())
    _, total = await review.repo.page(filters, 0, 1)
    return f"list tier=overdue page={max(1, -(-min(total, COUNT_CAP) // PAGE_SIZE))}"


async def census(store: Store) -> Figures:
    figures = Figures("")
    figures.jurisdictions = int((await store.read(
        "SELECT n FROM jurisdiction_counts WHERE facet = 'all'"))[0]["n"])
    figures.events = int((await store.read("SELECT max(id) AS n FROM events"))[0]["n"] or 0)
    return figures


async def measure(database: str, runs: int) -> Figures:
    store = await open_store(url_of(database))
    try:
        work, figures = await requests(store)
        figures.database = database
        figures.runs = {name: [] for name in work}
        for name, call in work.items():  # once untimed: the first read warms the cache
            await attempt(name, call, figures, timed=False)
        for _ in range(runs):
            for name, call in work.items():
                await attempt(name, call, figures)
    finally:
        await store.close()
    return figures


async def attempt(name: str, call: Callable[[], Awaitable[object]], figures: Figures,
                  timed: bool = True) -> None:
    started = time.perf_counter()
    try:
        await call()
    except Exception as error:  # every failure is printed and counted
        failure = f"{name}: {type(error).__name__}: {error}"
        if failure not in figures.failures:
            figures.failures.append(failure)
        figures.runs[name].append(float("inf"))
        return
    if timed:
        figures.runs[name].append((time.perf_counter() - started) * 1000)


def table(all_figures: list[Figures]) -> str:
    """One table per engine, its databases side by side, smallest first."""
    engines: dict[str, list[Figures]] = {}
    for f in all_figures:
        engines.setdefault("PostgreSQL" if "://" in f.database else "SQLite", []).append(f)
    return "\n\n".join(f"{engine}\n{_table(figures)}" for engine, figures in engines.items())


def _table(all_figures: list[Figures]) -> str:
    summaries = [f.summary() for f in all_figures]
    names = list(summaries[0]["operations"]) if summaries else []
    head = ["request (target)"] + [f"{s['jurisdictions']:,} j / {s['events']:,} ev"
                                   for s in summaries] + ["growth"]
    lines = ["  ".join(f"{h:>26}" for h in head)]
    for name in names:
        cells = []
        for s in summaries:
            op = s["operations"][name]
            mark = "met" if op["met"] else "missed"
            cells.append(f"{op['median_ms']:.2f} / {op['max_ms']:.2f} [{mark}]")
        first, last = (s["operations"][name]["median_ms"] for s in (summaries[0],
                                                                      summaries[-1]))
        growth = f"x{last / first:.1f}" if first else "-"
        lines.append("  ".join(f"{c:>26}" for c in
                               [f"{name} ({target(name):.0f} ms)", *cells, growth]))
    lines.append("(median / max ms of each request; growth: the largest database's median "
                 "over the smallest's)")
    for s in summaries:
        lines += [f"FAILED on {s['database']}: {f}" for f in s["failures"]]
    return "\n".join(lines)


# -- building the databases -------------------------------------------------------------


def build(path: Path, size: int, events: int) -> None:
    """Seed ``path`` with ``bench.seed`` in its own process and fill it (see ``fill``),
    unless it exists: an existing built file is reused as it is (the seed takes
    minutes), only migrated."""
    fresh = not path.exists()
    if fresh:
        subprocess.run([sys.executable, "-m", "bench.seed", str(path), str(size)],
                       check=True)
    asyncio.run(_migrated(url_of(str(path))))
    if fresh:
        with sqlite3.connect(path) as db:
            fill(db, events)


async def _migrated(url: str) -> None:
    await (await open_store(url)).close()


def fill(db: sqlite3.Connection, events: int) -> None:
    """Add ``note`` events: at least 1,000 on the first jurisdiction (a tenth of what
    is missing to reach ``events``, if more), the rest of what is missing spread evenly;
    versions follow their last ``seq``."""
    have = int(db.execute("SELECT count(*) FROM events").fetchone()[0])
    size = int(db.execute("SELECT count(*) FROM jurisdictions").fetchone()[0])
    busy_id = db.execute("SELECT jurisdiction_id FROM events ORDER BY id LIMIT 1").fetchone()[0]
    busy = max(1_000, (events - have) // 10)
    each = -(-max(0, events - have - busy) // size)
    for jid, count in ((busy_id, busy), (None, each)):
        if count:
            _notes(db, jid, count)


def _notes(db: sqlite3.Connection, jid: str | None, count: int) -> None:
    where = "WHERE j.id = ?" if jid else ""
    args = (count, jid) if jid else (count,)
    db.execute(
        "WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < ?)"
        " INSERT INTO events (jurisdiction_id, seq, kind, actor, on_date, recorded_at,"
        " from_state, to_state, detail, digest, link)"
        " SELECT j.id, j.version + k.n, 'note', 'U0ANALYST01', substr(j.updated_at, 1, 10),"
        " j.updated_at, j.state, j.state, json_object('name', j.name, 'note',"
        f" 'bench note ' || k.n), '', '' FROM jurisdictions AS j, k {where}"
        " ORDER BY j.id, k.n", args)
    db.execute(f"UPDATE jurisdictions AS j SET version = version + ? {where}", args)


async def to_postgres(path: Path, url: str) -> None:
    """Copy ``path``'s review rows into the empty PostgreSQL database ``url``."""
    import asyncpg

    await _migrated(url)
    source = sqlite3.connect(path)
    conn = await asyncpg.connect(url)
    try:
        for name in COPIED:
            columns = [r[1] for r in source.execute(f"PRAGMA table_info({name})")]
            wanted = {r["column_name"] for r in await conn.fetch(
                "SELECT column_name FROM information_schema.columns WHERE table_name = $1",
                name)}
            columns = [c for c in columns if c in wanted]
            rows = source.execute(f"SELECT {', '.join(columns)} FROM {name}")
            while batch := rows.fetchmany(50_000):
                await conn.copy_records_to_table(name, records=batch, columns=columns)
        await conn.execute("SELECT setval(pg_get_serial_sequence('events', 'id'),"
                           " (SELECT max(id) FROM events))")
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
        source.close()


def main(argv: list[str] | None = None) -> int:
    args = argparse.ArgumentParser(prog="python -m bench.pages", description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    args.add_argument("databases", nargs="*", help="SQLite files or postgresql:// URLs")
    args.add_argument("--runs", type=int, default=15, help="timed runs of each request")
    args.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args.add_argument("--build", nargs=2, metavar=("FILE", "SIZE"),
                      help="seed FILE with SIZE jurisdictions and fill it (reused if it exists)")
    args.add_argument("--events", type=int, default=0, help="events in all, for --build")
    args.add_argument("--to-postgres", nargs=2, metavar=("FILE", "URL"),
                      help="copy a built FILE into the empty PostgreSQL database URL")
    opts = args.parse_args(argv)
    if opts.build:
        build(Path(opts.build[0]), int(opts.build[1]), opts.events)
    if opts.to_postgres:
        asyncio.run(to_postgres(Path(opts.to_postgres[0]), opts.to_postgres[1]))
    figures = [asyncio.run(measure(d, opts.runs)) for d in opts.databases]
    if figures:
        print(table(figures))
    if opts.json:
        opts.json.write_text(json.dumps([f.summary() for f in figures], indent=2) + "\n")
    return 1 if any(f.failures for f in figures) else 0


if __name__ == "__main__":
    raise SystemExit(main())
