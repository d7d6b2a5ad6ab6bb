"""The figures as people read them: two tables and the targets, met or missed.

``render`` turns ``Results`` into the text that is printed and written to the output
file; ``verdicts`` checks the targets of the issue that asked for this benchmark.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.ack import AckReport, AppFigures

ACK_RATIO_TARGET = 1.5
ACK_P99_TARGET_MS = 100.0
ACK_TARGET_CLIENTS = 50
TARGET_SIZE = 100_000
CLAIM_TARGET_S = 0.2
SUMMARY_TARGET_S = 1.0
RSS_TARGET_MIB = 250.0


@dataclass
class SizeFigures:
    """One database size: the seeder's report and the measurements (bench.seed and
    bench.scale JSON, as they printed it)."""

    size: int
    seed: dict[str, Any]
    measure: dict[str, Any]

    def median(self, operation: str) -> float:
        return float(statistics.median(self.measure["runs"][operation]))

    def max(self, operation: str) -> float:
        return float(max(self.measure["runs"][operation]))

    @property
    def rss_mib(self) -> float:
        return float(self.measure["peak_rss_kib"]) / 1024


@dataclass
class Results:
    machine: str
    ack: AckReport | None = None
    scale: list[SizeFigures] = field(default_factory=list)


@dataclass(frozen=True)
class Verdict:
    target: str
    met: bool | None  # None: not measured in this run
    figure: str


# -- targets ---------------------------------------------------------------------------


def verdicts(results: Results) -> list[Verdict]:
    return [*_ack_verdicts(results.ack), *_scale_verdicts(results.scale)]


def _ack_verdicts(ack: AckReport | None) -> list[Verdict]:
    ratio_target = f"p99 ack latency at most {ACK_RATIO_TARGET}x the bare Bolt app's"
    p99_target = (f"p99 ack latency under {ACK_P99_TARGET_MS:.0f} ms at "
                  f"{ACK_TARGET_CLIENTS} concurrent clients")
    if ack is None:
        return [Verdict(ratio_target, None, "not measured"),
                Verdict(p99_target, None, "not measured")]
    ours, bare = ack.bot.load["p99_ms"], ack.bare.load["p99_ms"]
    ratio = ours / bare
    at = ("" if ack.load.clients == ACK_TARGET_CLIENTS
          else f" (measured at {ack.load.clients} clients, not {ACK_TARGET_CLIENTS})")
    return [Verdict(ratio_target, ratio <= ACK_RATIO_TARGET,
                    f"{ratio:.2f}x ({ours:.1f} ms against {bare:.1f} ms)"),
            Verdict(p99_target, None if at else ours < ACK_P99_TARGET_MS, f"{ours:.1f} ms{at}")]


def _scale_verdicts(scale: list[SizeFigures]) -> list[Verdict]:
    at = f"at {TARGET_SIZE:,} jurisdictions"
    targets = [(f"sweep claim under {CLAIM_TARGET_S * 1000:.0f} ms {at} (median)",
                lambda s: s.median("claim") < CLAIM_TARGET_S,
                lambda s: f"{s.median('claim') * 1000:.0f} ms (max {s.max('claim') * 1000:.0f})"),
               (f"leadership summary under {SUMMARY_TARGET_S:.0f} s {at} (median)",
                lambda s: s.median("summary") < SUMMARY_TARGET_S,
                lambda s: f"{s.median('summary') * 1000:.0f} ms "
                          f"(max {s.max('summary') * 1000:.0f})"),
               (f"peak RSS under {RSS_TARGET_MIB:.0f} MiB {at}",
                lambda s: s.rss_mib < RSS_TARGET_MIB, lambda s: f"{s.rss_mib:.0f} MiB")]
    found = next((s for s in scale if s.size == TARGET_SIZE), None)
    return [_verdict(name, found, met, figure) for name, met, figure in targets]


def _verdict(name: str, found: SizeFigures | None, met: Callable[[SizeFigures], bool],
             figure: Callable[[SizeFigures], str]) -> Verdict:
    if found is None:
        return Verdict(name, None, "not measured")
    return Verdict(name, met(found), figure(found))


# -- text ------------------------------------------------------------------------------


def render(results: Results) -> str:
    parts = [f"review-bot benchmark: {results.machine}"]
    if results.ack is not None:
        parts.append(ack_table(results.ack))
    if results.scale:
        parts.append(scale_table(results.scale))
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
              ("list_last", "list: last page"))


def scale_table(scale: list[SizeFigures]) -> str:
    runs = len(scale[0].measure["runs"]["claim"])
    width = 19
    head = "".join(f"{s.size:>{width},}" for s in scale)
    lines = [f"Storage at scale: median (max) ms of {runs} runs, each on a fresh copy of "
             "the database, as of the first sweep of a business day",
             f"{'jurisdictions':<30}{head}",
             _row("seeded in (s), not a target", [f"{s.seed['seconds']:.0f}" for s in scale]),
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
                                  for s in scale]))
    lines.append(_row("peak RSS MiB (measuring)", [f"{s.rss_mib:.0f}" for s in scale]))
    return "\n".join(lines)


def _row(label: str, cells: list[str]) -> str:
    return f"{label:<30}" + "".join(f"{cell:>19}" for cell in cells)


def targets_text(found: list[Verdict]) -> str:
    marks = {True: "met   ", False: "MISSED", None: "  -   "}
    return "Targets\n" + "\n".join(f"  [{marks[v.met]}] {v.target}: {v.figure}" for v in found)
