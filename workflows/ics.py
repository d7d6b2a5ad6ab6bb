"""The running deadlines as an iCalendar file (RFC 5545), written with ``icalendar``
(which escapes every text and folds long lines: a name with newlines, commas or
semicolons stays inside its property).

Each deadline is one all-day event: DTSTART the due date (VALUE=DATE), DTEND the day
after, transparent (a deadline does not make anyone busy). Its UID is
``<jurisdiction>-round-<n>@<review id>``: the same across exports, so a client that
subscribed updates the event rather than adding another; SEQUENCE counts the moves of
its due date (``workflows.agenda``). DTSTAMP and LAST-MODIFIED are when the due date
was last set, so an unchanged review exports byte for byte the same file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from icalendar import Calendar, Event

from workflows.agenda import Entry

PRODID = "-//review-bot//Compliance review deadlines//EN"
MAX_NAME = 200
"""Characters of a jurisdiction's name shown in a title (the description has it whole)."""


@dataclass(frozen=True)
class Feed:
    """What the file is called, whose it is, and where each entry links back to."""

    name: str
    review_id: str
    link: Callable[[Entry], str]
    generated_at: datetime
    """DTSTAMP of an entry whose history does not say when its due date was set."""


def uid(entry: Entry, review_id: str) -> str:
    return f"{entry.jurisdiction_id}-round-{entry.round}@{review_id}"


def title(entry: Entry) -> str:
    """"Due: Chicago, IL — demand (round 3)"."""
    name = " ".join(entry.name.split())  # one line, however it was typed
    if len(name) > MAX_NAME:
        name = name[:MAX_NAME - 1] + "…"
    return f"Due: {name} — {entry.round_kind} (round {entry.round})"


def event_of(entry: Entry, feed: Feed) -> Event:
    link = feed.link(entry)
    event = Event()
    event.add("uid", uid(entry, feed.review_id))
    event.add("sequence", entry.sequence)
    stamp = entry.changed_at or feed.generated_at
    event.add("dtstamp", stamp)
    event.add("last-modified", stamp)
    event.add("dtstart", entry.due_on)
    event.add("dtend", entry.due_on + timedelta(days=1))
    event.add("summary", title(entry))
    event.add("description", f"{entry.name}: round {entry.round} ({entry.round_kind}) is due "
                             f"{entry.due_on.isoformat()}.\nDeadline: {entry.rule}."
                             f"\nIn Slack: {link}")
    event.add("url", link)
    event.add("transp", "TRANSPARENT")
    return event


def write_ics(entries: Iterable[Entry], feed: Feed) -> bytes:
    """The whole calendar."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", feed.name)
    for entry in entries:
        calendar.add_component(event_of(entry, feed))
    return bytes(calendar.to_ical())
