"""Where scrubbing attaches: one call installs every guard, one undoes them.

In a kernel: every outgoing message (``kernel.session.send``), the kernel
process's own stdout/stderr, input history and logging. In terminal IPython:
``sys.stdout``/``sys.stderr`` (display hook, tracebacks, warnings), history
and logging.
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING, Any, Protocol

from ._fd_guard import FdGuard
from ._history_guard import HistoryGuard
from ._logging_guard import LoggingGuard
from ._session_guard import SessionGuard
from ._terminal_guard import TerminalGuard

if TYPE_CHECKING:
    from ..scrub.scrub import Scrubber

__all__ = ["Guards", "install"]

log = logging.getLogger(__name__)

_ATTR = "_tau_secrets_installed_guards"


class _Guard(Protocol):
    def uninstall(self) -> None: ...


class Guards:
    """The guards installed on one shell."""

    def __init__(self, shell: Any):
        self._shell = shell
        self._parts: list[_Guard] = []

    def add(self, part: _Guard) -> None:
        """Keep ``part`` for :meth:`uninstall`."""
        self._parts.append(part)

    def uninstall(self) -> None:
        """Undo every guard, the last installed first."""
        while self._parts:
            self._parts.pop().uninstall()
        if getattr(self._shell, _ATTR, None) is self:
            setattr(self._shell, _ATTR, None)

    def __repr__(self) -> str:
        names = ", ".join(type(part).__name__ for part in self._parts)
        return f"<Guards [{names}]>"


def install(shell: Any, scrubber: Scrubber) -> Guards:
    """Install every guard on ``shell``; a second call returns the same object."""
    existing = getattr(shell, _ATTR, None)
    if existing is not None:
        return existing
    guards = Guards(shell)
    try:
        _install_parts(guards, shell, scrubber)
    except Exception:
        guards.uninstall()
        raise
    setattr(shell, _ATTR, guards)
    log.debug("installed %r", guards)
    return guards


def _install_parts(guards: Guards, shell: Any, scrubber: Scrubber) -> None:
    guards.add(LoggingGuard(scrubber))
    kernel = getattr(shell, "kernel", None)
    if kernel is not None and getattr(kernel, "session", None) is not None:
        guards.add(SessionGuard(kernel.session, scrubber))
        for fd in _echo_fds():
            guards.add(FdGuard(fd, scrubber))
    else:
        guards.add(TerminalGuard(shell, scrubber))
    if getattr(shell, "history_manager", None) is not None:
        guards.add(HistoryGuard(shell, scrubber))


def _echo_fds() -> list[int]:
    """The fds where a kernel's output reaches its own process output.

    ipykernel keeps a copy of the original fd 1 and 2 when it captures them;
    without capture (under pytest, or ``capture_fd_output=False``) fd 1 and 2
    are the process output themselves.
    """
    fds = []
    for name, default in (("stdout", 1), ("stderr", 2)):
        copy = getattr(getattr(sys, name, None), "_original_stdstream_copy", None)
        fds.append(copy if isinstance(copy, int) else default)
    return fds
