"""Events Slack sends: App Home, each person's dashboard, drawn when they open it.

An event is handled once however often Slack sends it (``bot/slack/middleware.py``).
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.deps import Deps
from bot.ui import app_home
from workflows.errors import ReviewError
from workflows.muting import Mutes
from workflows.review import Review


def register(app: AsyncApp, deps: Deps) -> None:
    @app.event("app_home_opened")
    async def on_home(event: dict[str, Any], client: AsyncWebClient) -> None:
        await client.views_publish(user_id=event["user"],
                                   view=await home_view(deps.review, deps.mutes,
                                                        event["user"]))


async def home_view(review: Review, mutes: Mutes | None, user: str) -> dict[str, Any]:
    """The person's dashboard, or why they may not see one (not a reader)."""
    try:
        await review.require_reader(user)
    except ReviewError as refusal:
        return app_home.home_closed(refusal)
    view = await review.home(user)
    shown = [i.id for i in (*view.mine, *view.due_soon, *view.overdue)]
    return app_home.home(user, view, review.today(), definition=review.workflow.definition,
                         mutes=await mutes.of(shown) if mutes else {})
