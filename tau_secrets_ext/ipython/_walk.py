"""Scrub every string inside a message part: dicts, lists, tuples, bytes."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

__all__ = ["BINARY_MIME", "WITHHELD", "scrub_buffer", "scrub_tree", "withhold_tree"]

#: What a guard puts in place of text it could not scrub.
WITHHELD = "[tau-secrets: output withheld]"

#: Base64-encoded raster images in a mime bundle: skipped for speed, since a
#: key drawn into pixels is out of reach anyway. Their metadata is scrubbed.
BINARY_MIME = frozenset(
    {"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp"}
)

# Dict keys kept when withholding: protocol field names and mime types, which
# hold no digits. Any other key is withheld like a value.
_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z_./+\-]{0,63}\Z")

# Deeper nesting than this is treated as a failure, so the caller fails closed.
_MAX_DEPTH = 200


def scrub_tree(obj: Any, scrub: Callable[[str], str], depth: int = 0) -> Any:
    """Return ``obj`` with ``scrub`` applied to every string it holds."""
    if isinstance(obj, str):
        return scrub(obj)
    if depth > _MAX_DEPTH:
        raise RecursionError("message nested too deeply to scrub")
    if isinstance(obj, dict):
        return {
            _scrub_key(key, scrub): _scrub_value(key, value, scrub, depth)
            for key, value in obj.items()
        }
    if isinstance(obj, list):
        return [scrub_tree(item, scrub, depth + 1) for item in obj]
    if isinstance(obj, tuple):
        # A plain tuple even for named tuples, whose constructors differ.
        return tuple(scrub_tree(item, scrub, depth + 1) for item in obj)
    if isinstance(obj, bytes | bytearray | memoryview):
        return scrub_buffer(obj, scrub)
    return obj


def _scrub_key(key: Any, scrub: Callable[[str], str]) -> Any:
    return scrub(key) if isinstance(key, str) else key


def _scrub_value(key: Any, value: Any, scrub: Callable[[str], str], depth: int) -> Any:
    if key in BINARY_MIME and isinstance(value, str):
        return value
    return scrub_tree(value, scrub, depth + 1)


def scrub_buffer(buf: Any, scrub: Callable[[str], str]) -> Any:
    """Scrub binary data as UTF-8, keeping every byte that holds no secret."""
    raw = bytes(buf)
    text = raw.decode("utf-8", "surrogateescape")
    cleaned = scrub(text)
    if cleaned == text:
        return buf
    return cleaned.encode("utf-8", "surrogateescape")


def withhold_tree(obj: Any, keep_below: int, depth: int = 0) -> Any:
    """Replace every string of ``keep_below`` characters or more by WITHHELD.

    Shorter strings are kept: they carry the protocol's own values ("ok",
    "idle", "stdout") and are too short to hold a whole secret. Dict keys that
    look like field names are kept too, so frontends can still parse replies.
    """
    if isinstance(obj, str):
        return obj if len(obj) < keep_below else WITHHELD
    if depth > _MAX_DEPTH:
        return WITHHELD
    if isinstance(obj, dict):
        return {
            _withhold_key(key, keep_below): withhold_tree(value, keep_below, depth + 1)
            for key, value in obj.items()
        }
    if isinstance(obj, list | tuple):
        return [withhold_tree(item, keep_below, depth + 1) for item in obj]
    if isinstance(obj, bytes | bytearray | memoryview):
        return b""
    return obj


def _withhold_key(key: Any, keep_below: int) -> Any:
    if isinstance(key, str) and _FIELD_NAME.match(key):
        return key
    return withhold_tree(key, keep_below, _MAX_DEPTH)
