"""Checks of providers, modes and whole store files, as typed errors.

Names and values follow ``_validate``, re-exported here so every backend
imports its checks from one module. No message repeats what it refuses: a
"provider" may well be a pasted key.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..core.errors import (
    InvalidSecret,
    StoreCorrupted,
    StoreError,
    UnsupportedStoreVersion,
    WrongPassphrase,
)
from ._format import (
    MODES,
    NAME_RE,
    Document,
    DowngradeError,
    FormatError,
    VersionError,
)
from ._parse import load_document
from ._validate import MAX_VALUE_BYTES, check_name, check_value

__all__ = [
    "MAX_VALUE_BYTES",
    "check_mode",
    "check_name",
    "check_provider",
    "check_value",
    "parse_document",
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


def parse_document(path: Path, data: bytes) -> Document:
    """Parse the bytes of the store at ``path``, raising the matching store error."""
    try:
        return load_document(data)
    except VersionError as exc:
        raise UnsupportedStoreVersion(
            f"{path} uses {exc}, which this tau-secrets-ext cannot read; "
            "upgrade tau-secrets-ext"
        ) from None
    except DowngradeError as exc:
        raise WrongPassphrase(
            f"{path} was altered: {exc} (a downgrade?); restore it from a backup"
        ) from None
    except FormatError as exc:
        raise StoreCorrupted(
            f"{path} is not a readable store: {exc}; restore it from a backup "
            "or move it aside"
        ) from None
