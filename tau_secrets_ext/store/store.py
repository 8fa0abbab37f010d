"""SecretStore: secrets in one encrypted JSON file, safe against crashes and races.

Every change is: take the file lock, reload if another process wrote, change
a copy in memory, write it to a temporary file, fsync, ``os.replace``, fsync
the folder, release. Readers check the file's identity (inode, size, times)
before each read and reload when it changed. The file format, the modes and
the error rules are described in docs/store.md.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import warnings
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import ClassVar

import platformdirs

from ..core import crypto
from ..core.errors import (
    PlaintextStoreWarning,
    SecretNotFound,
    StoreModeMismatch,
)
from ..core.secret import Secret
from . import _files
from ._checks import (
    check_mode,
    check_name,
    check_provider,
    check_value,
    parse_document,
)
from ._format import Header, Record, record_ad
from ._keysource import KeySource
from ._records import RecordSet
from ._rekey import rekey as rekey_store
from ._sealing import Codec, open_record
from .backends.base import SecretBackend, SecretInfo

__all__ = ["SecretStore"]

log = logging.getLogger(__name__)

ENV_DIR = "TAU_SECRETS_DIR"
ENV_PASSPHRASE = "TAU_SECRETS_PASSPHRASE"


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class SecretStore(SecretBackend):
    """Secrets kept in one file, encrypted unless mode ``none`` was asked for.

    >>> store = SecretStore.open()          # doctest: +SKIP
    >>> store.set("openai", key, provider="openai")   # doctest: +SKIP
    >>> store.get("openai")                 # doctest: +SKIP
    Secret('********')
    """

    # Argon2id costs for new keyed stores; tests lower them to stay fast.
    _kdf_params: ClassVar[crypto.KdfParams] = crypto.KdfParams()

    def __init__(
        self,
        path: Path,
        explicit: str | None,
        strict: bool,
        passphrase: str | None = None,
    ) -> None:
        """Use :meth:`open`; this only sets up an empty, unloaded store."""
        self.path = path
        self._explicit = explicit
        self._strict = strict
        self._lock = threading.RLock()
        self._source = KeySource(path, strict, passphrase)
        self._pending_mode = explicit or "auto"
        self._forget()

    def _forget(self) -> None:
        """Return to "no file on disk" state."""
        self._header: Header | None = None
        self._codec: Codec | None = None
        self._records = RecordSet({}, plain=self._pending_mode == "none")
        self._raw: bytes | None = None
        self._signature: tuple[int, int, int, int] | None = None

    # -- opening ---------------------------------------------------------------

    @classmethod
    def default_path(cls) -> Path:
        """``$TAU_SECRETS_DIR/store.json``, else the user data folder's store."""
        folder = os.environ.get(ENV_DIR)
        if folder:
            return Path(folder).expanduser() / "store.json"
        return Path(platformdirs.user_data_dir("tau-secrets")) / "store.json"

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str] | None = None,
        *,
        encryption: str | None = None,
        passphrase: str | None = None,
        strict_permissions: bool = False,
    ) -> SecretStore:
        """Open the store at ``path`` (nothing is created until the first set)."""
        where = Path(path).expanduser() if path is not None else cls.default_path()
        if passphrase is None:
            passphrase = os.environ.get(ENV_PASSPHRASE) or None
        store = cls(where, check_mode(encryption), strict_permissions, passphrase)
        store._first_load()
        return store

    @classmethod
    def peek_mode(cls, path: str | os.PathLike[str] | None = None) -> str | None:
        """The mode the store file records, read without any key; None if no file."""
        where = Path(path).expanduser() if path is not None else cls.default_path()
        snapshot = _files.read_secure(where)
        if snapshot is None:
            return None
        return parse_document(where, snapshot.data).header.mode

    def _first_load(self) -> None:
        with self._lock:
            snapshot = _files.read_secure(self.path, strict=self._strict)
            if snapshot is None:
                self._source.prepare(self._pending_mode, self._kdf_params)
            else:
                self._load(snapshot)
        if self.mode == "none":
            warnings.warn(
                f"{self.path} keeps secrets unencrypted (mode 'none'); encrypt it "
                "with `tau-secrets rekey --encryption auto`",
                PlaintextStoreWarning,
                stacklevel=3,
            )

    # -- state -----------------------------------------------------------------

    @property
    def mode(self) -> str:
        """``auto``, ``keyed`` or ``none``: the file's mode, or the one it will get."""
        return self._header.mode if self._header else self._pending_mode

    @property
    def description(self) -> str:  # type: ignore[override]
        """``plaintext`` for mode ``none``, else ``encrypted``."""
        return "plaintext" if self.mode == "none" else "encrypted"

    def __repr__(self) -> str:
        return f"SecretStore(path={str(self.path)!r}, mode={self.mode!r})"

    def _load(self, snapshot: _files.FileSnapshot) -> None:
        """Parse, authenticate and adopt a snapshot of the file."""
        doc = parse_document(self.path, snapshot.data)
        header = doc.header
        self._check_mode(header.mode)
        codec = self._codec_for(header, len(doc.records))
        self._source.verify_file(doc, codec)
        loaded = RecordSet(doc.records, plain=header.mode == "none")
        self._header, self._codec, self._records = header, codec, loaded
        self._raw, self._signature = snapshot.data, snapshot.signature
        log.debug("loaded %d records from %s", len(loaded), self.path)

    def _check_mode(self, mode: str) -> None:
        if self._explicit is None or self._explicit == mode:
            return
        raise StoreModeMismatch(
            f"{self.path} has mode {mode!r} but mode {self._explicit!r} was "
            f"configured; convert it with `tau-secrets rekey --encryption "
            f"{self._explicit}`, or stop configuring the mode"
        )

    def _codec_for(self, header: Header, count: int) -> Codec:
        """The codec of ``header``, after checking the key against it."""
        if self._header is not None and self._header == header and self._codec:
            return self._codec
        return self._source.codec_for(header, count)

    def _open_record(
        self, header: Header, codec: Codec, name: str, record: Record
    ) -> str:
        return open_record(self.path, header, codec, name, record)

    def _refresh(self) -> None:
        """Reload if another process changed the file since we last read it."""
        try:
            current = _files.signature(os.lstat(self.path))
        except FileNotFoundError:
            if self._header is not None:
                self._forget()
            return
        if current != self._signature:
            self._sync()

    def _sync(self) -> None:
        """Read the file and adopt it unless it is byte-for-byte what we hold."""
        snapshot = _files.read_secure(self.path, strict=self._strict)
        if snapshot is None:
            if self._header is not None:
                self._forget()
        elif snapshot.data == self._raw:
            self._signature = snapshot.signature
        else:
            self._load(snapshot)

    # -- reading ---------------------------------------------------------------

    def _find(self, name: str) -> Record:
        check_name(name)
        self._refresh()
        record = self._records.get(name)
        if record is None:
            raise SecretNotFound(
                f"no secret named {name!r} in {self.path}; "
                "`tau-secrets list` shows the stored names"
            )
        return record

    def _value(self, name: str, record: Record) -> str:
        assert self._header is not None and self._codec is not None
        return self._open_record(self._header, self._codec, name, record)

    def get(self, name: str) -> Secret:
        """Return the secret stored under ``name``."""
        with self._lock:
            return Secret(self._value(name, self._find(name)))

    def names(self) -> list[str]:
        """Return the stored names, sorted."""
        with self._lock:
            self._refresh()
            return sorted(self._records.names())

    def info(self, name: str) -> SecretInfo:
        """Return provider, times and fingerprint of ``name``, never its value."""
        with self._lock:
            record = self._find(name)
            assert self._codec is not None
            value = self._value(name, record)
            return SecretInfo(
                name=name,
                provider=record.provider,
                created=record.created,
                updated=record.updated,
                fingerprint=self._codec.fingerprint(value),
                source="store",
            )

    # -- writing ---------------------------------------------------------------

    def _mutate(self, change: Callable[[Header, Codec, RecordSet], None]) -> None:
        """Lock, reload, apply ``change`` to a copy, write it, adopt it."""
        with self._lock, self._file_lock():
            self._sync()
            _files.remove_stale_temps(self.path)
            header, codec = self._header_for_write()
            records = self._records.copy()
            change(header, codec, records)
            self._write(header, codec, records)

    def _file_lock(self) -> AbstractContextManager[None]:
        _files.ensure_folder(self.path.parent)
        return _files.locked(self.path)

    def _write(self, header: Header, codec: Codec, records: RecordSet) -> None:
        data = records.document(header, codec.sign)
        self._signature = _files.atomic_write(self.path, data)
        self._header, self._codec, self._records, self._raw = (
            header,
            codec,
            records,
            data,
        )
        log.debug("wrote %d records to %s", len(records), self.path)

    def _header_for_write(self) -> tuple[Header, Codec]:
        if self._header is not None and self._codec is not None:
            return self._header, self._codec
        return self._source.new_header(
            self._pending_mode, crypto.random_id(), None, self._kdf_params, fresh=True
        )

    def set(self, name: str, value: str, *, provider: str | None = None) -> None:
        """Store ``value`` under ``name``; ``provider=None`` keeps the old provider."""
        check_name(name)
        if isinstance(value, Secret):
            value = value.reveal()
        value = check_value(value, name)
        provider = check_provider(provider)

        def change(header: Header, codec: Codec, records: RecordSet) -> None:
            old = records.get(name)
            now = _now()
            record = Record(
                provider=provider if provider or not old else old.provider,
                created=old.created if old else now,
                updated=now,
                tag="",
                body="",
            )
            ad = record_ad(header.store_id, name, record)
            tag, body = codec.seal(ad, value)
            records.put(name, record._replace(tag=tag, body=body))

        with self._lock:
            self._mutate(change)

    def delete(self, name: str) -> None:
        """Remove the secret stored under ``name``."""
        with self._lock:
            self._find(name)
            self._mutate(lambda header, codec, records: self._drop(records, name))

    def _drop(self, records: RecordSet, name: str) -> None:
        if records.get(name) is None:
            raise SecretNotFound(f"no secret named {name!r} in {self.path}")
        records.remove(name)

    def rekey(
        self, *, encryption: str | None = None, passphrase: str | None = None
    ) -> None:
        """Re-encrypt every record under a new key, optionally in another mode."""
        with self._lock:
            rekey_store(self, encryption, passphrase)
