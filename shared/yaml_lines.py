"""Read YAML into plain values and remember the line of every key, so errors can name it.

PyYAML's safe_load forgets where a value came from; composing the node tree keeps each node's
mark. We build the plain values ourselves from that tree, which also lets us refuse what a
hand-edited document should never need: duplicate keys (safe_load silently keeps the last one)
and anchors/aliases (an alias bomb would otherwise expand exponentially as we walk it).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

Path = tuple[Any, ...]


@dataclass(frozen=True, order=True)
class Problem:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


class YamlProblems(ValueError):
    """One or more problems, each with the line it is on; the message lists them all."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


def read_yaml(text: str) -> tuple[Any, dict[Path, int]]:
    """The document as plain values, and the 1-based line of every path in it."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        reason = f"YAML syntax error: {error.problem or error.context}"
        raise YamlProblems([Problem(line, reason)]) from None
    except yaml.YAMLError as error:
        raise YamlProblems([Problem(1, f"YAML error: {error}")]) from None
    except RecursionError:
        raise YamlProblems([Problem(1, "the document is nested too deeply")]) from None
    lines: dict[Path, int] = {(): 1}
    if root is None:
        return None, lines
    reader = _Reader(lines)
    value = reader.plain(root, ())
    if reader.problems:
        raise YamlProblems(reader.problems)
    return value, lines


class _Reader:
    def __init__(self, lines: dict[Path, int]) -> None:
        self.lines = lines
        self.problems: list[Problem] = []
        self.seen: set[int] = set()
        self.scalars = SafeConstructor()

    def plain(self, node: Node, path: Path) -> Any:
        line = node.start_mark.line + 1
        self.lines.setdefault(path, line)
        if id(node) in self.seen:
            self.problems.append(Problem(line, "anchors and aliases are not supported"))
            return None
        self.seen.add(id(node))
        if isinstance(node, MappingNode):
            return self._mapping(node, path)
        if isinstance(node, SequenceNode):
            return [self.plain(item, (*path, index)) for index, item in enumerate(node.value)]
        return self._scalar(node)

    def _mapping(self, node: MappingNode, path: Path) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, ScalarNode):
                self.problems.append(Problem(line, "a key must be a plain value"))
                continue
            key = self._scalar(key_node)
            if key in result:
                self.problems.append(Problem(line, f"duplicate key '{key}'"))
                continue
            # A key's own line is where a reader looks, also for a block that starts below it.
            self.lines[(*path, key)] = line
            result[key] = self.plain(value_node, (*path, key))
        return result

    def _scalar(self, node: Node) -> Any:
        try:
            return self.scalars.construct_object(node, deep=True)
        except (ConstructorError, ValueError) as error:
            reason = getattr(error, "problem", None) or str(error)
            self.problems.append(Problem(node.start_mark.line + 1, f"unreadable value: {reason}"))
            return None
