"""``/review calendar``: every running deadline as an iCalendar file, uploaded to the
channel; ``/review calendar feed`` (admins): a secret address calendar apps subscribe
to, served in HTTP mode at ``GET /calendar/<token>.ics`` (``bot.slack.feed``).

``calendar owner=@me`` (or ``owner=@ana``) keeps one person's deadlines, ``channel=#…``
those announced in one channel (a jurisdiction's own, or the default channel for those
without one). The feed's token is shown once, only to the admin who made it; ``feed
revoke`` cuts it off, and a new ``feed`` replaces it (the old address stops working)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from slack_sdk.web.async_client import AsyncWebClient

from bot.subcommands.parsing import Args, channel_id, user_id
from bot.subcommands.subcommand import CallerLike, Subcommand
from bot.subcommands.transfer import upload
from bot.ui import render
from bot.ui.render import Reply
from workflows.agenda import Scope
from workflows.errors import BadInput
from workflows.feeds import NAME, Calendars

FEED_PATH = "/calendar/{token}.ics"
USAGE = "/review calendar [owner=@me] [channel=#team] | calendar feed [revoke]"
_ME = re.compile(r"<@[UW][A-Z0-9]+\|me>")
_NAMED_CHANNEL = re.compile(r"^<#([CG][A-Z0-9]+)\|([a-z0-9][a-z0-9_-]*)>$")


@dataclass(frozen=True)
class CalendarDesk:
    """The calendar's use case, the client to upload with, and where the feed is
    served: ``public_url`` the bot's address as the world reaches it (None: unknown),
    ``http`` whether this bot serves HTTP at all (not in Socket Mode)."""

    calendars: Calendars
    client: AsyncWebClient
    public_url: str | None = None
    http: bool = True


def scope_of(options: dict[str, str], caller: str) -> tuple[Scope, str]:
    """The deadlines ``owner=`` and ``channel=`` ask for, and words for them."""
    owner = options.get("owner", "").strip()
    who = caller if _is_me(owner) else user_id(owner) if owner else ""
    given = options.get("channel", "").strip()
    channels = frozenset(_channel_names(given)) if given else frozenset()
    shown = ([f"owned by {render.user(who)}"] if who else []) + (
        [f"announced in {render.channel(channel_id(given))}"] if given else [])
    return Scope(who, channels), " and ".join(shown)


def _is_me(owner: str) -> bool:
    """``@me`` as typed (Slack leaves it as text when nobody's handle is "me"), or as
    the console's stand-in sends it (a mention of someone called me)."""
    return owner.lower() in ("@me", "me") or _ME.fullmatch(owner) is not None


def _channel_names(text: str) -> list[str]:
    """A channel as the jurisdictions may name it: its ID, and the #name Slack's
    mention carries beside it (the default channel is often set by name)."""
    match = _NAMED_CHANNEL.match(text)
    return [match[1], f"#{match[2]}"] if match else [channel_id(text)]


async def handle_calendar(desk: CalendarDesk, caller: CallerLike, args: Args) -> Reply:
    words = [word.lower() for word in args.words]
    if words[:1] == ["feed"]:
        if args.options:
            raise BadInput(f"`calendar feed` takes no options. Usage: `{USAGE}`")
        return await _feed(desk, caller, words[1:])
    if words:
        raise BadInput(f"“{render.escape(args.words[0])}” is not something the calendar "
                       f"does. Usage: `{USAGE}`")
    if not caller.channel:
        raise BadInput("Run `calendar` in a channel: the file is uploaded there.")
    scope, shown = scope_of(args.options, caller.user)
    export = await desk.calendars.export(scope, NAME)
    filename = f"review-deadlines-{desk.calendars.review.today()}.ics"
    what = f"{render.count(export.events, 'running deadline')}" + (f" {shown}" if shown else "")
    await upload(desk.client, caller.channel, export.ics, filename,
                  f"{render.user(caller.user)} exported the deadlines calendar ({what}).")
    text = (f":calendar: {what} uploaded to {render.channel(caller.channel)} as "
            f"`{filename}`: open it with any calendar app.")
    return Reply(text, [render.section(text)])


async def _feed(desk: CalendarDesk, caller: CallerLike, words: list[str]) -> Reply:
    if words == ["revoke"]:
        revoked = await desk.calendars.revoke_feed(caller.user)
        text = (":no_entry: The calendar feed is revoked: its address now answers nothing."
                if revoked else "There was no calendar feed to revoke.")
        return Reply(text, [render.section(text)])
    if words:
        raise BadInput(f"`calendar feed` makes a feed, `calendar feed revoke` revokes it. "
                       f"Usage: `{USAGE}`")
    token = await desk.calendars.create_feed(caller.user)
    return feed_reply(desk, token)


def feed_reply(desk: CalendarDesk, token: str) -> Reply:
    """The new feed's address, shown this once (ephemeral: only the admin sees it)."""
    path = FEED_PATH.format(token=token)
    address = f"{desk.public_url.rstrip('/')}{path}" if desk.public_url else path
    lines = [":key: A new calendar feed. Its address, shown only this once:",
             f"```{address}```",
             "Subscribe to it in Google Calendar (Other calendars → From URL) or Outlook "
             "(Add calendar → Subscribe from web). Anyone with this address reads every "
             "running deadline: share it like a password. Any feed before it no longer "
             "works; `/review calendar feed revoke` cuts this one off."]
    if not desk.public_url:
        lines.append("Put the bot's public address (its Request URL without "
                     "/slack/events; set `REVIEW_PUBLIC_URL` to have it here) before it.")
    if not desk.http:
        lines.append(":warning: This bot runs in Socket Mode, which serves no address: the "
                     "feed answers once it runs in HTTP mode.")
    return Reply(lines[0], render.sections(lines))


COMMANDS = (
    Subcommand(
        "calendar", "calendar [owner=@me] [channel=#team] | calendar feed [revoke]",
        "Upload every running deadline as a calendar file (.ics) to this channel, or one "
        "person's or channel's. `calendar feed` (admins): a secret address calendar apps "
        "subscribe to; `calendar feed revoke` cuts it off.", ("owner", "channel"),
        handle_calendar, "calendar owner=@me"),
)
