"""Functions for code cells: protect a value, fetch a stored secret.

The kernel has one scrubber for the whole process: every guard, every shell
and every call to :func:`protect` share it, so a value registered anywhere is
masked everywhere.
"""

from __future__ import annotations

from typing import Any

from ..core.secret import Secret
from ..scrub.scrub import Scrubber

__all__ = ["get_secret", "protect", "scrubber"]

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


def get_secret(name: str) -> Secret:
    """Return the key called ``name``, masked from now on in all output.

    Looks in the store (or vault) of the current shell, then in the
    provider's environment variables.

    >>> client = OpenAI(api_key=get_secret("openai").reveal())   # doctest: +SKIP
    """
    from .state import TauState, get_state

    state = get_state(_current_shell())
    if state is None:
        # Outside a shell with the extension: a private state on no shell.
        state = TauState(None)
    return state.resolve(name).secret


def _current_shell() -> Any:
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()
