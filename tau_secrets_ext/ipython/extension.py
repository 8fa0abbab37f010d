"""``%load_ext tau_secrets_ext``: install the guards, register the magics."""

from __future__ import annotations

from typing import Any

from . import guards, magics
from .api import scrubber
from .state import TauState

__all__ = ["load_ipython_extension", "unload_ipython_extension"]

_GUARDS_ATTR = "_tau_secrets_guards"
_MAGICS_ATTR = "_tau_secrets_magics"


def load_ipython_extension(shell: Any) -> None:
    """Install the guards, the magics and the settings on ``shell`` (idempotent)."""
    if getattr(shell, _GUARDS_ATTR, None) is not None:
        return
    # The state first: it copies the configured scrubber settings in.
    state = TauState(shell)
    state.attach()
    setattr(shell, _GUARDS_ATTR, guards.install(shell, scrubber()))
    setattr(shell, _MAGICS_ATTR, magics.install(shell, state))
    state.load()


def unload_ipython_extension(shell: Any) -> None:
    """Remove what :func:`load_ipython_extension` installed."""
    installed = getattr(shell, _GUARDS_ATTR, None)
    if installed is None:
        return
    installed.uninstall()
    setattr(shell, _GUARDS_ATTR, None)
    registered = getattr(shell, _MAGICS_ATTR, None)
    if registered is not None:
        magics.uninstall(shell, registered)
        registered.state.detach()
        setattr(shell, _MAGICS_ATTR, None)
