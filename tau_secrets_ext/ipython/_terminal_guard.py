"""Terminal IPython (no kernel): scrub ``sys.stdout`` and ``sys.stderr``.

The display hook, tracebacks and warnings of a terminal shell all write to
the current ``sys.stdout``/``sys.stderr``, so wrapping the two streams covers
them. Held-back text (a possible key prefix) is released with the next write,
after each cell, or when the stream is closed.
"""

from __future__ import annotations

import logging
import sys
import threading
from typing import TYPE_CHECKING, Any, TextIO

from ._walk import WITHHELD

if TYPE_CHECKING:
    from ..scrub.scrub import Scrubber

__all__ = ["ScrubbedStream", "TerminalGuard"]

log = logging.getLogger(__name__)


class ScrubbedStream:
    """A text stream that scrubs what it passes to the stream it wraps."""

    def __init__(self, wrapped: TextIO, scrubber: Scrubber):
        self.wrapped = wrapped
        self._stream = scrubber.stream()
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        """Scrub and forward ``text``; the count is of what the caller gave."""
        with self._lock:
            try:
                out = self._stream.feed(text)
            except Exception as exc:
                log.debug("terminal scrub failed: %s", type(exc).__name__)
                out = WITHHELD + "\n"
            if out:
                self.wrapped.write(out)
        return len(text)

    def writelines(self, lines: Any) -> None:
        """Write each line in turn."""
        for line in lines:
            self.write(line)

    def release(self) -> None:
        """Write out held-back text and flush."""
        with self._lock:
            out = self._stream.flush()
            if out:
                self.wrapped.write(out)
        self.wrapped.flush()

    def flush(self) -> None:
        """Flush the wrapped stream; held-back text stays held."""
        self.wrapped.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wrapped, name)


class TerminalGuard:
    """Wraps both streams and releases held-back text after every cell."""

    def __init__(self, shell: Any, scrubber: Scrubber):
        self._shell = shell
        self._streams: dict[str, ScrubbedStream] = {}
        for name in ("stdout", "stderr"):
            current = getattr(sys, name)
            if current is not None and not isinstance(current, ScrubbedStream):
                wrapped = ScrubbedStream(current, scrubber)
                setattr(sys, name, wrapped)
                self._streams[name] = wrapped
        shell.events.register("post_run_cell", self._after_cell)

    def uninstall(self) -> None:
        """Release held text and put the original streams back."""
        self._shell.events.unregister("post_run_cell", self._after_cell)
        for name, wrapped in self._streams.items():
            wrapped.release()
            if getattr(sys, name) is wrapped:
                setattr(sys, name, wrapped.wrapped)
        self._streams.clear()

    def _after_cell(self, *args: Any) -> None:
        for wrapped in self._streams.values():
            wrapped.release()
