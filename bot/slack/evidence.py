"""Reading evidence from Slack: a shared file's bytes, hashed, and kept if set up.

``EvidenceReader.read`` gets the file only through ``SharedFiles.download`` (every rule
of ``bot.slack.shared_files``: the caller must see it, Slack must host it, the token
goes only to Slack's file hosts), at most ``MAX_EVIDENCE_BYTES``; then hashes it
(SHA-256) and, when ``REVIEW_EVIDENCE_DIR`` is set, keeps its bytes in the evidence
folder (``storage.evidence_folder``), content-addressed. What it returns is the
domain's ``Evidence``; recording it is ``Review``'s.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from bot.slack.shared_files import SharedFiles
from storage.evidence_folder import EvidenceFolder, FolderError
from workflows.errors import BadInput
from workflows.evidence import MAX_EVIDENCE_BYTES, MAX_FILES, Evidence

TOO_BIG = "Nothing was recorded; attach a smaller file (a PDF of the letter itself)."


@dataclass(frozen=True)
class EvidenceReader:
    files: SharedFiles
    folder: EvidenceFolder | None = None

    async def read(self, file_id: str, user: str) -> Evidence:
        """The evidence file ``file_id`` is, read for ``user``; ``BadInput`` (and
        nothing kept) when it may not be read."""
        found = await self.files.download(file_id, user, MAX_EVIDENCE_BYTES, "file", TOO_BIG)
        if self.folder is None:
            sha256 = await asyncio.to_thread(lambda: hashlib.sha256(found.data).hexdigest())
        else:
            try:
                sha256 = await self.folder.keep(found.data)
            except FolderError as error:
                raise BadInput(f"{found.name} was read but could not be kept: {error}. "
                               "Nothing was recorded; tell the bot's operator.") from None
        return Evidence(sha256, len(found.data), found.name, found.mimetype, file_id,
                        found.permalink, stored=self.folder is not None)

    async def read_all(self, file_ids: Sequence[str], user: str) -> list[Evidence]:
        if len(file_ids) > MAX_FILES:
            raise BadInput(f"At most {MAX_FILES} files are taken as evidence at once.")
        return [await self.read(file_id, user) for file_id in file_ids]
