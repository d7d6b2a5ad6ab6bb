"""Leadership summaries end to end: a real SQLite file, the real slack_sdk client over
HTTP to the Slack stand-in, a real APScheduler, and the injected clock."""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from slack_sdk.web.async_client import AsyncWebClient

from bot.console.stand_in.records import Posted
from bot.console.stand_in.server import LocalSlack
from bot.slack.posting.summaries import SlackSummaries
from bot.subcommands.parsing import Args, check_keys, split
from bot.subcommands.summaries import COMMANDS
from bot.ui.chart import DPI, WIDTH, _margins, chart_alt, chart_png
from bot.ui.render import Reply
from bot.ui.summary import summary_reply
from bot.wiring.app import SlackAccess, slack_client
from bot.wiring.schedule import SummaryJobs, job_id
from storage.sqlite import SqliteStore
from storage.summaries import SummaryStore
from tests.bot.conftest import Clock
from tests.packaged import packaged_workflow
from workflows.deadlines import DueSpec, Tier
from workflows.definition import default_definition
from workflows.errors import BadInput, NotFound
from workflows.model import CourtOrder, Event, Jurisdiction, Notice, OrderKind, Round
from workflows.review import Review, ReviewConfig
from workflows.summaries import SummaryService
from workflows.summary import (
    Activity,
    Blocked,
    Cadence,
    Capped,
    DueItem,
    Move,
    Schedule,
    StateCount,
    Subscription,
    Summary,
    build_summary,
)

NY = ZoneInfo("America/New_York")
NOW = datetime(2018, 2, 1, 15, 0, tzinfo=UTC)  # Thursday, 10:00 in New York
ADMIN, ANA = "UADMIN", "UANA"
LEAD_CHANNEL = "CLEADERSHIP"
PNG = b"\x89PNG\r\n\x1a\n"
DEFINITION = default_definition()

Batch = list[tuple[Jurisdiction, list[Event], list[Notice]]]


@dataclass(frozen=True)
class Caller:
    user: str
    channel: str


# -- fixtures ------------------------------------------------------------------------------




@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    opened = await SqliteStore.open(tmp_path / "review.db")
    yield opened
    await opened.close()


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def review(store: SqliteStore, clock: Clock) -> Review:
    return Review(store, clock, ReviewConfig("#compliance-review", frozenset({ADMIN})),
                  packaged_workflow())


def summaries(store: SqliteStore, client: AsyncWebClient, clock: Clock,
              scheduler: AsyncIOScheduler | None = None) -> SummaryService:
    """The service as the bot builds it; its jobs go on ``scheduler`` (by default one
    never started: an earlier run of the bot)."""
    summary_store = SummaryStore(store)
    return SummaryService(summary_store, summary_store, SlackSummaries(client, DEFINITION),
                          SummaryJobs(scheduler or AsyncIOScheduler(timezone=UTC)), clock, NY)


@pytest.fixture
def client(slack: LocalSlack) -> AsyncWebClient:
    return slack_client(SlackAccess(slack.token, None, slack.api_url))


@pytest.fixture
def service(store: SqliteStore, client: AsyncWebClient, clock: Clock,
            scheduler: AsyncIOScheduler) -> SummaryService:
    return summaries(store, client, clock, scheduler)


# -- many jurisdictions, fast ------------------------------------------------------------


def jurisdictions(count: int) -> Batch:
    """``count`` jurisdictions with a history: all added 10 days ago; four in five got a
    letter 5 days ago, with deadlines spread from 20 days past to 19 ahead; a third of
    those answered 3 hours ago (a step inside today's period; the first jurisdiction
    did); every 97th is under an injunction."""
    added, lettered, answered = (NOW - timedelta(days=10), NOW - timedelta(days=5),
                                 NOW - timedelta(hours=3))
    batch: Batch = []
    for i in range(count):
        us_state = ("IL", "CA", "NY", "TX")[i % 4]
        j = Jurisdiction(f"j{i:05d}", f"Town {i:05d}, {us_state}", "city", us_state)
        events = [Event(j.id, "added", ADMIN, added.date(), added, None, "new", {})]
        if i % 5 != 4:
            due = NOW.date() + timedelta(days=i % 40 - 20)
            j.rounds.append(Round(1, "letter", lettered.date(), due, due.isoformat()))
            j.state = "awaiting_response"
            events.append(Event(j.id, "letter", ANA, lettered.date(), lettered, "new",
                                "awaiting_response", {}))
            if i % 3 == 0:
                j.rounds[0].outcome, j.state = "responded", "response_received"
                events.append(Event(j.id, "response", ANA, answered.date(), answered,
                                    "awaiting_response", "response_received", {}))
        if i % 97 == 0:
            j.orders.append(CourtOrder(OrderKind.INJUNCTION, date(2017, 11, 15),
                                       f"2:17-cv-{i:05d}", "E.D. Pa.", "1373 certification",
                                       frozenset({"finding", "threaten"}), id=1))
        j.version = len(events)
        batch.append((j, events, []))
    return batch


async def bulk_load(store: SqliteStore, batch: Batch) -> None:
    """The same rows ``SqliteStore.add_many`` writes, with one executemany per table
    (add_many makes about ten calls a jurisdiction: some 5 seconds for 5,000).
    ``test_bulk_load_writes_what_add_many_writes`` keeps the two in step."""
    async with store.transaction() as db:
        await db.executemany(
            "INSERT INTO jurisdictions (id, name, name_key, kind, us_state, state, version,"
            " due_on, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(j.id, j.name, j.name.lower(), j.kind, j.us_state, j.state, j.version,
              j.due_on.isoformat() if j.due_on else None, events[-1].at.isoformat())
             for j, events, _ in batch])
        await db.executemany(
            "INSERT INTO rounds (jurisdiction_id, number, kind, sent_on, due_on, due_rule,"
            " outcome) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(j.id, r.number, r.kind, r.sent_on.isoformat(), r.due_on and r.due_on.isoformat(),
              r.due_rule, r.outcome) for j, _, _ in batch for r in j.rounds])
        await db.executemany(
            "INSERT INTO court_orders VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)",
            [(j.id, o.id, o.kind.value, o.on.isoformat(), o.case, o.court, o.scope,
              ",".join(sorted(o.blocks))) for j, _, _ in batch for o in j.orders])
        await db.executemany(
            "INSERT INTO events (jurisdiction_id, seq, kind, actor, on_date, recorded_at,"
            " from_state, to_state, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '{}')",
            [(e.jurisdiction_id, seq, e.kind, e.actor, e.on.isoformat(), e.at.isoformat(),
              e.from_state, e.to_state) for _, events, _ in batch
             for seq, e in enumerate(events, start=1)])


async def test_bulk_load_writes_what_add_many_writes(tmp_path: Path) -> None:
    summaries = []
    for name in ("add_many", "bulk"):
        store = await SqliteStore.open(tmp_path / f"{name}.db")
        try:
            batch = jurisdictions(120)
            await (store.add_many(batch) if name == "add_many" else bulk_load(store, batch))
            summaries.append(await build_summary(SummaryStore(store), "C", "Summary",
                                                 NOW - timedelta(days=1), NOW, NY))
            assert await store.get("j00097") == batch[97][0]
        finally:
            await store.close()
    # The bulk load writes no hash chain (bench/ seeds the same way): all else is equal.
    assert replace(summaries[0], seal=None) == replace(summaries[1], seal=None)
    assert summaries[0].activity.steps == 32 and summaries[0].blocked.total == 2


# -- the limits ---------------------------------------------------------------------------


def assert_fits(blocks: Sequence[dict[str, object]]) -> None:
    """Slack's limits: 50 blocks; 3,000 characters a section, 150 a header."""
    assert 0 < len(blocks) <= 50
    for block in blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000  # type: ignore[index]
        elif block["type"] == "header":
            assert len(block["text"]["text"]) <= 150  # type: ignore[index]
        elif block["type"] == "context":
            elements = block["elements"]
            assert len(elements) <= 10  # type: ignore[arg-type]
            assert all(len(e["text"]) <= 3000 for e in elements)  # type: ignore[attr-defined]


def section_with(posted: Posted, title: str) -> str:
    found = [b["text"]["text"] for b in posted.blocks
             if b["type"] == "section" and b["text"]["text"].startswith(title)]
    assert len(found) == 1, [b.get("text") for b in posted.blocks]
    return str(found[0])


def shown_and_hidden(text: str) -> tuple[int, int]:
    """Lines listed under a section's title, and N of its "…and N more"."""
    lines = text.split("\n")[1:]
    more = re.fullmatch(r"…and ([\d,]+) more", lines[-1]) if lines else None
    hidden = int(more[1].replace(",", "")) if more else 0
    return len(lines) - (1 if more else 0), hidden


@pytest.mark.parametrize("count", [1, 50, 5000])
async def test_summaries_fit_slack_at_any_size(count: int, store: SqliteStore,
                                               service: SummaryService,
                                               slack: LocalSlack) -> None:
    batch = jurisdictions(count)
    await bulk_load(store, batch)
    started = time.perf_counter()
    summary = await service.build(LEAD_CHANNEL, None)
    built = time.perf_counter() - started
    print(f"summary of {count} jurisdictions built in {built * 1000:.0f} ms")
    assert built < 2.0
    assert summary.total == count

    sent = await service.send(LEAD_CHANNEL)

    [posted] = [p for p in slack.posted if p.channel == LEAD_CHANNEL]
    assert_fits(posted.blocks)
    assert len(json.dumps(posted.blocks)) < 40_000
    in_review = f"{count:,} jurisdiction{'s' if count > 1 else ''} in the review"
    assert in_review in json.dumps(posted.blocks)
    for title, total in (("*What changed*", summary.activity.steps),
                         ("*Due in the next 7 days*", summary.due_ahead.total),
                         ("*Newly overdue*", summary.newly_overdue.total),
                         ("*Blocked by court orders*", summary.blocked.total)):
        text = section_with(posted, title)
        shown, hidden = shown_and_hidden(text)
        assert shown + hidden == total or (total == 0 and text.endswith(": none.")), text
        assert (hidden > 0) == (total > shown)
    [chart] = slack.files
    assert chart.channel == LEAD_CHANNEL and chart.data.startswith(PNG)
    assert sent.chart == chart.id and sent.ts == posted.ts


async def test_a_summary_of_5000_lists_what_it_can_and_counts_the_rest(
        store: SqliteStore, service: SummaryService, slack: LocalSlack) -> None:
    await bulk_load(store, jurisdictions(5000))
    await service.send(LEAD_CHANNEL)
    [posted] = slack.posted
    changed = section_with(posted, "*What changed*")
    assert changed.startswith("*What changed* (1,334 steps)")
    assert changed.endswith("…and 1,314 more")
    assert "Town 04998, NY: letter sent, awaiting response → response received, under review" \
           " (by <@UANA>)" in changed  # the newest first
    blocked = section_with(posted, "*Blocked by court orders* (52 jurisdictions, 52 injunctions)")
    assert "Town 00000, IL: injunction #1 (2:17-cv-00000, E.D. Pa., 2017-11-15) — blocks " \
           "finding, threaten (1373 certification)" in blocked


def long_summary(items: int, name_length: int) -> Summary:
    name = "N" * name_length
    move = Move("x", name, "awaiting_response", "response_received", ANA, NOW)
    due = DueItem("x", name, NOW.date(), "awaiting_response", "IL", ANA)
    order = CourtOrder(OrderKind.INJUNCTION, date(2017, 1, 1), "c" * 500, "court" * 100,
                       "scope" * 500, frozenset({"finding"}), id=1)
    return Summary(
        LEAD_CHANNEL, "Weekly summary " + "x" * 300, NOW - timedelta(days=7), NOW, NOW.date(),
        tuple(StateCount(f"state-{n}-" + "s" * 200, n, n + 1) for n in range(40)),
        {Tier.OVERDUE: items}, Activity((move,) * min(items, 50), items, items, items),
        Capped((due,) * min(items, 50), items), Capped((due,) * min(items, 50), items),
        Capped((Blocked("x", name, order),) * min(items, 50), items), items)


@pytest.mark.parametrize(("items", "name_length"), [(1, 10), (50, 100), (100_000, 5000)])
def test_rendering_fits_whatever_the_names_and_numbers(items: int, name_length: int) -> None:
    reply = summary_reply(long_summary(items, name_length), NY, DEFINITION)
    assert_fits(reply.blocks)
    assert len(reply.blocks) == 11
    text = json.dumps(reply.blocks, ensure_ascii=False)
    assert ("more" in text) is (items > 1)


def test_names_cannot_break_the_markup() -> None:
    summary = long_summary(1, 1)
    move = Move("x", "<!channel> & <@U1>", "new", "awaiting_response", ANA, NOW)
    reply = summary_reply(Summary(**{**summary.__dict__,
                                     "activity": Activity((move,), 1)}), NY, DEFINITION)
    text = json.dumps(reply.blocks)
    assert "&lt;!channel&gt; &amp; &lt;@U1&gt;" in text and "<!channel>" not in text


def test_states_are_named_and_ordered_as_the_workflow_in_force_has_them() -> None:
    """A team's workflow file that adds a state (first) and renames one: the message,
    the no-change message and the chart's words follow it, not the packaged workflow."""
    team = replace(DEFINITION, states={"appeal": "under appeal",
                                       **DEFINITION.states, "new": "just added"})
    states = (StateCount("awaiting_response", 2, 2), StateCount("new", 1, 1),
              StateCount("appeal", 3, 0))
    summary = Summary(**{**long_summary(1, 10).__dict__, "states": states})
    text = json.dumps(summary_reply(summary, NY, team).blocks, ensure_ascii=False)
    assert ("• under appeal: *3* (+3)\\n• just added: *1*\\n"
            "• letter sent, awaiting response: *2*") in text
    quiet = Summary(**{**summary.__dict__, "activity": Activity(()),
                       "newly_overdue": Capped()})
    text = json.dumps(summary_reply(quiet, NY, team).blocks, ensure_ascii=False)
    assert "stand: under appeal 3 · just added 1 · letter sent, awaiting response 2." in text
    assert chart_alt(summary, team).endswith(
        "now. under appeal: 0 then 3; just added: 1 then 1; letter sent, awaiting response: "
        "2 then 2")
    assert chart_png(summary, NY, team).startswith(PNG)


def test_the_chart_is_a_png_of_every_state_with_a_count() -> None:
    summary = long_summary(3, 10)
    png = chart_png(summary, NY, DEFINITION)
    assert png.startswith(PNG)
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width > 400 and height > 40 * 20, (width, height)  # 40 states, one row each
    empty = chart_png(Summary(**{**summary.__dict__, "states": ()}), NY, DEFINITION)
    assert empty.startswith(PNG) and empty != png


def test_the_chart_is_drawn_once_at_its_own_size() -> None:
    """Margins worked out from the labels, not ``bbox_inches="tight"``, which drew every
    chart twice (once to measure it) and cropped it to a size of its own: half the time
    of a leadership summary's chart at 100,000 jurisdictions."""
    summary = long_summary(3, 10)
    png = chart_png(summary, NY, DEFINITION)
    assert int.from_bytes(png[16:20], "big") == WIDTH * DPI
    left = _margins(FigureCanvasAgg(Figure(dpi=DPI)), ["x" * 60], 10)["left"]
    assert left > _margins(FigureCanvasAgg(Figure(dpi=DPI)), ["x"], 10)["left"]


# -- what a summary says -------------------------------------------------------------------


async def story(review: Review, clock: Clock) -> None:
    """Chicago answered today, Denver's deadline passed yesterday, Philadelphia is
    enjoined, Austin is due in three days; all set up last week."""
    clock.current = NOW - timedelta(days=7)
    for jid, name, us_state in (("chicago", "Chicago, IL", "IL"), ("denver", "Denver, CO", "CO"),
                                ("philadelphia", "Philadelphia, PA", "PA"),
                                ("austin", "Austin, TX", "TX")):
        await review.add(ADMIN, jid, name, "city", us_state)
    await review.take(ADMIN, "chicago", "letter", due=DueSpec(on=date(2018, 2, 20)))
    await review.take(ADMIN, "denver", "letter", due=DueSpec(on=date(2018, 1, 31)))
    await review.take(ADMIN, "austin", "letter", due=DueSpec(on=date(2018, 2, 4)))
    await review.attach_order(ADMIN, "philadelphia", CourtOrder(
        OrderKind.INJUNCTION, date(2017, 11, 15), "2:17-cv-03894", "E.D. Pa.",
        "1373 certification", frozenset({"finding", "threaten", "subpoena", "approve"})))
    clock.current = NOW - timedelta(hours=2)
    await review.take(ADMIN, "chicago", "response", note="legal opinion")
    clock.current = NOW


async def test_the_summary_says_what_changed_what_is_due_and_what_is_blocked(
        review: Review, clock: Clock, service: SummaryService, slack: LocalSlack,
        store: SqliteStore) -> None:
    await story(review, clock)
    await service.send(LEAD_CHANNEL)
    [posted] = slack.posted
    seal = await store.seal()
    assert seal.events == 9 and str(seal.fingerprint) == f"9-{seal.head[:20]}"
    assert posted.text == ("Summary: 4 jurisdictions; 1 step and 1 newly overdue since "
                           f"Wed 31 Jan 2018, 10:00 EST. Record fingerprint {seal.fingerprint}.")
    # Slack keeps the record's fingerprint with every summary, as its last line.
    assert posted.blocks[-1]["elements"][0]["text"] == (
        f":lock: Record fingerprint `{seal.fingerprint}` · 9 events recorded · check it any"
        f" time with `/review verify {seal.fingerprint}`")
    assert section_with(posted, "*Where the jurisdictions stand*").split("\n")[1:] == [
        "• added, no letter yet: *1*",
        "• letter sent, awaiting response: *2* (-1)",
        "• response received, under review: *1* (+1)",
    ]
    assert section_with(posted, "*What changed*") == (
        "*What changed* (1 step)\nChicago, IL: letter sent, awaiting response → response "
        "received, under review (by <@UADMIN>)")
    assert section_with(posted, "*Due in the next 7 days*") == (
        "*Due in the next 7 days* (1)\n`2018-02-04` Austin, TX — letter sent, awaiting response")
    assert section_with(posted, "*Newly overdue*") == (
        "*Newly overdue* (1)\n`2018-01-31` Denver, CO — letter sent, awaiting response")
    assert section_with(posted, "*Blocked by court orders*") == (
        "*Blocked by court orders* (1 jurisdiction, 1 injunction)\nPhiladelphia, PA: "
        "injunction #1 (2:17-cv-03894, E.D. Pa., 2017-11-15) — blocks approve, finding, "
        "subpoena, threaten (1373 certification)")
    tiers = [b for b in posted.blocks if b["type"] == "context"][1]["elements"][0]["text"]
    assert tiers == "Running deadlines: 0 on track · 1 due soon · 1 overdue · 0 very overdue"


async def test_additions_and_other_updates_are_counted_beside_the_steps(
        review: Review, clock: Clock, service: SummaryService, slack: LocalSlack) -> None:
    await story(review, clock)
    await review.add(ADMIN, "boise", "Boise, ID", "city", "ID")
    await review.assign(ADMIN, "chicago", owner=ANA)
    await review.add_alias(ADMIN, "chicago", "chi")
    await service.send(LEAD_CHANNEL)
    changed = section_with(slack.posted[-1], "*What changed*")
    assert changed.split("\n")[0] == ("*What changed* (1 step, 1 added, 2 other updates "
                                      "(court orders, owners, aliases))")


async def test_each_summary_covers_the_time_since_the_previous_one_to_that_channel(
        review: Review, clock: Clock, service: SummaryService, slack: LocalSlack) -> None:
    await story(review, clock)
    clock.current = NOW - timedelta(days=30)
    await service.subscribe(LEAD_CHANNEL, Schedule(Cadence.WEEKLY, clock_time(9), "UTC", 0),
                            ADMIN)
    clock.current = NOW
    first = await service.send(LEAD_CHANNEL)
    assert first.summary.since == NOW - timedelta(days=7)  # weekly: the first covers a week
    assert first.summary.title == "Weekly summary"
    assert "Chicago, IL" in section_with(slack.posted[-1], "*What changed*")

    clock.current = NOW + timedelta(hours=1)
    await review.take(ADMIN, "austin", "response")
    clock.current = NOW + timedelta(hours=2)
    second = await service.send(LEAD_CHANNEL)
    assert second.summary.since == NOW
    changed = section_with(slack.posted[-1], "*What changed*")
    assert "Austin, TX" in changed and "Chicago, IL" not in changed
    stored = await service.store.subscription(LEAD_CHANNEL)
    assert stored is not None and stored.last_sent_at == NOW + timedelta(hours=2)


async def test_a_period_with_no_change_gets_a_short_summary_and_no_chart(
        review: Review, clock: Clock, service: SummaryService, slack: LocalSlack,
        store: SqliteStore) -> None:
    await story(review, clock)
    await service.subscribe(LEAD_CHANNEL, Schedule(Cadence.DAILY, clock_time(9), "UTC"), ADMIN)
    await service.send(LEAD_CHANNEL)
    assert len(slack.files) == 1
    clock.current = NOW + timedelta(hours=20)  # still 1 February in New York: nothing passes
    sent = await service.send(LEAD_CHANNEL)
    posted = slack.posted[-1]
    assert sent.summary.no_change and sent.chart is None
    assert posted.text == ("Daily summary: no change since Thu 1 Feb 2018, 15:00 UTC "
                           "(4 jurisdictions). Record fingerprint"
                           f" {(await store.seal()).fingerprint}.")
    assert len(posted.blocks) == 6
    assert_fits(posted.blocks)
    assert "*No change* since Thu 1 Feb 2018, 15:00 UTC" in json.dumps(posted.blocks,
                                                                      ensure_ascii=False)
    assert len(slack.files) == 1, "no chart for a period without change"
    stored = await service.store.subscription(LEAD_CHANNEL)
    assert stored is not None and stored.last_sent_at == NOW + timedelta(hours=20)


async def test_a_summary_slack_refuses_is_not_recorded_as_sent(
        store: SqliteStore, slack: LocalSlack, clock: Clock) -> None:
    wrong = slack_client(SlackAccess("xoxb-wrong", None, slack.api_url))
    service = summaries(store, wrong, clock)
    await service.subscribe(LEAD_CHANNEL, Schedule(Cadence.DAILY, clock_time(9), "UTC"), ADMIN)
    with pytest.raises(BadInput) as refused:
        await run(service, ADMIN, "summary")
    assert "Slack did not take the summary (invalid_auth). Nothing was posted." in \
        refused.value.message
    stored = await service.store.subscription(LEAD_CHANNEL)
    assert stored is not None and stored.last_sent_at is None
    assert slack.posted == [] and slack.files == []


# -- the commands --------------------------------------------------------------------------


async def run(service: SummaryService, user: str, text: str,
              channel: str = LEAD_CHANNEL) -> Reply:
    """What ``bot.subcommands.commands.run`` does with a subcommand: split, check the keys, call."""
    args = split(text)
    [command] = [c for c in COMMANDS if c.name == args.words[0]]
    rest = Args(args.words[1:], args.options)
    check_keys(rest, frozenset(command.keys), command.usage)
    return await command.handler(service, Caller(user, channel), rest)


async def test_summary_command_posts_in_the_channel_and_answers_the_caller(
        review: Review, clock: Clock, service: SummaryService, slack: LocalSlack) -> None:
    await story(review, clock)
    reply = await run(service, ANA, "summary", channel="CMIDWEST")
    assert reply.text == ":white_check_mark: Summary posted in <#CMIDWEST>."
    assert not reply.in_channel
    [posted] = slack.posted
    assert posted.channel == "CMIDWEST" and posted.text.startswith("Summary: 4 jurisdictions")
    assert [f.channel for f in slack.files] == ["CMIDWEST"]
    with pytest.raises(BadInput):
        await run(service, ANA, "summary chicago")


async def test_subscribe_answers_when_the_next_summary_comes(service: SummaryService) -> None:
    reply = await run(service, ANA, "subscribe daily 09:00")
    assert reply.text == (":white_check_mark: <#CLEADERSHIP> will get a summary daily at 09:00 "
                          "(America/New_York). The next one: Fri 2 Feb 2018, 09:00 EST.")
    assert not reply.in_channel
    reply = await run(service, ANA,
                      "subscribe weekly fri 07:30 tz=europe/paris channel=<#CBOARD|board>")
    assert reply.text == (":white_check_mark: <#CBOARD> will get a summary weekly on Fridays "
                          "at 07:30 (Europe/Paris). The next one: Fri 2 Feb 2018, 07:30 CET.")
    reply = await run(service, ADMIN, "subscribe weekly mon 08:00")
    assert "This replaces the summary daily at 09:00 (America/New_York)." in reply.text
    stored = {s.channel: s for s in await service.store.subscriptions()}
    assert stored["CBOARD"].schedule == Schedule(Cadence.WEEKLY, clock_time(7, 30),
                                                 "Europe/Paris", 4)
    assert stored["CBOARD"].created_by == ANA
    assert stored[LEAD_CHANNEL].schedule.weekday == 0


@pytest.mark.parametrize(("text", "says"), [
    ("subscribe daily 9", "“9” is not a time of day"),
    ("subscribe fortnightly 09:00", "“fortnightly” is not a schedule"),
    ("subscribe weekly someday 09:00", "“someday” is not a day of the week"),
    ("subscribe daily 09:00 tz=Mars/Olympus", "“Mars/Olympus” is not a time zone"),
    ("subscribe daily 09:00 tz=America/New_Yrok", "Did you mean America/New_York?"),
    ("subscribe daily 09:00 channel=nowhere", "“nowhere” is not a channel"),
    ("subscribe daily 09:00 at=noon", "Unknown option at="),
])
async def test_bad_subscriptions_are_refused_and_change_nothing(
        service: SummaryService, text: str, says: str) -> None:
    await run(service, ANA, "subscribe weekly tue 10:00")
    before = await service.store.subscriptions()
    with pytest.raises(BadInput) as refused:
        await run(service, ADMIN, text)
    assert says in refused.value.message
    assert await service.store.subscriptions() == before


async def test_unsubscribe_and_list(service: SummaryService, clock: Clock) -> None:
    await run(service, ANA, "subscribe daily 09:00")
    await run(service, ANA, "subscribe weekly mon 08:30 tz=UTC channel=<#CBOARD|board>")
    listing = await run(service, ANA, "subscriptions")
    text = json.dumps(listing.blocks, ensure_ascii=False)
    assert ("<#CBOARD>: weekly on Mondays at 08:30 (UTC) · last sent not yet · next Mon 5 Feb "
            "2018, 08:30 UTC") in text
    assert "<#CLEADERSHIP>: daily at 09:00 (America/New_York)" in text
    reply = await run(service, ADMIN, "unsubscribe channel=<#CBOARD|board>")
    assert reply.text == (":white_check_mark: <#CBOARD> will no longer get a summary weekly on "
                          "Mondays at 08:30 (UTC).")
    assert [s.channel for s in await service.store.subscriptions()] == [LEAD_CHANNEL]
    with pytest.raises(NotFound):
        await run(service, ADMIN, "unsubscribe channel=<#CBOARD|board>")
    await run(service, ADMIN, "unsubscribe")
    empty = await run(service, ADMIN, "subscriptions")
    assert "No channel gets a summary yet" in json.dumps(empty.blocks)


def test_the_commands_table_is_complete() -> None:
    assert [(c.name, c.keys) for c in COMMANDS] == [
        ("summary", ()), ("subscribe", ("tz", "channel")), ("unsubscribe", ("channel",)),
        ("subscriptions", ())]
    assert all(c.usage.startswith(c.name) and c.summary for c in COMMANDS)


# -- the scheduler and catching up ---------------------------------------------------------


@pytest.fixture
async def scheduler() -> AsyncIterator[AsyncIOScheduler]:
    started = AsyncIOScheduler(timezone=UTC)
    started.start(paused=True)
    yield started
    started.shutdown(wait=False)


def test_jobs_made_before_the_scheduler_starts_are_replaced_and_removed_alike() -> None:
    """A command may subscribe before the scheduler starts (or in the console, where it
    never does): the channel still has one job, and none once it unsubscribes."""
    idle = AsyncIOScheduler(timezone=UTC)
    jobs = SummaryJobs(idle)

    async def job(channel: str) -> None: ...

    for hour in (9, 10):
        jobs.add(Subscription(LEAD_CHANNEL, Schedule(Cadence.DAILY, clock_time(hour), "UTC"),
                              ADMIN, NOW), job)
    [pending] = idle.get_jobs()
    assert pending.id == job_id(LEAD_CHANNEL) and "10:00" in pending.name
    jobs.remove(LEAD_CHANNEL)
    assert idle.get_jobs() == []


async def test_one_cron_job_per_subscription_in_its_own_zone(
        store: SqliteStore, client: AsyncWebClient, clock: Clock, service: SummaryService,
        scheduler: AsyncIOScheduler) -> None:
    earlier = summaries(store, client, clock)  # the bot before it stopped: no jobs here
    await run(earlier, ANA, "subscribe daily 09:00 tz=Asia/Tokyo")
    await run(earlier, ANA, "subscribe weekly mon 08:30 channel=<#CBOARD|board>")
    await service.start()
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {job_id(LEAD_CHANNEL), job_id("CBOARD")}
    tokyo = jobs[job_id(LEAD_CHANNEL)].trigger.get_next_fire_time(None, NOW)
    assert tokyo == datetime(2018, 2, 2, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo
    board = jobs[job_id("CBOARD")].trigger.get_next_fire_time(None, NOW)
    assert board == datetime(2018, 2, 5, 13, 30, tzinfo=UTC)  # Monday 08:30 in New York

    await run(service, ANA, "subscribe weekly fri 17:00 tz=UTC")  # replaces Tokyo's job
    await run(service, ANA, "subscribe daily 07:00 channel=<#CNEW|new>")
    await run(service, ANA, "unsubscribe channel=<#CBOARD|board>")
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {job_id(LEAD_CHANNEL), job_id("CNEW")}
    assert jobs[job_id(LEAD_CHANNEL)].trigger.get_next_fire_time(None, NOW) == datetime(
        2018, 2, 2, 17, 0, tzinfo=UTC)


async def test_a_job_sends_once_when_its_moment_has_come(
        review: Review, store: SqliteStore, client: AsyncWebClient, clock: Clock,
        service: SummaryService, slack: LocalSlack, scheduler: AsyncIOScheduler) -> None:
    await story(review, clock)
    earlier = summaries(store, client, clock)  # the bot before it stopped: no jobs here
    await run(earlier, ANA, "subscribe daily 11:00")  # 16:00 UTC, an hour from now
    await service.start()
    [job] = scheduler.get_jobs()
    await job.func(*job.args)
    assert slack.posted == [], "not before its time"
    clock.current = NOW + timedelta(hours=1)
    await job.func(*job.args)
    await job.func(*job.args)
    assert len(slack.posted) == 1 and slack.posted[0].channel == LEAD_CHANNEL
    assert slack.posted[0].text.startswith("Daily summary: 4 jurisdictions")


async def test_a_failing_job_is_logged_not_raised(
        store: SqliteStore, slack: LocalSlack, clock: Clock,
        caplog: pytest.LogCaptureFixture) -> None:
    wrong = slack_client(SlackAccess("xoxb-wrong", None, slack.api_url))
    service = summaries(store, wrong, clock)
    clock.current = NOW - timedelta(days=2)
    await service.subscribe(LEAD_CHANNEL, Schedule(Cadence.DAILY, clock_time(9), "UTC"), ADMIN)
    clock.current = NOW
    await service.run_job(LEAD_CHANNEL)
    assert "summary for CLEADERSHIP not posted: invalid_auth" in caplog.text


async def test_catch_up_sends_one_summary_per_channel_that_missed_its_moment(
        review: Review, clock: Clock, service: SummaryService, slack: LocalSlack) -> None:
    await story(review, clock)
    clock.current = NOW - timedelta(days=10)
    await run(service, ANA, "subscribe daily 09:00 tz=UTC", channel="CMISSED")
    await run(service, ANA, "subscribe weekly mon 09:00 tz=UTC", channel="CWEEKLY")
    await run(service, ANA, "subscribe daily 16:00 tz=UTC", channel="CLATER")
    await service.store.mark_sent("CMISSED", NOW - timedelta(days=3))  # down since then
    await service.store.mark_sent("CWEEKLY", datetime(2018, 1, 29, 9, 5, tzinfo=UTC))
    await service.store.mark_sent("CLATER", NOW - timedelta(hours=23))  # yesterday 16:00
    clock.current = NOW

    sent = await service.catch_up()

    assert [s.channel for s in sent] == ["CMISSED"]
    assert sent[0].summary.since == NOW - timedelta(days=3), "one summary covers the gap"
    assert [p.channel for p in slack.posted] == ["CMISSED"]
    assert await service.catch_up() == []
    assert len(slack.posted) == 1


async def test_at_start_jobs_come_from_the_database_and_missed_summaries_go_out(
        review: Review, store: SqliteStore, client: AsyncWebClient, clock: Clock,
        service: SummaryService, slack: LocalSlack, scheduler: AsyncIOScheduler) -> None:
    await story(review, clock)
    clock.current = NOW - timedelta(days=2)
    earlier = summaries(store, client, clock)  # the bot before it stopped: no jobs here
    await run(earlier, ANA, "subscribe daily 09:00 tz=UTC")
    await run(earlier, ANA, "subscribe weekly fri 09:00 tz=UTC", channel="CFRIDAY")
    clock.current = NOW
    sent = await service.start()
    assert [s.channel for s in sent] == [LEAD_CHANNEL]
    assert {job.id for job in scheduler.get_jobs()} == {job_id(LEAD_CHANNEL), job_id("CFRIDAY")}
    await run(service, ANA, "unsubscribe", channel="CFRIDAY")
    assert {job.id for job in scheduler.get_jobs()} == {job_id(LEAD_CHANNEL)}


def test_the_readme_shows_every_summary_command() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for command in COMMANDS:
        assert f"`{command.usage.replace('|', chr(92) + '|')}`" in readme, command.usage
