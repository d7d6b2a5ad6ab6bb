"""The evidence folder (``REVIEW_EVIDENCE_DIR``): the bytes of files kept as evidence,
content-addressed, so the record's SHA-256 names the file that proves it.

A file's bytes go to ``<folder>/<sha256[:2]>/<sha256>``, written to a temporary file
in that sub-folder and renamed over the name only once complete and synced: a reader
never sees half a file, and a crash leaves at most a stray ``.tmp-`` file. Every step
goes through directory descriptors opened with ``O_NOFOLLOW``: a symlink planted as
the sub-folder is refused, and one planted as the file name is replaced by the rename
(a rename never follows its destination), so nothing is written outside the folder.
Bytes already there under their hash are not written again (a file there whose bytes
do not match its name is replaced). The folder itself is the
operator's choice (it may be a link to a mounted volume).

The bytes are kept before the event is saved: if the save is then refused, the file
stays, unreferenced, harmless (its name is its hash).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

DIRECTORY = os.O_RDONLY | os.O_DIRECTORY
_HEX64 = re.compile(r"[0-9a-f]{64}")
NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW


class FolderError(Exception):
    """The folder cannot take the file (a planted symlink, a permission, a full disk)."""


@dataclass(frozen=True)
class EvidenceFolder:
    root: Path

    def path_of(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    async def keep(self, data: bytes) -> str:
        """Keep ``data`` under its SHA-256; the hash (hex)."""
        return await asyncio.to_thread(self.keep_now, data)

    def open_kept(self, sha256: str) -> BinaryIO | None:
        """The kept file named ``sha256``, open, if it is a regular file (no symlink
        followed) whose bytes hash to its name; None otherwise (not kept, or changed
        by hand: a dossier then says the file is not in it)."""
        if not _HEX64.fullmatch(sha256):
            return None
        try:
            root = os.open(self.root, DIRECTORY)
        except OSError:
            return None
        try:
            folder = os.open(sha256[:2], DIRECTORY | os.O_NOFOLLOW, dir_fd=root)
        except OSError:
            return None
        finally:
            os.close(root)
        try:
            if not _is_file(folder, sha256) or _digest(folder, sha256) != sha256:
                return None
            return os.fdopen(os.open(sha256, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=folder), "rb")
        except OSError:
            return None
        finally:
            os.close(folder)

    def keep_now(self, data: bytes) -> str:
        sha256 = hashlib.sha256(data).hexdigest()
        try:
            root = os.open(self.root, DIRECTORY)
        except OSError as error:
            raise FolderError(f"the evidence folder cannot be opened ({error.strerror})") from None
        try:
            _write(_subfolder(root, sha256[:2]), sha256, data)
        finally:
            os.close(root)
        return sha256


def _subfolder(root: int, name: str) -> int:
    """The sub-folder ``name`` of ``root``, made if need be; never a symlink."""
    with contextlib.suppress(FileExistsError):
        os.mkdir(name, 0o750, dir_fd=root)
    try:
        return os.open(name, DIRECTORY | os.O_NOFOLLOW, dir_fd=root)
    except OSError:
        raise FolderError(f"{name} in the evidence folder is not a folder (a symlink?); "
                          "nothing was written") from None


def _write(folder: int, name: str, data: bytes) -> None:
    try:
        if _is_file(folder, name) and _digest(folder, name) == name:
            return
        temp = f".tmp-{secrets.token_hex(8)}"
        handle = os.open(temp, NEW_FILE, 0o640, dir_fd=folder)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, name, src_dir_fd=folder, dst_dir_fd=folder)
        except BaseException:
            os.unlink(temp, dir_fd=folder)
            raise
        os.fsync(folder)
    except OSError as error:
        raise FolderError(f"the evidence could not be written ({error.strerror})") from None
    finally:
        os.close(folder)


def _digest(folder: int, name: str) -> str:
    """The SHA-256 of the file ``name`` holds (a file put there by hand may not match)."""
    digest = hashlib.sha256()
    with os.fdopen(os.open(name, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=folder), "rb") as read:
        for chunk in iter(lambda: read.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _is_file(folder: int, name: str) -> bool:
    """Whether ``name`` is already a regular file there (not a symlink)."""
    try:
        found = os.stat(name, dir_fd=folder, follow_symlinks=False)
    except FileNotFoundError:
        return False
    return stat.S_ISREG(found.st_mode)
