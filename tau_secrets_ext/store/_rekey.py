"""Rekey: re-seal every record under a new key, possibly in another mode.

The store id and the fingerprint key survive, so fingerprints stay the same.
Order of writes for ``auto``: key file with old and new key, then the store,
then the key file with only the new key. Leaving ``auto``: the store, then
removing the key file. A crash between two steps leaves a store that opens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.errors import StoreError, StoreLocked
from . import _files, _keys
from ._format import MODES, record_ad
from ._keysource import KeySource
from ._records import RecordSet

if TYPE_CHECKING:
    from .store import SecretStore

__all__ = ["rekey"]


def _target_mode(store: SecretStore, encryption: str | None) -> str:
    if encryption is None:
        return store.mode
    mode = encryption.strip().lower() if isinstance(encryption, str) else None
    if mode not in MODES:
        raise StoreError("encryption must be one of auto, keyed or none")
    return mode


def _check_passphrase(store: SecretStore, mode: str, passphrase: str | None) -> None:
    if mode != "keyed":
        return
    if passphrase is None:
        raise StoreLocked(
            f"converting {store.path} to 'keyed' needs a new passphrase; pass one "
            "(the CLI reads TAU_SECRETS_NEW_PASSPHRASE or prompts)"
        )
    _keys.check_new_passphrase(passphrase)


def rekey(store: SecretStore, encryption: str | None, passphrase: str | None) -> None:
    """Convert ``store`` to ``encryption`` (default: its mode) under a new key."""
    mode = _target_mode(store, encryption)
    _check_passphrase(store, mode, passphrase)
    source = KeySource(store.path, store._strict, passphrase)
    with store._file_lock():
        store._sync()
        if store._header is None:
            # No file yet: the store will simply be created in the new mode.
            store._records = RecordSet({}, plain=mode == "none")
            source.prepare(mode, store._kdf_params)
        else:
            _reseal(store, source, mode)
    store._source = source
    if store._explicit is not None:
        store._explicit = mode
    store._pending_mode = mode


def _reseal(store: SecretStore, source: KeySource, mode: str) -> None:
    old_header, old_codec = store._header, store._codec
    assert old_header is not None and old_codec is not None
    values = {
        name: store._open_record(old_header, old_codec, name, record)
        for name, record in store._records.items()
    }
    header, codec = source.new_header(
        mode,
        old_header.store_id,
        old_codec.fingerprint_key,
        store._kdf_params,
        fresh=False,
    )
    records = RecordSet({}, plain=mode == "none")
    for name, record in store._records.items():
        ad = record_ad(header.store_id, name, record)
        tag, body = codec.seal(ad, values[name])
        records.put(name, record._replace(tag=tag, body=body))
    store._write(header, codec, records)
    _tidy_key_file(store, header.key_id)


def _tidy_key_file(store: SecretStore, key_id: str | None) -> None:
    """Keep only the key the store now uses; none at all if it has none."""
    if key_id is None:
        _files.remove_file(_keys.key_file_path(store.path))
        return
    keys = _keys.read_keys(store.path) or {}
    _keys.write_keys(store.path, {key_id: keys[key_id]})
