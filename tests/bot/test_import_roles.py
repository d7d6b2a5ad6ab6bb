"""An import is judged with the importer's own role, line by line: from Slack (signed
commands over real HTTP to the real bot) and from the command line (real processes)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.console.stand_in.records import Posted
from tests.bot.conftest import ADMIN, Harness
from tests.bot.test_cli import review_bot
from tests.bot.test_cli_transfer import count

ANALYST, LEAD = "UANA", "ULENA"
JURISDICTIONS = ('id,name,kind,state\nalbany,"Albany, NY",city,NY\n'
                 'philadelphia,"Philadelphia, PA",city,PA\n')
HEADER = "date,jurisdiction,event,due,detail,date_is_approximate\n"
LEADS_LINES = HEADER + (
    "2017-11-15,albany,letter_sent,2017-12-08,letter,\n"  # 2: anyone's
    "2018-01-24,albany,found_insufficient,,no answer,\n"  # 3: anyone's
    "2018-01-24,albany,subpoena_threatened,2018-02-23,document demand,\n"  # 4: a lead's
    "2017-11-15,philadelphia,injunction,,\"City of Philadelphia v. Sessions, E.D. Pa. "
    "2:17-cv-03894, enjoins the 1373 certification\",\n"  # 5: counsel, lead or admin
)


def shown(posted: Posted) -> str:
    return posted.text + "\n" + "\n".join(str(block) for block in posted.blocks)


async def import_(harness: Harness, user: str, name: str, text: str) -> Posted:
    file_id = harness.slack.share(name, text.encode(), user)
    return await harness.answer(user, f"import {file_id} apply")


async def events(harness: Harness) -> int:
    rows = await harness.bot.store.read("SELECT count(*) AS n FROM events")
    return int(rows[0]["n"])


async def staffed(harness: Harness) -> None:
    await harness.answer(ADMIN, f"role <@{ANALYST}|ana> analyst")
    await harness.answer(ADMIN, f"role <@{LEAD}|lena> lead")
    added = await import_(harness, ADMIN, "towns.csv", JURISDICTIONS)
    assert "2 jurisdiction(s) added" in shown(added)


async def test_from_slack_an_analyst_cannot_import_a_leads_steps_or_court_orders(
        harness: Harness) -> None:
    await staffed(harness)
    before = await events(harness)
    reply = await import_(harness, ANALYST, "demands.csv", LEADS_LINES)
    text = shown(reply)
    assert "demands.csv: 2 bad line(s); nothing was imported." in reply.text
    assert ("line 4: subpoena_threatened on 2018-01-24 for albany: Only leads may threaten "
            "a subpoena (document demand); you are an analyst.") in text
    assert ("line 5: injunction on 2017-11-15 for philadelphia: Only admins, counsel or "
            "leads may record an injunction; you are an analyst.") in text
    assert "line 2" not in text and "line 3" not in text
    assert await events(harness) == before
    albany = await harness.bot.review.repo.get("albany")
    assert albany is not None and albany.state == "new"


async def test_from_slack_a_lead_imports_the_same_file_as_a_lead(harness: Harness) -> None:
    await staffed(harness)
    before = await events(harness)
    reply = await import_(harness, LEAD, "demands.csv", LEADS_LINES)
    assert f"<@{LEAD}> imported *demands.csv*: 4 line(s) recorded" in reply.text, shown(reply)
    assert await events(harness) == before + 4
    history, _ = await harness.bot.review.repo.history("albany", 0, 10)
    assert [(e.kind, e.actor, e.detail["as"]) for e in reversed(history[:3])] == [
        ("letter", LEAD, "lead"), ("insufficient", LEAD, "lead"), ("threaten", LEAD, "lead")]


async def test_from_slack_an_admin_takes_only_what_the_workflow_gives_admins(
        harness: Harness) -> None:
    await staffed(harness)
    reply = await import_(harness, ADMIN, "demands.csv", LEADS_LINES)
    text = shown(reply)
    assert "1 bad line(s); nothing was imported." in reply.text
    assert "line 4: subpoena_threatened on 2018-01-24 for albany: Only leads may" in text
    assert "you are an admin" in text and "line 5" not in text


# -- the command line ----------------------------------------------------------------


def cli_staffed(tmp_path: Path) -> Path:
    towns, demands = tmp_path / "towns.csv", tmp_path / "demands.csv"
    towns.write_text(JURISDICTIONS, encoding="utf-8")
    demands.write_text(LEADS_LINES, encoding="utf-8")
    assert review_bot(tmp_path, "import", str(towns)).returncode == 0
    for user, role in ((ANALYST, "analyst"), (LEAD, "lead")):
        granted = review_bot(tmp_path, "role", user, role)
        assert granted.returncode == 0, granted.stdout + granted.stderr
        assert granted.stdout.strip() == f"{user} is now {role}."
    return demands


def test_from_the_command_line_an_analyst_cannot_import_a_leads_lines(tmp_path: Path) -> None:
    demands = cli_staffed(tmp_path)
    result = review_bot(tmp_path, "import", str(demands), "--as", ANALYST)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (f"{demands}:line 4: subpoena_threatened on 2018-01-24 for albany: Only "
                        "leads may threaten a subpoena (document demand); you are an analyst.")
    assert lines[1] == (f"{demands}:line 5: injunction on 2017-11-15 for philadelphia: Only "
                        "admins, counsel or leads may record an injunction; you are an "
                        "analyst.")
    assert lines[2] == "2 bad line(s); nothing was imported."
    assert count(tmp_path, "events") == 2


def test_from_the_command_line_a_lead_imports_the_same_file(tmp_path: Path) -> None:
    demands = cli_staffed(tmp_path)
    result = review_bot(tmp_path, "import", str(demands), "--as", LEAD)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 line(s) recorded" in result.stdout
    conn = sqlite3.connect(tmp_path / "review.db")
    try:
        recorded = conn.execute("SELECT actor, detail FROM events WHERE kind = 'threaten'"
                                ).fetchall()
    finally:
        conn.close()
    assert len(recorded) == 1 and recorded[0][0] == LEAD and '"as": "lead"' in recorded[0][1]


def test_from_the_command_line_without_as_the_operator_is_an_admin(tmp_path: Path) -> None:
    demands = cli_staffed(tmp_path)
    result = review_bot(tmp_path, "import", str(demands))
    assert result.returncode == 1
    assert result.stdout.splitlines()[0].startswith(
        f"{demands}:line 4: subpoena_threatened on 2018-01-24 for albany: Only leads may")
    assert "you are an admin" in result.stdout and "line 5" not in result.stdout
    assert count(tmp_path, "events") == 2


def test_as_someone_without_a_role_is_a_viewer_who_imports_nothing(tmp_path: Path) -> None:
    demands = cli_staffed(tmp_path)
    towns = tmp_path / "more.csv"
    towns.write_text("id,name\ngotham,Gotham\n", encoding="utf-8")
    for path in (demands, towns):
        result = review_bot(tmp_path, "import", str(path), "--as", "UNOBODY")
        assert result.returncode == 1, result.stdout + result.stderr
        assert result.stdout.strip() == (f"{path}: Only admins, analysts or leads may "
                                         "import; you are a viewer. Nothing was imported.")
    assert (count(tmp_path, "events"), count(tmp_path, "jurisdictions")) == (2, 2)


def test_as_and_role_take_a_slack_user_id_and_a_known_role(tmp_path: Path) -> None:
    demands = cli_staffed(tmp_path)
    wrong = review_bot(tmp_path, "import", str(demands), "--as", "lena")
    assert wrong.returncode == 2 and "“lena” is not a Slack user ID" in wrong.stderr
    bad_role = review_bot(tmp_path, "role", LEAD, "boss")
    assert bad_role.returncode == 2 and "“boss” is not a role" in bad_role.stderr
    admin = review_bot(tmp_path, "role", "UBOSS", "viewer", REVIEW_ADMINS="UBOSS")
    assert admin.returncode == 1 and "REVIEW_ADMINS" in admin.stderr
    assert len(admin.stderr.strip().splitlines()) == 1
    assert count(tmp_path, "events") == 2
