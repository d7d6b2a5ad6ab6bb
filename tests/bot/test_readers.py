"""Who may read the review (REVIEW_READERS), on every surface that shows it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.bot.conftest import ADMIN, Harness, running

GUEST, MEMBER, ANALYST = "UGUEST", "UMEMBER", "UANALYST"
READING = ["list", "show chicago", "history chicago", "roles", "export state", "summary",
           "subscriptions", "letter chicago due=30 days"]
KEPT_OUT = "may read this review"


async def seed(h: Harness) -> None:
    await h.answer(ADMIN, f"role <@{ANALYST}|ana> analyst")
    await h.answer(ANALYST, 'add chicago "Chicago, IL" kind=city state=IL')


async def refused_everywhere(h: Harness, user: str) -> None:
    """Nothing of the review reaches ``user``: commands, App Home, a card's button."""
    for text in READING:
        answer = await h.answer(user, text)
        assert answer.ephemeral and KEPT_OUT in answer.text, (text, answer.text)
        assert "Chicago" not in answer.text + str(answer.blocks), text
    for text in ("help", "whoami"):
        assert KEPT_OUT not in (await h.answer(user, text)).text
    await h.sender.app_home_opened(h.session, user, f"Ev-{user}")
    view = await _home(h, user)
    assert KEPT_OUT in str(view) and "Chicago" not in str(view)
    assert not [f for f in h.slack.files if user in f.comment]
    button = {"action_id": "step_clear", "value": '{"j":"chicago","v":1,"s":"clear"}'}
    _, key = await h.sender.click(h.session, user, button)
    [answer] = [p for p in h.slack.posted if p.response_key.startswith(key)]
    assert KEPT_OUT in answer.text and "Chicago" not in answer.text


async def _home(h: Harness, user: str) -> dict[str, object]:
    for _ in range(200):
        if user in h.slack.views:
            return h.slack.views[user]
        await asyncio.sleep(0.02)
    raise AssertionError(f"no App Home published for {user}")


async def test_guests_read_nothing_unless_given_a_role(
        transported: Harness) -> None:
    harness = transported
    await seed(harness)
    harness.slack.guests.add(GUEST)
    await refused_everywhere(harness, GUEST)
    shown = await harness.answer(MEMBER, "show chicago")  # a member without a role reads
    assert "Chicago, IL" in shown.text
    await harness.answer(ADMIN, f"role <@{GUEST}|g> viewer")
    assert "Chicago, IL" in (await harness.answer(GUEST, "show chicago")).text


async def test_with_readers_roles_only_people_given_a_role_read(tmp_path: Path) -> None:
    async with running(tmp_path, review_readers="roles") as h:
        await seed(h)
        await refused_everywhere(h, MEMBER)
        await h.answer(ADMIN, f"role <@{MEMBER}|m> viewer")
        assert "Chicago, IL" in str((await h.answer(MEMBER, "list")).blocks)
        assert "Chicago, IL" in (await h.answer(ANALYST, "show chicago")).text
