"""Every surface from the console, typed as a person types it: buttons by number and by
label, a form with an error then fixed, the snooze menu, a batch approval, App Home, a
shared file imported by its link, the message shortcut, an export saved as a CSV."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from bot.console.repl import Console, ConsoleClock
from tests.bot.conftest import Harness
from workflows.reminders import Kind


class Typed:
    """A console, and what it printed for each line typed into it."""

    def __init__(self, h: Harness, folder: Path, answers: Iterable[str] = ()) -> None:
        self.out = io.StringIO()
        replies = iter(answers)

        def read() -> str:  # what the person answers when a button asks to confirm
            try:
                return next(replies)
            except StopIteration:
                raise EOFError from None

        self.console = Console(h.bot, ConsoleClock(), h.slack, h.sender, h.session, self.out,
                               "admin", "", read=read, folder=folder)

    async def type(self, *lines: str) -> str:
        start = len(self.out.getvalue())
        for line in lines:
            assert await self.console.handle(line)
        return self.out.getvalue()[start:]


async def chicago(h: Harness, tmp_path: Path, *answers: str) -> Typed:
    t = Typed(h, tmp_path / "files", answers)
    await t.type('/review add chicago "Chicago, IL" kind=city state=IL aliases=chi',
                 "/review letter chicago date=2017-04-21 due=2017-06-30",
                 "/review response chicago date=2017-06-30",
                 "/review role @lena lead", "/review role @mo lead", "/review role @ana analyst")
    return t


async def state(h: Harness, jid: str = "chicago") -> str:
    j = await h.bot.store.get(jid)
    assert j is not None
    return j.state


def number_of(printed: str, label: str) -> str:
    found = re.search(rf"\((\d+)\) {re.escape(label)}", printed)
    assert found, printed
    return found[1]


async def test_a_button_by_its_label_and_by_its_number(harness: Harness, tmp_path: Path) -> None:
    t = await chicago(harness, tmp_path)
    card = await t.type("/review show chicago")
    assert "buttons: (1) " in card and "Why this date?" in card
    why = await t.type(":click Why this date?")
    assert "Why these dates: Chicago, IL" in why and await state(harness) == "response_received"
    await t.type("/review show chicago")
    shown = await t.type(f":click {number_of(card, 'Insufficient')}")
    assert await state(harness) == "insufficient"
    assert "(redrawn)" in shown and "response insufficient" in shown
    assert "not a button" in await t.type(":click Fly to the moon")


async def test_a_forms_error_saves_nothing_then_the_fixed_form_does(harness: Harness,
                                                                     tmp_path: Path) -> None:
    t = await chicago(harness, tmp_path)
    await t.type("/review insufficient chicago date=2018-01-24", ":as lena",
                 "/review show chicago")
    form = await t.type(":click Threaten")
    assert "== Form: " in form and "(2) due: Deadline [text" in form
    refused = await t.type(":set due soon", ":submit")
    assert "✗ due: “soon” is not a deadline" in refused and "Nothing was saved" in refused
    assert await state(harness) == "insufficient"
    done = await t.type(":set date 2018-01-24", ":set due 30 days", ":set 3 no documents came",
                        ":submit")
    assert "Form sent." in done and "due 2018-02-23" in done
    assert await state(harness) == "subpoena_threatened"
    assert "not one of" in (await t.type("/review show chicago", ":click Court order…",
                                         ":set kind nonsense"))


async def test_a_reminders_snooze_menu(harness: Harness, tmp_path: Path) -> None:
    t = await chicago(harness, tmp_path)
    await t.type("/review insufficient chicago date=2018-01-24", ":as lena",
                 "/review threaten chicago date=2018-01-24 due=30 days note=no documents")
    harness.clock.current = datetime(2018, 2, 20, 15, 0, tzinfo=UTC)
    swept = await t.type(":sweep")
    assert "menu: (1) Remind me tomorrow   (2) Remind me next week" in swept
    snoozed = await t.type(":as ana", ":click Remind me tomorrow")
    assert "Snoozed: this channel hears about Chicago, IL again on Wednesday 2018-02-21" in snoozed
    pending = await harness.bot.store.pending_reminders("chicago")
    assert [r.kind for r in pending].count(Kind.SNOOZED) == 1


async def test_a_batch_approved_by_another_lead(harness: Harness, tmp_path: Path) -> None:
    t = await chicago(harness, tmp_path, "y", "y")
    await t.type('/review add denver "Denver, CO" state=CO', ":as lena")
    asked = await t.type("/review batch clear chicago, denver")
    assert "Approve and run" in asked and await state(harness) == "response_received"
    own = await t.type(":click Approve and run")
    assert "different lead" in own
    report = await t.type(":as mo", ":click Approve and run")
    assert "(redrawn)" in report and await state(harness) == "cleared"


async def test_a_confirmed_button_asks_first(harness: Harness, tmp_path: Path) -> None:
    t = await chicago(harness, tmp_path, "n", "y")
    await t.type(":as lena", "/review show chicago")
    assert "Cancelled: nothing was sent." in await t.type(":click Close")
    assert await state(harness) == "response_received"
    await t.type(":click Close")
    assert await state(harness) == "closed"


async def test_app_home(harness: Harness, tmp_path: Path) -> None:
    t = await chicago(harness, tmp_path)
    home = await t.type(":home")
    assert "[App Home]" in home and "Latest changes" in home and "Chicago, IL" in home


async def test_a_shared_file_is_imported_by_its_link(harness: Harness, tmp_path: Path) -> None:
    t = Typed(harness, tmp_path / "files")
    csv = tmp_path / "towns.csv"
    csv.write_text("id,name,kind,state\nberkeley,\"Berkeley, CA\",city,CA\n")
    shared = await t.type(f":upload {csv}")
    link = re.search(r"https://local\.slack\.com/files/\S+", shared)
    assert link and "as F" in shared, shared
    assert "every line is good" in await t.type(f"/review import {link[0]}")
    assert await harness.bot.store.get("berkeley") is None  # a dry run first
    await t.type(f"/review import {link[0]} apply")
    assert await harness.bot.store.get("berkeley") is not None
    assert "Cannot read" in await t.type(f":upload {tmp_path / 'missing.pdf'}")


async def test_a_message_shortcut_records_a_response(harness: Harness, tmp_path: Path) -> None:
    t = await chicago(harness, tmp_path)
    await t.type("/review insufficient chicago date=2018-01-24", ":as ana")
    reply = tmp_path / "reply.pdf"
    reply.write_bytes(b"%PDF-1.4 a reply")
    shared = await t.type(f":upload {reply} Chicago's answer")
    number = re.search(r":shortcut (\d+)", shared)
    assert number, shared
    form = await t.type(f":shortcut {number[1]}")
    assert "Evidence: reply.pdf" in form and "jurisdiction" in form
    assert "jurisdiction = Chicago, IL" in await t.type(":set jurisdiction chi")
    done = await t.type(":set date 2018-02-01", ":submit")
    assert "Form sent." in done and await state(harness) == "response_received"
    note = await t.type(":say a plain message")
    assert "@ana:" in note and "a plain message" in note


async def test_an_export_is_saved_as_a_csv(harness: Harness, tmp_path: Path) -> None:
    t = await chicago(harness, tmp_path)
    printed = await t.type("/review export state")
    [saved] = list((tmp_path / "files").iterdir())
    assert saved.suffix == ".csv" and saved.read_text().startswith("id,")
    assert f"file “{saved.name}” (text/csv" in printed and str(saved) in printed
    assert "image" not in printed


async def test_a_slow_import_shows_its_progress_then_its_report(harness: Harness,
                                                                tmp_path: Path) -> None:
    t = Typed(harness, tmp_path / "files")
    harness.bot.responder.progress_every = 0.02
    towns, events = tmp_path / "towns.csv", tmp_path / "events.csv"
    towns.write_text("id,name\n" + "".join(f"t-{n:04d},T {n}\n" for n in range(1000)))
    steps = ("letter_sent,2017-12-01", "response_received,", "found_insufficient,")
    events.write_text("date,jurisdiction,event,due\n" + "".join(
        f"2017-0{k + 1}-02,t-{n:04d},{step}\n" for k, step in enumerate(steps)
        for n in range(1000)))
    for path in (towns, events):
        link = re.search(r"https://local\.slack\.com/files/\S+", await t.type(f":upload {path}"))
        assert link
        shown = await t.type(f"/review import {link[0]}" + (" apply" if path == towns else ""))
    assert "lines…" in shown and "every line is good" in shown, shown
    assert shown.index("lines…") < shown.index("every line is good")
