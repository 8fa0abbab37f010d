"""StreamScrubber: scrub text that arrives in pieces.

A secret split between two pieces never gets through: the tail that could
begin one is held until the next piece decides it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from ._holdback import HOLD_LIMIT
from ._matcher import PATTERN
from ._variants import B64_STD, B64_URL
from .providers import KEY_CHARS

if TYPE_CHECKING:
    from ._matcher import Span
    from .scrub import Snapshot

__all__ = ["StreamScrubber"]

log = logging.getLogger(__name__)


_BASE64 = B64_STD | B64_URL


class StreamScrubber:
    """Scrubs one stream; feed() returns what is safe to emit now.

    One per stream, and not thread-safe: callers that feed from several
    threads hold their own lock around feed() and flush().
    """

    def __init__(self, snapshot: Callable[[], Snapshot]) -> None:
        self._snapshot = snapshot
        self._held = ""
        # The last character emitted: key formats must not follow a key
        # character, and a partial run may have started before the tail.
        self._before = ""
        self._in_run = False

    def __repr__(self) -> str:
        return f"<StreamScrubber: {'pending' if self._held else 'idle'}>"

    @property
    def pending(self) -> bool:
        """True while some text is held back."""
        return bool(self._held)

    def feed(self, text: str) -> str:
        """Scrubbed text safe to emit now; a possible secret's start is held."""
        if self._in_run:
            # The rest of a key-format match released at the limit is masked
            # already, as scrub() would mask the whole run.
            rest = text.lstrip(KEY_CHARS)
            self._in_run = not rest
            text = rest
        buffer = self._held + text
        if not buffer:
            return ""
        snapshot = self._snapshot()
        spans = self._spans(snapshot, buffer)
        cut = self._cut(snapshot, buffer, spans)
        if len(buffer) - cut > HOLD_LIMIT:
            # Scrubbed as if the stream ended here, so that a long run of key
            # characters cannot hold output forever.
            last = spans[-1] if spans else None
            self._in_run = last is not None and last[1:] == (len(buffer), PATTERN)
            log.debug("stream hold limit reached")
            return self._emit(snapshot, buffer, len(buffer), spans)
        return self._emit(snapshot, buffer, cut, [s for s in spans if s.end <= cut])

    def _cut(self, snapshot: Snapshot, buffer: str, spans: list[Span]) -> int:
        after_key = bool(self._before) and self._before in KEY_CHARS
        cut = snapshot.matcher.holdback().start(buffer, after_key)
        if 0 < cut < len(buffer) and buffer[cut - 1] in _BASE64:
            # It may be the partly encoded character before a base64 form.
            cut -= 1
        for span in spans:
            # A match that reaches the cut, or the end, may still grow.
            if span.start < cut <= span.end or span.end == len(buffer):
                return min(cut, span.start)
        return cut

    def flush(self) -> str:
        """Release everything held, scrubbed."""
        buffer, self._held, self._in_run = self._held, "", False
        if not buffer:
            return ""
        snapshot = self._snapshot()
        return self._emit(snapshot, buffer, len(buffer), self._spans(snapshot, buffer))

    def _spans(self, snapshot: Snapshot, buffer: str) -> list[Span]:
        shift = len(self._before)
        return [
            span._replace(start=max(0, span.start - shift), end=span.end - shift)
            for span in snapshot.matcher.find(self._before + buffer)
            if span.end > shift
        ]

    def _emit(
        self, snapshot: Snapshot, buffer: str, cut: int, spans: list[Span]
    ) -> str:
        self._held = buffer[cut:]
        if cut:
            self._before = buffer[cut - 1]
        return snapshot.apply(buffer[:cut], spans)
