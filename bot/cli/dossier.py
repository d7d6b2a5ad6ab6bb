"""``review-bot dossier``: the administrative record of jurisdictions as one ZIP; and
``review-bot verify --dossier``, its check alone, offline (``workflows.dossier_check``).

Exit status of ``dossier``: 0 written, 2 when it could not be (no database, an unknown
jurisdiction, a file that cannot be written). Of ``verify --dossier``: 0 intact (and
the fingerprint, if given, matches), 1 not, 2 not a dossier."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.cli.files import binary, written_whole
from bot.wiring.settings import Settings
from workflows.chain import Fingerprint
from workflows.dossier_check import DossierReport, NotADossier, check_dossier

if TYPE_CHECKING:
    from workflows.dossier import Made

    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]

OPERATOR = "cli"
"""The person at the command line (``bot.cli.main.OPERATOR``: an admin)."""


def add_parser(sub: Subparsers) -> None:
    parser = sub.add_parser(
        "dossier", help="write the administrative record of jurisdictions as one ZIP: for "
                        "each its timeline (HTML to read or print), its history as CSV and "
                        "its kept evidence files, with a manifest of every hash; check it "
                        "with verify --dossier")
    parser.add_argument("jurisdictions", nargs="*", metavar="JURISDICTION",
                        help="the jurisdictions to include, each by id, name or alias (or "
                             "the start of one)")
    parser.add_argument("--all", action="store_true", dest="everything",
                        help="include every jurisdiction (then the whole review-wide chain "
                             "is recomputed from the dossier's own events)")
    parser.add_argument("--output", "-o", type=Path, metavar="FILE.zip", required=True,
                        help="the ZIP to write (whole or not at all)")


async def run(settings: Settings, refs: list[str], everything: bool, output: Path) -> int:
    """Write the dossier of ``refs`` (or of every jurisdiction) to ``output``."""
    from bot.wiring.app import make_dossiers
    from bot.wiring.review import SystemClock, make_review
    from storage import open_store
    from workflows.errors import ReviewError

    if bool(refs) == everything:
        return _usage("name the jurisdictions to include, or give --all (not both)")
    if not settings.on_postgres and not settings.database_path.exists():
        return _usage(f"there is no database at {settings.database_path}")
    store = await open_store(settings.database_url)
    try:
        review = make_review(settings, store, SystemClock(), frozenset({OPERATOR}))
        try:
            ids = None if everything else list(dict.fromkeys(
                [(await review.resolve(ref)).id for ref in refs]))
        except ReviewError as refusal:
            return _usage(refusal.message)
        dossiers = make_dossiers(settings, store, SystemClock(), review.workflow.definition)
        try:
            with written_whole(output, binary) as out:
                made = await dossiers.write(ids, out)
        except OSError as error:
            return _usage(f"cannot write {output}: {error.strerror}")
    finally:
        await store.close()
    print(_summary(made, output))
    return 0


def _usage(text: str) -> int:
    print(f"review-bot: {text}", file=sys.stderr)
    return 2


def _summary(made: Made, output: Path) -> str:
    return (f"{made.jurisdictions:,} jurisdiction(s), {made.events:,} events and"
            f" {made.evidence_kept:,} evidence file(s) written to {output}"
            f" ({output.stat().st_size:,} bytes), at the record's head"
            f" {made.stamp.seal.fingerprint}.\nCheck it: review-bot verify --dossier"
            f" {output} [--head FINGERPRINT]")


def verify_file(path: Path, fingerprint: Fingerprint | None, as_json: bool) -> int:
    """Check the dossier at ``path`` alone; the exit status."""
    try:
        with path.open("rb") as handle:
            report = check_dossier(handle, fingerprint)
    except OSError as error:
        return _usage(f"cannot read {path}: {error.strerror}")
    except NotADossier as error:
        return _usage(f"{path}: {error}")
    return write_report(report, path, as_json, sys.stdout)


def _names(ids: list[str], shown: int = 5) -> str:
    if not ids:
        return "no jurisdiction"
    rest = len(ids) - shown
    return ", ".join(ids[:shown]) + (f" and {rest:,} more" if rest > 0 else "")


def write_report(report: DossierReport, path: Path, as_json: bool, out: TextIO) -> int:
    """Print what the check of a dossier found; return the exit status."""
    if as_json:
        out.write(json.dumps({"dossier": str(path), **report.as_dict()}, indent=2) + "\n")
        return 0 if report.intact else 1
    if report.problems:
        out.write(f"{path} has been changed: {len(report.problems):,} problem(s).\n")
        for problem in report.problems:
            out.write(f"  {problem}\n")
    else:
        out.write(f"{path} is intact: every file matches the manifest and every event its"
                  " hashes.\n")
    out.write(f"Checked {report.files:,} files and {report.events:,} events of"
              f" {_names(report.jurisdictions)}; head stated"
              f" {report.stated or 'none'}, recomputed {report.recomputed or 'none'}.\n")
    fingerprint = report.fingerprint
    if fingerprint is not None:
        if report.fingerprint_matches:
            out.write(f"{fingerprint} matches: the dossier's events are under the head posted"
                      f" after {fingerprint.events:,} events.\n")
        elif report.fingerprint_found:
            out.write(f"{fingerprint} does NOT match: the chain this dossier carries is not"
                      " the one that fingerprint was made of.\n")
        else:
            out.write(f"{fingerprint} does NOT match: no head of this dossier's chain covers"
                      f" exactly {fingerprint.events:,} events.\n")
    return 0 if report.intact else 1
