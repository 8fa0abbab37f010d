"""The keys a scanner or the pre-save guard looks for: store and environment.

Both run outside any kernel, as the same user, so they read the same store
the kernels write and the provider variables the kernels would inherit.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from ..core.errors import InvalidSecret, SecretsError, StoreLocked
from ..scrub.providers import environment_secrets
from ..scrub.scrub import Scrubber

__all__ = ["open_store", "register_environment", "register_store", "store_note"]

log = logging.getLogger(__name__)


def register_environment(scrub: Scrubber) -> int:
    """Register provider keys and platform tokens found in this process's env."""
    found = environment_secrets(os.environ)
    return sum(_register(scrub, value, name) for name, value in found)


def open_store(path: str | None = None) -> Any:
    """Open the store (default: the user's); StoreLocked or another StoreError."""
    from ..store.store import SecretStore

    return SecretStore.open(path)


def register_store(scrub: Scrubber, store: Any) -> int:
    """Register every value in ``store``; returns how many were new."""
    count = 0
    for name in store.names():
        try:
            value = store.get(name).reveal()
        except SecretsError as exc:  # one unreadable record; keep the others
            log.debug("stored key %s not readable (%s)", name, type(exc).__name__)
            continue
        if _register(scrub, value, name):
            count += 1
    log.debug("registered %d new stored keys", count)
    return count


def _register(scrub: Scrubber, value: str, name: str) -> bool:
    """Register one value, skipping ones the scrubber refuses (too short)."""
    try:
        return scrub.register(value, name)
    except InvalidSecret:
        log.debug("skipped a value for %s that cannot be masked safely", name)
        return False


def store_note(exc: SecretsError) -> str:
    """One line saying why stored keys are not checked; never a value."""
    if isinstance(exc, StoreLocked):
        return (
            "the store is locked (keyed): checking key patterns only; set "
            "TAU_SECRETS_PASSPHRASE to check stored keys too"
        )
    return f"stored keys not checked, key patterns only: {exc}"
