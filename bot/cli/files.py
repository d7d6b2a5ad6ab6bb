"""Files the command line writes whole or not at all (exports, dossiers, calendars)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, BinaryIO, TextIO, TypeVar

Handle = TypeVar("Handle", bound=IO[Any])


def binary(fd: int) -> BinaryIO:
    return os.fdopen(fd, "wb")


def text(fd: int) -> TextIO:
    """UTF-8, lines left as written (CSV writes its own CRLF)."""
    return os.fdopen(fd, "w", newline="", encoding="utf-8")


@contextmanager
def written_whole(output: Path, opener: Callable[[int], Handle]) -> Iterator[Handle]:
    """A file to write ``output`` through: made beside it here (O_CREAT | O_EXCL, so no
    file or symlink planted in its place is followed), renamed over ``output`` once the
    block ends (which replaces a symlink there, not what it points to), removed if the
    block fails, so ``output`` is whole or untouched."""
    fd, temporary = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.",
                                     suffix=".partial")
    partial = Path(temporary)
    try:
        handle = opener(fd)
        with handle:
            yield handle
        os.chmod(partial, 0o644)
        partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)
