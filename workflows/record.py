"""The record's own proof, as the team uses it: seal it (post the fingerprint of the
review-wide chain, so that Slack keeps a copy) and verify it (recompute every hash from
the events, and check a fingerprint posted before). ``workflows.chain`` says how."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol

from workflows.chain import Fingerprint, Seal
from workflows.review import Review
from workflows.verification import ChainSource, Progress, Report, verify


class RecordStore(Protocol):
    async def seal(self) -> Seal:
        """The end of the review-wide chain, as committed."""
        ...

    def chain(self) -> AbstractAsyncContextManager[ChainSource]:
        """The stored history and its chains, from one consistent snapshot."""
        ...


class Record:
    def __init__(self, review: Review, store: RecordStore) -> None:
        self.review = review
        self.store = store

    async def seal(self, actor: str) -> Seal:
        """The fingerprint to post, for those the workflow lets seal (``seal``)."""
        await self.review.require(actor, "seal")
        return await self.store.seal()

    async def verify(self, fingerprint: Fingerprint | None = None,
                     progress: Progress | None = None) -> Report:
        """Check every chain (and ``fingerprint``, if given) against the events."""
        async with self.store.chain() as source:
            return await verify(source, fingerprint, progress)
