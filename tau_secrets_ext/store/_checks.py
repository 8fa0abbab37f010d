"""Validation of names, values, providers and modes, with messages that say why.

No message repeats what it refuses: a "name" may well be a pasted key.
"""

from __future__ import annotations

import os

from ..core.errors import InvalidSecret, StoreError
from ..core.secret import Secret
from ._format import MODES, NAME_RE

__all__ = [
    "MAX_VALUE_BYTES",
    "check_mode",
    "check_name",
    "check_provider",
    "check_value",
]

MAX_VALUE_BYTES = 64 * 1024
ENV_MODE = "TAU_SECRETS_ENCRYPTION"


def check_name(name: object) -> str:
    """Return a valid secret name or raise ``InvalidSecret``."""
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        raise InvalidSecret(
            "invalid secret name: use 1 to 64 letters, digits, '_', '.' or '-'"
        )
    return name


def check_provider(provider: object) -> str | None:
    """Return a valid provider name (or ``None``) or raise ``InvalidSecret``."""
    if provider is None:
        return None
    if not isinstance(provider, str) or not NAME_RE.fullmatch(provider):
        raise InvalidSecret(
            "invalid provider: use 1 to 64 letters, digits, '_', '.' or '-'"
        )
    return provider


def check_value(value: object) -> str:
    """Return a storable secret value or raise ``InvalidSecret`` saying why."""
    if isinstance(value, Secret):
        value = value.reveal()
    if not isinstance(value, str):
        raise InvalidSecret(f"a secret value must be a str, not {type(value).__name__}")
    if not value:
        raise InvalidSecret("the secret value is empty")
    if value != value.strip():
        raise InvalidSecret(
            "the secret value starts or ends with whitespace (a pasted newline?); "
            "strip it and try again"
        )
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError:
        raise InvalidSecret("the secret value is not valid Unicode text") from None
    if size > MAX_VALUE_BYTES:
        raise InvalidSecret("the secret value is larger than 64 KiB")
    return value


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
