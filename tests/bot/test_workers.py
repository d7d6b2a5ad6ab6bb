"""The workers behind the acks, shared fairly: one person's long work never takes them
all, and people's waiting commands are served in turn."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from aiohttp import web
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.slack.workers import Responder, Workers


def noting(order: list[str], name: str, until: asyncio.Event | None = None
           ) -> Callable[[], Awaitable[None]]:
    """A job that notes its name when it starts, then waits for ``until`` if given."""
    async def run() -> None:
        order.append(name)
        if until is not None:
            await until.wait()
    return run


async def test_one_persons_long_work_leaves_workers_for_everyone_else() -> None:
    workers = Workers(size=8, per_person=2)
    release = asyncio.Event()
    started: list[str] = []
    for n in range(8):  # eight long imports from one person
        workers.submit(noting(started, f"hog{n}", release), "UHOG")
    workers.submit(noting(started, "whoami"), "UADMIN")
    await asyncio.sleep(0.05)
    assert "whoami" in started  # answered while the long work goes on
    assert sorted(n for n in started if n.startswith("hog")) == ["hog0", "hog1"]

    release.set()
    await workers.close(5)
    assert len(started) == 9  # the rest of the long work ran once it had a turn


async def test_waiting_commands_are_served_in_turn_person_by_person() -> None:
    workers = Workers(size=1, per_person=1)
    order: list[str] = []
    gate = asyncio.Event()
    workers.submit(noting(order, "a1", gate), "A")
    for name, who in (("a2", "A"), ("a3", "A"), ("b1", "B"), ("c1", "C"), ("b2", "B")):
        workers.submit(noting(order, name), who)
    gate.set()
    await workers.close(5)
    assert order == ["a1", "b1", "c1", "a2", "b2", "a3"]


async def test_close_waits_for_the_work_then_cancels_what_is_left() -> None:
    workers = Workers(size=2, per_person=2)
    done: list[str] = []
    forever = asyncio.Event()

    async def quick() -> None:
        await asyncio.sleep(0.01)
        done.append("quick")

    async def stuck() -> None:
        await forever.wait()
        done.append("stuck")

    workers.submit(quick, "A")
    workers.submit(stuck, "B")
    await workers.close(0.2)
    assert done == ["quick"]
    workers.submit(quick, "A")  # a closed pool still takes work: it starts again
    await workers.close(1)
    assert done == ["quick", "quick"]


async def test_a_failing_job_is_logged_and_frees_its_worker() -> None:
    workers = Workers(size=1, per_person=1)
    ran: list[str] = []

    async def broken() -> None:
        raise RuntimeError("boom")

    async def after() -> None:
        ran.append("after")

    workers.submit(broken, "A")
    workers.submit(after, "A")
    await workers.close(1)
    assert ran == ["after"]


async def test_posting_an_answer_holds_no_worker_and_close_waits_for_it() -> None:
    workers = Workers(size=1, per_person=1)
    slack_takes_it = asyncio.Event()
    order: list[str] = []

    async def post() -> None:
        await slack_takes_it.wait()  # Slack slow to take the answer
        order.append("posted first")

    async def first() -> None:
        order.append("first worked out")
        workers.then(post)

    async def second() -> None:
        order.append("second worked out")

    workers.submit(first, "A")
    workers.submit(second, "A")
    await asyncio.sleep(0.05)
    assert order == ["first worked out", "second worked out"]  # not behind the post
    closing = asyncio.create_task(workers.close(1))
    await asyncio.sleep(0.05)
    assert not closing.done()  # close waits for the answer still being posted
    slack_takes_it.set()
    await closing
    assert order[-1] == "posted first"


async def test_a_failing_post_is_logged_and_lets_close_finish() -> None:
    workers = Workers(size=1, per_person=1)

    async def broken() -> None:
        raise RuntimeError("Slack said no")

    async def job() -> None:
        workers.then(broken)

    workers.submit(job, "A")
    await asyncio.wait_for(workers.close(1), 2)


async def _server(handle: Callable[[web.Request], Awaitable[web.StreamResponse]]
                  ) -> tuple[web.AppRunner, str]:
    app = web.Application()
    app.router.add_post("/answer", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}/answer"


async def test_an_answer_is_posted_as_slack_sdk_posts_it() -> None:
    got: list[tuple[bytes, str]] = []

    async def take(request: web.Request) -> web.Response:
        got.append((await request.read(), request.headers["Content-Type"]))
        return web.Response(text="ok")

    runner, url = await _server(take)
    body = {"text": "Cook: “new” <&>", "blocks": [{"type": "section", "text": {
        "type": "mrkdwn", "text": "é ✓"}}], "replace_original": False,
        "response_type": "ephemeral", "delete_original": None}
    responder = Responder()
    try:
        await AsyncWebhookClient(url).send_dict(dict(body))
        await responder.to(url)(**body)
    finally:
        await responder.close()
        await runner.cleanup()
    assert got[0] == got[1]


async def test_an_answer_is_posted_again_once_when_its_connection_drops() -> None:
    tries: list[int] = []

    async def flaky(request: web.Request) -> web.StreamResponse:
        tries.append(1)
        if len(tries) == 1:  # the connection goes, no reply
            assert request.transport is not None
            request.transport.close()
        return web.Response(text="ok")

    runner, url = await _server(flaky)
    responder = Responder()
    try:
        await responder.to(url)(text="answered")
    finally:
        await responder.close()
        await runner.cleanup()
    assert len(tries) == 2


async def test_work_waits_while_a_request_is_being_acked() -> None:
    workers = Workers(size=2, per_person=2)
    started: list[str] = []
    arrival = workers.acks.arrived()  # a request the edge is acking
    workers.submit(noting(started, "show"), "A")
    await asyncio.sleep(0.05)
    assert started == []  # held behind the ack
    arrival.done()
    arrival.done()  # said twice (acked, then answered): counted once
    await asyncio.sleep(0.01)
    assert started == ["show"] and workers.acks.pending == 0
    await workers.close(1)


async def test_work_waits_for_acks_no_longer_than_its_limit() -> None:
    workers = Workers(size=1, per_person=1)
    workers.max_defer = 0.05
    started: list[str] = []
    workers.acks.arrived()  # acks that never let up
    workers.submit(noting(started, "show"), "A")
    await asyncio.sleep(0.01)
    assert started == []
    await asyncio.sleep(0.1)
    assert started == ["show"]  # worked out regardless, past its limit
    await workers.close(1)
