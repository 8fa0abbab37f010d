"""Keep registered keys out of IPython's input history, memory and sqlite.

``HistoryManager.store_inputs`` writes ``In``, ``_ih``, the ``_i*`` variables
and the sqlite cache before a cell runs, so it is wrapped to scrub first. A
key registered later is scrubbed from this session's history retroactively.
The ``%logstart`` session log is scrubbed as it is written.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from ._walk import WITHHELD

if TYPE_CHECKING:
    from ..scrub.scrub import Scrubber

__all__ = ["HistoryGuard"]

log = logging.getLogger(__name__)

_INPUT_VAR = re.compile(r"_i(\d+|i{0,2}|00)\Z")


class HistoryGuard:
    """Wraps ``store_inputs``/``store_output`` of one shell's history manager."""

    def __init__(self, shell: Any, scrubber: Scrubber):
        self._shell = shell
        self._manager = shell.history_manager
        self._scrubber = scrubber
        self._active = True
        self._store_inputs = self._manager.store_inputs
        self._store_output = self._manager.store_output
        self._manager.store_inputs = self._guarded_inputs
        self._manager.store_output = self._guarded_output
        self._logger = getattr(shell, "logger", None)
        if self._logger is not None:
            self._log_write = self._logger.log_write
            self._logger.log_write = self._guarded_log_write
        self._secure_delete()
        scrubber.on_register(self._on_register)
        self.rescrub()

    def uninstall(self) -> None:
        """Put the history manager's own methods back."""
        self._active = False
        _unwrap(self._manager, "store_inputs", self._guarded_inputs)
        _unwrap(self._manager, "store_output", self._guarded_output)
        if self._logger is not None:
            _unwrap(self._logger, "log_write", self._guarded_log_write)

    def _secure_delete(self) -> None:
        """Make sqlite zero the bytes that an UPDATE replaces."""
        try:
            if self._manager.enabled:
                self._manager.db.execute("PRAGMA secure_delete = ON")
        except Exception as exc:
            log.debug("secure_delete not set: %s", type(exc).__name__)

    def _scrub(self, text: str) -> str:
        try:
            return self._scrubber.scrub(text)
        except Exception as exc:
            log.debug("history scrub failed: %s", type(exc).__name__)
            return WITHHELD

    def _guarded_inputs(
        self, line_num: int, source: str, source_raw: str | None = None
    ) -> None:
        if source_raw is None:
            source_raw = source
        self._store_inputs(line_num, self._scrub(source), self._scrub(source_raw))

    def _guarded_output(self, line_num: int) -> None:
        reprs = self._manager.output_hist_reprs
        if line_num in reprs:
            reprs[line_num] = self._scrub(reprs[line_num])
        self._store_output(line_num)

    def _guarded_log_write(self, data: str, kind: str = "input") -> None:
        self._log_write(self._scrub(data), kind)

    def _on_register(self, *args: Any) -> None:
        if self._active:
            self.rescrub()

    def rescrub(self) -> None:
        """Scrub this session's history in memory and in the database."""
        try:
            self._rescrub_memory()
            self._rescrub_database()
        except Exception as exc:
            log.debug("retroactive history scrub failed: %s", type(exc).__name__)

    def _rescrub_memory(self) -> None:
        manager = self._manager
        for hist in (manager.input_hist_parsed, manager.input_hist_raw):
            hist[:] = [self._scrub(text) for text in hist]
        for attr in ("_i", "_ii", "_iii", "_i00"):
            setattr(manager, attr, self._scrub(getattr(manager, attr, "")))
        with manager.db_input_cache_lock:
            manager.db_input_cache[:] = [
                (line, self._scrub(src), self._scrub(raw))
                for line, src, raw in manager.db_input_cache
            ]
        reprs = manager.output_hist_reprs
        for line in list(reprs):
            reprs[line] = self._scrub(reprs[line])
        namespace = self._shell.user_ns
        for name in [n for n in namespace if _INPUT_VAR.match(n)]:
            if isinstance(namespace[name], str):
                namespace[name] = self._scrub(namespace[name])

    def _rescrub_database(self) -> None:
        manager = self._manager
        if not manager.enabled or not manager.session_number:
            return
        with manager.db_input_cache_lock, manager.db:
            rows = manager.db.execute(
                "SELECT line, source, source_raw FROM history WHERE session = ?",
                (manager.session_number,),
            ).fetchall()
            for line, src, raw in rows:
                clean = (self._scrub(src or ""), self._scrub(raw or ""))
                if clean != (src or "", raw or ""):
                    manager.db.execute(
                        "UPDATE history SET source = ?, source_raw = ? "
                        "WHERE session = ? AND line = ?",
                        (*clean, manager.session_number, line),
                    )
            self._rescrub_outputs()

    def _rescrub_outputs(self) -> None:
        manager = self._manager
        rows = manager.db.execute(
            "SELECT line, output FROM output_history WHERE session = ?",
            (manager.session_number,),
        ).fetchall()
        for line, output in rows:
            clean = self._scrub(output or "")
            if clean != (output or ""):
                manager.db.execute(
                    "UPDATE output_history SET output = ? "
                    "WHERE session = ? AND line = ?",
                    (clean, manager.session_number, line),
                )


def _unwrap(owner: Any, name: str, wrapper: Any) -> None:
    """Remove ``wrapper`` from ``owner``, unless someone wrapped it in turn."""
    if vars(owner).get(name) == wrapper:
        delattr(owner, name)
