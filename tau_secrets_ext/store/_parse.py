"""Reading a store file: strict about its shape, quick about its records.

The header is checked field by field. Records are checked only for shape
when the file loads (the file MAC vouches for every byte of an encrypted
store) and field by field when one is used. Binary fields must be canonical
base64, so no edited character decodes to the same bytes.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..core.crypto import KdfParams, b64decode
from ._format import (
    FORMAT,
    MAC_MARK,
    MODES,
    NAME_RE,
    VERSION,
    Document,
    DowngradeError,
    FormatError,
    Header,
    Record,
    VersionError,
)

__all__ = ["check_record", "load_document"]

_TIME_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", re.ASCII)
_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,64}", re.ASCII)
# Bounds keep a hostile header from making the KDF take minutes or gigabytes
# before the check can fail.
_KDF_LIMITS = {"memory_kib": (8, 4 * 1024 * 1024), "iterations": (1, 64)}
_MAX_LANES = 64


def _fields(obj: Any, where: str, required: set[str]) -> dict[str, Any]:
    if not isinstance(obj, dict) or set(obj) != required:
        raise FormatError(f"{where} does not have the expected fields")
    return obj


def _text(value: Any, where: str, pattern: re.Pattern[str] = _ID_RE) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise FormatError(f"{where} is malformed")
    return value


def _bytes(value: Any, where: str) -> bytes:
    try:
        return b64decode(_text(value, where, re.compile(r"[A-Za-z0-9_-]*")))
    except ValueError:
        raise FormatError(f"{where} is not canonical base64") from None


def _int(value: Any, where: str, low: int, high: int) -> int:
    if type(value) is not int or not low <= value <= high:
        raise FormatError(f"{where} is out of range")
    return value


def _parse_kdf(obj: Any) -> KdfParams:
    kdf = _fields(
        obj, "kdf", {"algorithm", "memory_kib", "iterations", "lanes", "salt"}
    )
    if kdf["algorithm"] != "argon2id":
        raise FormatError("kdf.algorithm is not argon2id")
    lanes = _int(kdf["lanes"], "kdf.lanes", 1, _MAX_LANES)
    memory = _int(kdf["memory_kib"], "kdf.memory_kib", *_KDF_LIMITS["memory_kib"])
    if memory < 8 * lanes:
        raise FormatError("kdf.memory_kib is out of range")
    iterations = _int(kdf["iterations"], "kdf.iterations", *_KDF_LIMITS["iterations"])
    salt = _bytes(kdf["salt"], "kdf.salt")
    return KdfParams(memory, iterations, lanes, salt)


_HEADER_FIELDS = {"format", "version", "mode", "store_id", "check", "records", "mac"}
_MODE_FIELDS = {"auto": {"key_id"}, "keyed": {"kdf"}, "none": {"fingerprint_key"}}
_CHECK_FIELDS = {"auto": {"nonce", "ciphertext"}, "none": {"mac"}}
_RECORD_META = {"provider", "created", "updated"}
_RECORD_SIZE = 5
_RECORD_SEALED = {"encrypted": ("nonce", "ciphertext"), "none": ("mac", "value")}


def _parse_version(doc: Any) -> None:
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise FormatError("it is not a tau-secrets store")
    version = doc.get("version")
    if version != VERSION or type(version) is not int:
        shown = version if type(version) is int else "?"
        raise VersionError(f"format version {shown}")


def _looks_encrypted(doc: dict[str, Any]) -> bool:
    check = doc.get("check")
    sealed_check = isinstance(check, dict) and "ciphertext" in check
    return "key_id" in doc or "kdf" in doc or sealed_check


def _parse_header(doc: dict[str, Any]) -> Header:
    mode = doc.get("mode")
    if mode not in MODES:
        raise FormatError("mode is not auto, keyed or none")
    if mode == "none" and _looks_encrypted(doc):
        raise DowngradeError("the header says 'none' but the file is encrypted")
    _fields(doc, "the header", _HEADER_FIELDS | _MODE_FIELDS[mode])
    check_fields = _CHECK_FIELDS["none" if mode == "none" else "auto"]
    check = _fields(doc["check"], "check", check_fields)
    return Header(
        mode=mode,
        store_id=_text(doc["store_id"], "store_id"),
        check={k: _bytes(v, f"check.{k}") for k, v in check.items()},
        key_id=_text(doc["key_id"], "key_id") if mode == "auto" else None,
        kdf=_parse_kdf(doc["kdf"]) if mode == "keyed" else None,
        fingerprint_key=(
            _bytes(doc["fingerprint_key"], "fingerprint_key")
            if mode == "none"
            else None
        ),
    )


def check_record(name: str, record: Record, plain: bool) -> None:
    """Check every field of a record, or raise :class:`FormatError`."""
    where = f"record {name!r}"
    if record.provider is not None:
        _text(record.provider, f"{where} provider", NAME_RE)
    _text(record.created, f"{where} created", _TIME_RE)
    _text(record.updated, f"{where} updated", _TIME_RE)
    _bytes(record.tag, f"{where} tag")
    if plain:
        if not isinstance(record.body, str):
            raise FormatError(f"{where} value is malformed")
    else:
        _bytes(record.body, f"{where} ciphertext")


def _records(raw: Any, plain: bool) -> dict[str, Record]:
    if not isinstance(raw, dict):
        raise FormatError("records is not an object")
    tag_key, body_key = _RECORD_SEALED["none" if plain else "encrypted"]
    if plain and any(isinstance(o, dict) and "ciphertext" in o for o in raw.values()):
        raise DowngradeError("the header says 'none' but records are encrypted")
    try:
        # Extra fields are caught by the size check, missing ones by KeyError,
        # non-objects by TypeError; one comprehension keeps 10,000 records fast.
        if any(len(obj) != _RECORD_SIZE for obj in raw.values()):
            raise TypeError
        return {
            name: Record(
                obj["provider"],
                obj["created"],
                obj["updated"],
                obj[tag_key],
                obj[body_key],
            )
            for name, obj in raw.items()
        }
    except (KeyError, TypeError):
        raise FormatError("a record does not have the expected fields") from None


def _split_mac(data: bytes, mac_text: Any) -> tuple[bytes, bytes]:
    """The signed part of the file and its MAC, which must end the file."""
    cut = data.rfind(MAC_MARK)
    tail = MAC_MARK + f'{mac_text}"}}\n'.encode("ascii", "replace")
    if cut < 0 or data[cut:] != tail:
        raise FormatError("the file does not end with its MAC")
    return data[:cut], _bytes(mac_text, "mac")


def load_document(data: bytes) -> Document:
    """Parse a store document, or raise :class:`FormatError` saying what is wrong.

    Records are checked only for shape here; their fields are checked when
    used (the file MAC already vouches for every byte of an encrypted store).
    """
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise FormatError("it is not valid JSON (truncated or edited?)") from None
    _parse_version(doc)
    header = _parse_header(doc)
    plain = header.mode == "none"
    records = _records(doc["records"], plain)
    if plain:
        for name, record in records.items():
            _text(name, "a record name", NAME_RE)
            check_record(name, record, plain)
    signed, mac = _split_mac(data, doc["mac"])
    return Document(header, records, signed, mac)
