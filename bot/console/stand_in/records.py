"""What the stand-in records (messages, uploads), holds (shared files) and is told to
do to the next call (a ``Failure``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Posted:
    """One message the bot sent: to a channel (chat.postMessage) or a response_url."""

    channel: str
    text: str
    blocks: list[dict[str, Any]]
    ephemeral: bool = False
    ts: str = ""
    response_key: str = ""
    metadata: dict[str, Any] | None = None


@dataclass
class Uploaded:
    """A file the bot shared (files_upload_v2)."""

    id: str
    title: str
    channel: str
    data: bytes
    comment: str = ""
    alt: str = ""  # the alt text, for images
    name: str = ""  # the file's name, as the bot gave it (its title when none)


@dataclass
class SharedFile:
    """A file someone shared in the stand-in's workspace, as files.info describes it."""

    id: str
    name: str
    data: bytes
    user: str = ""
    """Who uploaded it."""
    conversations: tuple[str, ...] = ()
    """Where it is shared: channels (C…), private channels (G…), direct messages (D…)."""
    external_url: str = ""
    """A file kept elsewhere: url_private is this, wherever it points."""
    external_type: str = ""
    """Where it is kept: ``gdrive`` (a file linked from Google Drive, the default for an
    ``external_url``) or ``app`` (a remote file an app added with files.remote.add)."""
    url: str = ""
    """What files.info gives as url_private instead of the stand-in's own address."""
    redirect: str = ""
    """The stand-in answers the download with a 302 to this address."""
    mimetype: str = ""
    """Its type as files.info says it (guessed from the name when not given)."""
    size: int | None = None
    """The size files.info says (the length of ``data`` when not given)."""


@dataclass
class Failure:
    """The next Web API call fails: with HTTP ``status`` (429 with Retry-After, 500), or,
    given ``error``, with Slack's own refusal of it (HTTP 200, ``ok: false``)."""

    status: int
    retry_after: int = 0
    error: str = ""
