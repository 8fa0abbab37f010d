"""Held-back stream text, one streaming scrubber per (parent, stream name).

A key split across writes is caught because each stream's scrubber holds back
a tail that could begin a secret. That tail is released with the stream's next
text, before any other output or the idle status of the same cell, and, for
cells that already went idle (background threads), on a short timer.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..scrub.scrub import Scrubber, StreamScrubber

__all__ = ["Pending", "StreamBook"]

log = logging.getLogger(__name__)

#: Seconds that held-back text of an idle cell waits for more output.
RELEASE_DELAY = 0.2

# How many finished cells are remembered as idle.
_IDLE_MEMORY = 256

Key = tuple[str, str]


@dataclass
class Pending:
    """Held-back text of one stream, with where to send it."""

    stream: StreamScrubber
    socket: Any
    ident: Any
    parent: dict[str, Any]
    name: str
    touched: float = field(default_factory=time.monotonic)


class StreamBook:
    """Tracks held-back stream text and releases it through ``emit``."""

    def __init__(self, scrubber: Scrubber, emit: Callable[[Pending, str], None]):
        self._scrubber = scrubber
        self._emit = emit
        self._lock = threading.RLock()
        self._pending: dict[Key, Pending] = {}
        self._idle: deque[str] = deque(maxlen=_IDLE_MEMORY)
        self._wake = threading.Event()
        self._stopped = False
        self._thread = threading.Thread(
            target=self._timer_loop, name="tau-secrets-stream-release", daemon=True
        )
        self._thread.start()
        _forget_after_fork(self)

    def feed(
        self, socket: Any, ident: Any, parent: dict[str, Any], name: str, text: str
    ) -> str:
        """Scrub one stream message's text, holding back a possible key prefix."""
        key = (str(parent.get("msg_id", "")), name)
        with self._lock:
            entry = self._pending.get(key)
            if entry is None:
                entry = Pending(self._scrubber.stream(), socket, ident, parent, name)
            out = entry.stream.feed(text)
            entry.touched = time.monotonic()
            if entry.stream.pending:
                self._pending[key] = entry
                if key[0] in self._idle:
                    self._wake.set()
            else:
                self._pending.pop(key, None)
        return out

    def release(self, parent_id: str, *, idle: bool = False) -> None:
        """Send the held-back text of every stream of one cell, in order."""
        with self._lock:
            if idle:
                self._idle.append(parent_id)
            keys = [key for key in self._pending if key[0] == parent_id]
            for key in keys:
                self._release_one(self._pending.pop(key))

    def release_all(self) -> None:
        """Send everything held back (on uninstall)."""
        with self._lock:
            entries = list(self._pending.values())
            self._pending.clear()
            for entry in entries:
                self._release_one(entry)

    def stop(self) -> None:
        """Release what is held and end the timer thread."""
        self._stopped = True
        self._wake.set()
        self._thread.join(timeout=2)
        self.release_all()

    def _reset_in_child(self) -> None:
        """After a fork: a fresh lock (the old one may be held) and no timer."""
        self._lock = threading.RLock()
        self._pending.clear()
        self._stopped = True

    def _release_one(self, entry: Pending) -> None:
        # A failure drops the held-back text (fail closed) but must not stop
        # the message that triggered the release, such as the idle status.
        try:
            text = entry.stream.flush()
            if text:
                self._emit(entry, text)
        except Exception as exc:
            log.debug("held-back stream text dropped: %s", type(exc).__name__)

    def _timer_loop(self) -> None:
        while not self._stopped:
            self._wake.wait(self._next_timeout())
            self._wake.clear()
            if not self._stopped:
                self._release_stale()

    def _next_timeout(self) -> float | None:
        with self._lock:
            times = [
                entry.touched
                for key, entry in self._pending.items()
                if key[0] in self._idle
            ]
        if not times:
            return None
        return max(0.0, min(times) + RELEASE_DELAY - time.monotonic())

    def _release_stale(self) -> None:
        now = time.monotonic()
        with self._lock:
            stale = [
                key
                for key, entry in self._pending.items()
                if key[0] in self._idle and now - entry.touched >= RELEASE_DELAY
            ]
            for key in stale:
                self._release_one(self._pending.pop(key))


def _forget_after_fork(book: StreamBook) -> None:
    ref = weakref.ref(book)

    def reset() -> None:
        alive = ref()
        if alive is not None:
            alive._reset_in_child()

    os.register_at_fork(after_in_child=reset)
