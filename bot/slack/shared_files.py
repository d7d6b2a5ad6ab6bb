"""Reading a file someone shared in Slack, with the bot's token, trusting nothing
files.info says.

``/review import`` and ``/review batch … file=`` read a CSV file shared in Slack. The
bot's token opens every file the bot can see, and files.info is the only thing that
says where a file lives, so the token must go nowhere else than Slack's own file
hosts. ``FileHosts`` is that rule, built once (in the composition root) from the
configured API URL; ``SharedFiles.fetch`` applies it and the others, in this order,
before a byte of the file is read:

1. the caller may see the file: they uploaded it, or it is shared in a channel, private
   channel or direct message they are a member of (conversations.members);
2. the file is hosted by Slack (not a remote or external file, whose url_private points
   wherever its creator likes);
3. its download address is on Slack's file hosts, in Slack's scheme and port;
4. the download is answered directly: a redirect is refused, never followed with the
   token; and no more than ``limit`` bytes are read, chunk by chunk.

Callers check the caller's role before calling ``fetch``: nothing is asked of Slack
for someone who may not use the file anyway.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from aiohttp import ClientError, ClientSession, ClientTimeout
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from workflows.errors import BadInput

DOWNLOAD_SECONDS = 60
CHUNK = 64 * 1024
HOSTED_MODES = frozenset({"hosted", "snippet"})
"""files.info ``mode`` of a file whose bytes Slack keeps (an upload, a text snippet)."""
MAX_CONVERSATIONS = 20
"""Conversations a file is shared in that are looked at for the caller."""
MEMBER_PAGE = 1000
MAX_MEMBER_PAGES = 20
"""Pages of a conversation's members read (20,000 people) before giving up on it."""
DEFAULT_PORTS = {"http": 80, "https": 443}
SLACK_DOMAINS = ("slack.com", "slack-gov.com")
"""Where a workspace's own pages (https://team.slack.com/files/…) live."""


@dataclass(frozen=True)
class FileHosts:
    """Where the bot's token may be sent to download a file: Slack's own file hosts,
    derived from the Web API URL it is configured with (``SLACK_API_URL``).

    For https://slack.com/api/ they are slack.com and files.slack.com; for GovSlack's
    https://slack-gov.com/api/, slack-gov.com and files.slack-gov.com: the API host and
    ``files.`` + that host (without a leading ``api.``), over https on the API's port.
    Plain http only when the API URL is http itself (a stand-in on loopback), and then
    only the API's own host and port."""

    scheme: str
    hosts: frozenset[tuple[str, int]]

    @classmethod
    def for_api(cls, api_url: str) -> FileHosts:
        parts = urlsplit(api_url)
        scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
        if scheme not in DEFAULT_PORTS or not host:
            raise ValueError(f"{api_url!r} is not an http(s) URL")
        port = parts.port or DEFAULT_PORTS[scheme]
        hosts = {(host, port)}
        if scheme == "https" and not _is_address(host):
            hosts.add(("files." + host.removeprefix("api."), port))
        return cls(scheme, frozenset(hosts))

    def allows(self, url: str) -> bool:
        """Whether ``url`` is on one of these hosts, in this scheme, on this port."""
        try:
            parts = urlsplit(url)
            port = parts.port or DEFAULT_PORTS.get(parts.scheme.lower(), 0)
        except ValueError:  # a port that is not a number
            return False
        if parts.scheme.lower() != self.scheme or parts.username or parts.password:
            return False
        return ((parts.hostname or "").lower(), port) in self.hosts

    def is_slack_link(self, url: str) -> bool:
        """Whether ``url`` is a link into Slack (a workspace's file page, or these
        hosts): what a file link pasted for the bot may be."""
        host = (urlsplit(url).hostname or "").lower()
        return self.allows(url) or any(host == d or host.endswith("." + d)
                                       for d in SLACK_DOMAINS)


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Download:
    """A file read from Slack, and what files.info said of it."""

    name: str
    data: bytes
    mimetype: str
    permalink: str


@dataclass(frozen=True)
class SharedFiles:
    """What reads files shared in Slack: the Slack client and where its token may go."""

    client: AsyncWebClient
    hosts: FileHosts

    async def fetch(self, file_id: str, user: str, limit: int) -> tuple[str, bytes]:
        """The name and bytes of file ``file_id``, read for ``user``; refused (and
        nothing of it read) unless every rule of this module holds."""
        found = await self.download(file_id, user, limit)
        return found.name, found.data

    async def download(self, file_id: str, user: str, limit: int, what: str = "CSV",
                       advice: str = "") -> Download:
        """``fetch``, with the file's type and permalink; ``what`` the file is said
        to be in refusals, ``advice`` what to do with one that is too big."""
        info = await self._info(file_id)
        if not await self._may_see(info, user):
            raise BadInput(f"You can use only a file you uploaded, or one shared in a "
                           f"channel or direct message you are in; {file_id} is neither, "
                           "so the bot did not read it.")
        name = str(info.get("name") or file_id)
        _check_hosted(name, info, what)
        url = str(info.get("url_private_download") or info.get("url_private") or "")
        if not url or not self.client.token:
            raise BadInput(f"Slack gave no way to download {name}.")
        if not self.hosts.allows(url):
            raise BadInput(f"Slack gave an address for {name} outside its own file hosts; "
                           "the bot sends its token only to Slack, so it did not download "
                           f"it. Upload the {what} to Slack again and give the new link.")
        check_size(name, int(info.get("size") or 0), limit, advice)
        data = await _download(name, url, self.client.token, limit, advice)
        return Download(name, data, str(info.get("mimetype") or ""),
                        str(info.get("permalink") or ""))

    async def _info(self, file_id: str) -> Mapping[str, Any]:
        try:
            response = await self.client.files_info(file=file_id)
        except SlackApiError as error:
            code = str(error.response.get("error", "unknown_error"))
            raise BadInput(f"Slack would not show the bot the file {file_id} ({code}). Share "
                           "it in a channel the bot is in, or in a direct message to the "
                           "bot, and try again.") from None
        info = response.get("file")
        return info if isinstance(info, Mapping) else {}

    async def _may_see(self, info: Mapping[str, Any], user: str) -> bool:
        """Whether ``user`` uploaded the file or is in a conversation it is shared in."""
        if user and info.get("user") == user:
            return True
        for conversation in conversations_of(info)[:MAX_CONVERSATIONS]:
            if await self._is_member(conversation, user):
                return True
        return False

    async def _is_member(self, conversation: str, user: str) -> bool:
        cursor = ""
        for _ in range(MAX_MEMBER_PAGES):
            try:
                page = await self.client.conversations_members(
                    channel=conversation, limit=MEMBER_PAGE, cursor=cursor or None)
            except SlackApiError:  # a conversation the bot cannot look into
                return False
            if user in (page.get("members") or []):
                return True
            cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                return False
        return False


def conversations_of(info: Mapping[str, Any]) -> list[str]:
    """The conversations a file is shared in, as files.info lists them: direct messages
    first (the smallest to look into), then private and public channels."""
    found = [*(info.get("ims") or []), *(info.get("groups") or []),
             *(info.get("channels") or [])]
    shares = info.get("shares") or {}
    for kind in ("private", "public"):
        found.extend((shares.get(kind) or {}).keys())
    return list(dict.fromkeys(str(c) for c in found if c))


def _check_hosted(name: str, info: Mapping[str, Any], what: str) -> None:
    """Refuse a remote or external file: its address is whatever its creator gave."""
    mode = str(info.get("mode") or "")
    if info.get("is_external") or info.get("external_type") or mode not in HOSTED_MODES:
        kind = str(info.get("external_type") or mode or "unknown")
        raise BadInput(f"{name} is not a file uploaded to Slack (it is {kind}, kept "
                       f"elsewhere); the bot reads only files Slack holds. Upload the {what} "
                       "itself to Slack and give its link.")


async def _download(name: str, url: str, token: str, limit: int, advice: str) -> bytes:
    """``url``'s body with the token, read chunk by chunk up to ``limit`` bytes; a
    redirect is a refusal, so the token goes to no address but ``url``."""
    data = bytearray()
    try:
        async with ClientSession(timeout=ClientTimeout(total=DOWNLOAD_SECONDS)) as session, \
                session.get(url, headers={"Authorization": f"Bearer {token}"},
                            allow_redirects=False) as response:
            _check_answer(name, response.status, response.content_type)
            async for chunk in response.content.iter_chunked(CHUNK):
                data.extend(chunk)
                check_size(name, len(data), limit, advice)
    except ClientError as error:
        raise BadInput(f"{name} could not be downloaded ({type(error).__name__}); "
                       "try again.") from None
    return bytes(data)


def _check_answer(name: str, status: int, content_type: str) -> None:
    if 300 <= status < 400:
        raise BadInput(f"Slack sent the download of {name} elsewhere (HTTP {status}); the "
                       "bot does not follow a redirect with its token, so it read nothing. "
                       "Try again, or upload the file again.")
    if status != 200 or content_type == "text/html":
        raise BadInput(f"Slack did not hand over {name} (HTTP {status}"
                       f"{', a sign-in page' if status == 200 else ''}): "
                       "the bot needs the files:read scope and access to the file.")


IMPORT_ADVICE = "Split it, or import it with the command line (review-bot import FILE)."


def check_size(name: str, size: int, limit: int, advice: str = "") -> None:
    if size > limit:
        verb = "takes" if advice else "imports"
        raise BadInput(f"{name} is {size / 1024 / 1024:.1f} MB; the bot {verb} files up to "
                       f"{limit / 1024 / 1024:.0f} MB. {advice or IMPORT_ADVICE}")
