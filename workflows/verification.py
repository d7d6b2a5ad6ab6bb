"""Checking the record's chains (``workflows.chain`` says what they are): ``verify``
recomputes every digest, link and head from the stored events, in one pass in the
order they were written, and names the first broken link of each chain that breaks:
the jurisdiction and seq (or the block) and what is wrong with it (edited, deleted,
inserted, reordered). It never trusts a stored hash: they are only compared."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from workflows.chain import ZERO, Fingerprint, digest, head, link

EDITED, DELETED, INSERTED, REORDERED = "edited", "deleted", "inserted", "reordered"
YIELD_EVERY = 500
"""Events checked between turns given to the rest of the event loop (about 8 ms)."""


@dataclass(frozen=True)
class StoredEvent:
    """An event as stored, with the hashes it was recorded with (None if it has none)."""

    id: int
    jurisdiction_id: str
    seq: int
    kind: str
    actor: str
    on_date: str
    recorded_at: str
    from_state: str | None
    to_state: str | None
    detail: str
    digest: str | None
    link: str | None


@dataclass(frozen=True)
class StoredBlock:
    number: int
    first_id: int
    last_id: int
    events: int
    total: int
    digest: str
    head: str


@dataclass(frozen=True)
class Problem:
    """The first broken link of one chain: a jurisdiction's (``seq`` set) or the
    review-wide one (``block`` set)."""

    what: str
    """``edited``, ``deleted``, ``inserted`` or ``reordered``."""
    explanation: str
    jurisdiction_id: str | None = None
    seq: int | None = None
    block: int | None = None
    event_id: int | None = None
    """Where the break was found in the order written (for sorting problems)."""

    def as_dict(self) -> dict[str, Any]:
        return {"what": self.what, "jurisdiction": self.jurisdiction_id, "seq": self.seq,
                "block": self.block, "event_id": self.event_id,
                "explanation": self.explanation}

    def __str__(self) -> str:
        where = (f"{self.jurisdiction_id} seq {self.seq}" if self.jurisdiction_id
                 else f"the review-wide chain at block {self.block}")
        return f"{where}: {self.what}: {self.explanation}"


@dataclass
class Report:
    """What ``verify`` found."""

    events: int = 0
    jurisdictions: int = 0
    blocks: int = 0
    head: str = ZERO
    problems: list[Problem] = field(default_factory=list)
    fingerprint: Fingerprint | None = None
    fingerprint_found: bool = False
    """A head covering exactly ``fingerprint.events`` events was recomputed..."""
    fingerprint_matches: bool = False
    """...and its digits are the fingerprint's."""

    @property
    def intact(self) -> bool:
        return not self.problems and (self.fingerprint is None or self.fingerprint_matches)

    @property
    def current(self) -> Fingerprint:
        """The fingerprint of the head recomputed from the events."""
        return Fingerprint.of(self.events, self.head)

    def as_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "intact": self.intact, "events": self.events, "jurisdictions": self.jurisdictions,
            "blocks": self.blocks, "head": self.head, "fingerprint": str(self.current),
            "problems": [p.as_dict() for p in self.problems]}
        if self.fingerprint is not None:
            result["checked_fingerprint"] = {
                "fingerprint": str(self.fingerprint), "found": self.fingerprint_found,
                "matches": self.fingerprint_matches}
        return result


class ChainSource(Protocol):
    """The stored history, read from one consistent snapshot."""

    def versions(self) -> AsyncIterator[Sequence[tuple[str, int]]]:
        """Every jurisdiction's (id, version), a page at a time."""
        ...

    def events(self) -> AsyncIterator[Sequence[StoredEvent]]:
        """Every event in the order written (id), a page at a time."""
        ...

    def blocks(self) -> AsyncIterator[Sequence[StoredBlock]]:
        """Every block in order, a page at a time."""
        ...


Progress = Callable[[int], None]
"""Told how many events have been checked so far, every page."""


async def verify(source: ChainSource, fingerprint: Fingerprint | None = None,
                 progress: Progress | None = None) -> Report:
    """Recompute every digest, link and head from the stored events, in one pass in the
    order written, and name the first broken link of each chain that breaks. Memory:
    one entry per jurisdiction, one page of events and of blocks."""
    versions: dict[str, int] = {}
    async for versions_page in source.versions():
        versions.update(versions_page)
    checker = _Checker(versions, fingerprint)
    blocks = _Blocks(source.blocks())
    async for page in source.events():
        for n, event in enumerate(page, start=1):
            await blocks.before(event.id, checker)
            checker.event(event, blocks.current)
            if n % YIELD_EVERY == 0:
                await asyncio.sleep(0)  # in the bot, other people's commands go on
        if progress is not None:
            progress(checker.report.events)
    await blocks.finish(checker)
    return checker.finish()


class _Blocks:
    """The stored blocks, read a page at a time as the events reach them."""

    def __init__(self, pages: AsyncIterator[Sequence[StoredBlock]]) -> None:
        self._pages = pages
        self._waiting: list[StoredBlock] = []
        self._done = False
        self.current: StoredBlock | None = None

    async def _next(self) -> StoredBlock | None:
        while not self._waiting and not self._done:
            try:
                self._waiting = list(reversed(await anext(self._pages)))
            except StopAsyncIteration:
                self._done = True
        return self._waiting.pop() if self._waiting else None

    async def before(self, event_id: int, checker: _Checker) -> None:
        """Close the blocks that end before ``event_id``; make ``current`` the block
        that holds it, if one does."""
        while True:
            if self.current is not None and event_id <= self.current.last_id:
                return
            if self.current is not None:
                checker.close_block(self.current)
            self.current = await self._next()
            if self.current is None:
                return
            checker.open_block(self.current)
            if event_id < self.current.first_id:
                return  # the event lies between blocks: in none

    async def finish(self, checker: _Checker) -> None:
        while self.current is not None:
            checker.close_block(self.current)
            self.current = await self._next()
            if self.current is not None:
                checker.open_block(self.current)


class _Checker:
    def __init__(self, versions: dict[str, int], fingerprint: Fingerprint | None) -> None:
        self.report = Report(fingerprint=fingerprint)
        self.versions = versions
        self.last: dict[str, tuple[int, str]] = {}
        """Per jurisdiction: the last seq seen and the link recomputed for it."""
        self.broken: dict[str, Problem] = {}
        self.gaps: dict[str, int] = {}
        """Jurisdictions whose first problem is a missing seq, and which seq."""
        self.review: Problem | None = None
        self.total = 0
        self.previous_last_id = 0
        self.block_links: Any = None
        self.block_count = 0

    # -- one jurisdiction's chain --------------------------------------------------------

    def event(self, e: StoredEvent, block: StoredBlock | None) -> None:
        self.report.events += 1
        recomputed = digest(e.jurisdiction_id, e.seq, e.kind, e.actor, e.on_date,
                            e.recorded_at, e.from_state, e.to_state, e.detail)
        last_seq, previous = self.last.get(e.jurisdiction_id, (0, ZERO))
        link_now = link(previous, recomputed)
        self.last[e.jurisdiction_id] = (max(last_seq, e.seq), link_now)
        self._in_block(e, block, link_now)
        jid = e.jurisdiction_id
        if jid in self.gaps and e.seq == self.gaps[jid]:
            self.broken[jid] = self._problem(
                REORDERED, e, f"seq {e.seq} was written after seq {last_seq}, out of order")
            del self.gaps[jid]
        if jid in self.broken:
            return
        if e.digest is None or e.link is None:
            self._break(INSERTED, e, "it carries no hash: it was written outside the bot")
        elif e.seq > last_seq + 1:
            missing = (f"seq {last_seq + 1}" if e.seq == last_seq + 2
                       else f"seqs {last_seq + 1}-{e.seq - 1}")
            verb = "is" if e.seq == last_seq + 2 else "are"
            self._break(DELETED, e, f"{missing} before it {verb} missing", at=last_seq + 1)
            self.gaps[jid] = last_seq + 1
        elif e.seq <= last_seq:
            self._break(REORDERED, e, f"seq {e.seq} was written after seq {last_seq}")
        elif recomputed != e.digest:
            self._break(EDITED, e, "its content is not what was recorded (the digest of"
                        f" its fields is {recomputed[:12]}…, it was recorded as"
                        f" {e.digest[:12]}…)")
        elif link_now != e.link:
            self._break(EDITED, e, "its link does not follow from the event before it"
                        " (the hashes were rewritten)")
        elif e.seq > self.versions.get(jid, 0):
            self._break(INSERTED, e, f"the jurisdiction is at version"
                        f" {self.versions.get(jid, 0)}, so no event {e.seq} was recorded")

    def _problem(self, what: str, e: StoredEvent, explanation: str,
                 at: int | None = None) -> Problem:
        return Problem(what, explanation, e.jurisdiction_id, e.seq if at is None else at,
                       event_id=e.id)

    def _break(self, what: str, e: StoredEvent, explanation: str, at: int | None = None
               ) -> None:
        self.broken[e.jurisdiction_id] = self._problem(what, e, explanation, at)

    # -- the review-wide chain -------------------------------------------------------------

    def _in_block(self, e: StoredEvent, block: StoredBlock | None, link_now: str) -> None:
        if block is None or not block.first_id <= e.id <= block.last_id:
            self._review(INSERTED, f"event {e.id} ({e.jurisdiction_id} seq {e.seq}) is in"
                         " no sealed block", block.number if block else self.report.blocks + 1,
                         e.id)
            return
        self.block_links.update(bytes.fromhex(link_now))
        self.block_count += 1

    def open_block(self, block: StoredBlock) -> None:
        if block.number != self.report.blocks + 1:
            self._review(DELETED if block.number > self.report.blocks + 1 else INSERTED,
                         f"block {block.number} follows block {self.report.blocks}",
                         block.number, block.first_id)
        elif block.first_id <= self.previous_last_id:
            self._review(EDITED, f"block {block.number} starts inside the block before it",
                         block.number, block.first_id)
        self.block_links = hashlib.sha256()
        self.block_count = 0

    def close_block(self, block: StoredBlock) -> None:
        recomputed = self.block_links.hexdigest()
        self.total += self.block_count
        self.report.blocks += 1
        head_now = head(self.report.head, block.number, self.total, recomputed)
        self.report.head = head_now
        self.previous_last_id = block.last_id
        if self.block_count < block.events:
            self._review(DELETED, f"block {block.number} was sealed with {block.events}"
                         f" events; {self.block_count} of them are there", block.number,
                         block.first_id)
        elif self.block_count > block.events:
            self._review(INSERTED, f"block {block.number} was sealed with {block.events}"
                         f" events; {self.block_count} are there", block.number,
                         block.first_id)
        elif recomputed != block.digest:
            self._review(EDITED, f"the events of block {block.number} are not those it was"
                         " sealed with (edited, replaced or reordered)", block.number,
                         block.first_id)
        elif head_now != block.head or self.total != block.total:
            self._review(EDITED, f"block {block.number}'s stored head does not follow from"
                         " the blocks before it", block.number, block.first_id)
        fingerprint = self.report.fingerprint
        if fingerprint is not None and self.total == fingerprint.events:
            self.report.fingerprint_found = True
            self.report.fingerprint_matches = head_now.startswith(fingerprint.digits)

    def _review(self, what: str, explanation: str, block: int, event_id: int) -> None:
        if self.review is None:
            self.review = Problem(what, explanation, block=block, event_id=event_id)

    def finish(self) -> Report:
        report = self.report
        report.jurisdictions = len(self.versions)
        for jid, version in self.versions.items():
            last_seq = self.last.get(jid, (0, ZERO))[0]
            if jid not in self.broken and last_seq < version:
                missing = (f"seq {version}" if last_seq + 1 == version
                           else f"seqs {last_seq + 1}-{version}")
                self.broken[jid] = Problem(
                    DELETED, f"the jurisdiction is at version {version}, but {missing}"
                    f" {'is' if last_seq + 1 == version else 'are'} missing",
                    jid, last_seq + 1, event_id=None)
        problems = list(self.broken.values())
        problems.sort(key=lambda p: (p.event_id is None, p.event_id or 0,
                                     p.jurisdiction_id or ""))
        if self.review is not None:
            problems.append(self.review)
        report.problems = problems
        return report
