"""views.*: the forms (modals) the bot opens and updates, and the App Home it publishes."""

from __future__ import annotations

import json
from typing import Any

from bot.console.stand_in.workspace import Workspace


class ViewMethods(Workspace):
    """Forms and App Home views the bot opens, updates and publishes."""

    async def _m_views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        view = _view(params)
        if view is None:
            return {"ok": False, "error": "invalid_arguments"}
        if not params.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        async with self._changed:
            self.modals.append(view)
            self._changed.notify_all()
        return {"ok": True, "view": {"id": f"V{len(self.modals):06d}", **view}}

    async def _m_views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        return await self._m_views_open({**params, "trigger_id": "update"})

    async def _m_views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        view = _view(params)
        if view is None:
            return {"ok": False, "error": "invalid_arguments"}
        async with self._changed:
            self.views[str(params.get("user_id"))] = view
            self._changed.notify_all()
        return {"ok": True, "view": {"id": "VHOME", **view}}


def _view(params: dict[str, Any]) -> dict[str, Any] | None:
    """A view argument, sent as JSON text or as an object; None if there is none."""
    view = params.get("view")
    view = json.loads(view) if isinstance(view, str) else view
    return view if isinstance(view, dict) else None
