"""The review workflow packaged with the code, under the names the rest of the code uses.

The workflow itself is declared in ``workflows/review.yml`` and read (and checked) by
``workflows.definition``; this module only names the parts of that default. Code that
must follow a workflow given in settings (``REVIEW_WORKFLOW``) takes a ``Definition``
(``Workflow.definition``) instead.
"""

from __future__ import annotations

from workflows.definition import RETURN, Step, default_definition

__all__ = ["INITIAL", "PERMISSIONS", "RETURN", "SCOPES", "STATES", "STEPS", "STEP_NAMES",
           "Step", "expand_blocks", "label_of", "steps_named"]

_REVIEW = default_definition()

STATES: dict[str, str] = _REVIEW.states
INITIAL: str = _REVIEW.initial
STEPS: tuple[Step, ...] = _REVIEW.steps
STEP_NAMES: tuple[str, ...] = _REVIEW.step_names
SCOPES: dict[str, frozenset[str]] = _REVIEW.scopes
"""Named sets of steps an injunction can block (``blocks=escalation``)."""
PERMISSIONS = _REVIEW.permissions
"""Who may use the commands that are not workflow steps."""

steps_named = _REVIEW.steps_named
label_of = _REVIEW.label_of
expand_blocks = _REVIEW.expand_blocks
