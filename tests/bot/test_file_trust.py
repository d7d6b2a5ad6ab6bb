"""Files shared in Slack, read as an attacker would have the bot read them.

The bot's token opens every file the bot can see; these tests check that it goes only
to Slack's own file hosts (never to a host files.info names elsewhere, to a remote
file, across a redirect or in another scheme), that a person's role is checked before
Slack is even asked about a file, and that a file the person cannot see is refused
with nothing of it read. The attacker is a real second HTTP server on loopback that
records what it received. Driven by signed slash commands through the real app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from bot.console.stand_in.records import Posted
from bot.console.stand_in.workspace import TEAM
from bot.slack.shared_files import FileHosts, SharedFiles
from bot.wiring.app import SlackAccess, slack_client
from bot.wiring.settings import load_settings
from tests.bot.conftest import ADMIN, Harness
from workflows.errors import BadInput
from workflows.review import new_jurisdiction

LEAD, ANALYST, VIEWER = "ULEAD", "UANALYST", "UVIEWER"
TEAM_CHANNEL, SECRET_CHANNEL = "CREVIEW", "CSECRET"
TARGETS = b"id,name\ntown-00,Town 00\ntown-01,Town 01\n"
SECRET_ROW = "informant-jane-doe"


@dataclass
class Attacker:
    """A server on loopback that is not Slack: it answers every GET with a CSV file
    and keeps the Authorization header of each request it got."""

    url: str
    received: list[tuple[str, str]] = field(default_factory=list)  # path, Authorization

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((request.path, request.headers.get("Authorization", "")))
        return web.Response(body=TARGETS, content_type="text/csv")


@pytest.fixture
async def attacker() -> AsyncIterator[Attacker]:
    application = web.Application()
    runner = web.AppRunner(application, access_log=None)
    found = Attacker("")
    application.router.add_get("/{tail:.*}", found.handle)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    found.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    yield found
    await runner.cleanup()


async def team(h: Harness) -> None:
    """A lead, an analyst and a viewer; two towns; the lead and the analyst in the
    team channel, only the analyst in the secret one."""
    for user, role in ((LEAD, "lead"), (ANALYST, "analyst")):
        await h.answer(ADMIN, f"role <@{user}|x> {role}")
    await h.bot.review.import_jurisdictions(ADMIN, [
        new_jurisdiction(f"town-{n:02d}", f"Town {n:02d}", "city", "CA") for n in range(2)])
    h.slack.join(TEAM_CHANNEL, LEAD, ANALYST, ADMIN)
    h.slack.join(SECRET_CHANNEL, ANALYST)


def said(posted: Posted) -> str:
    return posted.text + str(posted.blocks)


async def batches_filed(h: Harness) -> int:
    rows = await h.bot.store.read("SELECT count(*) AS n FROM batches")
    return int(rows[0]["n"])


def asked(h: Harness, method: str) -> int:
    return sum(1 for name, _ in h.slack.calls if name == method)


# -- the token goes only to Slack ----------------------------------------------------


@pytest.mark.parametrize("command", ["import {file}", "batch letter file={file} due=30 days"])
async def test_a_url_private_on_another_host_never_gets_the_token(
        harness: Harness, attacker: Attacker, command: str) -> None:
    await team(harness)
    file_id = harness.slack.share("targets.csv", TARGETS, LEAD, TEAM_CHANNEL,
                                  url=f"{attacker.url}/files-pri/{TEAM}-F1/targets.csv")
    reply = await harness.answer(LEAD, command.format(file=file_id))
    assert attacker.received == []
    assert "outside its own file hosts" in reply.text
    assert await batches_filed(harness) == 0


async def test_another_name_for_the_api_host_is_another_host(harness: Harness) -> None:
    await team(harness)
    port = harness.slack.base_url.rsplit(":", 1)[1]
    file_id = harness.slack.share("targets.csv", TARGETS, LEAD, TEAM_CHANNEL,
                                  url=f"http://localhost:{port}/files-pri/{TEAM}-F1/t.csv")
    reply = await harness.answer(LEAD, f"import {file_id}")
    assert harness.slack.downloads == []
    assert "outside its own file hosts" in reply.text


async def test_a_remote_file_is_refused_and_its_host_gets_nothing(
        harness: Harness, attacker: Attacker) -> None:
    await team(harness)
    file_id = harness.slack.share("targets.csv", TARGETS, LEAD, TEAM_CHANNEL,
                                  external_url=f"{attacker.url}/shared/targets.csv")
    reply = await harness.answer(LEAD, f"batch letter file={file_id} due=30 days")
    assert attacker.received == []
    assert "not a file uploaded to Slack (it is gdrive" in reply.text


async def test_a_redirect_is_refused_not_followed(harness: Harness, attacker: Attacker) -> None:
    await team(harness)
    file_id = harness.slack.share("targets.csv", TARGETS, LEAD, TEAM_CHANNEL,
                                  redirect=f"{attacker.url}/elsewhere/targets.csv")
    reply = await harness.answer(LEAD, f"batch letter file={file_id} due=30 days")
    assert attacker.received == []
    assert [who for who, _ in harness.slack.downloads] == [file_id]  # Slack's own host
    assert "does not follow a redirect with its token" in reply.text
    assert "HTTP 302" in reply.text
    assert await batches_filed(harness) == 0


async def test_http_is_refused_when_slack_is_https(harness: Harness, attacker: Attacker) -> None:
    """Same host and port as the API, only the scheme differs: still refused."""
    await team(harness)
    hosts = FileHosts.for_api(attacker.url.replace("http://", "https://") + "/api/")
    files = SharedFiles(slack_client(SlackAccess(harness.slack.token, None,
                                                 harness.slack.api_url)), hosts)
    file_id = harness.slack.share("targets.csv", TARGETS, LEAD, TEAM_CHANNEL,
                                  url=f"{attacker.url}/files-pri/{TEAM}-F1/targets.csv")
    with pytest.raises(BadInput, match="outside its own file hosts"):
        await files.fetch(file_id, LEAD, 1024)
    assert attacker.received == []


@pytest.mark.parametrize(("api", "url", "allowed"), [
    ("https://slack.com/api/", "https://files.slack.com/files-pri/T1-F1/a.csv", True),
    ("https://slack.com/api/", "https://FILES.Slack.com/files-pri/T1-F1/a.csv", True),
    ("https://slack.com/api/", "https://slack.com/files-pri/T1-F1/a.csv", True),
    ("https://slack.com/api/", "https://files.slack.com:443/files-pri/T1-F1/a.csv", True),
    ("https://slack.com/api/", "http://files.slack.com/files-pri/T1-F1/a.csv", False),
    ("https://slack.com/api/", "https://files.slack.com:8443/files-pri/T1-F1/a.csv", False),
    ("https://slack.com/api/", "https://files.slack.com.evil.example/a.csv", False),
    ("https://slack.com/api/", "https://files.slack.com@evil.example/a.csv", False),
    ("https://slack.com/api/", "https://someone@files.slack.com/a.csv", False),
    ("https://slack.com/api/", "https://evil.example/files.slack.com/a.csv", False),
    ("https://slack.com/api/", "https://docs.google.com/spreadsheets/d/1/export", False),
    ("https://slack.com/api/", "https://files.slack-gov.com/files-pri/T1-F1/a.csv", False),
    ("https://slack.com/api/", "ftp://files.slack.com/a.csv", False),
    ("https://slack.com/api/", "https://files.slack.com:x/a.csv", False),
    ("https://slack.com/api/", "files.slack.com/a.csv", False),
    ("https://slack-gov.com/api/", "https://files.slack-gov.com/files-pri/T1-F1/a.csv", True),
    ("https://slack-gov.com/api/", "https://files.slack.com/files-pri/T1-F1/a.csv", False),
    ("http://127.0.0.1:5000/api/", "http://127.0.0.1:5000/files-pri/T1-F1/a.csv", True),
    ("http://127.0.0.1:5000/api/", "http://127.0.0.1:5001/files-pri/T1-F1/a.csv", False),
    ("http://127.0.0.1:5000/api/", "http://localhost:5000/files-pri/T1-F1/a.csv", False),
    ("http://127.0.0.1:5000/api/", "https://127.0.0.1:5000/files-pri/T1-F1/a.csv", False),
    ("http://127.0.0.1:5000/api/", "http://files.127.0.0.1:5000/a.csv", False),
])
def test_file_hosts_are_slacks_own_derived_from_the_api_url(
        api: str, url: str, allowed: bool) -> None:
    assert FileHosts.for_api(api).allows(url) is allowed


def test_the_default_settings_trust_only_slack_com_and_its_file_host() -> None:
    hosts = FileHosts.for_api(load_settings(None).slack_api_url)
    assert hosts == FileHosts("https", frozenset({("slack.com", 443),
                                                  ("files.slack.com", 443)}))


# -- the role first ------------------------------------------------------------------


@pytest.mark.parametrize(("user", "command"), [
    (VIEWER, "batch letter file={file} due=30 days"),
    (ANALYST, "batch threaten file={file} due=30 days"),  # only leads threaten
    (VIEWER, "import {file} apply"),
])
async def test_the_role_is_checked_before_slack_is_asked_about_the_file(
        harness: Harness, user: str, command: str) -> None:
    await team(harness)
    file_id = harness.slack.share("targets.csv", TARGETS, user, TEAM_CHANNEL)
    reply = await harness.answer(user, command.format(file=file_id))
    assert "may not" in reply.text or "Only" in reply.text, reply.text
    assert asked(harness, "files.info") == 0
    assert harness.slack.downloads == []


# -- only a file the caller can see --------------------------------------------------


@pytest.mark.parametrize("command", ["import {file}", "batch letter file={file} due=30 days"])
async def test_a_file_the_caller_cannot_see_is_refused_with_nothing_of_it_echoed(
        harness: Harness, command: str) -> None:
    await team(harness)
    secret = f"id,name\ntown-00,Town 00\n{SECRET_ROW},Bad!\n".encode()
    file_id = harness.slack.share("sources.csv", secret, ANALYST, SECRET_CHANNEL)
    reply = await harness.answer(LEAD, command.format(file=file_id))
    assert SECRET_ROW not in said(reply) and "sources.csv" not in said(reply)
    assert harness.slack.downloads == []
    assert "only a file you uploaded, or one shared in a channel" in reply.text
    assert harness.slack.files == []  # no list of bad lines uploaded either


async def test_a_file_only_in_someone_elses_direct_message_is_refused(harness: Harness) -> None:
    await team(harness)
    harness.slack.join("DANALYST", ANALYST, "UREVIEWBOT")
    file_id = harness.slack.share("targets.csv", TARGETS, ANALYST, "DANALYST")
    reply = await harness.answer(LEAD, f"batch letter file={file_id} due=30 days")
    assert "only a file you uploaded" in reply.text
    assert harness.slack.downloads == []


@pytest.mark.parametrize(("uploader", "where"), [
    (LEAD, ""),              # uploaded by the caller, shared nowhere yet
    (ANALYST, TEAM_CHANNEL),  # shared in a channel the caller is in
    (ANALYST, "GMPIM"),       # in a group direct message with the caller
    (ANALYST, "CBIG"),        # in a channel of 2,500 people, the caller on the third page
])
async def test_a_file_the_caller_can_see_is_read(harness: Harness, uploader: str,
                                                 where: str) -> None:
    await team(harness)
    harness.slack.join("GMPIM", ANALYST, LEAD)
    harness.slack.join("CBIG", *(f"U{n:05d}" for n in range(2500)), LEAD)
    file_id = harness.slack.share("targets.csv", TARGETS, uploader, where)
    reply = await harness.answer(LEAD, f"batch letter file={file_id} due=30 days")
    assert "for 2 jurisdictions" in reply.text, reply.text
    assert harness.slack.downloads == [(file_id, f"Bearer {harness.slack.token}")]
