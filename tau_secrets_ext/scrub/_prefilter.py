"""Multi-literal search engines, chosen by measurement (see bench/scrub.py).

On this project's reference machine ahocorasick-rs searches bytes several
times faster than str, and its SIMD "Teddy" searcher, which it uses only for
leftmost matching of at most 64 literals, runs at several GB/s; a larger set
falls back to one DFA pass at a few hundred MB/s.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

import ahocorasick_rs

__all__ = ["SIMD_LIMIT", "Prefilter", "str_automaton", "without_surrogates"]

log = logging.getLogger(__name__)

# Teddy's limit per automaton.
_TEDDY_SIZE = 64

# Past this many Teddy passes one DFA pass is faster.
_TEDDY_PASSES = 4

#: The most anchors searched with Teddy; more go into one DFA.
SIMD_LIMIT = _TEDDY_SIZE * _TEDDY_PASSES

# Past this many anchors a DFA takes too long to build and too much memory.
_DFA_LIMIT = 50_000


class Prefilter:
    """Reports where anchors occur in a byte string.

    An anchor that overlaps a reported one may be missed: callers look
    around each hit.
    """

    def __init__(self, anchors: Iterable[str]) -> None:
        encoded = sorted({a.encode("utf-8", "surrogatepass") for a in anchors})
        self._automata = _build(encoded)
        log.debug("prefilter: %d anchors, %d passes", len(encoded), len(self._automata))

    def hits(self, data: bytes) -> list[tuple[int, int]]:
        """Byte ranges of anchor occurrences in ``data``."""
        found: list[tuple[int, int]] = []
        for automaton in self._automata:
            found += [(s, e) for _, s, e in automaton.find_matches_as_indexes(data)]
        return found


def _build(anchors: list[bytes]) -> list[ahocorasick_rs.BytesAhoCorasick]:
    if not anchors:
        return []
    passes = -(-len(anchors) // _TEDDY_SIZE)
    if passes <= _TEDDY_PASSES:
        size = -(-len(anchors) // passes)
        return [
            ahocorasick_rs.BytesAhoCorasick(
                anchors[i : i + size],
                matchkind=ahocorasick_rs.MATCHKIND_LEFTMOST_LONGEST,
            )
            for i in range(0, len(anchors), size)
        ]
    kind = ahocorasick_rs.Implementation.DFA if len(anchors) <= _DFA_LIMIT else None
    return [ahocorasick_rs.BytesAhoCorasick(anchors, implementation=kind)]


# A DFA is the fastest verifier on short texts, but its size grows with the
# total length of the literals.
_STR_DFA_CHARS = 100_000


def str_automaton(literals: list[str]) -> ahocorasick_rs.AhoCorasick:
    """An automaton reporting every occurrence of every literal in a str."""
    small = sum(map(len, literals)) <= _STR_DFA_CHARS
    kind = ahocorasick_rs.Implementation.DFA if small else None
    return ahocorasick_rs.AhoCorasick(
        literals, store_patterns=False, implementation=kind
    )


_SURROGATE = re.compile("[\ud800-\udfff]")


def without_surrogates(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD.

    str automata refuse surrogates; one character for one keeps positions.
    """
    return _SURROGATE.sub("\ufffd", text)
