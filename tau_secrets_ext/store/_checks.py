"""Validation of providers and modes; names and values follow ``_validate``.

Re-exports the shared name and value rules so every backend imports its
checks from one module. No message repeats what it refuses: a "provider"
may well be a pasted key.
"""

from __future__ import annotations

import os

from ..core.errors import InvalidSecret, StoreError
from ._format import MODES, NAME_RE
from ._validate import MAX_VALUE_BYTES, check_name, check_value

__all__ = [
    "MAX_VALUE_BYTES",
    "check_mode",
    "check_name",
    "check_provider",
    "check_value",
]

ENV_MODE = "TAU_SECRETS_ENCRYPTION"


def check_provider(provider: object) -> str | None:
    """Return a valid provider name (or ``None``) or raise ``InvalidSecret``."""
    if provider is None:
        return None
    if not isinstance(provider, str) or not NAME_RE.fullmatch(provider):
        raise InvalidSecret(
            "invalid provider: use 1 to 64 letters, digits, '_', '.' or '-'"
        )
    return provider


def check_mode(mode: str | None) -> str | None:
    """The explicitly configured mode: ``mode``, else the environment, else None."""
    source = "encryption"
    if mode is None:
        mode = os.environ.get(ENV_MODE) or None
        source = ENV_MODE
    if mode is None:
        return None
    normal = mode.strip().lower() if isinstance(mode, str) else None
    if normal not in MODES:
        raise StoreError(f"{source} must be one of auto, keyed or none")
    return normal
