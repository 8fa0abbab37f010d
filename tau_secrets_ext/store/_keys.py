"""Where a store's master key comes from: its key file, or its passphrase.

The ``auto`` key file sits beside the store as ``<store>.key``. It may hold
several keys, each under the id that a store header names: a rekey writes
the new key beside the old one first, replaces the store, then drops the old
key, so a crash between any two steps leaves a store whose key is on disk.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from ..core import crypto
from ..core.errors import InvalidSecret, KeyFileMissing, StoreCorrupted
from ._files import atomic_write, read_secure

__all__ = [
    "check_new_passphrase",
    "key_file_path",
    "read_keys",
    "require_key",
    "write_keys",
]


def key_file_path(store_path: Path) -> Path:
    """The key file that belongs to the store at ``store_path``."""
    return store_path.with_name(store_path.name + ".key")


def read_keys(store_path: Path, *, strict: bool = False) -> dict[str, bytes] | None:
    """The keys in the store's key file, or ``None`` if there is no key file."""
    key_path = key_file_path(store_path)
    snapshot = read_secure(key_path, strict=strict)
    if snapshot is None:
        return None
    try:
        return crypto.decode_key_file(snapshot.data)
    except ValueError:
        raise StoreCorrupted(
            f"{key_path} is not a tau-secrets key file; restore it from a backup"
        ) from None


def require_key(store_path: Path, key_id: str, count: int, *, strict: bool) -> bytes:
    """The master key of an existing ``auto`` store, or a clear error."""
    key_path = key_file_path(store_path)
    keys = read_keys(store_path, strict=strict)
    if keys is None:
        raise KeyFileMissing(
            f"the key file {key_path} is missing, so the {count} secret(s) in "
            f"{store_path} cannot be decrypted; restore the key file from a backup "
            "(a new key is never made over existing records)"
        )
    if key_id not in keys:
        raise KeyFileMissing(
            f"the key file {key_path} does not hold the key of {store_path}; "
            "restore the matching key file from a backup"
        )
    return keys[key_id]


def write_keys(store_path: Path, keys: dict[str, bytes]) -> None:
    """Replace the store's key file atomically (0600)."""
    atomic_write(key_file_path(store_path), crypto.encode_key_file(keys))


def check_new_passphrase(passphrase: object) -> str:
    """Accept a passphrase for a new key, or raise ``InvalidSecret`` saying why."""
    if not isinstance(passphrase, str):
        raise InvalidSecret(
            f"a passphrase must be a str, not {type(passphrase).__name__}"
        )
    normal = unicodedata.normalize("NFC", passphrase)
    if len(normal) < crypto.MIN_PASSPHRASE_LENGTH:
        raise InvalidSecret(
            "the passphrase is too short: use at least "
            f"{crypto.MIN_PASSPHRASE_LENGTH} characters"
        )
    try:
        crypto.normalize_passphrase(passphrase)
    except ValueError:
        raise InvalidSecret("the passphrase is not valid Unicode text") from None
    return passphrase
