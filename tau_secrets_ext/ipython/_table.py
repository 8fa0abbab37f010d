"""The ``%tau_keys`` table: HTML in notebooks, aligned text in terminals."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from ..core.errors import StoreLocked

if TYPE_CHECKING:
    from .state import TauState

__all__ = ["COLUMNS", "KeyTable", "key_rows"]

COLUMNS = ("name", "provider", "source", "fingerprint", "updated")

Row = tuple[str, str, str, str, str]


def _when(iso: str) -> str:
    # Minutes are enough to tell keys apart, and keep the table narrow.
    return iso[:16].replace("T", " ") if iso else "-"


def key_rows(state: TauState) -> tuple[list[Row], str]:
    """Rows for every stored key and every key taken from the environment."""
    rows: list[Row] = []
    note = ""
    try:
        backend = state.backend()
        for name in backend.names():
            info = backend.info(name)
            rows.append(
                (
                    name,
                    info.provider or "-",
                    info.source,
                    info.fingerprint,
                    _when(info.updated),
                )
            )
    except StoreLocked:
        note = "the store is locked; run %tau_unlock to list its keys"
    stored = {row[0] for row in rows}
    for name, var in sorted(state.env_sources.items()):
        if name not in stored:
            rows.append((name, "-", f"env:{var}", "-", "-"))
    if not rows and not note:
        note = "no keys yet; run %tau_setkey NAME"
    return rows, note


class KeyTable:
    """A table of key names and metadata; it never holds a value."""

    def __init__(self, rows: list[Row], note: str = "") -> None:
        self.rows = rows
        self.note = note

    def __repr__(self) -> str:
        lines = []
        if self.rows:
            table = [COLUMNS, *self.rows]
            widths = [max(len(row[i]) for row in table) for i in range(len(COLUMNS))]
            for row in table:
                cells = (
                    cell.ljust(width) for cell, width in zip(row, widths, strict=True)
                )
                lines.append("  ".join(cells).rstrip())
        if self.note:
            lines.append(self.note)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        parts = []
        if self.rows:
            head = "".join(f"<th>{col}</th>" for col in COLUMNS)
            body = "".join(
                "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                for row in self.rows
            )
            parts.append(
                f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
            )
        if self.note:
            parts.append(f"<p>{html.escape(self.note)}</p>")
        return "".join(parts)
