"""files.*: files people share (and their downloads, as Slack guards them), and the
files the bot uploads (files_upload_v2: an upload URL, the bytes, then completion)."""

from __future__ import annotations

import json
import mimetypes
from typing import Any
from urllib.parse import quote

from aiohttp import web

from bot.console.stand_in.records import SharedFile, Uploaded
from bot.console.stand_in.workspace import TEAM, Workspace


class FileMethods(Workspace):
    """Files shared in the workspace, and files the bot uploads."""

    def share(self, name: str, data: bytes, user: str = "", channel: str = "",
              **more: Any) -> str:
        """A file ``user`` uploaded and shared in ``channel`` (an ID: C…, G… or D…, or
        none); returns its id. ``more`` sets the other fields of ``SharedFile``
        (``external_url``, ``url``, ``redirect``)."""
        file_id = f"F{next(self._ts):08d}"
        self.shared[file_id] = SharedFile(file_id, name, data, user,
                                          (channel,) if channel else (), **more)
        return file_id

    async def _m_files_info(self, params: dict[str, Any]) -> dict[str, Any]:
        """What Slack's files.info says of a file: who uploaded it, where it is shared
        (channels, groups, ims and shares), whether it is hosted or remote, and where
        to download it."""
        found = self.shared.get(str(params.get("file", "")))
        if found is None:
            return {"ok": False, "error": "file_not_found"}
        own = f"{self.base_url}/files-pri/{TEAM}-{found.id}/{found.name}"
        url = found.external_url or found.url or own
        kinds = {"C": "channels", "G": "groups", "D": "ims"}
        where: dict[str, list[str]] = {kind: [] for kind in kinds.values()}
        for conversation in found.conversations:
            where[kinds.get(conversation[:1], "channels")].append(conversation)
        shares: dict[str, dict[str, list[dict[str, str]]]] = {}
        for conversation in found.conversations:
            kind = "public" if conversation.startswith("C") else "private"
            shares.setdefault(kind, {})[conversation] = [{"ts": "1.000001"}]
        return {"ok": True, "file": {
            "id": found.id, "name": found.name, "title": found.name, "user": found.user,
            "mimetype": _type_of(found), "permalink": self.permalink(found.id),
            "size": 0 if found.external_url else
            len(found.data) if found.size is None else found.size,
            "url_private": url, "url_private_download": url, **where, "shares": shares,
            **_kept(found)}}

    async def _download(self, request: web.Request) -> web.StreamResponse:
        """url_private: the file's bytes for the bot's token, a sign-in page (as Slack
        answers) for anyone else; every request is recorded."""
        file_id = request.match_info["file_id"]
        self.downloads.append((file_id, request.headers.get("Authorization", "")))
        found = self.shared.get(file_id)
        if found is None:
            return web.Response(status=404)
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.Response(text="<html>Sign in</html>", content_type="text/html")
        if found.redirect:
            raise web.HTTPFound(found.redirect)
        return web.Response(body=found.data, content_type=_type_of(found))

    def file_object(self, file_id: str) -> dict[str, Any]:
        """The file as a message carries it (``message.files[]``)."""
        found = self.shared[file_id]
        return {"id": found.id, "name": found.name, "title": found.name,
                "mimetype": _type_of(found), "size": len(found.data), "user": found.user,
                "permalink": self.permalink(file_id),
                "url_private": f"{self.base_url}/files-pri/{TEAM}-{found.id}/{found.name}"}

    def permalink(self, file_id: str) -> str:
        """The file's page in the workspace, as Slack links to it."""
        found = self.shared[file_id]
        return (f"https://local.slack.com/files/{found.user or 'U0'}/{found.id}/"
                f"{quote(found.name)}")

    async def _m_files_getUploadURLExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = f"F{next(self._ts):08d}"
        self._pending_uploads[file_id] = b""
        self._alt_texts[file_id] = str(params.get("alt_txt") or "")
        self._names[file_id] = str(params.get("filename") or "")
        return {"ok": True, "file_id": file_id, "upload_url": f"{self.base_url}/upload/{file_id}"}

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        if file_id not in self._pending_uploads:
            return web.Response(status=404)
        self._pending_uploads[file_id] = await request.read()
        return web.Response(text=f"OK - {len(self._pending_uploads[file_id])}")

    def _shareable(self, channel: str) -> str:
        """Why Slack will not share an upload in ``channel`` (empty: it will). Unlike a
        post, a file needs the bot in the channel: chat:write.public does not cover it."""
        found = self._lookup(channel, names=False)
        if found is None:
            return "channel_not_found"
        if found in self.archived:
            return "is_archived"
        return "not_in_channel" if found in self.outside else ""

    async def _m_files_completeUploadExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        files = params.get("files")
        files = json.loads(files) if isinstance(files, str) else files or []
        channel = str(params.get("channel_id") or "")
        if channel and (refused := self._shareable(channel)):
            return {"ok": False, "error": refused}
        done = []
        for item in files:
            data = self._pending_uploads.pop(item["id"], None)
            if data is None:
                return {"ok": False, "error": "file_not_found"}
            done.append(Uploaded(item["id"], item.get("title", ""), channel, data,
                                 str(params.get("initial_comment") or ""),
                                 self._alt_texts.pop(item["id"], ""),
                                 self._names.pop(item["id"], "") or item.get("title", "")))
        async with self._changed:
            self.files.extend(done)
            self._changed.notify_all()
        return {"ok": True, "files": [{"id": f.id, "title": f.title} for f in done]}


def _kept(found: SharedFile) -> dict[str, Any]:
    """Where files.info says the file is kept: hosted by Slack, or external (a remote
    file an app added says so as Slack does: filetype ``remote``, its app's own id)."""
    if not found.external_url:
        return {"mode": "hosted", "is_external": False, "external_type": ""}
    kind = found.external_type or "gdrive"
    remote = {"filetype": "remote", "pretty_type": "Remote",
              "external_id": f"ext-{found.id}"} if kind == "app" else {}
    return {"mode": "external", "is_external": True, "external_type": kind,
            "external_url": found.external_url, **remote}


def _type_of(found: SharedFile) -> str:
    if found.external_type == "app":
        return "application/vnd.slack-remote"
    return (found.mimetype or mimetypes.guess_type(found.name)[0]
            or "application/octet-stream")
