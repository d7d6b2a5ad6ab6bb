"""``GET /calendar/<token>.ics``: the deadlines calendar for calendar apps that
subscribe to it (HTTP mode; ``/review calendar feed`` makes the token).

A token that is not a live feed's (unknown, revoked, malformed) gets the very answer
aiohttp gives any path it does not serve: 404, nothing else said. The token is never
logged (the server keeps no access log; a failure is logged by its kind alone). A
calendar answered carries an ETag (the file's SHA-256), so a client polling an
unchanged calendar gets 304 and no body; caches are told the answer is private.
"""

from __future__ import annotations

import hashlib
import logging

from aiohttp import web

from workflows.feeds import Calendars

log = logging.getLogger(__name__)

PATH = "/calendar/{name}"
SUFFIX = ".ics"
MAX_NAME = 200
"""Characters of a path's last part worth hashing (a token is 43, with .ics 47)."""
MAX_AGE = 300
"""Seconds a client may reuse an answer before it asks again (it gets 304 if unchanged)."""


def add_feed(application: web.Application, calendars: Calendars) -> None:
    """Serve the feed (and HEAD of it) on ``application``."""

    async def handle(request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        if not name.endswith(SUFFIX) or len(name) > MAX_NAME:
            raise web.HTTPNotFound()
        try:
            export = await calendars.feed(name.removesuffix(SUFFIX))
        except Exception as error:  # the path holds the token: say only what failed
            log.error("the calendar feed could not be read (%s)", type(error).__name__)
            raise web.HTTPServiceUnavailable() from None
        if export is None:
            raise web.HTTPNotFound()
        return answer(request, export.ics)

    application.router.add_get(PATH, handle)


def answer(request: web.Request, ics: bytes) -> web.StreamResponse:
    """The calendar, or 304 when the client's copy (``If-None-Match``) is this one."""
    etag = f'"{hashlib.sha256(ics).hexdigest()[:32]}"'
    headers = {"Cache-Control": f"private, max-age={MAX_AGE}", "ETag": etag,
               "Content-Disposition": 'inline; filename="review-deadlines.ics"',
               "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
               "X-Robots-Tag": "noindex, nofollow"}
    if etag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers=headers)
    return web.Response(body=ics, headers=headers, content_type="text/calendar",
                        charset="utf-8")
