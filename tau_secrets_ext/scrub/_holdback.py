"""How much of a stream's tail to hold back: what could still become a match.

A tail is held when it is the start of a literal (a variant of a secret), a
run of a secret's characters shorter than the partial length, or a run of
key characters that begins with a key-format prefix.
"""

from __future__ import annotations

from collections.abc import Sequence

from ._prefilter import str_automaton, without_surrogates

__all__ = ["HOLD_LIMIT", "Holdback"]

# Length of the grams that index literals and partial sources.
_Q = 4

#: The longest tail a stream holds back; past it the stream releases all.
HOLD_LIMIT = 64 * 1024


class Holdback:
    """Finds where the part of a text that may not be emitted yet begins."""

    def __init__(
        self,
        literals: Sequence[str],
        prefixes: Sequence[str],
        sources: Sequence[str],
        partial_length: int,
        key_chars: str,
    ) -> None:
        self._index_literals(literals, prefixes)
        self._partial = partial_length
        self._grams: dict[str, list[tuple[str, int]]] = {}
        self._tiny: set[str] = set()
        for source in sources:
            self._index_source(source)
        self._prefixes = tuple(prefixes)
        self._key_chars = key_chars
        # A held tail ends with a character of a literal, a source or a key.
        self._chars = frozenset(
            "".join((*literals, *sources, key_chars if prefixes else ""))
        )

    def _index_literals(self, literals: Sequence[str], prefixes: Sequence[str]) -> None:
        self._literals: dict[str, list[str]] = {}
        self._short: set[str] = set()
        for literal in literals:
            self._literals.setdefault(literal[:_Q], []).append(literal)
            self._short.update(literal[:k] for k in range(1, _Q))
        for prefix in prefixes:
            self._short.update(prefix[:k] for k in range(1, len(prefix)))
        self._short_max = max(map(len, self._short), default=0)
        self._longest = max(map(len, literals), default=0)
        self._gram_keys = list(self._literals)
        self._automaton = str_automaton(self._gram_keys) if self._gram_keys else None

    def _index_source(self, source: str) -> None:
        for offset in range(len(source)):
            self._tiny.update(source[offset : offset + k] for k in range(1, _Q))
            if offset + _Q <= len(source):
                gram = source[offset : offset + _Q]
                self._grams.setdefault(gram, []).append((source, offset))

    def start(self, text: str, after_key_char: bool = False) -> int:
        """Index where the held tail of ``text`` begins (``len(text)``: none)."""
        if not text or text[-1] not in self._chars:
            return len(text)
        try:
            return self._start(text, after_key_char)
        except UnicodeEncodeError:
            return self._start(without_surrogates(text), after_key_char)

    def _start(self, text: str, after_key_char: bool) -> int:
        return min(
            self._literal_start(text),
            self._short_start(text),
            self._partial_start(text),
            self._key_run_start(text, after_key_char),
        )

    def _literal_start(self, text: str) -> int:
        best = n = len(text)
        if self._automaton is None:
            return best
        base = max(0, n - self._longest + 1)
        tail = text[base:]
        for key, s, _ in self._automaton.find_matches_as_indexes(
            tail, overlapping=True
        ):
            rest = tail[s:]
            if base + s < best and any(
                len(lit) > len(rest) and lit.startswith(rest)
                for lit in self._literals[self._gram_keys[key]]
            ):
                best = base + s
        return best

    def _short_start(self, text: str) -> int:
        n = len(text)
        for k in range(min(n, self._short_max), 0, -1):
            if text[n - k :] in self._short:
                return n - k
        return n

    def _partial_start(self, text: str) -> int:
        # Every suffix of a run of a secret is a run too, so grow the tail
        # one character at a time until it stops being one.
        n, k = len(text), 0
        while k < min(n, self._partial - 1) and self._is_run(text[n - k - 1 :]):
            k += 1
        return n - k

    def _is_run(self, tail: str) -> bool:
        if len(tail) < _Q:
            return tail in self._tiny
        return any(
            source.startswith(tail, offset)
            for source, offset in self._grams.get(tail[:_Q], ())
        )

    def _key_run_start(self, text: str, after_key_char: bool) -> int:
        n = len(text)
        if not self._prefixes:
            return n
        # Only the end is looked at: a longer run is released by the stream
        # at its hold limit anyway.
        base = max(0, n - HOLD_LIMIT)
        run = base + len(text[base:].rstrip(self._key_chars))
        if run == n or (run == 0 and after_key_char):
            return n
        return run if text.startswith(self._prefixes, run) else n
