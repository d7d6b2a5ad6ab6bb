"""The benchmarks run end to end in a tiny mode and write their figures (they time nothing
against a target here: the figures of a tiny run mean nothing)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parents[1]


def figures_of(module: str, out: Path, *args: str) -> tuple[str, Any]:
    """Run ``python -m module *args --out out``; what it printed and the JSON it wrote."""
    done = subprocess.run([sys.executable, "-m", module, *args, "--out", str(out)],
                          cwd=REPOSITORY, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout, json.loads(out.read_text(encoding="utf-8"))


def test_the_benchmark_runs_every_part_and_writes_its_figures(tmp_path: Path) -> None:
    out = tmp_path / "results.txt"
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--sizes", "200", "--repeat", "1",
         "--page-runs", "2", "--answer-requests", "10", "--answer-letters", "5",
         "--writes-seconds", "1", "--writes-size", "300", "--import-events", "2",
         "--ack-size", "200", "--clients", "5", "--requests", "40", "--warmup", "10",
         "--out", str(out)],
        cwd=REPOSITORY, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    assert text == done.stdout
    for title in ("Storage at scale, sqlite", "Pages people read", "Imports",
                  "Time to answer", "Writes", "bare Bolt AsyncApp", "Targets: "):
        assert title in text, title
    figures = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    ack = figures["ack"]
    assert ack["bare"]["load"]["requests"] == ack["bot"]["load"]["requests"] == 40
    assert ack["bare"]["load"]["errors"] == ack["bot"]["load"]["errors"] == 0
    assert ack["bot"]["answers"] == 50  # every command answered, warm-up included
    [size] = figures["scale"]
    assert size["seed"]["rows"]["jurisdictions"] == 200
    assert size["measure"]["claimed"] == size["seed"]["due_now"] > 0
    parts = {part["name"]: part for part in figures["parts"]}
    assert list(parts) == ["pages", "imports", "answer", "writes"]
    assert all(part["exit"] == 0 for part in parts.values())
    assert parts["pages"]["figures"][0]["failures"] == []
    assert parts["writes"]["figures"]["errors"] == 0


def test_the_stall_benchmark_runs_and_writes_its_figures(tmp_path: Path) -> None:
    printed, figures = figures_of("bench.stall", tmp_path / "stall.json", "--rows", "300",
                                  "--size", "50", "--idle-seconds", "0.5")
    assert "300 jurisdiction(s) added" in printed
    assert figures["rows"] == 300 and "300 jurisdiction(s) added" in figures["import_answer"]
    for when in ("idle", "during_import"):
        assert figures[when]["reads"]["failed"] == figures[when]["writes"]["failed"] == 0
    assert figures["idle"]["reads"]["answers"] > 0 and figures["idle"]["writes"]["answers"] > 0


def test_the_big_writes_benchmark_runs_and_writes_its_figures(tmp_path: Path) -> None:
    printed, figures = figures_of("bench.big_writes", tmp_path / "big_writes.json",
                                  "--rows", "300")
    for way in ("row by row", "staged"):
        for kind in ("jurisdictions", "steps"):
            assert figures[way][kind]["other_writes"] >= 1, (way, kind)
    assert printed.count("another person's write waited at most") == 4


def test_the_announcement_benchmark_runs_and_writes_its_figures(tmp_path: Path) -> None:
    _, figures = figures_of("bench.announce", tmp_path / "announce.json", "--commands", "3",
                            "--size", "20", "--settle", "30")
    assert (figures["commands"], figures["failed"], figures["announced"]) == (3, 0, 3)
    assert figures["announced_once"] and figures["announced_in_order"]


def test_the_verify_benchmark_checks_an_intact_and_an_edited_record(tmp_path: Path) -> None:
    out, figures = figures_of("bench.verify", tmp_path / "verify.json",
                              "--jurisdictions", "40", "--events", "6")
    assert figures["intact"]["events"] == 240 and figures["intact"]["exit"] == 0
    assert figures["edited"]["exit"] == 1
    assert figures["edited"]["problems"][0] == "town-000020 seq 5: edited"
    assert "verified in under 30 s" in out
