"""The one module that touches ``cryptography``: sealing, key derivation, MACs.

Every failure to open sealed data or to verify a tag raises the same
:class:`CryptoError`, whatever the cause (wrong key, altered ciphertext,
altered associated data, altered nonce): the caller learns that it failed,
never which check failed. Callers add the file or name the data belongs to.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import unicodedata
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .errors import SecretsError

__all__ = [
    "KEY_SIZE",
    "MIN_PASSPHRASE_LENGTH",
    "CryptoError",
    "KdfParams",
    "b64decode",
    "b64encode",
    "decode_key_file",
    "derive_passphrase_key",
    "encode_key_file",
    "fingerprint",
    "mac",
    "new_key",
    "normalize_passphrase",
    "random_id",
    "seal",
    "subkey",
    "unseal",
    "verify_mac",
    "verify_tag",
]

KEY_SIZE = 32
NONCE_SIZE = 12
SALT_SIZE = 16
PAD_BLOCK = 32
MIN_PASSPHRASE_LENGTH = 8
_PAD_MARK = b"\x80"
_KEY_FILE_TAG = "tau-secrets-key-v1"


class CryptoError(SecretsError):
    """Sealed data could not be opened or a tag did not verify."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message or "wrong key, or the data was altered")


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost parameters and salt, as recorded in a keyed store."""

    memory_kib: int = 65536
    iterations: int = 3
    lanes: int = 4
    salt: bytes = b""

    def with_new_salt(self) -> KdfParams:
        """Return the same costs with a fresh random salt."""
        return KdfParams(self.memory_kib, self.iterations, self.lanes, new_salt())


def new_key() -> bytes:
    """Return a fresh random 256-bit key."""
    return os.urandom(KEY_SIZE)


def new_salt() -> bytes:
    """Return a fresh random salt for Argon2id."""
    return os.urandom(SALT_SIZE)


def random_id(size: int = 16) -> str:
    """Return a random identifier, URL-safe base64 without padding."""
    return b64encode(os.urandom(size))


def b64encode(data: bytes) -> str:
    """URL-safe base64 without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64decode(text: str) -> bytes:
    """Decode :func:`b64encode` output; refuse any other spelling of the bytes.

    Re-encoding and comparing makes the encoding canonical, so that a changed
    character in a stored string can never decode to the same bytes.
    """
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise ValueError("not base64") from None
    if b64encode(data) != text:
        raise ValueError("not canonical base64")
    return data


def normalize_passphrase(passphrase: str) -> bytes:
    """Return the passphrase as NFC UTF-8 bytes, exactly as typed otherwise."""
    try:
        return unicodedata.normalize("NFC", passphrase).encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("the passphrase is not valid Unicode text") from None


def derive_passphrase_key(passphrase: str, params: KdfParams) -> bytes:
    """Derive a 256-bit key from a passphrase with Argon2id.

    Raises ``ValueError`` for a passphrase that is not valid Unicode text and
    :class:`CryptoError` if the parameters are refused.
    """
    secret = normalize_passphrase(passphrase)
    try:
        kdf = Argon2id(
            salt=params.salt,
            length=KEY_SIZE,
            iterations=params.iterations,
            lanes=params.lanes,
            memory_cost=params.memory_kib,
        )
        return kdf.derive(secret)
    except (ValueError, TypeError, MemoryError):
        raise CryptoError(
            "key derivation failed: unusable Argon2id parameters"
        ) from None


def subkey(master: bytes, salt: bytes, info: bytes) -> bytes:
    """Derive a purpose-bound 256-bit key from ``master`` with HKDF-SHA256."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=KEY_SIZE, salt=salt, info=info)
    return hkdf.derive(master)


def _pad(data: bytes) -> bytes:
    # ISO/IEC 7816-4: a marker byte, then zeros up to the block size, so
    # the ciphertext length reveals the value's length only to 32 bytes.
    padded = data + _PAD_MARK
    return padded + b"\x00" * (-len(padded) % PAD_BLOCK)


def _unpad(data: bytes) -> bytes:
    body = data.rstrip(b"\x00")
    if not body.endswith(_PAD_MARK) or len(data) % PAD_BLOCK:
        raise CryptoError()
    return body[:-1]


def seal(key: bytes, plaintext: bytes, ad: bytes) -> tuple[bytes, bytes]:
    """Pad and encrypt with AES-256-GCM; return ``(nonce, ciphertext)``."""
    nonce = os.urandom(NONCE_SIZE)
    return nonce, AESGCM(key).encrypt(nonce, _pad(plaintext), ad)


def unseal(key: bytes, nonce: bytes, ciphertext: bytes, ad: bytes) -> bytes:
    """Decrypt and unpad :func:`seal` output, or raise :class:`CryptoError`."""
    if len(nonce) != NONCE_SIZE:
        raise CryptoError()
    try:
        padded = AESGCM(key).decrypt(nonce, ciphertext, ad)
    except (InvalidTag, ValueError):
        raise CryptoError() from None
    return _unpad(padded)


def mac(key: bytes, data: bytes) -> bytes:
    """HMAC-SHA256 of ``data``."""
    return hmac.new(key, data, hashlib.sha256).digest()


def verify_mac(key: bytes, data: bytes, tag: bytes) -> None:
    """Check an HMAC-SHA256 tag in constant time, or raise :class:`CryptoError`."""
    verify_tag(mac(key, data), tag)


def verify_tag(expected: bytes, tag: bytes) -> None:
    """Compare two tags in constant time, or raise :class:`CryptoError`."""
    if not hmac.compare_digest(expected, tag):
        raise CryptoError()


def fingerprint(key: bytes, value: str) -> str:
    """Eight hex characters identifying ``value`` within one store.

    Keyed, so that without the store's fingerprint key a fingerprint cannot
    be used to test guesses of the value.
    """
    return mac(key, b"fingerprint\x00" + value.encode("utf-8"))[:4].hex()


def encode_key_file(keys: dict[str, bytes]) -> bytes:
    """Serialise key id -> key pairs as the text of a key file."""
    lines = [f"{_KEY_FILE_TAG} {kid} {b64encode(key)}\n" for kid, key in keys.items()]
    return "".join(lines).encode("ascii")


def decode_key_file(data: bytes) -> dict[str, bytes]:
    """Parse a key file; raise ``ValueError`` (without key material) if malformed."""
    keys: dict[str, bytes] = {}
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise ValueError("not a tau-secrets key file") from None
    for line in text.splitlines():
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != _KEY_FILE_TAG:
            raise ValueError("not a tau-secrets key file")
        key = b64decode(parts[2])
        if len(key) != KEY_SIZE:
            raise ValueError("a key in the key file has the wrong size")
        keys[parts[1]] = key
    return keys
