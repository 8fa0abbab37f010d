"""The key material of one store: its key file (auto) or passphrase (keyed).

A keyed store's Argon2id key is derived once per set of KDF parameters and
kept, so that a store object derives once per open, never once per record.
"""

from __future__ import annotations

from pathlib import Path

from ..core import crypto
from ..core.errors import InvalidSecret, StoreLocked, WrongPassphrase
from ..core.secret import Secret
from . import _keys
from ._format import Document, Header
from ._sealing import Codec, new_header, open_header

__all__ = ["KeySource"]

_UNLOCK_HINT = "run %tau_unlock, or set TAU_SECRETS_PASSPHRASE"


class KeySource:
    """Opens and makes headers for the store at one path."""

    def __init__(self, path: Path, strict: bool, passphrase: str | None) -> None:
        self._path = path
        self._strict = strict
        self._passphrase = Secret(passphrase) if passphrase is not None else None
        self._derived: tuple[crypto.KdfParams, bytes] | None = None

    def __repr__(self) -> str:
        return f"KeySource(path={str(self._path)!r})"

    def prepare(self, mode: str, kdf: crypto.KdfParams) -> None:
        """For a store not on disk yet: derive a keyed store's key right away."""
        if mode == "keyed":
            self._passphrase_key(kdf.with_new_salt(), new=True)

    def codec_for(self, header: Header, count: int) -> Codec:
        """The codec of an existing store's header, after checking the key."""
        master: bytes | None = None
        if header.mode == "none":
            self.refuse_downgrade()
        elif header.mode == "auto":
            assert header.key_id is not None
            master = _keys.require_key(
                self._path, header.key_id, count, strict=self._strict
            )
        else:
            assert header.kdf is not None
            master = self._passphrase_key(header.kdf, new=False)
        try:
            return open_header(header, master)
        except crypto.CryptoError:
            what = "passphrase" if header.mode == "keyed" else "key file"
            raise WrongPassphrase(
                f"the {what} does not open {self._path}, or the file was altered; "
                f"check the {what}, or restore the file from a backup"
            ) from None

    def verify_file(self, doc: Document, codec: Codec) -> None:
        """Check the MAC over the whole file, or raise ``WrongPassphrase``."""
        try:
            codec.verify(doc.signed, doc.mac)
        except crypto.CryptoError:
            raise WrongPassphrase(
                f"{self._path} was altered (its MAC does not match); restore it "
                "from a backup"
            ) from None

    def new_header(
        self,
        mode: str,
        store_id: str,
        fingerprint_key: bytes | None,
        kdf: crypto.KdfParams,
        *,
        fresh: bool,
    ) -> tuple[Header, Codec]:
        """A new header for ``mode``; ``fresh`` when no store file exists yet.

        For ``auto`` the new key is added to the key file before the caller
        writes a store that needs it.
        """
        fingerprint_key = fingerprint_key or crypto.new_key()
        if mode == "keyed":
            # A new store keeps the salt its key was derived with at open.
            if not (fresh and self._derived is not None):
                self._derived = None
                self._passphrase_key(kdf.with_new_salt(), new=True)
            assert self._derived is not None
            kdf, master = self._derived
            return new_header(mode, store_id, master, fingerprint_key, kdf=kdf)
        if mode == "auto":
            key_id, master = crypto.random_id(6), crypto.new_key()
            keys = _keys.read_keys(self._path, strict=self._strict) or {}
            _keys.write_keys(self._path, {**keys, key_id: master})
            return new_header(mode, store_id, master, fingerprint_key, key_id=key_id)
        if fresh:
            self.refuse_downgrade()
        return new_header(mode, store_id, None, fingerprint_key)

    def refuse_downgrade(self) -> None:
        """A ``none`` store must not have a key file beside it."""
        key_path = _keys.key_file_path(self._path)
        if key_path.exists() or key_path.is_symlink():
            raise WrongPassphrase(
                f"{self._path} says mode 'none' but its key file {key_path} exists: "
                "the header may have been altered (a downgrade). If you converted "
                "it to 'none' yourself, delete the key file"
            )

    def _passphrase_key(self, kdf: crypto.KdfParams, *, new: bool) -> bytes:
        """Derive (once per KDF parameters) the key of a keyed store."""
        if self._derived is not None and self._derived[0] == kdf:
            return self._derived[1]
        if self._passphrase is None:
            state = "a new keyed store needs" if new else "it is keyed and needs"
            raise StoreLocked(
                f"{self._path} is locked: {state} a passphrase; {_UNLOCK_HINT}"
            )
        passphrase = self._passphrase.reveal()
        if new:
            _keys.check_new_passphrase(passphrase)
        elif len(passphrase) < crypto.MIN_PASSPHRASE_LENGTH:
            raise WrongPassphrase(f"the passphrase does not open {self._path}")
        try:
            master = crypto.derive_passphrase_key(passphrase, kdf)
        except crypto.CryptoError:
            raise WrongPassphrase(
                f"{self._path} cannot be unlocked: its key-derivation parameters "
                "are unusable (altered?); restore it from a backup"
            ) from None
        except ValueError:
            raise InvalidSecret("the passphrase is not valid Unicode text") from None
        self._derived = (kdf, master)
        return master
