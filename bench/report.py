"""The figures as people read them: each part's table, then every target met or missed.

``render`` turns ``Results`` into the text that is printed and written to the output
file; ``verdicts`` checks the targets of the issues that asked for this benchmark, from
the figures each part wrote (issue 14's at 100,000 jurisdictions, and the ack's).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.ack import AckReport, AppFigures, Load

ACK_RATIO_TARGET = 1.5
ACK_P99_TARGET_MS = 100.0
ACK_TARGET_CLIENTS = 50
TARGET_SIZE = 100_000
SEED_TARGET_S = 120.0
SCALE_TARGETS_MS = {"claim": 50.0, "summary": 200.0, "chart": 150.0, "export_state": 2000.0}
RSS_TARGET_MIB = 200.0


@dataclass
class SizeFigures:
    """One review, on one engine: the seeder's report and the measurements (bench.seed
    and bench.scale JSON, as they printed it)."""

    size: int
    seed: dict[str, Any]
    measure: dict[str, Any]

    @property
    def engine(self) -> str:
        return str(self.measure.get("engine", "sqlite"))

    def median(self, operation: str) -> float:
        return float(statistics.median(self.measure["runs"][operation]))

    def max(self, operation: str) -> float:
        return float(max(self.measure["runs"][operation]))

    @property
    def rss_mib(self) -> float:
        return float(self.measure["peak_rss_kib"]) / 1024


@dataclass
class Part:
    """A part run as a script of its own: the table it printed, its exit status, the
    figures it wrote as JSON."""

    name: str
    text: str
    exit: int
    figures: Any


@dataclass
class Results:
    machine: str
    ack: AckReport | None = None
    scale: list[SizeFigures] = field(default_factory=list)
    parts: list[Part] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Results:
        """Results as ``bench.run`` wrote them (``--render``: the report worded anew)."""
        ack = data.get("ack")
        return cls(data["machine"],
                   ack and AckReport(Load(**ack["load"]), ack["size"],
                                     AppFigures(**ack["bare"]), AppFigures(**ack["bot"])),
                   [SizeFigures(**s) for s in data.get("scale", [])],
                   [Part(**p) for p in data.get("parts", [])])

    @property
    def broken(self) -> bool:
        """A part that ran but said something failed (a failed request is counted in
        its figures and its targets; this is for the exit status)."""
        return any(part.exit for part in self.parts)


@dataclass(frozen=True)
class Verdict:
    target: str
    met: bool | None  # None: not measured in this run
    figure: str


# -- targets ---------------------------------------------------------------------------


def verdicts(results: Results) -> list[Verdict]:
    found = [*_scale_verdicts(results.scale)]
    for part in results.parts:
        found += PART_VERDICTS[part.name](part.figures)
    return [*found, *_ack_verdicts(results.ack)]


def _ack_verdicts(ack: AckReport | None) -> list[Verdict]:
    ratio_target = f"ack: p99 at most {ACK_RATIO_TARGET}x the bare Bolt app's"
    p99_target = f"ack: p99 under {ACK_P99_TARGET_MS:.0f} ms at {ACK_TARGET_CLIENTS} clients"
    if ack is None:
        return []
    ours, bare = ack.bot.load["p99_ms"], ack.bare.load["p99_ms"]
    ratio = ours / bare
    at = ("" if ack.load.clients == ACK_TARGET_CLIENTS
          else f" (measured at {ack.load.clients} clients, not {ACK_TARGET_CLIENTS})")
    return [Verdict(ratio_target, ratio <= ACK_RATIO_TARGET,
                    f"{ratio:.2f}x ({ours:.1f} ms against {bare:.1f} ms)"),
            Verdict(p99_target, None if at else ours < ACK_P99_TARGET_MS, f"{ours:.1f} ms{at}")]


def _scale_verdicts(scale: list[SizeFigures]) -> list[Verdict]:
    found = []
    for s in scale:
        if s.size != TARGET_SIZE:
            continue
        at = f"{s.engine}, {TARGET_SIZE:,} jurisdictions"
        seconds = float(s.seed["seconds"])
        found.append(Verdict(f"{at}: seeded in under {SEED_TARGET_S:.0f} s",
                             seconds < SEED_TARGET_S,
                             f"{seconds:.0f} s ({s.seed['rows']['events']:,} events)"))
        for name, target in SCALE_TARGETS_MS.items():
            median = s.median(name) * 1000
            found.append(Verdict(f"{at}: {name.replace('_', ' ')} under {target:,.0f} ms",
                                 median < target,
                                 f"{median:,.1f} ms median (max {s.max(name) * 1000:,.1f})"))
        found.append(Verdict(f"{at}: peak RSS under {RSS_TARGET_MIB:.0f} MiB while measuring",
                             s.rss_mib < RSS_TARGET_MIB, f"{s.rss_mib:.0f} MiB"))
    return found


def _pages_verdicts(figures: list[dict[str, Any]]) -> list[Verdict]:
    found = []
    for db in figures:
        if db["jurisdictions"] != TARGET_SIZE:
            continue
        engine = "postgresql" if db["database"].startswith("postgres") else "sqlite"
        slowest: dict[str, tuple[str, dict[str, Any]]] = {}
        for name, op in db["operations"].items():
            kind = name.split("_")[0]
            if kind not in slowest or op["median_ms"] > slowest[kind][1]["median_ms"]:
                slowest[kind] = (name, op)
        for kind, (name, op) in slowest.items():
            found.append(Verdict(
                f"{engine}, {TARGET_SIZE:,} jurisdictions: every {kind} page under "
                f"{op['target_ms']:g} ms" if kind in ("list", "history") else
                f"{engine}, {TARGET_SIZE:,} jurisdictions: {kind} under {op['target_ms']:g} ms",
                not db["failures"] and all(o["met"] for n, o in db["operations"].items()
                                           if n.split("_")[0] == kind),
                f"slowest {name} {op['median_ms']:.1f} ms median"))
    return found


def _imports_verdicts(figures: dict[str, Any]) -> list[Verdict]:
    words = {"jurisdictions_seconds": ("100,000 jurisdiction lines imported in under", "s"),
             "dry_run_seconds": ("1,000,000 event lines: dry run in under", "s"),
             "import_seconds": ("1,000,000 event lines: imported in under", "s"),
             "peak_rss_mb": ("imports: peak RSS under", "MB"),
             "read_wait_ms": ("imports: another person's reads answered within", "ms"),
             "write_wait_ms": ("imports: another person's writes waited at most", "ms")}
    return [Verdict(f"{words[name][0]} {f['target']:,.0f} {words[name][1]}"
                    if name in words else name, bool(f["met"]),
                    f"{f['value']:,.1f} {words.get(name, ('', ''))[1]}")
            for name, f in figures.get("targets", {}).items()]


def _answer_verdicts(figures: dict[str, Any]) -> list[Verdict]:
    return [Verdict(f"answer, {command} at {clients} client(s): {name}", bool(ok),
                    f"p50 {fig['bot']['p50_ms']:.2f} vs {fig['bare']['p50_ms']:.2f} ms, "
                    f"p99 {fig['ratios']['p99']:.2f}x, answers/s "
                    f"{fig['ratios']['per_second']:.2f}x")
            for command, by_clients in figures["figures"].items()
            for clients, fig in by_clients.items()
            for name, ok in fig["targets"].items()]


def _writes_verdicts(figures: dict[str, Any]) -> list[Verdict]:
    return [Verdict(f"writes: {t['target']}", bool(t["met"]), t["figure"])
            for t in figures["targets"]]


PART_VERDICTS: dict[str, Callable[[Any], list[Verdict]]] = {
    "pages": _pages_verdicts, "imports": _imports_verdicts, "answer": _answer_verdicts,
    "writes": _writes_verdicts}


# -- text ------------------------------------------------------------------------------

TITLES = {"pages": "Pages people read (bench.pages): median / max ms of each request",
          "imports": "Imports (bench.imports): the real command line, fresh processes",
          "answer": "Time to answer (bench.answer)",
          "writes": "Writes (bench.writes)"}


def render(results: Results) -> str:
    parts = [f"review-bot benchmark: {results.machine}"]
    for engine in dict.fromkeys(s.engine for s in results.scale):
        parts.append(scale_table([s for s in results.scale if s.engine == engine]))
    parts += [f"{TITLES[p.name]}\n{p.text.rstrip()}" for p in results.parts]
    if results.ack is not None:
        parts.append(ack_table(results.ack))
    parts.append(targets_text(verdicts(results)))
    return "\n\n".join(parts) + "\n"


def ack_table(ack: AckReport) -> str:
    load = ack.load
    lines = [f"Ack latency: `/review {load.text}` from {load.clients} concurrent clients "
             f"(each sends its next command when the last is acked), {load.requests:,} "
             f"requests per app after {load.warmup:,} warm-up, in {load.rounds} rounds "
             f"each; the bot's database holds {ack.size:,} jurisdictions",
             f"{'':<22}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'max ms':>9}{'acks/s':>9}"
             f"{'errors':>8}{'peak RSS MiB':>14}"]
    lines += [_app_row(app) for app in (ack.bare, ack.bot)]
    lines.append(_ratio_row(ack.bot.load, ack.bare.load))
    bot = ack.bot
    if bot.answers is not None and bot.answered_after_s is not None:
        lines.append(f"The bot answered {bot.answers:,} of {load.requests + load.warmup:,} "
                     f"commands on their response_url; in its slowest round the last "
                     f"answer came {bot.answered_after_s:.1f} s after the last ack.")
    return "\n".join(lines)


def _app_row(app: AppFigures) -> str:
    f = app.load
    return (f"{app.name:<22}{f['p50_ms']:>9.1f}{f['p90_ms']:>9.1f}{f['p99_ms']:>9.1f}"
            f"{f['max_ms']:>9.1f}{f['per_second']:>9.0f}{f['errors']:>8}"
            f"{app.peak_rss_kib / 1024:>14.0f}")


def _ratio_row(ours: dict[str, Any], bare: dict[str, Any]) -> str:
    cells = "".join(f"{ours[key] / bare[key]:>8.2f}x"
                    for key in ("p50_ms", "p90_ms", "p99_ms", "max_ms", "per_second"))
    return f"{'review-bot / bare':<22}{cells}"


SCALE_ROWS = (("claim", "claim due reminders (sweep)"), ("summary", "leadership summary"),
              ("chart", "  its chart (PNG)"), ("list_first", "list: first page"),
              ("list_last", "list: last page"), ("export_state", "export state (CSV)"))


def scale_table(scale: list[SizeFigures]) -> str:
    """One engine's reviews side by side, and how each figure grows from the smallest to
    the largest."""
    runs = len(scale[0].measure["runs"]["claim"])
    width = 19
    head = "".join(f"{s.size:>{width},}" for s in scale) + f"{'growth':>{width}}"
    grown = f"x{scale[-1].size / scale[0].size:,.0f} jurisdictions"
    lines = [f"Storage at scale, {scale[0].engine}: median (max) ms of {runs} runs, each on "
             "a fresh copy of the review, as of the first sweep of a business day; growth "
             f"is the largest review's median over the smallest's ({grown})",
             f"{'jurisdictions':<30}{head}",
             _row("seeded in (s)", [f"{s.seed['seconds']:.0f}" for s in scale]
                  + [_growth(scale[0].seed["seconds"], scale[-1].seed["seconds"])]),
             _row("events / reminders rows", [f"{s.seed['rows']['events']:,} / "
                                              f"{s.seed['rows']['reminders']:,}"
                                              for s in scale]),
             _row("reminders due / claimed", [f"{s.seed['due_now']:,} / "
                                              f"{s.measure['claimed']:,}" for s in scale]),
             _row("steps in the summary's week", [f"{s.measure['summary_steps']:,}"
                                                  for s in scale]),
             _row("pages of 20 in the list", [f"{s.measure['pages']:,}" for s in scale])]
    for key, label in SCALE_ROWS:
        lines.append(_row(label, [f"{s.median(key) * 1000:.1f} ({s.max(key) * 1000:.1f})"
                                  for s in scale]
                          + [_growth(scale[0].median(key), scale[-1].median(key))]))
    lines.append(_row("peak RSS MiB (measuring)", [f"{s.rss_mib:.0f}" for s in scale]))
    return "\n".join(lines)


def _growth(small: float, large: float) -> str:
    return f"x{large / small:,.1f}" if small > 0 else "-"


def _row(label: str, cells: list[str]) -> str:
    return f"{label:<30}" + "".join(f"{cell:>19}" if len(cell) < 19 else f"  {cell}"
                                    for cell in cells)


def targets_text(found: list[Verdict]) -> str:
    marks = {True: "met   ", False: "MISSED", None: "  -   "}
    met, missed = (sum(1 for v in found if v.met is m) for m in (True, False))
    return (f"Targets: {met} met, {missed} missed, {len(found) - met - missed} not measured\n"
            + "\n".join(f"  [{marks[v.met]}] {v.target}: {v.figure}" for v in found))
