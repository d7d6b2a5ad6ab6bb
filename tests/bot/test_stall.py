"""One person's big work does not stall everyone else: over real HTTP, a big import
runs while another person's commands and clicks are answered, each within a second."""

from __future__ import annotations

import time
from collections.abc import Awaitable

from bot.cli.main import COMMAND_LINE_ROWS
from bot.console.stand_in.records import Posted
from bot.subcommands.commands import MAX_TEXT
from bot.subcommands.transfer import MAX_IMPORT_ROWS
from tests.bot.conftest import ADMIN, Harness
from workflows.ports import Filters

ANALYST, LEAD = "UANALYST", "ULEAD"
ROWS = 5_000
"""An import written in one transaction: one round trip a row, this held the write
lock for a quarter of a minute; now another person's write waits a fraction of a
second for it."""
CHECKED = 40_000
"""A file only checked (a dry run): reading and checking it held the event loop for a
second or more; in a worker thread, it runs beside everyone's answers."""
ANSWER_SECONDS = 1.0


def towns(rows: int) -> bytes:
    return ("id,name,kind,state\n" + "".join(f"town-{n:06d},Town {n},city,CA\n"
                                             for n in range(rows))).encode()


async def setup(h: Harness) -> None:
    for user, role in ((ANALYST, "analyst"), (LEAD, "lead")):
        await h.answer(ADMIN, f"role <@{user}|x> {role}")
    await h.answer(ANALYST, 'add chicago "Chicago, IL" kind=city state=IL')
    await h.answer(ANALYST, "letter chicago date=2017-04-21 due=2017-06-30")
    await h.answer(ANALYST, "response chicago date=2017-06-30")


async def ask(h: Harness, user: str, text: str) -> Posted:
    """Send one command and wait for its own answer (others' may come in between)."""
    key = f"q{time.monotonic_ns()}"
    assert (await h.sender.post(h.session, h.sender.form(user, text, "CREVIEW", key)))[0] == 200
    [answer] = await h.slack.wait_for(lambda p: p.response_key == key)
    return answer


async def timed(work: Awaitable[object]) -> float:
    started = time.perf_counter()
    await work
    return time.perf_counter() - started


async def click_a_step(h: Harness) -> float:
    """The lead asks for chicago's card and clicks the step it offers (clarify, or
    resume once clarified): a write, which needs the write lock the import takes."""
    card = await ask(h, LEAD, "show chicago")
    actions = {e["action_id"]: e for b in card.blocks if b["type"] == "actions"
               for e in b["elements"]}
    button = actions.get("step_clarify") or actions["step_resume"]
    return await timed(h.sender.click(h.session, LEAD, button, card))


async def test_big_imports_leave_everyone_elses_commands_answered_within_a_second(
        harness: Harness) -> None:
    await setup(harness)
    keys = {}
    for name, rows, mode in (("checked.csv", CHECKED, ""), ("written.csv", ROWS, " apply")):
        file_id = harness.slack.share(name, towns(rows), ANALYST)
        link = f"<https://local.slack.com/files/{ANALYST}/{file_id}/{name}>"
        keys[name] = f"import-{name}"
        body = harness.sender.form(ANALYST, f"import {link}{mode}", "CREVIEW", keys[name])
        assert (await harness.sender.post(harness.session, body))[0] == 200
    started = time.perf_counter()

    waits: dict[str, list[float]] = {}
    while not all(_answered(harness.slack.posted, key) for key in keys.values()):
        for text in ("whoami", "list", "show chicago"):
            waits.setdefault(text, []).append(await timed(ask(harness, ADMIN, text)))
        waits.setdefault("click", []).append(await click_a_step(harness))
        assert time.perf_counter() - started < 60, "the imports never finished"
    took = time.perf_counter() - started

    answers = {p.response_key: p.text for p in harness.slack.posted
               if p.response_key in keys.values()}
    assert f"{CHECKED} jurisdiction(s) would be added" in answers[keys["checked.csv"]]
    assert f"{ROWS} jurisdiction(s) added" in answers[keys["written.csv"]]
    assert (await harness.bot.store.page(Filters(), 0, 1))[1] == ROWS + 1
    slowest = {name: round(max(w), 2) for name, w in waits.items()}
    assert all(w < ANSWER_SECONDS for w in slowest.values()), (slowest, took)
    # Each round starts only while an import is still unanswered, so the first round at
    # least ran beside them (on a quiet machine both imports take about half a second).
    assert len(waits["click"]) >= 1, (waits, took)


def _answered(posted: list[Posted], key: str) -> bool:
    return any(p.response_key == key for p in posted)


# -- what one command may carry -------------------------------------------------------


async def test_command_text_longer_than_a_slack_message_is_refused_before_it_is_parsed(
        harness: Harness) -> None:
    """900 KB of text took the parser 9.5 s of the event loop everyone shares."""
    text = "batch letter " + "chicago " * 110_000  # ~900,000 characters
    started = time.perf_counter()
    refused = await ask(harness, ADMIN, text)
    took = time.perf_counter() - started
    assert refused.ephemeral
    assert f"That command is {len(text):,} characters long" in refused.text
    assert "at most 4,000" in refused.text and "Nothing was changed" in refused.text
    assert took < ANSWER_SECONDS, f"the refusal took {took:.2f} s"
    assert await harness.bot.store.roles() == []  # and nothing ran


async def test_command_text_of_the_longest_allowed_length_is_taken(harness: Harness) -> None:
    note = "n" * (MAX_TEXT - len('add chicago "Chicago, IL" kind=city aliases='))
    text = f'add chicago "Chicago, IL" kind=city aliases={note}'
    assert len(text) == MAX_TEXT
    answer = await harness.answer(ADMIN, text)
    assert "is not a valid alias" in answer.text  # parsed and judged, not refused for size
    assert "characters long" not in answer.text


async def test_an_import_from_slack_of_more_rows_than_it_takes_is_refused(
        harness: Harness) -> None:
    await setup(harness)
    file_id = harness.slack.share("many.csv", towns(MAX_IMPORT_ROWS.rows + 1), ANALYST)
    link = f"<https://local.slack.com/files/{ANALYST}/{file_id}/many.csv>"
    refused = await harness.answer(ANALYST, f"import {link}")
    assert refused.ephemeral
    assert (f"The file has more than {MAX_IMPORT_ROWS.rows:,} rows; an import takes at most "
            f"{MAX_IMPORT_ROWS.rows:,} here.") in refused.text
    assert f"review-bot import FILE), which takes up to {COMMAND_LINE_ROWS:,}" in refused.text
    assert (await harness.bot.store.page(Filters(), 0, 1))[1] == 1  # only chicago


async def test_an_import_from_slack_of_exactly_the_rows_it_takes_is_checked(
        harness: Harness) -> None:
    await setup(harness)
    file_id = harness.slack.share("many.csv", towns(MAX_IMPORT_ROWS.rows) + b"\n\n\n",
                                  ANALYST)
    link = f"<https://local.slack.com/files/{ANALYST}/{file_id}/many.csv>"
    dry = await harness.answer(ANALYST, f"import {link}")
    assert f"{MAX_IMPORT_ROWS.rows} jurisdiction(s) would be added" in dry.text, dry.text
