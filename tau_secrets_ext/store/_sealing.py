"""How records and the header check are sealed in each mode.

Encrypted stores (``auto`` and ``keyed``) seal every value with AES-256-GCM
under a record key derived from the store's master key. The header check is
the store's random fingerprint key, sealed with the canonical header as
associated data: opening it proves the key is right and the header unedited,
before any record is read. A MAC over every byte of the file before it then
covers the records as a whole (none added, dropped, swapped or edited).
``none`` stores cannot keep a secret key, so the fingerprint key sits in the
header and their MACs only catch accidental damage.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from ..core import crypto
from ..core.errors import StoreCorrupted, WrongPassphrase
from ._format import FormatError, Header, KdfParams, Record, header_ad, record_ad
from ._parse import check_record

__all__ = [
    "Codec",
    "PlainCodec",
    "SealedCodec",
    "new_header",
    "open_header",
    "open_record",
]

_RECORD_INFO = b"tau-secrets/1 record key"
_FILE_INFO = b"tau-secrets/1 file mac key"


class Codec:
    """Seals and opens record values for one store header."""

    def __init__(self, fingerprint_key: bytes, file_key: bytes) -> None:
        self._fingerprint_key = fingerprint_key
        self._file_key = file_key

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    @property
    def fingerprint_key(self) -> bytes:
        """The store's random key for value fingerprints."""
        return self._fingerprint_key

    def fingerprint(self, value: str) -> str:
        """Eight hex characters identifying ``value`` in this store."""
        return crypto.fingerprint(self._fingerprint_key, value)

    def seal(self, ad: bytes, value: str) -> tuple[str, str]:
        """Return ``(tag, body)`` for a record, as stored in the file."""
        raise NotImplementedError

    def open(self, ad: bytes, tag: str, body: str) -> str:
        """Return the value of a record, or raise ``CryptoError``."""
        raise NotImplementedError

    def sign(self, data: bytes) -> bytes:
        """The MAC over the file's bytes before the MAC itself."""
        return crypto.mac(self._file_key, data)

    def verify(self, data: bytes, tag: bytes) -> None:
        """Check the file MAC, or raise ``CryptoError``."""
        crypto.verify_mac(self._file_key, data, tag)


class SealedCodec(Codec):
    """AES-256-GCM under a key derived from the master key and store id."""

    def __init__(self, master: bytes, store_id: str, fingerprint_key: bytes) -> None:
        salt = store_id.encode("ascii")
        super().__init__(fingerprint_key, crypto.subkey(master, salt, _FILE_INFO))
        self._key = crypto.subkey(master, salt, _RECORD_INFO)

    def seal(self, ad: bytes, value: str) -> tuple[str, str]:
        nonce, sealed = crypto.seal(self._key, value.encode("utf-8"), ad)
        return crypto.b64encode(nonce), crypto.b64encode(sealed)

    def open(self, ad: bytes, tag: str, body: str) -> str:
        try:
            nonce, sealed = crypto.b64decode(tag), crypto.b64decode(body)
        except ValueError:
            raise crypto.CryptoError() from None
        return _decode(crypto.unseal(self._key, nonce, sealed, ad))


class PlainCodec(Codec):
    """No encryption: the value is stored as is, with HMACs against damage."""

    def __init__(self, fingerprint_key: bytes) -> None:
        super().__init__(fingerprint_key, crypto.mac(fingerprint_key, _FILE_INFO))

    def _tag(self, ad: bytes, value: str) -> bytes:
        try:
            data = value.encode("utf-8")
        except UnicodeEncodeError:
            raise crypto.CryptoError() from None
        return crypto.mac(self._fingerprint_key, ad + b"\x00" + data)

    def seal(self, ad: bytes, value: str) -> tuple[str, str]:
        return crypto.b64encode(self._tag(ad, value)), value

    def open(self, ad: bytes, tag: str, body: str) -> str:
        try:
            expected = crypto.b64decode(tag)
        except ValueError:
            raise crypto.CryptoError() from None
        crypto.verify_tag(self._tag(ad, body), expected)
        return body


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise crypto.CryptoError() from None


def new_header(
    mode: str,
    store_id: str,
    master: bytes | None,
    fingerprint_key: bytes,
    *,
    key_id: str | None = None,
    kdf: KdfParams | None = None,
) -> tuple[Header, Codec]:
    """Build a header for ``mode`` with its check, and the codec that goes with it."""
    plain = mode == "none"
    header = Header(
        mode=mode,
        store_id=store_id,
        check={},
        key_id=key_id,
        kdf=kdf,
        fingerprint_key=fingerprint_key if plain else None,
    )
    ad = header_ad(header)
    if plain:
        check = {"mac": crypto.mac(fingerprint_key, ad)}
        return dataclasses.replace(header, check=check), PlainCodec(fingerprint_key)
    if master is None:
        raise ValueError(f"a {mode} store needs a master key")
    nonce, sealed = crypto.seal(_check_key(master, store_id), fingerprint_key, ad)
    check = {"nonce": nonce, "ciphertext": sealed}
    codec = SealedCodec(master, store_id, fingerprint_key)
    return dataclasses.replace(header, check=check), codec


def open_header(header: Header, master: bytes | None) -> Codec:
    """Verify the header's check and return its codec, or raise ``CryptoError``."""
    ad = header_ad(header)
    if header.mode == "none":
        fingerprint_key = header.fingerprint_key or b""
        crypto.verify_mac(fingerprint_key, ad, header.check["mac"])
        return PlainCodec(fingerprint_key)
    if master is None:
        raise crypto.CryptoError()
    check = header.check
    key = _check_key(master, header.store_id)
    fingerprint_key = crypto.unseal(key, check["nonce"], check["ciphertext"], ad)
    if len(fingerprint_key) != crypto.KEY_SIZE:
        raise crypto.CryptoError()
    return SealedCodec(master, header.store_id, fingerprint_key)


def _check_key(master: bytes, store_id: str) -> bytes:
    return crypto.subkey(master, store_id.encode("ascii"), b"tau-secrets/1 check key")


def open_record(
    path: Path, header: Header, codec: Codec, name: str, record: Record
) -> str:
    """The value of one record of the store at ``path``, or a store error."""
    try:
        check_record(name, record, header.mode == "none")
        ad = record_ad(header.store_id, name, record)
        return codec.open(ad, record.tag, record.body)
    except FormatError as exc:
        raise StoreCorrupted(
            f"{path} is not a readable store: {exc}; restore it from a backup"
        ) from None
    except crypto.CryptoError:
        raise WrongPassphrase(
            f"record {name!r} in {path} does not open: it was altered, "
            "swapped or renamed; restore the file from a backup"
        ) from None
