"""The stand-in's HTTP end: the Web API (each call checked for its token, or failed as
told), the response_urls, the upload and download addresses and the websocket."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from bot.console.stand_in.chat import ChatMethods
from bot.console.stand_in.directory import DirectoryMethods
from bot.console.stand_in.files import FileMethods
from bot.console.stand_in.socket_mode import SocketModeMethods
from bot.console.stand_in.views import ViewMethods
from bot.console.stand_in.workspace import TEAM


class LocalSlack(ChatMethods, ViewMethods, FileMethods, DirectoryMethods, SocketModeMethods):
    """Slack's Web API on loopback, answering from the workspace it holds."""

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        application = web.Application()
        application.router.add_post("/api/{method}", self._api)
        application.router.add_get("/api/{method}", self._api)
        application.router.add_post("/respond/{key}", self._respond)
        application.router.add_get("/socket", self._socket)
        application.router.add_post("/upload/{file_id}", self._upload)
        application.router.add_get("/files-pri/{team}-{file_id}/{name}", self._download)
        self._runner = web.AppRunner(application, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        sockets = site._server.sockets  # type: ignore[union-attr]
        self.base_url = f"http://{host}:{sockets[0].getsockname()[1]}"
        return self.base_url

    async def stop(self) -> None:
        for socket in list(self.sockets):
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def response_url(self, key: str) -> str:
        return f"{self.base_url}/respond/{key}"

    # -- handlers ------------------------------------------------------------------------

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            params.update(await request.json())
        elif request.can_read_body:
            params.update(parse_qsl(await request.text()))
        return params

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        self.calls.append((method, params))
        if self.failures:
            failure = self.failures.popleft()
            headers = {"Retry-After": str(failure.retry_after)} if failure.status == 429 else {}
            return web.json_response({"ok": False, "error": failure.error or (
                "ratelimited" if failure.status == 429 else "internal_error")},
                                     status=failure.status, headers=headers)
        auth = request.headers.get("Authorization", "")
        expected = self.app_token if method == "apps.connections.open" else self.token
        if auth != f"Bearer {expected}":
            return web.json_response({"ok": False, "error": "invalid_auth"})
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        return web.json_response(await handler(params),  # Slack names the token's scopes
                                 headers={"X-OAuth-Scopes": ",".join(sorted(self.scopes))})

    async def _m_auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "team_id": TEAM, "team": "Local", "user_id": "UREVIEWBOT",
                "bot_id": "BREVIEWBOT", "user": "review-bot", "url": self.base_url + "/"}
