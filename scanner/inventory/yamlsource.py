"""Read a YAML file safely and keep where each value was written, for errors that name the line.

The inventory and the checklist answers are both user-written YAML; errors about them must say
``file:line``. :func:`load` parses once into plain data with ``yaml.safe_load`` and records the
line of every mapping key and sequence item, and rejects duplicate keys (which safe_load would
silently resolve to the last one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from scanner.core.errors import UserError

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Source:
    """Plain data parsed from a YAML file, with the line of every key and item.

    Attributes:
        path: the file it came from.
        data: what ``yaml.safe_load`` returned.
        text: the text that was parsed.
        lines: the 1-based line where each location (tuple of keys and indices) was written.
    """

    path: Path
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)
    text: str = ""

    def line_of(self, loc: Loc) -> int:
        """The line of ``loc``, or of its nearest written parent (for a missing key)."""
        for cut in range(len(loc), -1, -1):
            line = self.lines.get(tuple(loc[:cut]))
            if line is not None:
                return line
        return 1

    def where(self, loc: Loc) -> str:
        """``file:line`` of ``loc``, for error messages."""
        return f"{self.path}:{self.line_of(loc)}"


def dotted(loc: Loc) -> str:
    """``entities[0].assets[1].exposure`` from a location tuple."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(path: Path, *, what: str) -> Source:
    """Parse ``path``; raise :class:`UserError` naming file and line for anything unreadable."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"{path}: no such {what} file. Fix: check the path.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read the {what} file ({exc}).") from None
    return parse(text, path)


def parse(text: str, path: Path) -> Source:
    """Parse YAML ``text`` that came from ``path`` (used in messages only)."""
    # One parse (libyaml's when present: five times faster) gives both the nodes, for lines,
    # and the data built from them.
    loader = _LOADER(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        raise UserError(
            f"{path}{line}: this is not valid YAML: {exc.problem or exc}. "
            "Fix: check indentation, colons and quoting around that line."
        ) from None
    except yaml.YAMLError as exc:
        raise UserError(f"{path}: this is not valid YAML: {exc}.") from None
    finally:
        loader.dispose()
    lines: dict[Loc, int] = {}
    if node is not None:
        _walk(path, node, (), lines, set())
    return Source(path=path, data=data, lines=lines, text=text)


def _walk(path: Path, node: yaml.Node, loc: Loc, lines: dict[Loc, int], done: set[int]) -> None:
    lines.setdefault(loc, node.start_mark.line + 1)
    if id(node) in done:  # an alias: its lines are those of the anchor, walked once
        return
    done.add(id(node))
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise UserError(
                    f"{path}:{line}: {dotted((*loc, key))} is written twice (first on line "
                    f"{seen[key]}). Fix: keep one of them."
                )
            seen[key] = line
            lines[(*loc, key)] = line
            _walk(path, value_node, (*loc, key), lines, done)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*loc, index)] = item.start_mark.line + 1
            _walk(path, item, (*loc, index), lines, done)
