"""Scrub every log record before any handler sees it.

``logging.setLogRecordFactory`` is the one place every logger's records pass,
so a wrapped factory reaches file handlers too; a filter on the root logger
would miss records of child loggers.
"""

from __future__ import annotations

import logging
import threading
import traceback
from typing import TYPE_CHECKING, Any

from ._walk import WITHHELD

if TYPE_CHECKING:
    from ..scrub.scrub import Scrubber

__all__ = ["LoggingGuard"]

log = logging.getLogger(__name__)


class LoggingGuard:
    """Installs a scrubbing log record factory; restores the old one."""

    def __init__(self, scrubber: Scrubber):
        self._scrubber = scrubber
        self._busy = threading.local()
        self._previous = logging.getLogRecordFactory()
        logging.setLogRecordFactory(self._factory)

    def uninstall(self) -> None:
        """Restore the factory found at install, if ours is still in place."""
        if logging.getLogRecordFactory() == self._factory:
            logging.setLogRecordFactory(self._previous)

    def _factory(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self._previous(*args, **kwargs)
        if getattr(self._busy, "active", False):
            # Our own DEBUG line about a failure, made while handling a record:
            # it holds a type name only, and scrubbing it could recurse.
            return record
        self._busy.active = True
        try:
            self._scrub_record(record)
        except Exception as exc:
            _withhold(record)
            log.debug("log record withheld: %s", type(exc).__name__)
        finally:
            self._busy.active = False
        return record

    def _scrub_record(self, record: logging.LogRecord) -> None:
        # The message is rendered here, once, so that no handler or formatter
        # can render the raw arguments later.
        scrub = self._scrubber.scrub
        record.msg = scrub(record.getMessage())
        record.args = ()
        if record.exc_info:
            text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            record.exc_text = scrub(text)
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)


def _withhold(record: logging.LogRecord) -> None:
    record.msg = WITHHELD
    record.args = ()
    record.exc_info = None
    record.exc_text = WITHHELD if record.exc_text else None
    record.stack_info = None
