"""The record's fingerprint and what ``verify`` found, as Slack messages."""

from __future__ import annotations

from bot.ui import render
from bot.ui.render import Block, Reply, count
from workflows.chain import Seal
from workflows.verification import Report

SLASH = "/review"


def seal_context(seal: Seal) -> Block:
    """One line under a summary: the fingerprint Slack keeps a copy of."""
    return render.context(f":lock: Record fingerprint `{seal.fingerprint}` · "
                          f"{seal.events:,} events recorded · check it any time with "
                          f"`{SLASH} verify {seal.fingerprint}`")


def sealed(seal: Seal, by: str) -> Reply:
    """What ``/review seal`` posts in the channel."""
    if not seal.events:
        return Reply("Nothing is recorded yet: there is no history to seal.")
    text = (f":lock: *Record sealed* by <@{by}>: fingerprint `{seal.fingerprint}`, covering"
            f" the {count(seal.events, 'event')} recorded so far.")
    return Reply(f"Record sealed: fingerprint {seal.fingerprint} ({seal.events:,} events).", [
        render.section(text),
        render.context(f"This message is Slack's copy. Anyone can check later that the history"
                       f" up to here is unchanged: `{SLASH} verify {seal.fingerprint}`, or"
                       f" `review-bot verify --head {seal.fingerprint}` where the database is."),
    ], in_channel=True)


def checking(seal: Seal) -> str:
    """Said before a long check begins."""
    seconds = max(1, round(seal.events / 60_000))
    return (f":hourglass_flowing_sand: Checking the {count(seal.events, 'event')} of the"
            f" record; the answer comes here in about {seconds} s.")


def verified(report: Report) -> Reply:
    """What ``/review verify`` answers (to the caller alone)."""
    lines = [f"Checked {count(report.events, 'event')} of"
             f" {count(report.jurisdictions, 'jurisdiction')}, sealed in"
             f" {count(report.blocks, 'block')}: every digest, link and head recomputed"
             " from the events themselves."]
    fingerprint = report.fingerprint
    if fingerprint is not None:
        if report.fingerprint_matches:
            lines.insert(0, f":white_check_mark: *`{fingerprint}` matches*: the history up to"
                            f" its {fingerprint.events:,} events is unchanged.")
        elif report.fingerprint_found:
            lines.insert(0, f":x: *`{fingerprint}` does not match*: the history up to"
                            f" {fingerprint.events:,} events is not what it was when that"
                            " fingerprint was made.")
        else:
            lines.insert(0, f":x: *No head covers exactly {fingerprint.events:,} events*:"
                            f" `{fingerprint}` is not a fingerprint of this record as it"
                            " stands.")
    if report.problems:
        lines.append(":x: *The record has been changed*:")
        lines += [f"• {render.escape(str(problem))}" for problem in report.problems[:10]]
        if len(report.problems) > 10:
            lines.append(f"…and {len(report.problems) - 10:,} more (`review-bot verify`"
                         " lists them all)")
    elif fingerprint is None or report.fingerprint_matches:
        lines.append(f":white_check_mark: The record is intact; its fingerprint now is"
                     f" `{report.current}`.")
    text = "\n".join(lines)
    return Reply("The record is intact." if report.intact else "The record has been changed.",
                 [render.section(text[:2_900])])
