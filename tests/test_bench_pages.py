"""bench/pages.py builds a small database, times every page on it and writes its figures."""

from __future__ import annotations

import json
from pathlib import Path

from bench import pages


def test_the_pages_benchmark_builds_times_and_writes_its_figures(tmp_path: Path) -> None:
    database, figures = tmp_path / "review.db", tmp_path / "pages.json"
    assert pages.main(["--build", str(database), "300", "--events", "3000",
                       str(database), "--runs", "2", "--json", str(figures)]) == 0
    [written] = json.loads(figures.read_text())
    assert written["failures"] == [] and written["jurisdictions"] == 300
    assert written["events"] >= 3000 and written["busy_events"] >= 1000
    ops = written["operations"]
    assert {"list_last", "list_next_to_last", "history_last", "show_busy", "home"} <= set(ops)
    assert all(op["median_ms"] > 0 and op["target_ms"] in (10, 20, 50) for op in ops.values())
