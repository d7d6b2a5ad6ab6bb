"""The code keeps its shape: short functions, thin listeners, no import cycles in bot/,
and modules a reader can hold in their head.

Read from the source with ``ast``, nothing imported. Each check is a function of a
folder, so that the tests at the end can show it failing on a small tree of its own.
"""

from __future__ import annotations

import ast
import graphlib
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LONGEST_FUNCTION = 40
LONGEST_LISTENER = 30
LONGEST_MODULE = 400
LISTENER_KINDS = frozenset({
    "action", "attachment_action", "block_action", "block_suggestion", "command",
    "dialog_cancellation", "dialog_submission", "dialog_suggestion", "error", "event",
    "function", "global_shortcut", "message", "message_shortcut", "middleware", "options",
    "shortcut", "step", "use", "view", "view_closed", "view_submission"})
"""The methods of Bolt's ``App`` that take a listener (or a middleware)."""
Function = ast.FunctionDef | ast.AsyncFunctionDef


def sources(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def length(node: ast.AST) -> int:
    """Lines from ``def`` to the function's last line (decorators not counted)."""
    return (node.end_lineno or node.lineno) - node.lineno + 1  # type: ignore[attr-defined]


def functions(tree: ast.AST) -> Iterator[Function]:
    yield from (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef))


def where(path: Path, root: Path, node: Function) -> str:
    return f"{path.relative_to(root)}:{node.lineno} {node.name}"


def long_functions(root: Path, folder: str, limit: int) -> dict[str, int]:
    """Every function under ``root/folder`` longer than ``limit`` lines, with its length."""
    return {where(path, root, node): length(node)
            for path in sources(root / folder) for node in functions(parsed(path))
            if length(node) > limit}


def _is_listener_method(call: ast.expr) -> bool:
    """``app.action(...)`` or ``app.middleware``: a Bolt method that takes a listener."""
    target = call.func if isinstance(call, ast.Call) else call
    return isinstance(target, ast.Attribute) and target.attr in LISTENER_KINDS


def _registered_names(tree: ast.Module) -> set[str]:
    """Names of functions a ``register`` passes to Bolt: ``app.action(X)(on_x)`` or
    ``app.middleware(check)``; and of classes it passes one of: ``app.middleware(
    Check(deps))``."""
    names: set[str] = set()
    for register in (f for f in functions(tree) if f.name == "register"):
        for call in (n for n in ast.walk(register) if isinstance(n, ast.Call)):
            method = call.func if isinstance(call.func, ast.Call) else call
            if not _is_listener_method(method) or not call.args:
                continue
            handed = call.args[0]
            if isinstance(handed, ast.Call):  # an instance: its class
                handed = handed.func
            if isinstance(handed, ast.Name):
                names.add(handed.id)
    return names


def listeners(tree: ast.Module) -> Iterator[Function]:
    """Functions decorated by a Bolt listener method, or handed to one in ``register``,
    and the ``async_process`` of a class middleware handed to one."""
    registered = _registered_names(tree)
    for node in functions(tree):
        if node.name in registered or any(_is_listener_method(d) for d in node.decorator_list):
            yield node
    for kind in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)
                 and n.name in registered):
        yield from (f for f in kind.body if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
                    and f.name == "async_process")


def long_listeners(root: Path, folder: str, limit: int) -> dict[str, int]:
    return {where(path, root, node): length(node)
            for path in sources(root / folder) for node in listeners(parsed(path))
            if length(node) > limit}


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    """What one import statement names: modules, and for ``from m import n`` the
    module ``m.n`` as well as ``m`` (the caller keeps the ones that exist)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:  # relative: from the module's package, up level - 1 more
        package = module.split(".") if is_package else module.split(".")[:-1]
        package = package[:len(package) - node.level + 1]
        base = ".".join(package + ([base] if base else []))
    return [base] + [f"{base}.{alias.name}" for alias in node.names]


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    """Each module of ``package`` and the modules of ``package`` it imports, anywhere in
    it: at the top, inside functions, and under ``if TYPE_CHECKING:``."""
    paths = {module_name(p, root): p for p in sources(root / package)}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        found: set[str] = set()
        for node in ast.walk(parsed(path)):
            if isinstance(node, ast.Import | ast.ImportFrom):
                found.update(_imported(node, name, path.name == "__init__.py"))
        graph[name] = {m for m in found if m in paths and m != name}
    return graph


def import_cycle(root: Path, package: str) -> list[str]:
    """One cycle of imports among the package's modules, each importing the next (the
    first repeated last), or [] if there is none."""
    try:
        graphlib.TopologicalSorter(import_graph(root, package)).prepare()
    except graphlib.CycleError as error:
        return list(reversed(error.args[1]))  # graphlib lists each import before its importer
    return []


def long_modules(root: Path, folders: tuple[str, ...], limit: int) -> dict[str, int]:
    counts = {str(path.relative_to(root)): len(path.read_text(encoding="utf-8").splitlines())
              for folder in folders for path in sources(root / folder)}
    return {name: count for name, count in counts.items() if count > limit}


# The project's own tree.

def test_no_function_in_bot_is_over_40_lines() -> None:
    assert long_functions(ROOT, "bot", LONGEST_FUNCTION) == {}


def test_no_listener_is_over_30_lines() -> None:
    assert long_listeners(ROOT, "bot", LONGEST_LISTENER) == {}
    # The check does see the listeners: the slash command's, and the dedupe middleware's.
    seen = {node.name for path in sources(ROOT / "bot") for node in listeners(parsed(path))}
    assert {"on_review", "async_process", "on_home", "on_step_form"} <= seen


def test_no_import_cycle_among_bot_modules() -> None:
    cycle = import_cycle(ROOT, "bot")
    assert not cycle, "an import cycle: " + " imports ".join(cycle)
    # The check does see imports, type-only ones and lazy ones too.
    graph = import_graph(ROOT, "bot")
    assert "bot.slack.deps" in graph["bot.slack.actions"]
    assert "bot.wiring.app" in graph["bot.cli.main"]  # imported inside a function


def test_no_module_is_over_400_lines() -> None:
    assert long_modules(ROOT, ("bot", "workflows", "storage", "bench"), LONGEST_MODULE) == {}


# Each check fails where it should, on a small tree of its own.

def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def body(lines: int, indent: int = 4) -> str:
    """The rest of a function ``lines`` long, after its ``def`` line."""
    return "".join(f"{' ' * indent}x{n} = {n}\n" for n in range(lines - 1))


def test_a_function_over_the_limit_is_found(tmp_path: Path) -> None:
    write(tmp_path, {"pkg/__init__.py": "", "pkg/a.py": (
        "def long():\n" + body(41) + "def short():\n" + body(40)
        + "class K:\n    async def method(self):\n" + body(41, 8))})
    assert long_functions(tmp_path, "pkg", 40) == {"pkg/a.py:1 long": 41,
                                                   "pkg/a.py:83 method": 41}


def test_a_listener_over_the_limit_is_found(tmp_path: Path) -> None:
    decorated = ("def register(app, deps):\n    @app.action('x')\n    async def on_x(ack):\n"
                 + body(31, 8) + "    @app.middleware\n    async def check(next):\n"
                 + body(31, 8))
    handed = ("async def on_y(ack):\n" + body(31) + "async def on_z(ack):\n" + body(30)
              + "def register(app, deps):\n    app.view('y')(on_y)\n"
              "    app.command('/z')(on_z)\n")
    a_class = ("class Check:\n    async def async_process(self, *, req, resp, next):\n"
               + body(31, 8) + "def register(app, deps):\n    app.middleware(Check(deps))\n")
    write(tmp_path, {"pkg/__init__.py": "", "pkg/a.py": decorated, "pkg/b.py": handed,
                     "pkg/c.py": a_class})
    assert long_listeners(tmp_path, "pkg", 30) == {
        "pkg/a.py:3 on_x": 31, "pkg/a.py:35 check": 31, "pkg/b.py:1 on_y": 31,
        "pkg/c.py:2 async_process": 31}


def test_an_import_cycle_is_found_even_when_type_only(tmp_path: Path) -> None:
    write(tmp_path, {
        "pkg/__init__.py": "", "pkg/sub/__init__.py": "",
        "pkg/a.py": "from pkg.sub import b\n",
        "pkg/sub/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                        "    from .c import C\n",
        "pkg/sub/c.py": "def f():\n    import pkg.a\n"})
    cycle = import_cycle(tmp_path, "pkg")
    assert set(cycle) == {"pkg.a", "pkg.sub.b", "pkg.sub.c"} and cycle[0] == cycle[-1]
    (tmp_path / "pkg/sub/c.py").write_text("def f():\n    import pkg.sub\n", encoding="utf-8")
    assert import_cycle(tmp_path, "pkg") == []


def test_a_module_over_the_limit_is_found(tmp_path: Path) -> None:
    write(tmp_path, {"pkg/big.py": "x = 1\n" * 401, "pkg/ok.py": "x = 1\n" * 400})
    assert long_modules(tmp_path, ("pkg",), 400) == {"pkg/big.py": 401}
