"""One exception tree for the whole package.

Every message is built from names, paths and counts, never from secret
material: a message that reaches a notebook or a log must be safe to share.
"""

from __future__ import annotations

__all__ = [
    "BackendConfigError",
    "BackendPermissionDenied",
    "BackendUnavailable",
    "InvalidSecret",
    "KeyFileMissing",
    "PlaintextStoreWarning",
    "SecretNotFound",
    "SecretsError",
    "StoreCorrupted",
    "StoreError",
    "StoreLocked",
    "StoreModeMismatch",
    "StorePermissionError",
    "StorePermissionWarning",
    "UnsupportedStoreVersion",
    "WrongPassphrase",
]


class SecretsError(Exception):
    """Root of every error raised by tau-secrets-ext."""


class StoreError(SecretsError):
    """The secret store could not be read or written."""


class WrongPassphrase(StoreError):
    """The passphrase or key file does not open the store, or it was tampered with.

    Deliberately says neither which check failed nor where: an attacker
    editing the file learns nothing from the message.
    """


class StoreLocked(StoreError):
    """A keyed store was opened without its passphrase."""


class KeyFileMissing(StoreError):
    """An ``auto`` store exists but the key file that opens it does not."""


class StoreCorrupted(StoreError):
    """The store file is not a readable store (truncated, invalid JSON, ...)."""


class StoreModeMismatch(StoreError):
    """The configured encryption mode differs from the one the file records."""


class UnsupportedStoreVersion(StoreError):
    """The store file was written by a format version this release cannot read."""


class StorePermissionError(StoreError):
    """The store file or folder has unsafe ownership, permissions or type."""


class BackendUnavailable(StoreError):
    """A secrets server could not be reached, timed out, or is sealed."""


class BackendPermissionDenied(StoreError):
    """The server refused the operation on a path, or the path is read-only."""


class BackendConfigError(StoreError):
    """A backend is set up wrongly: no address or token, a missing mount, ..."""


class SecretNotFound(SecretsError, KeyError):
    """No secret is stored under the given name."""

    def __str__(self) -> str:
        # KeyError quotes its argument; a sentence reads better.
        return str(self.args[0]) if self.args else "secret not found"


class InvalidSecret(SecretsError, ValueError):
    """A secret name or value was refused; the message gives the reason."""


class PlaintextStoreWarning(UserWarning):
    """The store keeps secrets unencrypted (mode ``none``)."""


class StorePermissionWarning(UserWarning):
    """A store file was group- or world-accessible and was set back to 0600."""
