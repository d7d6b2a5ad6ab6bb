"""GET /metrics as Prometheus scrapes it: real signed commands over HTTP, the sweep, the
Web API's refusals from the stand-in, the database; the exposition parsed by
prometheus_client's own parser."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from aiohttp import ClientSession
from prometheus_client import Histogram
from prometheus_client.parser import text_string_to_metric_families

from bot.console.stand_in.records import Failure
from bot.metrics import Metrics
from bot.slack.answers import answer
from bot.ui.render import Reply
from bot.wiring.observe import serve_metrics
from bot.wiring.runtime import start_metrics
from bot.wiring.settings import load_settings
from tests.bot.conftest import ADMIN, Harness, running
from tests.bot.test_reminders import at, lettered

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scrape(session: ClientSession, url: str) -> tuple[str, Samples]:
    async with session.get(url + "/metrics") as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=")
        text = await response.text()
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return text, samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def answered(session: ClientSession, url: str, commands: int) -> tuple[str, Samples]:
    """The exposition once ``commands`` answers are counted: an answer is counted just
    after the stand-in has it, so a scrape right then may come a moment early."""
    for _ in range(100):
        text, samples = await scrape(session, url)
        if value(samples, "review_bot_answer_seconds_count") >= commands:
            return text, samples
        await asyncio.sleep(0.05)
    raise AssertionError(f"{commands} answers were never counted")


async def test_commands_are_counted_by_name_and_outcome_and_timed(harness: Harness) -> None:
    await harness.answer(ADMIN, 'add chicago "Chicago, IL" state=IL')
    await harness.answer(ADMIN, "show chicago")
    await harness.answer(ADMIN, "show nowhere")  # refused: no such jurisdiction
    await harness.answer(ADMIN, "frobnicate chicago")  # refused: no such command
    await harness.answer(ADMIN, "")  # help
    text, samples = await answered(harness.session, harness.url, 5)
    count = "review_bot_commands_total"
    assert value(samples, count, command="add", outcome="ok") == 1
    assert value(samples, count, command="show", outcome="ok") == 1
    assert value(samples, count, command="show", outcome="refused") == 1
    assert value(samples, count, command="unknown", outcome="refused") == 1
    assert value(samples, count, command="help", outcome="ok") == 1
    for histogram in ("review_bot_ack_seconds", "review_bot_answer_seconds"):
        assert value(samples, histogram + "_count") == 5
        assert value(samples, histogram + "_bucket", le="+Inf") == 5
        assert value(samples, histogram + "_bucket", le="3.0") == 5  # within Slack's 3 s
        assert 0 < value(samples, histogram + "_sum") < 5 * 3
    assert value(samples, "review_bot_database_seconds_count", operation="read") > 0
    assert value(samples, "review_bot_database_seconds_count", operation="transaction") > 0
    assert value(samples, "review_bot_database_seconds_count", operation="remember") >= 5
    # Nothing of the review or the people in it is a label: no user, no jurisdiction.
    assert ADMIN not in text and "chicago" not in text.lower() and "frobnicate" not in text


async def test_the_outbox_depth_is_counted_when_scraped(harness: Harness) -> None:
    await harness.answer(ADMIN, 'add chicago "Chicago, IL" state=IL')  # drained at once
    _, samples = await scrape(harness.session, harness.url)
    assert value(samples, "review_bot_outbox_depth") == 0
    harness.bot.relay.store.notices_added = lambda: None  # nothing drains the outbox now
    await harness.bot.review.add(ADMIN, "denver", "Denver, CO", "city", "CO")
    _, samples = await scrape(harness.session, harness.url)
    assert value(samples, "review_bot_outbox_depth") == 1


async def test_reminders_claimed_posted_and_recovered_are_counted(harness: Harness) -> None:
    await lettered(harness)
    harness.clock.current = at("2018-02-20", 9) + timedelta(minutes=30)
    report = await harness.bot.sweeper.sweep()
    assert report.posted == 1
    _, samples = await scrape(harness.session, harness.url)
    assert value(samples, "review_bot_reminders_claimed_total") == 1
    assert value(samples, "review_bot_reminders_posted_total") == 1
    assert ("review_bot_reminders_recovered_total", ()) in samples


async def test_slack_api_errors_and_429s_are_counted_by_method_and_code(
        harness: Harness) -> None:
    client = harness.bot.app.client
    harness.slack.failures.append(Failure(429, retry_after=0))  # retried, then posted
    await client.chat_postMessage(channel="CREVIEW", text="after a 429")
    harness.slack.failures.append(Failure(200, error="channel_not_found"))
    try:
        await client.chat_postMessage(channel="CGONE", text="nowhere")
    except Exception as error:  # SlackApiError, as any caller gets it
        assert "channel_not_found" in str(error)
    _, samples = await scrape(harness.session, harness.url)
    method = "chat.postMessage"
    assert value(samples, "review_bot_slack_rate_limited_total", method=method) == 1
    assert value(samples, "review_bot_slack_api_errors_total", method=method,
                 error="ratelimited") == 1
    assert value(samples, "review_bot_slack_api_errors_total", method=method,
                 error="channel_not_found") == 1


async def test_each_bot_counts_on_a_registry_of_its_own(tmp_path: Path) -> None:
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    async with running(tmp_path / "one") as one, running(tmp_path / "two") as two:
        await one.answer(ADMIN, "help")
        _, first = await answered(one.session, one.url, 1)
        _, second = await scrape(two.session, two.url)
    assert value(first, "review_bot_commands_total", command="help", outcome="ok") == 1
    assert value(second, "review_bot_commands_total", command="help", outcome="ok") == 0


async def test_an_unexpected_failure_is_counted_as_an_error() -> None:
    sent: list[dict[str, object]] = []

    async def respond(**body: object) -> None:
        sent.append(body)

    async def failing() -> Reply:
        raise RuntimeError("a bug")

    async def fine() -> Reply:
        return Reply("done")

    assert await answer(respond, failing()) == "error"
    assert await answer(respond, fine()) == "ok"
    assert "a bug" not in str(sent[0]) and sent[1]["text"] == "done"


def test_labels_come_from_small_fixed_sets() -> None:
    metrics = Metrics(["show", "add"])
    assert [metrics.command_name(t) for t in ("show x", "SHOW", "", "drop tables")] == [
        "show", "show", "help", "unknown"]
    metrics.slack_answered("chat.postMessage", 200, "Weird <Code> from a proxy")
    metrics.slack_answered("https://evil/../x y", 200, "invalid_auth")
    metrics.slack_answered("CwABAAAAXAoAAZ", 200, "upload_failed")  # an upload's address
    found = {tuple(s.labels.values()) for f in metrics.registry.collect()
             for s in f.samples if s.name == "review_bot_slack_api_errors_total"}
    assert found == {("chat.postMessage", "other"), ("other", "invalid_auth"),
                     ("other", "upload_failed")}


async def test_socket_mode_serves_metrics_and_healthz_on_a_port_of_its_own(
        harness: Harness) -> None:
    assert await start_metrics(harness.bot, load_settings(None)) is None  # unset: none
    await harness.answer(ADMIN, "help")
    runner, port = await serve_metrics(harness.bot.scrape, harness.bot.healthz,
                                       "127.0.0.1", 0)
    try:
        url = f"http://127.0.0.1:{port}"
        _, samples = await answered(harness.session, url, 1)
        assert value(samples, "review_bot_commands_total", command="help", outcome="ok") == 1
        async with harness.session.get(url + "/healthz") as response:
            assert response.status == 200 and (await response.json())["ok"] is True
        async with harness.session.post(url + "/slack/events") as response:
            assert response.status in (404, 405)  # only what an operator scrapes
    finally:
        await runner.cleanup()


async def test_with_a_token_set_only_a_scrape_bearing_it_is_answered(tmp_path: Path) -> None:
    """METRICS_TOKEN: /metrics is on the public port in HTTP mode; with a token set, a
    request without it (or with another) gets 401 and no figures, /healthz stays open."""
    async with running(tmp_path, metrics_token="s3cret-scrape") as h:
        for headers in ({}, {"Authorization": "Bearer wrong"},
                        {"Authorization": "s3cret-scrape"}):
            async with h.session.get(h.url + "/metrics", headers=headers) as response:
                assert response.status == 401, headers
                assert response.headers["WWW-Authenticate"].startswith("Bearer")
                assert "review_bot" not in await response.text()
        async with h.session.get(h.url + "/metrics",
                                 headers={"Authorization": "Bearer s3cret-scrape"}) as response:
            assert response.status == 200
            assert "review_bot_commands_total" in await response.text()
        async with h.session.get(h.url + "/healthz") as response:
            assert response.status == 200


def test_a_database_operation_is_labelled_once_however_many_queries() -> None:
    """Every query is timed: its operation's child is looked up once, not per query
    (``labels`` took as long as the observing), and each query still counts."""
    metrics = Metrics()
    family, looked_up = metrics.database_seconds, []
    labels = family.labels

    def counted(*values: object, **named: object) -> Histogram:
        looked_up.append(values)
        return labels(*values, **named)

    family.labels = counted  # type: ignore[method-assign]
    for n in range(50):
        metrics.database("read" if n % 2 else "transaction", 0.001)
    assert sorted(looked_up) == [("read",), ("transaction",)]  # was 50
    counts = {s.labels["operation"]: s.value for f in metrics.registry.collect()
              for s in f.samples if s.name == "review_bot_database_seconds_count"}
    assert counts == {"read": 25, "transaction": 25}
