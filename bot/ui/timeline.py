"""A dossier's timeline: one jurisdiction's record as one self-contained HTML page.

No script, no external resource (fonts, styles and all are in the page), and a print
style sheet that fits A4 and Letter alike: the paper size is the printer's, the margins
and type are ours, table headers repeat on each page and rows do not split. Every piece
of stored text goes through ``html.escape``: a name such as ``<script>`` is shown, never
run."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC
from html import escape

from workflows.dossier import Chapter, Stamp, recorded_note
from workflows.evidence import EVIDENCE
from workflows.model import CourtOrder, Event, Round

Label = Callable[[str], str]
_SHOWN_APART = {"note", "name"}
"""Detail keys not in a step's list of details: the note is shown as the step's note,
the name is the jurisdiction's (in the page's title)."""

STYLE = """
:root { color: #1b1f24; background: #fff; }
body { font: 10.5pt/1.45 "Helvetica Neue", Arial, "Liberation Sans", sans-serif;
       max-width: 60rem; margin: 2rem auto; padding: 0 1.5rem; }
h1 { font-size: 17pt; margin: 0 0 .2rem; }
h2 { font-size: 12.5pt; margin: 1.6rem 0 .5rem; border-bottom: 1.5px solid #1b1f24;
     padding-bottom: .15rem; break-after: avoid; }
.facts { color: #444; margin: 0 0 .6rem; }
.facts b { color: #1b1f24; }
table { border-collapse: collapse; width: 100%; font-size: 9.5pt; }
th, td { text-align: left; vertical-align: top; padding: .3rem .45rem;
         border-bottom: 1px solid #d5d9de; }
th { background: #eef1f4; font-weight: 600; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
td.n { text-align: right; white-space: nowrap; }
.when { white-space: nowrap; }
.late { display: inline-block; margin-top: .15rem; padding: 0 .3rem; font-size: 8.5pt;
        background: #fff3cd; border: 1px solid #e0c36c; border-radius: 3px; }
.note { margin: .15rem 0 0; }
.detail { color: #555; font-size: 8.5pt; margin: .15rem 0 0; }
.hash, code { font: 8.5pt/1.3 "DejaVu Sans Mono", Menlo, Consolas, monospace;
              word-break: break-all; }
.muted { color: #666; }
ul.counted { list-style: none; padding: 0; margin: 0; font-size: 9.5pt; }
ul.counted > li { margin: 0 0 .5rem; break-inside: avoid; page-break-inside: avoid; }
ul.counted ol { margin: .15rem 0 0; padding-left: 1.4rem; }
footer { margin-top: 2rem; color: #555; font-size: 8.5pt; border-top: 1px solid #d5d9de;
         padding-top: .5rem; }
@page { margin: 16mm 14mm 18mm; }
@media print {
  body { margin: 0; padding: 0; max-width: none; font-size: 9.5pt; }
  th { background: #eef1f4; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .late { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  h2 { break-after: avoid; page-break-after: avoid; }
}
"""


def render(chapter: Chapter, stamp: Stamp, label_of: Label = str) -> str:
    """The timeline page of ``chapter``, as made at ``stamp``."""
    j = chapter.jurisdiction
    title = escape(f"{j.name} — administrative record")
    parts = [f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
             f"<title>{title}</title><style>{STYLE}</style></head><body>",
             _heading(chapter, stamp, label_of),
             _section("Rounds and deadlines", ("Round", "Demand", "Sent", "Due", "Outcome"),
                      [_round(r) for r in j.rounds], "No round has been sent."),
             _counted(chapter),
             _section("Steps", ("#", "Date", "Step", "Who", "State", "Recorded"),
                      [_step(e, label_of) for e in chapter.events], "No step recorded."),
             _section("Court orders", ("Order", "Case", "Court", "Dated", "Blocks", "Lifted"),
                      [_order(o) for o in j.orders], "No court order."),
             _section("Evidence", ("#", "File", "Bytes", "SHA-256", "In this dossier"),
                      _evidence(chapter), "No evidence attached."),
             _footer(chapter, stamp), "</body></html>\n"]
    return "\n".join(parts)


def _heading(chapter: Chapter, stamp: Stamp, label_of: Label) -> str:
    j = chapter.jurisdiction
    facts = [("Id", j.id), ("Kind", j.kind), ("State", j.us_state),
             ("Also known as", ", ".join(j.aliases)), ("Owner", j.owner or "")]
    shown = " · ".join(f"<b>{escape(k)}</b> {escape(v)}" for k, v in facts if v)
    due = f", due {j.due_on.isoformat()}" if j.due_on else ""
    return (f"<header><h1>{escape(j.name)}</h1><p class=\"facts\">{shown}</p>"
            f"<p class=\"facts\"><b>Status</b> {escape(label_of(j.state))}{escape(due)}"
            f" · <b>Events</b> {len(chapter.events)}"
            f" · <b>Made</b> {_moment(stamp)}"
            f" · <b>Record head</b> <code>{escape(str(stamp.seal.fingerprint))}</code></p>"
            "</header>")


def _section(title: str, columns: Sequence[str], rows: Iterable[str], empty: str) -> str:
    body = "\n".join(rows)
    if not body:
        return f"<h2>{escape(title)}</h2><p class=\"muted\">{escape(empty)}</p>"
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    return (f"<h2>{escape(title)}</h2><table><thead><tr>{head}</tr></thead>"
            f"<tbody>\n{body}\n</tbody></table>")


def _cells(*cells: str) -> str:
    """A row of cells already escaped."""
    return "<tr>" + "".join(cells) + "</tr>"


def _td(text: str, cls: str = "") -> str:
    return f"<td class=\"{cls}\">{text}</td>" if cls else f"<td>{text}</td>"


def _round(r: Round) -> str:
    due = r.due_on.isoformat() if r.due_on else "none"
    rule = (f" ({r.due_rule}{', business days' if r.business_days else ''})"
            if r.due_rule and r.due_rule != due else "")
    paused = f"; clock paused {r.paused_on.isoformat()}" if r.paused_on else ""
    outcome = (f"{r.outcome.replace('_', ' ')} {r.closed_on.isoformat() if r.closed_on else ''}"
               .strip() if r.outcome else "open")
    return _cells(_td(str(r.number)), _td(escape(r.kind)),
                  _td(escape(r.sent_on.isoformat()), "when"),
                  _td(escape(due + rule + paused)), _td(escape(outcome)))


def _counted(chapter: Chapter) -> str:
    """How each round's deadline was counted, step by step, as ``/review deadline``
    shows it (with the rules it applies, holidays and closure days skipped)."""
    if not chapter.derivations:
        return ""
    rounds = "".join(
        f"<li><b>Round {d.round} ({escape(d.round_kind)})</b><ol>"
        + "".join(f"<li>{escape(line)}</li>" for line in d.lines()) + "</ol></li>"
        for d in chapter.derivations)
    return f"<h2>How each deadline was counted</h2><ul class=\"counted\">{rounds}</ul>"


def _step(e: Event, label_of: Label) -> str:
    moved = (f"{label_of(e.from_state)} → {label_of(e.to_state)}"
             if e.from_state and e.to_state and e.from_state != e.to_state
             else label_of(e.to_state) if e.to_state else "")
    what = escape(e.kind) + _note(e)
    late = recorded_note(e)
    recorded = _moment_of(e) + (f"<br><span class=\"late\">{escape(late)}</span>"
                                if late else "")
    return _cells(_td(str(e.seq)), _td(escape(e.on.isoformat()), "when"), _td(what),
                  _td(escape(e.actor)), _td(escape(moved)), _td(recorded, "when"))


def _note(e: Event) -> str:
    note = str(e.detail.get("note") or "")
    shown = f"<p class=\"note\">{escape(note)}</p>" if note else ""
    if e.kind == EVIDENCE:
        name, sha = str(e.detail.get("name", "")), str(e.detail.get("sha256", ""))
        return (shown + f"<p class=\"detail\">{escape(name)}"
                f" <span class=\"hash\">{escape(sha)}</span></p>")
    rest = {k: v for k, v in e.detail.items()
            if k not in _SHOWN_APART and v not in (None, "", [], {})}
    if not rest:
        return shown
    listed = "; ".join(f"{k.replace('_', ' ')}: {_value(v)}" for k, v in sorted(rest.items()))
    return shown + f"<p class=\"detail\">{escape(listed)}</p>"


def _value(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return ", ".join(value)
    return json.dumps(value, ensure_ascii=False)


def _order(o: CourtOrder) -> str:
    kind = f"{o.kind.value} #{o.id}" if o.id is not None else o.kind.value
    blocks = ", ".join(sorted(o.blocks)) or "nothing"
    lifted = o.lifted_on.isoformat() if o.lifted_on else ""
    scope = f"<p class=\"detail\">{escape(o.scope)}</p>" if o.scope else ""
    return _cells(_td(escape(kind)), _td(escape(o.case) + scope), _td(escape(o.court), "when"),
                  _td(escape(o.on.isoformat()), "when"), _td(escape(blocks)),
                  _td(escape(lifted), "when"))


def _evidence(chapter: Chapter) -> list[str]:
    rows = []
    for seq, found in chapter.evidence:
        path = chapter.kept.get(found.sha256)
        where = (f"yes: <code>{escape(path.rsplit('/', 1)[0])}/</code>, named by its hash"
                 if path else "<span class=\"muted\">not kept (hash only)</span>")
        rows.append(_cells(_td(str(seq)), _td(escape(found.name or "(unnamed)")),
                           _td(f"{found.size:,}", "n"),
                           _td(f"<span class=\"hash\">{escape(found.sha256)}</span>"),
                           _td(where)))
    return rows


def _footer(chapter: Chapter, stamp: Stamp) -> str:
    return ("<footer>Every step above is in <code>"
            f"{escape(chapter.history_path)}</code> with its SHA-256 digest and link. "
            "Check this dossier alone, offline, with <code>review-bot verify --dossier "
            "FILE.zip</code>, and against a fingerprint posted in Slack with <code>--head "
            f"{escape(str(stamp.seal.fingerprint))}</code>. Dates are the steps' own days;"
            " times are UTC.</footer>")


def _moment(stamp: Stamp) -> str:
    return escape(stamp.made_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC"))


def _moment_of(e: Event) -> str:
    return escape(e.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M"))
