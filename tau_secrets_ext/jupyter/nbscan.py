"""Scan and clean saved notebooks and plain text files for keys.

Matching is the scrubber's: every stored key with all its encoded variants,
and the well-known key patterns. Reports name the place and the key's name,
never the key. ``clean`` rewrites a file atomically and never touches a
file it could not parse.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..scrub.scrub import Scrubber
from . import _nbwalk
from ._files import write_atomic

__all__ = [
    "Hit",
    "Unreadable",
    "clean_notebook",
    "clean_text",
    "load",
    "scan_notebook",
    "scan_text",
]

log = logging.getLogger(__name__)

PASSWORD_VALUE = "password widget value"
_FAILED_MASK = "[REDACTED:error]"
_STRUCTURAL = re.compile(r"[a-z_./+-]*")


@dataclass(frozen=True)
class Hit:
    """A key found at one place of one file; holds no key material."""

    path: str
    where: str
    name: str

    def __str__(self) -> str:
        return f"{self.path}: {self.where} ({self.name})"


class Unreadable(Exception):
    """A file that cannot be scanned; the message is one line, with no content."""


@dataclass
class Document:
    """A file as read: its text and, for a notebook, the decoded JSON."""

    path: Path
    text: str
    notebook: dict[str, Any] | None


def load(path: Path) -> Document:
    """Read a file; ``.ipynb`` files must decode to a notebook."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise Unreadable(f"cannot read it ({reason})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Unreadable("not UTF-8 text") from None
    if path.suffix != ".ipynb":
        return Document(path, text, None)
    return Document(path, text, _decode_notebook(text))


def _decode_notebook(text: str) -> dict[str, Any]:
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Unreadable(f"not a notebook: invalid JSON at line {exc.lineno}") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise Unreadable("not a notebook: no list of cells")
    return notebook


def scan_document(doc: Document, scrub: Scrubber) -> list[Hit]:
    """Every place in ``doc`` where a key shows, each place and name once."""
    if doc.notebook is None:
        return scan_text(doc.text, scrub, str(doc.path))
    return scan_notebook(doc.notebook, scrub, str(doc.path))


def scan_text(text: str, scrub: Scrubber, path: str) -> list[Hit]:
    """Findings in a plain text file, by line."""
    hits = [
        Hit(path, f"line {text.count(chr(10), 0, found.start) + 1}", found.name)
        for found in scrub.find(text)
    ]
    return _unique(hits)


def scan_notebook(notebook: dict[str, Any], scrub: Scrubber, path: str) -> list[Hit]:
    """Findings in every string of a notebook, split streams and widgets too."""
    hits = [
        Hit(path, _nbwalk.where(unit.trail), found.name)
        for unit in _nbwalk.units(notebook)
        for found in scrub.find(unit.text)
    ]
    for cell, group in _nbwalk.stream_groups(notebook):
        for first, last, name in _crossing(group, scrub):
            hits.append(Hit(path, f"cell {cell + 1}, outputs {first}-{last}", name))
    for trail, state in _nbwalk.password_states(notebook):
        if state.get("value"):
            hits.append(Hit(path, _nbwalk.where(trail), PASSWORD_VALUE))
    return _unique(hits)


def clean_notebook(notebook: dict[str, Any], scrub: Scrubber) -> int:
    """Mask every key in ``notebook`` in place; returns how many strings changed.

    A string the scrubber fails on is replaced by a mask, not kept: a guard
    that breaks must not let raw text through.
    """
    changed = 0
    for _cell, group in _nbwalk.stream_groups(notebook):
        try:
            changed += _clean_group(group, scrub)
        except Exception as exc:  # the per-string pass below still fails closed
            log.error("joining stream outputs failed (%s)", type(exc).__name__)
    every = list(_nbwalk.units(notebook))
    # Keys are renamed last: value units still address their dict by old key.
    for unit in sorted(every, key=lambda u: u.is_key):
        text = unit.text
        new = _scrub_or_mask(scrub, text)
        if new != text:
            unit.replace(new)
            changed += 1
    for _trail, state in _nbwalk.password_states(notebook):
        if state.get("value"):
            state["value"] = ""
            changed += 1
    return changed


def clean_text(text: str, scrub: Scrubber) -> str:
    """``text`` with every key masked."""
    return _scrub_or_mask(scrub, text)


def clean_document(doc: Document, scrub: Scrubber) -> bytes | None:
    """The cleaned file's bytes, or None when nothing needed masking."""
    if doc.notebook is None:
        new = clean_text(doc.text, scrub)
        return None if new == doc.text else new.encode("utf-8")
    if not clean_notebook(doc.notebook, scrub):
        return None
    return dump_notebook(doc.notebook)


def dump_notebook(notebook: dict[str, Any]) -> bytes:
    """Serialise as Jupyter writes notebooks: one-space indent, UTF-8."""
    return (json.dumps(notebook, indent=1, ensure_ascii=False) + "\n").encode()


def clean_file(path: Path, scrub: Scrubber) -> bool:
    """Clean one file in place; True if it was rewritten. Raises Unreadable."""
    data = clean_document(load(path), scrub)
    if data is None:
        return False
    write_atomic(path, data)
    return True


def _clean_group(group: list[_nbwalk.Unit], scrub: Scrubber) -> int:
    """Mask keys that cross the boundaries of one cell's stream outputs."""
    pieces = [unit.text for unit in group]
    joined = "".join(pieces)
    spans = [(s, e, n) for s, e, n in _spans(pieces, scrub) if _crosses(pieces, s, e)]
    if not spans:
        return 0
    masked = _mask_spans(pieces, joined, spans, scrub)
    for unit, old, new in zip(group, pieces, masked, strict=True):
        if new != old:
            unit.replace(new)
    return len(spans)


def _spans(pieces: list[str], scrub: Scrubber) -> list[tuple[int, int, str]]:
    """Findings in the joined pieces, sorted, overlaps merged."""
    merged: list[tuple[int, int, str]] = []
    for found in sorted(scrub.find("".join(pieces)), key=lambda f: f.start):
        if merged and found.start < merged[-1][1]:
            start, end, name = merged[-1]
            merged[-1] = (start, max(end, found.end), name)
        else:
            merged.append((found.start, found.end, found.name))
    return merged


def _crosses(pieces: list[str], start: int, end: int) -> bool:
    """Whether [start, end) of the joined text spans two or more pieces."""
    offset = 0
    for piece in pieces:
        offset += len(piece)
        if start < offset:
            return end > offset
    return False


def _crossing(group: list[_nbwalk.Unit], scrub: Scrubber) -> list[tuple[int, int, str]]:
    """(first output, last output, name), 1-based, of keys split across outputs."""
    pieces = [unit.text for unit in group]
    bounds = []
    offset = 0
    for piece in pieces:
        bounds.append((offset, offset + len(piece)))
        offset += len(piece)
    result = []
    for start, end, name in _spans(pieces, scrub):
        inside = [i for i, (lo, hi) in enumerate(bounds) if lo < end and start < hi]
        if len(inside) > 1:
            first, last = group[inside[0]].trail[3], group[inside[-1]].trail[3]
            result.append((int(first) + 1, int(last) + 1, name))
    return result


def _mask_spans(
    pieces: list[str], joined: str, spans: list[tuple[int, int, str]], scrub: Scrubber
) -> list[str]:
    """Each piece with the spans removed; the mask goes where a span begins."""
    result = []
    offset = 0
    for piece in pieces:
        lo, hi = offset, offset + len(piece)
        offset = hi
        parts = []
        cursor = lo
        for start, end, name in spans:
            if end <= lo or start >= hi:
                continue
            parts.append(joined[cursor : max(cursor, start)])
            if start >= lo:
                parts.append(_mask(scrub, name))
            cursor = min(end, hi)
        parts.append(joined[cursor:hi])
        result.append("".join(parts))
    return result


def _mask(scrub: Scrubber, name: str) -> str:
    try:
        return scrub.mask.format(name=name)
    except (KeyError, IndexError, ValueError):
        return _FAILED_MASK


def _scrub_or_mask(scrub: Scrubber, text: str) -> str:
    try:
        return scrub.scrub(text)
    except Exception as exc:  # fail closed: an unscrubbed string never survives
        log.error("scrubbing failed (%s); the string was masked", type(exc).__name__)
        # Field names and values such as "cell_type", "code" or "text/plain"
        # cannot hold a key; keeping them keeps the file a notebook.
        return text if _STRUCTURAL.fullmatch(text) else _FAILED_MASK


def _unique(hits: Iterable[Hit]) -> list[Hit]:
    return list(dict.fromkeys(hits))
