"""Reading jurisdictions from rows shaped like the record's jurisdictions.csv.

Pure: rows in, jurisdictions and line errors out. A file with any bad line imports
nothing; the caller decides by looking at ``errors``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from workflows.errors import BadInput
from workflows.model import Jurisdiction
from workflows.review import new_jurisdiction

REQUIRED = ("id", "name")
OPTIONAL = ("kind", "state", "aliases", "first_letter")


@dataclass
class ImportPlan:
    jurisdictions: list[Jurisdiction] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def plan_jurisdictions(header: Iterable[str], rows: Iterable[Mapping[str, str | None]],
                       taken: set[str]) -> ImportPlan:
    """Validate every row; ``taken`` holds ids and aliases that already exist.

    Line numbers count the header as line 1, as a spreadsheet shows them."""
    plan = ImportPlan()
    columns = [c.strip() for c in header]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        plan.errors.append(f"line 1: missing column(s) {', '.join(missing)}; "
                           f"expected {', '.join(REQUIRED + OPTIONAL)}")
        return plan
    seen = set(taken)
    for line, row in enumerate(rows, start=2):
        try:
            j = new_jurisdiction(
                row.get("id") or "", row.get("name") or "", row.get("kind") or "",
                row.get("state") or "",
                tuple((row.get("aliases") or "").replace(";", ",").split(",")))
        except BadInput as error:
            plan.errors.append(f"line {line}: {error.message}")
            continue
        clash = [key for key in (j.id, *j.aliases) if key in seen]
        if clash:
            plan.errors.append(f"line {line}: “{clash[0]}” is already taken")
            continue
        seen.update((j.id, *j.aliases))
        plan.jurisdictions.append(j)
    return plan
