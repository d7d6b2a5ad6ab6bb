"""The README tells the truth: its workflow table and settings match the code."""

from __future__ import annotations

from pathlib import Path

from bot.wiring.settings import describe
from workflows.definition import RETURN, default_definition

STATES, STEPS = default_definition().states, default_definition().steps
README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def workflow_table() -> str:
    rows = ["| From | Steps (who) → to |", "| --- | --- |"]
    for state, label in STATES.items():
        cells = []
        for step in STEPS:
            if state not in step.sources:
                continue
            guards = step.guards.get(state, ())
            when = " after the deadline" if "overdue" in guards else ""
            when += " after a demand" if "after_demand" in guards else ""
            when += ", not the requester" if "not_requester" in guards else ""
            dest = "back where it was" if step.dest == RETURN else STATES[step.dest]
            roles = "/".join(sorted(role.value for role in step.roles))
            cells.append(f"`{step.name}` ({roles}{when}) → {dest}")
        rows.append(f"| {label} | {'<br>'.join(cells) or 'final'} |")
    return "\n".join(rows)


def test_readme_workflow_table_matches_the_rules() -> None:
    assert workflow_table() in README, "update README's workflow table to:\n" + workflow_table()


def test_readme_names_every_setting() -> None:
    for name, _, _ in describe():
        assert f"`{name}`" in README, name
