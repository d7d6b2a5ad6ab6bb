"""``workflows/`` is pure: no Slack, no SQLite, no scheduler, no HTTP."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import workflows

FORBIDDEN = ("slack_bolt", "slack_sdk", "aiosqlite", "apscheduler", "aiohttp")
ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "workflows"
SOURCES = sorted(PACKAGE.rglob("*.py"))


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_package_is_the_one_in_this_repository() -> None:
    assert Path(workflows.__file__).resolve().parent == PACKAGE
    assert {p.name for p in SOURCES} >= {"machine.py", "review.py", "definition.py", "ports.py"}


def test_no_source_file_imports_an_adapter_library() -> None:
    offending = {
        path.name: sorted(name for name in imported_modules(path)
                          if name.split(".")[0] in FORBIDDEN)
        for path in SOURCES
    }
    assert {name: found for name, found in offending.items() if found} == {}
    # The check does see imports: the machine imports transitions.
    assert "transitions" in imported_modules(PACKAGE / "machine.py")


def test_importing_every_module_loads_no_adapter_library() -> None:
    modules = [f"workflows.{p.stem}" for p in SOURCES if p.stem != "__init__"]
    script = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"loaded = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})\n"
        f"ok = all(m in sys.modules for m in {modules!r})\n"
        "print(json.dumps({'loaded': loaded, 'ok': ok}))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"loaded": [], "ok": True}


LAYERS = {"workflows": {"storage", "bot", "bench", "tests"},
          "storage": {"bot", "bench", "tests"}}
"""Each layer and the parts of the project it may not import: the domain nothing but
itself, the storage the domain but never the bot."""


def test_each_layer_imports_only_the_layers_beneath_it() -> None:
    offending = {
        f"{layer}/{path.relative_to(ROOT / layer)}": sorted(
            name for name in imported_modules(path) if name.split(".")[0] in forbidden)
        for layer, forbidden in LAYERS.items()
        for path in sorted((ROOT / layer).rglob("*.py"))
    }
    assert {name: found for name, found in offending.items() if found} == {}
    # The check does see imports between layers: the store imports the domain's ports.
    assert "workflows.ports" in imported_modules(ROOT / "storage" / "store.py")
