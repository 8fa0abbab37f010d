"""Every string of a decoded notebook, where it sits, and how to replace it.

The walk is generic over the JSON, so sources, outputs of every type, rich
data, attachments, cell and notebook metadata and widget state are all
covered, including dictionary keys (a key printed as a JSON output's field
name). Multi-line fields stored as lists of lines are joined first, so a
key is seen whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

__all__ = [
    "PASSWORD_MODEL",
    "Unit",
    "password_states",
    "stream_groups",
    "units",
    "where",
]

PASSWORD_MODEL = "PasswordModel"
Trail = tuple[str | int, ...]


@dataclass
class Unit:
    """One string of the notebook: a value, a joined list of lines, or a key."""

    trail: Trail
    holder: Any
    key: str | int
    is_key: bool = False

    @property
    def text(self) -> str:
        if self.is_key:
            return str(self.key)
        value = self.holder[self.key]
        return value if isinstance(value, str) else "".join(value)

    def replace(self, new: str) -> None:
        """Put ``new`` where the string was, in the shape it had."""
        if self.is_key:
            _rename_key(self.holder, str(self.key), new)
        elif isinstance(self.holder[self.key], list):
            self.holder[self.key] = new.splitlines(keepends=True)
        else:
            self.holder[self.key] = new


def units(node: Any, trail: Trail = ()) -> Iterator[Unit]:
    """Yield every string below ``node``, depth first, in document order."""
    if isinstance(node, dict):
        items: Any = list(node.items())
    elif isinstance(node, list):
        items = list(enumerate(node))
    else:
        return
    for key, value in items:
        here = (*trail, key)
        if isinstance(key, str) and isinstance(node, dict):
            yield Unit(here, node, key, is_key=True)
        if isinstance(value, str) or _is_lines(here, value):
            yield Unit(here, node, key)
        else:
            yield from units(value, here)


def where(trail: Trail) -> str:
    """Human place of a string: ``cell 3, output 2`` or ``metadata.widgets``."""
    if len(trail) >= 2 and trail[0] == "cells" and isinstance(trail[1], int):
        cell = f"cell {trail[1] + 1}"
        if len(trail) == 2:
            return cell
        part = trail[2]
        if part == "outputs" and len(trail) > 3 and isinstance(trail[3], int):
            return f"{cell}, output {trail[3] + 1}"
        if part == "attachments" and len(trail) > 3:
            return f"{cell}, attachment {trail[3]}"
        return f"{cell}, {part}"
    return ".".join(str(part) for part in trail[:2])


def stream_groups(notebook: dict[str, Any]) -> Iterator[tuple[int, list[Unit]]]:
    """Per cell and stream name, the text units of all its stream outputs.

    A key written in pieces (several writes, flushes or messages) is stored
    as several outputs; joining them is the only way to see it.
    """
    for index, cell in enumerate(_list(notebook.get("cells"))):
        outputs = _list(cell.get("outputs")) if isinstance(cell, dict) else []
        by_name: dict[str, list[Unit]] = {}
        for number, output in enumerate(outputs):
            if _is_stream(output):
                trail = ("cells", index, "outputs", number, "text")
                unit = Unit(trail, output, "text")
                by_name.setdefault(str(output.get("name")), []).append(unit)
        for group in by_name.values():
            if len(group) > 1:
                yield index, group


def password_states(node: Any, trail: Trail = ()) -> Iterator[tuple[Trail, dict]]:
    """Yield the state dicts of every password widget saved in ``node``."""
    if isinstance(node, list):
        for index, value in enumerate(node):
            yield from password_states(value, (*trail, index))
        return
    if not isinstance(node, dict):
        return
    state = node.get("state")
    if node.get("model_name") == PASSWORD_MODEL and isinstance(state, dict):
        yield trail, state
    elif node.get("_model_name") == PASSWORD_MODEL:
        yield trail, node
    for key, value in node.items():
        yield from password_states(value, (*trail, key))


def _is_lines(trail: Trail, value: Any) -> bool:
    """A multi-line field of nbformat stored as a list of lines."""
    if not isinstance(value, list) or not value:
        return False
    if not all(isinstance(item, str) for item in value):
        return False
    multiline = trail[-1] in ("source", "text")
    mime_bundle = len(trail) >= 2 and trail[-2] == "data"
    attachment = len(trail) >= 3 and trail[-3] == "attachments"
    return multiline or mime_bundle or attachment


def _is_stream(output: Any) -> bool:
    if not isinstance(output, dict) or output.get("output_type") != "stream":
        return False
    text = output.get("text")
    return isinstance(text, str) or (
        isinstance(text, list) and all(isinstance(t, str) for t in text)
    )


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _rename_key(holder: dict[str, Any], old: str, new: str) -> None:
    """Rename a key in place, keeping the order of the others."""
    items = [(new if key == old else key, value) for key, value in holder.items()]
    holder.clear()
    holder.update(items)
