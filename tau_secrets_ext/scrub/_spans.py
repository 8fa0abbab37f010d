"""Spans of text to mask, and the range arithmetic around them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

__all__ = ["PATTERN", "Span", "char_ranges", "merge_ranges", "merge_spans"]

#: Index of a span that a key format matched, not a registered secret.
PATTERN = -1


class Span(NamedTuple):
    """A run of text to mask: [start, end) and the secret index, or PATTERN."""

    start: int
    end: int
    secret: int


def merge_spans(spans: list[Span]) -> list[Span]:
    """Join overlapping spans; a secret's name beats a pattern, longer beats shorter."""
    spans.sort()
    merged: list[Span] = []
    best: list[tuple[bool, int]] = []
    for span in spans:
        weight = (span.secret != PATTERN, span.end - span.start)
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            secret = span.secret if weight > best[-1] else last.secret
            best[-1] = max(best[-1], weight)
            merged[-1] = Span(last.start, max(last.end, span.end), secret)
        else:
            merged.append(span)
            best.append(weight)
    return merged


def merge_ranges(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for s, e in sorted(ranges):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


# UTF-8 continuation bytes; deleting them leaves one byte per character.
_CONTINUATION = bytes(range(0x80, 0xC0))


def char_ranges(data: bytes, windows: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Turn byte ranges of UTF-8 ``data`` into character ranges covering them."""
    ranges = []
    byte_pos = char_pos = 0
    for s, e in windows:
        while s > 0 and 0x80 <= data[s] < 0xC0:
            s -= 1
        while e < len(data) and 0x80 <= data[e] < 0xC0:
            e += 1
        s = max(s, byte_pos)
        char_pos += len(data[byte_pos:s].translate(None, _CONTINUATION))
        start = char_pos
        char_pos += len(data[s:e].translate(None, _CONTINUATION))
        byte_pos = e
        ranges.append((start, char_pos))
    return ranges
