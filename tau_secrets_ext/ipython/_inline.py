"""Catch a key typed inline (``%tau_setkey openai <value>``) before it spreads.

The cell's text reaches three places before the magic itself runs: the
kernel's ``execute_input`` broadcast, ``In``/``_ih``/``_i*`` and the sqlite
history. The value is registered with the scrubber at the earliest of these
moments, so the guards mask it everywhere, and a rewritten cell without it is
kept for the magic to send back to the frontend.
"""

from __future__ import annotations

import logging
import re
import shlex
from collections.abc import Callable
from typing import Any

from IPython.core.error import UsageError

__all__ = ["InlineValues"]

log = logging.getLogger(__name__)

# Automagic makes the leading '%' optional.
_SETKEY = re.compile(r"^(?P<indent>\s*)%?tau_setkey(?:\s+(?P<args>.*))?$")


class InlineValues:
    """Find inline values in cells, register them, remember the clean cell."""

    def __init__(self, parser: Any, register: Callable[[str, str], object]) -> None:
        self._parser = parser
        self._register = register
        self._kernel: Any = None
        #: The last cell scanned, with its inline values removed (None if it
        #: had none, or the magic was called in a way the scan cannot read).
        self.rewritten: str | None = None
        #: The last cell that mentions the magic, kept so that a call the
        #: scan missed can still be rewritten without losing the cell.
        self.last_cell: str | None = None

    def scan(self, cell: str) -> list[tuple[str, str]]:
        """Register every inline value in ``cell``; return (name, value) pairs."""
        self.rewritten = None
        self.last_cell = cell if "tau_setkey" in cell else None
        found: list[tuple[str, str]] = []
        lines = cell.splitlines()
        for index, line in enumerate(lines):
            parsed = self._parse(line)
            if parsed is None:
                continue
            name, value, clean = parsed
            self._register(value, name)
            lines[index] = clean
            found.append((name, value))
        if found:
            self.rewritten = "\n".join(lines)
            log.debug("found %d inline value(s) in a cell", len(found))
        return found

    def rewrite(self, value: str) -> str | None:
        """The current cell without ``value``, if the cell is known."""
        if self.rewritten is not None:
            return self.rewritten
        if self.last_cell is not None and value in self.last_cell:
            return self.last_cell.replace(value, "").rstrip("\n")
        return None

    def _parse(self, line: str) -> tuple[str, str, str] | None:
        match = _SETKEY.match(line)
        if match is None or not match["args"]:
            return None
        try:
            tokens = shlex.split(match["args"], comments=True)
            args = self._parser.parse_args(tokens)
        except (ValueError, UsageError):
            # Not a well-formed call: the magic reports it when it runs.
            return None
        if not args.value or not args.name:
            return None
        tokens.remove(args.value)
        clean = match["indent"] + "%tau_setkey " + shlex.join(tokens)
        return args.name, args.value, clean

    def transform(self, lines: list[str]) -> list[str]:
        """Input transformer: scan the cell, return it unchanged."""
        self.scan("".join(lines))
        return lines

    def install(self, shell: Any) -> None:
        """Scan cells before history stores them and before the kernel echoes them."""
        shell.input_transformers_cleanup.append(self.transform)
        kernel = getattr(shell, "kernel", None)
        if kernel is not None and hasattr(kernel, "_publish_execute_input"):
            original = kernel._publish_execute_input

            def publish(code: str, parent: Any, execution_count: int) -> None:
                try:
                    self.scan(code)
                except Exception as exc:
                    # Fail closed: no echo of a cell that could not be checked.
                    log.debug("execute_input withheld: %s", type(exc).__name__)
                    return
                original(code, parent, execution_count)

            kernel._publish_execute_input = publish
            self._kernel = kernel

    def uninstall(self, shell: Any) -> None:
        """Undo :meth:`install`."""
        if self.transform in shell.input_transformers_cleanup:
            shell.input_transformers_cleanup.remove(self.transform)
        if self._kernel is not None:
            # The wrapper is an instance attribute; removing it exposes the method.
            self._kernel.__dict__.pop("_publish_execute_input", None)
            self._kernel = None
