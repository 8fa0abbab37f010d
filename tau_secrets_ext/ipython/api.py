"""Functions for code cells: protect a value, fetch a stored secret.

The kernel has one scrubber for the whole process: every guard, every shell
and every call to :func:`protect` share it, so a value registered anywhere is
masked everywhere.
"""

from __future__ import annotations

from ..core.secret import Secret
from ..scrub.scrub import Scrubber

__all__ = ["protect", "scrubber"]

_scrubber: Scrubber | None = None


def scrubber() -> Scrubber:
    """Return the process-wide scrubber, creating it on first use."""
    global _scrubber
    if _scrubber is None:
        _scrubber = Scrubber()
    return _scrubber


def protect(value: str | Secret, name: str = "custom") -> None:
    """Mask ``value`` in all output from now on, shown as ``[REDACTED:name]``.

    >>> protect(db_password, "postgres")   # doctest: +SKIP
    """
    if isinstance(value, Secret):
        value = value.reveal()
    scrubber().register(value, name)
