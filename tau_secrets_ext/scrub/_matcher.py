"""The compiled matcher: one read-only snapshot of everything to look for.

Finding works in two stages. A prefilter runs over the UTF-8 bytes of the
whole text and reports where a short anchor (the start of a literal, a block
of a secret, a key-format prefix) occurs; clean text costs that one pass. A
verifier then finds every literal, overlapping, in a small window around
each anchor and turns hits into spans.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import NamedTuple

from ._holdback import Holdback
from ._prefilter import SIMD_LIMIT, Prefilter, str_automaton, without_surrogates
from ._spans import PATTERN, Span, char_ranges, merge_ranges, merge_spans
from ._variants import Forms
from .providers import KEY_CHARS

__all__ = ["PATTERN", "Matcher", "Span"]

log = logging.getLogger(__name__)

# Below this many characters the verifier runs over the whole text at once.
_SMALL = 512

# Anchors are cut to this length: long enough that random text seldom hits
# them, short enough that the prefilter stays fast. Past what the SIMD
# searcher takes, the DFA's speed depends on how many states the text walks
# through; shorter anchors mean fewer (measured in bench/scrub.py).
_ANCHOR = 6
_ANCHOR_MANY = 5

# Partial runs are found through pieces of a source this long, at most.
_PIECE = 5

# Characters from common to rare in notebook output; others are rarer still.
# Past the SIMD limit each anchor, and always each run piece, starts at the
# rarest character it can: text then seldom leaves the DFA's start state, and
# anchors share their first characters, so the text walks through few states.
_COMMON = (
    " etaoinsrhldcumfpgwybvkxjqz0123456789.,:;=()[]{}'\"_-/\nETAOINSRHLDCUMFPGWYBVKXJQZ"
)
# Maps each character to one whose code orders it by rarity; characters past
# ASCII keep their own, higher code.
_RANKS = str.maketrans({chr(c): chr(_COMMON.find(chr(c)) % 128) for c in range(128)})


class _Whole(NamedTuple):
    secret: int
    left: frozenset[str]
    right: frozenset[str]


class _Block(NamedTuple):
    secret: int
    source: str
    offset: int


class _Prefix(NamedTuple):
    pattern: re.Pattern[str]


_Action = _Whole | _Block | _Prefix


class Matcher:
    """Everything registered at one moment, compiled; safe to share between threads."""

    def __init__(
        self,
        secrets: Sequence[Forms],
        *,
        partial_length: int,
        formats: dict[re.Pattern[str], tuple[str, ...]],
        unanchored: Sequence[re.Pattern[str]] = (),
        reserved: Sequence[str] = (),
    ) -> None:
        self.partial_length = partial_length
        self.secrets = tuple(secrets)
        self.actions: dict[str, list[_Action]] = {}
        self.literals: list[str] = []
        self.prefixes: list[str] = []
        self._unanchored = tuple(unanchored)
        self._holdback: Holdback | None = None
        self._block = min(partial_length, _PIECE)
        self._add_secrets(reserved)
        for pattern, prefixes in formats.items():
            for prefix in prefixes:
                self.actions.setdefault(prefix, []).append(_Prefix(pattern))
                self.prefixes.append(prefix)
        self._compile()
        log.debug(
            "matcher built: %d secrets, %d literals", len(secrets), len(self.actions)
        )

    def _add_secrets(self, reserved: Sequence[str]) -> None:
        # A piece inside a mask would re-mask masked text.
        size = self._block
        taken = {m[i : i + size] for m in reserved for i in range(len(m) - size + 1)}
        for secret, found in enumerate(self.secrets):
            self._add_secret(secret, found, taken)

    def _compile(self) -> None:
        # Both stages look for anchors; a hit is then checked against the
        # whole literals that hold that anchor at a known offset.
        many = len(self.actions) > SIMD_LIMIT
        size = _ANCHOR_MANY if many else _ANCHOR
        self._by_anchor: dict[str, list[tuple[str, int]]] = {}
        for literal in self.actions:
            # Only the DFA gains from rare anchors; the SIMD searcher lost.
            offset = _rarest(literal, len(literal) - size) if many else 0
            anchor = literal[offset : offset + size]
            self._by_anchor.setdefault(anchor, []).append((literal, offset))
        self._anchors = list(self._by_anchor)
        self._margin = max((len(a.encode()) for a in self._anchors), default=0)
        self._verifier = str_automaton(self._anchors) if self._anchors else None
        self._prefilter = Prefilter(self._anchors)

    def _add_secret(self, secret: int, found: Forms, taken: set[str]) -> None:
        for variant in found.variants:
            action = _Whole(secret, variant.left, variant.right)
            self.actions.setdefault(variant.text, []).append(action)
            self.literals.append(variant.text)
        if self.partial_length <= 0:
            return
        for source in found.sources:
            for offset in _run_pieces(source, self.partial_length, self._block, taken):
                piece = source[offset : offset + self._block]
                self.actions.setdefault(piece, []).append(
                    _Block(secret, source, offset)
                )

    def holdback(self) -> Holdback:
        """The stream tail finder for this matcher, built on first use."""
        if self._holdback is None:
            sources = [
                source
                for found in self.secrets
                for source in found.sources
                if self.partial_length > 0 and len(source) >= self.partial_length
            ]
            self._holdback = Holdback(
                self.literals, self.prefixes, sources, self.partial_length, KEY_CHARS
            )
        return self._holdback

    def find(self, text: str) -> list[Span]:
        """Spans to mask in ``text``: sorted, merged, never overlapping."""
        try:
            return self._find(text)
        except UnicodeEncodeError:
            # Registered secrets are valid UTF-8, so a surrogate is never
            # part of one.
            return self._find(without_surrogates(text))

    def _find(self, text: str) -> list[Span]:
        spans: list[Span] = []
        if self._verifier is None:
            pass
        elif len(text) <= _SMALL:
            spans = self._verify(text, 0, len(text))
        else:
            for start, stop in self._windows(text):
                spans += self._verify(text, start, stop)
        for pattern in self._unanchored:
            spans += [Span(m.start(), m.end(), PATTERN) for m in pattern.finditer(text)]
        return merge_spans(spans) if spans else spans

    def _windows(self, text: str) -> list[tuple[int, int]]:
        data = text.encode("utf-8", "surrogatepass")
        hits = self._prefilter.hits(data)
        if not hits:
            return []
        # The prefilter may skip an anchor that overlaps a reported one.
        margin = self._margin
        windows = merge_ranges(
            (max(0, s - margin), min(len(data), e + margin)) for s, e in hits
        )
        if len(data) == len(text):
            return windows
        return char_ranges(data, windows)

    def _verify(self, text: str, start: int, stop: int) -> list[Span]:
        assert self._verifier is not None
        hits = self._verifier.find_matches_as_indexes(
            text[start:stop], overlapping=True
        )
        if not hits:
            return []
        matched: list[tuple[str, int]] = []
        for anchor, s, _ in hits:
            for literal, offset in self._by_anchor[self._anchors[anchor]]:
                pos = start + s - offset
                if pos >= 0 and text.startswith(literal, pos):
                    matched.append((literal, pos))
        # Where a whole literal was found, its own pieces add nothing, so
        # whole literals go first.
        matched.sort(key=lambda m: not self._has_whole(m[0]))
        found: list[Span] = []
        whole: set[tuple[str, int]] = set()
        for literal, pos in matched:
            for action in self.actions[literal]:
                if isinstance(action, _Block):
                    if (action.source, pos - action.offset) in whole:
                        continue
                elif isinstance(action, _Whole):
                    whole.add((literal, pos))
                span = self._resolve(action, text, pos, pos + len(literal))
                if span is not None:
                    found.append(span)
        return found

    def _has_whole(self, literal: str) -> bool:
        return any(isinstance(a, _Whole) for a in self.actions[literal])

    def _resolve(self, action: _Action, text: str, s: int, e: int) -> Span | None:
        if isinstance(action, _Whole):
            return _widen(action, text, s, e)
        if isinstance(action, _Block):
            return self._extend_run(action, text, s, e)
        match = action.pattern.match(text, s)
        return Span(s, match.end(), PATTERN) if match else None

    def _extend_run(self, block: _Block, text: str, s: int, e: int) -> Span | None:
        source, left, right = block.source, block.offset, block.offset + e - s
        s -= _common_suffix(text, s, source, left)
        e += _common_prefix(text, e, source, right)
        if e - s < self.partial_length:
            return None
        return Span(s, e, block.secret)


def _rarest(text: str, last: int, first: int = 0) -> int:
    """The offset in ``first..last`` whose character is rarest, the latest of ties."""
    ranks = text[first : max(last, first) + 1].translate(_RANKS)
    return first + ranks.rindex(max(ranks)) if ranks else first


def _run_pieces(source: str, length: int, size: int, taken: set[str]) -> list[int]:
    """Offsets of pieces such that every run of ``length`` holds one whole."""
    offsets: list[int] = []
    run = 0
    while run <= len(source) - length:
        best = _rarest(source, run + length - size, run)
        if source[best : best + size] in taken:
            # Rare: the source holds text of a mask; any other piece will do.
            best = _free(source, run, run + length - size, size, taken)
        if best < 0:
            run += 1
            continue
        offsets.append(best)
        # Every run that starts up to here holds this piece.
        run = best + 1
    return offsets


def _free(source: str, first: int, last: int, size: int, taken: set[str]) -> int:
    """The latest offset in ``first..last`` whose piece is not in a mask, or -1."""
    for i in range(last, first - 1, -1):
        if source[i : i + size] not in taken:
            return i
    return -1


def _common_prefix(text: str, pos: int, source: str, offset: int) -> int:
    """Length of the run where text agrees with source, onwards from there."""
    rest = source[offset:]
    if text.startswith(rest, pos):
        return len(rest)
    n = 0
    while pos + n < len(text) and n < len(rest) and text[pos + n] == rest[n]:
        n += 1
    return n


def _common_suffix(text: str, pos: int, source: str, offset: int) -> int:
    """Length of the run where text agrees with source, backwards from there."""
    head = source[:offset]
    if text.endswith(head, 0, pos):
        return len(head)
    n = 0
    while n < pos and n < offset and text[pos - 1 - n] == head[offset - 1 - n]:
        n += 1
    return n


def _widen(whole: _Whole, text: str, s: int, e: int) -> Span:
    # Take in the base64 characters that carry a few of the secret's bits.
    if whole.left and s > 0 and text[s - 1] in whole.left:
        s -= 1
    if whole.right and e < len(text) and text[e] in whole.right:
        e += 1
        for _ in range(2):
            if e < len(text) and text[e] == "=":
                e += 1
    return Span(s, e, whole.secret)
