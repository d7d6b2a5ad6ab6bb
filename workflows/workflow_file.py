"""A workflow file as read: YAML with the line of every key and item, and the checks of
its values, each refusing with the file, the line and the place in it.

Nothing here knows what a workflow is (``workflows.definition`` builds one from a
``WorkflowFile``); this is what makes its errors read "review.yml, line 79 (step
“insufficient”, guards.awaiting_response[0]): unknown guard “overdu” (known: …)".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NoReturn

import yaml

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")

At = tuple[str | int, ...]
"""Where a value sits in the file: ``("steps", 4, "guards")``."""


class DefinitionError(ValueError):
    """A workflow that cannot be used: where it is wrong (file, line, step) and how."""


@dataclass(frozen=True)
class WorkflowFile:
    """The parsed file, with the line on which each key and list item starts."""

    name: str
    data: Any
    lines: dict[At, int]

    def fail(self, at: At, problem: str) -> NoReturn:
        raise DefinitionError(f"{self.where(at)}: {problem}")

    def where(self, at: At) -> str:
        line = next(self.lines[at[:n]] for n in range(len(at), -1, -1) if at[:n] in self.lines)
        spot = _dotted(at)
        if len(at) >= 2 and at[0] == "steps" and isinstance(at[1], int):
            spot = ", ".join(part for part in (self._step(at[1]), _dotted(at[2:])) if part)
        return f"{self.name}, line {line}" + (f" ({spot})" if spot else "")

    def _step(self, index: int) -> str:
        item = self.data["steps"][index]
        named = item.get("name") if isinstance(item, dict) else None
        return f"step “{named}”" if isinstance(named, str) else f"steps[{index}]"

    # -- values ----------------------------------------------------------------------

    def fields(self, at: At, value: object, required: tuple[str, ...],
               optional: tuple[str, ...] = ()) -> dict[str, Any]:
        """A mapping with exactly these keys (the optional ones may be left out)."""
        fields = self.mapping(at, value)
        for key in fields:
            if key not in required + optional:
                self.fail((*at, key), f"unknown key “{key}” (known: "
                                      + ", ".join(required + optional) + ")")
        for key in required:
            if key not in fields:
                self.fail(at, f"missing key “{key}”")
        return fields

    def mapping(self, at: At, value: object) -> dict[Any, Any]:
        if not isinstance(value, dict):
            self.fail(at, f"should be a mapping (“key: value” lines), not {describe(value)}")
        return value

    def items(self, at: At, value: object) -> list[Any]:
        if not isinstance(value, list | tuple) or not value:
            self.fail(at, f"should be a list of one or more items, not {describe(value)}")
        return list(value)

    def names(self, at: At, value: object, known: Iterable[str], what: str) -> tuple[str, ...]:
        """One known name, or a list of them (each once)."""
        listed = [value] if isinstance(value, str) else self.items(at, value)
        result: list[str] = []
        for number, item in enumerate(listed):
            spot = at if isinstance(value, str) else (*at, number)
            if item in result:
                self.fail(spot, f"“{item}” is listed twice")
            result.append(self.known(spot, item, known, what))
        return tuple(result)

    def known(self, at: At, value: object, known: Iterable[str], what: str) -> str:
        names = list(known)
        if not isinstance(value, str) or value not in names:
            self.fail(at, f"unknown {what} {describe(value)} (known: {', '.join(names)})")
        return value

    def word(self, at: At, value: object, what: str) -> str:
        if not isinstance(value, str) or not _NAME.match(value):
            self.fail(at, f"{describe(value)} is not {what}: use lowercase letters, digits "
                          "and _, starting with a letter")
        return value

    def optional_word(self, at: At, value: object) -> str | None:
        return None if value is None else self.word(at, value, "a name")

    def text(self, at: At, value: object) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail(at, f"should be some text, not {describe(value)}")
        return value.strip()

    def sentence(self, at: At, value: object, placeholder: str, most: int) -> str | None:
        """Optional text that holds ``placeholder`` once, nothing else in braces (it is
        filled in), and at most ``most`` characters."""
        if value is None:
            return None
        text = self.text(at, value)
        if text.count(placeholder) != 1:
            self.fail(at, f"should hold {placeholder} exactly once, not "
                          f"{text.count(placeholder)} times")
        stray = re.search(r"\{[^{}]*\}|[{}]", text.replace(placeholder, ""))
        if stray:
            self.fail(at, f"should have nothing in braces but {placeholder}, not "
                          f"“{stray.group()}”")
        if len(text) > most:
            self.fail(at, f"should be at most {most} characters, not {len(text)}")
        return text

    def flag(self, at: At, value: object) -> bool:
        if not isinstance(value, bool):
            self.fail(at, f"should be true or false, not {describe(value)}")
        return value

    def whole(self, at: At, value: object, most: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
            self.fail(at, f"should be a whole number of business days from 1 to {most}, "
                          f"not {describe(value)}")
        return value


def describe(value: object) -> str:
    """How a value is named in an error: “x” for text, else what it is."""
    if isinstance(value, str):
        return f"“{value}”"
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a yes/no value)"
    if isinstance(value, int | float):
        return f"the number {value}"
    return "a list" if isinstance(value, list) else "a mapping"


def _dotted(at: At) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in at
                   ).lstrip(".")


# -- reading -------------------------------------------------------------------------


def read_yaml(text: str, name: str) -> WorkflowFile:
    """YAML through PyYAML's SafeLoader (what ``yaml.safe_load`` does), keeping the
    node tree so that errors can give line numbers."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as error:
        raise DefinitionError(f"{name}{_yaml_problem(error)}") from None
    except yaml.YAMLError as error:
        raise DefinitionError(f"{name}: not valid YAML: {error}") from None
    finally:
        loader.dispose()
    lines: dict[At, int] = {(): 1}
    if node is not None:
        _index(node, (), node.start_mark.line + 1, lines, name, set())
    return WorkflowFile(name, data, lines)


def _yaml_problem(error: yaml.MarkedYAMLError) -> str:
    """``, line 14, column 9: not valid YAML: … (while parsing … on line 13)``."""
    mark, context = error.problem_mark, error.context_mark
    where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    during = (f" ({error.context} on line {context.line + 1})"
              if error.context and context else "")
    return f"{where}: not valid YAML: {error.problem}{during}"


def _index(node: yaml.Node, at: At, line: int, lines: dict[At, int], name: str,
           seen: set[int]) -> None:
    """Record the line of every key and item under ``node``; refuse a key given twice."""
    lines[at] = line
    if id(node) in seen:  # an alias: indexed where it was anchored
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            here = (*at, key.value if isinstance(key, yaml.ScalarNode) else "?")
            if here in lines:
                raise DefinitionError(f"{name}, line {key.start_mark.line + 1}: “{key.value}” "
                                      f"is given twice (first on line {lines[here]})")
            _index(value, here, key.start_mark.line + 1, lines, name, seen)
    elif isinstance(node, yaml.SequenceNode):
        for number, item in enumerate(node.value):
            _index(item, (*at, number), item.start_mark.line + 1, lines, name, seen)
