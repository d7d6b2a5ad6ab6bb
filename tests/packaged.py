"""The packaged workflow, for tests that build a ``Review`` without settings.

The bot is always given the workflow in force (``Settings.definition``, passed down
from the composition root); a test that has no settings gives it this one."""

from __future__ import annotations

from functools import cache

from workflows.definition import default_definition
from workflows.machine import Workflow


@cache
def packaged_workflow() -> Workflow:
    """One machine following ``workflows/review.yml``, shared as the bot shares its own."""
    return Workflow(default_definition())
