"""The bot as it ships: the wheel holds what the bot reads at run time, an install from
it works outside the checkout, and every command line switch says what it does."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import sysconfig
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

from bot.cli.main import main, parser

REPO = Path(__file__).resolve().parents[1]


def _parsers(top: argparse.ArgumentParser) -> list[tuple[str, argparse.ArgumentParser]]:
    """The top parser and every subcommand's, each with its name."""
    found = [("review-bot", top)]
    for action in top._actions:
        if isinstance(action, argparse._SubParsersAction):
            found += [(name, sub) for name, sub in action.choices.items()]
    return found


def test_every_subcommand_and_every_argument_says_what_it_is() -> None:
    parsers = _parsers(parser())
    names = {name for name, _ in parsers}
    assert {"run", "console", "sweep", "replay", "import", "role", "export", "verify",
            "dossier", "stats", "calendar"} <= names
    for name, command in parsers:
        assert command.description, f"{name} --help says nothing about what it does"
        for action in command._actions:
            if isinstance(action, argparse._SubParsersAction):
                continue
            assert action.help, f"{name}: {action.option_strings or action.dest} has no help"


def test_version_is_the_installed_one(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"review-bot {metadata.version('review-bot')}\n"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built by scripts/wheel as CI and the Dockerfile build it."""
    out = tmp_path_factory.mktemp("wheels")
    subprocess.run([str(REPO / "scripts" / "wheel"), str(out)], check=True, timeout=120,
                   env={**os.environ, "PYTHON": sys.executable}, capture_output=True)
    [built] = out.glob("review_bot-*.whl")
    return built


def test_the_wheel_holds_the_workflow_the_migrations_and_the_record(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        for name in ("record.csv", "jurisdictions.csv"):
            shipped = archive.read(f"workflows/data/{name}")
            assert shipped == (REPO / "data" / name).read_bytes(), f"{name} is not data/'s"
        assert archive.read("workflows/review.yml") == (
            REPO / "workflows" / "review.yml").read_bytes()
    migrations = {str(path.relative_to(REPO)) for path in
                  (REPO / "storage" / "migrations").glob("*/*.sql")}
    assert len(migrations) >= 26
    assert migrations <= names, sorted(migrations - names)
    assert not [name for name in names if "__pycache__" in name or name.startswith("tests/")]


def test_a_fresh_install_replays_the_record_outside_the_checkout(
        wheel: Path, tmp_path: Path) -> None:
    """A new venv with only the wheel installed (its dependencies borrowed from this
    environment's site-packages through a .pth, so no index is needed), run from a
    folder outside the checkout: nothing can come from the repository."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"),
                    "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
                   check=True, capture_output=True, timeout=120)
    site = Path(subprocess.run(
        [venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True, capture_output=True, text=True).stdout.strip())
    (site / "borrowed-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    env = {key: value for key, value in os.environ.items()
           if key not in {"PYTHONPATH", "DATABASE_URL", "REVIEW_WORKFLOW"}}
    where = subprocess.run(
        [venv / "bin" / "python", "-c",
         "import bot, storage, workflows\n"
         "print(bot.__file__, storage.__file__, workflows.__file__)"],
        cwd=tmp_path, env=env, check=True, capture_output=True, text=True).stdout.split()
    assert all(Path(path).is_relative_to(site) for path in where), where
    version = subprocess.run([venv / "bin" / "review-bot", "--version"], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=60)
    assert version.stdout.strip() == f"review-bot {metadata.version('review-bot')}"
    replay = subprocess.run(
        [venv / "bin" / "review-bot", "replay", "--until", "2018-02-01", "--quiet",
         "--database", str(tmp_path / "replay.db")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert replay.returncode == 0, replay.stderr[-2000:]
    assert "Where things stand on 2018-02-01:" in replay.stdout
    assert "Rows the workflow refused: none" in replay.stdout
    assert "4  cleared\n         Clark County (Las Vegas), NV" in replay.stdout
