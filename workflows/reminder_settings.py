"""The ``reminders:`` part of a workflow file: when reminders fall, and when the
follow-ups of an overdue deadline stop.

``max_follow_ups`` caps the follow-ups one deadline gets after its overdue reminder
(none: no cap, as files written before it behave); ``stop_after_escalation`` ends them
once the escalation has told the leads. ``workflows.definition`` reads the rest of
the file."""

from __future__ import annotations

from dataclasses import dataclass, replace

from workflows.deadlines import VERY_OVERDUE_BUSINESS_DAYS
from workflows.reminders import Policy
from workflows.workflow_file import At, WorkflowFile, describe

FIELDS = ("before", "follow_up_every", "very_overdue", "max_follow_ups",
          "stop_after_escalation")
MOST_FOLLOW_UPS = 100


@dataclass(frozen=True)
class Reminders:
    """When deadline reminders fall, in business days, and when follow-ups stop."""

    before: tuple[int, ...] = (3, 1)
    follow_up_every: int = 5
    very_overdue: int = VERY_OVERDUE_BUSINESS_DAYS
    max_follow_ups: int | None = None
    stop_after_escalation: bool = False

    def apply(self, policy: Policy) -> Policy:
        """``policy`` with these offsets (its business hours and time zone are kept)."""
        return replace(policy, before=self.before, follow_up_every=self.follow_up_every,
                       very_overdue=self.very_overdue, max_follow_ups=self.max_follow_ups,
                       stop_after_escalation=self.stop_after_escalation)


def parse_reminders(file: WorkflowFile, value: object) -> Reminders:
    at: At = ("reminders",)
    fields, default = file.fields(at, value, (), FIELDS), Reminders()
    before = [file.whole((*at, "before", n), day, 60) for n, day in
              enumerate(file.items((*at, "before"), fields.get("before", default.before)))]
    if len(set(before)) != len(before):
        file.fail((*at, "before"), "names a day twice")
    return Reminders(
        tuple(sorted(before, reverse=True)),
        file.whole((*at, "follow_up_every"),
                   fields.get("follow_up_every", default.follow_up_every), 60),
        file.whole((*at, "very_overdue"), fields.get("very_overdue", default.very_overdue),
                   260),
        _cap(file, (*at, "max_follow_ups"), fields.get("max_follow_ups")),
        file.flag((*at, "stop_after_escalation"), fields.get("stop_after_escalation", False)))


def _cap(file: WorkflowFile, at: At, value: object) -> int | None:
    """A count from 0 (the overdue reminder alone) up; absent: no cap."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MOST_FOLLOW_UPS:
        file.fail(at, f"should be a whole number of follow-ups from 0 to {MOST_FOLLOW_UPS}, "
                      f"not {describe(value)} (leave it out for no cap)")
    return value
