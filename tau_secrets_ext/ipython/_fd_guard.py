"""Scrub what reaches the kernel process's own stdout and stderr.

ipykernel points fd 1 and 2 at a pipe, forwards what it reads to the
frontend and echoes the raw bytes to a saved copy of the original fd, which
ends in the Jupyter server log or an nbval CI log. This guard puts a pipe of
its own in place of that copy (or of fd 1/2 when ipykernel does not capture
them): a thread reads it, scrubs the text and writes it to the real fd.

Held-back text (a possible key prefix) waits for the next bytes, however long
that takes: a log line that ends in half a key must not be released by a
pause, and nothing reads this copy interactively.
"""

from __future__ import annotations

import atexit
import codecs
import logging
import os
import struct
import threading
import time
from typing import TYPE_CHECKING

from ._walk import WITHHELD

if TYPE_CHECKING:
    from ..scrub.scrub import Scrubber

__all__ = ["FdGuard"]

log = logging.getLogger(__name__)

_CHUNK = 65536
# At exit, how long the thread may take to forward what is still in the pipe.
_EXIT_DRAIN = 0.5


class FdGuard:
    """Interposes a scrubbing pipe on one file descriptor."""

    def __init__(self, fd: int, scrubber: Scrubber):
        self.fd = fd
        self._real = os.dup(fd)
        read_end, write_end = os.pipe()
        self._read_end = read_end
        self._stream = scrubber.stream()
        self._decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
        self._busy = False
        os.dup2(write_end, fd)
        os.close(write_end)
        self._thread = threading.Thread(
            target=self._pump, name=f"tau-secrets-fd{fd}", daemon=True
        )
        self._thread.start()
        atexit.register(self._drain_at_exit)

    def uninstall(self) -> None:
        """Put the real fd back; the thread drains the pipe and ends."""
        atexit.unregister(self._drain_at_exit)
        os.dup2(self._real, self.fd)
        self._thread.join(timeout=2)

    def _drain_at_exit(self) -> None:
        """Let the thread forward the last output before the process ends."""
        deadline = time.monotonic() + _EXIT_DRAIN
        while (self._busy or self._unread() > 0) and time.monotonic() < deadline:
            time.sleep(0.01)

    def _unread(self) -> int:
        try:
            import fcntl
            import termios

            raw = fcntl.ioctl(self._read_end, termios.FIONREAD, b"\0\0\0\0")
        except (ImportError, OSError):
            return 0
        return int(struct.unpack("i", raw)[0])

    def _pump(self) -> None:
        try:
            while self._step():
                pass
            self._write(self._stream.flush())
        except Exception as exc:  # never let raw bytes through: stop instead
            log.debug("fd %d guard stopped: %s", self.fd, type(exc).__name__)
            self._write_raw(("\n" + WITHHELD + "\n").encode())
        finally:
            os.close(self._read_end)
            os.close(self._real)

    def _step(self) -> bool:
        """Forward one chunk; False at the end of the pipe."""
        data = os.read(self._read_end, _CHUNK)
        if not data:
            return False
        self._busy = True
        try:
            self._write(self._scrub(data))
        finally:
            self._busy = False
        return True

    def _scrub(self, data: bytes) -> str:
        try:
            return self._stream.feed(self._decoder.decode(data))
        except Exception as exc:
            log.debug("fd %d scrub failed: %s", self.fd, type(exc).__name__)
            return WITHHELD + "\n"

    def _write(self, text: str) -> None:
        if text:
            self._write_raw(text.encode("utf-8", "surrogateescape"))

    def _write_raw(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = os.write(self._real, view)
            view = view[written:]
