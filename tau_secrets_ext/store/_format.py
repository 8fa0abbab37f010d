"""The store's on-disk format: one versioned JSON document, strictly parsed.

Layout (see docs/store.md)::

    {"format": "tau-secrets", "version": 1, "mode": "auto",
     "store_id": ..., "key_id": ...,          # auto
     "kdf": {...},                            # keyed
     "fingerprint_key": ...,                  # none
     "check": {...},
     "records": {"NAME": {"provider": ..., "created": ..., "updated": ...,
                          "nonce": ..., "ciphertext": ...}},
     "mac": ...}                              # over all bytes before it

In ``none`` stores a record holds ``value`` and ``mac`` instead of ``nonce``
and ``ciphertext``, and the check is a MAC. Parsing accepts exactly this
shape: an unknown, missing or duplicated field is an error, and binary
fields must be canonical base64, so no edit can go unnoticed by accident.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ..core.crypto import KdfParams, b64decode, b64encode

__all__ = [
    "FORMAT",
    "MODES",
    "NAME_RE",
    "VERSION",
    "Document",
    "DowngradeError",
    "FormatError",
    "Header",
    "Record",
    "VersionError",
    "check_record",
    "dump_document",
    "header_ad",
    "load_document",
    "record_ad",
    "record_json",
]

FORMAT = "tau-secrets"
VERSION = 1
MODES = ("auto", "keyed", "none")
NAME_RE = re.compile(r"[A-Za-z0-9_.-]{1,64}", re.ASCII)
_TIME_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", re.ASCII)
_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,64}", re.ASCII)
# Bounds keep a hostile header from making the KDF take minutes or gigabytes
# before the check can fail.
_KDF_LIMITS = {"memory_kib": (8, 4 * 1024 * 1024), "iterations": (1, 64)}
_MAX_LANES = 64


class FormatError(ValueError):
    """The document does not have the store's shape; the text says where."""


class VersionError(FormatError):
    """The document is a store of a format version this code cannot read."""


class DowngradeError(FormatError):
    """The header says ``none`` but the document still shows encryption."""


@dataclass(frozen=True)
class Header:
    """Everything in the document except the records."""

    mode: str
    store_id: str
    check: dict[str, bytes] = field(repr=False)
    key_id: str | None = None
    kdf: KdfParams | None = None
    fingerprint_key: bytes | None = field(default=None, repr=False)


class Record(NamedTuple):
    """One stored secret, sealed, with its fields as they appear in the file.

    In encrypted stores ``tag`` is the base64 AES-GCM nonce and ``body`` the
    base64 ciphertext; in ``none`` stores ``tag`` is a base64 HMAC and
    ``body`` the value itself, which is why neither is shown in the repr.
    A named tuple because a store builds one per record on every load.
    """

    provider: str | None
    created: str
    updated: str
    tag: str
    body: str

    def __repr__(self) -> str:
        return (
            f"Record(provider={self.provider!r}, created={self.created!r}, "
            f"updated={self.updated!r})"
        )


@dataclass(frozen=True)
class Document:
    """A parsed store file: header, records, and the MAC over the rest."""

    header: Header
    records: dict[str, Record] = field(repr=False)
    signed: bytes = field(repr=False)
    mac: bytes = field(repr=False)


def header_ad(header: Header) -> bytes:
    """The canonical bytes of the header that its check authenticates."""
    kdf = header.kdf
    kdf_text = (
        f"argon2id:{kdf.memory_kib}:{kdf.iterations}:{kdf.lanes}:{b64encode(kdf.salt)}"
        if kdf
        else ""
    )
    fp = b64encode(header.fingerprint_key) if header.fingerprint_key else ""
    parts = [f"{FORMAT}/{VERSION}/header", header.mode, header.store_id]
    parts += [header.key_id or "", kdf_text, fp]
    return "\n".join(parts).encode("ascii")


def record_ad(store_id: str, name: str, record: Record) -> bytes:
    """The associated data that binds a record to its store, place and metadata."""
    parts = [f"{FORMAT}/{VERSION}/record", store_id, name, record.provider or ""]
    parts += [record.created, record.updated]
    return "\n".join(parts).encode("ascii")


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
_MAC_MARK = b',"mac":"'
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
    cut = data.rfind(_MAC_MARK)
    tail = _MAC_MARK + f'{mac_text}"}}\n'.encode("ascii", "replace")
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


def _header_json(header: Header) -> dict[str, Any]:
    doc: dict[str, Any] = {"format": FORMAT, "version": VERSION}
    doc.update(mode=header.mode, store_id=header.store_id)
    if header.key_id is not None:
        doc["key_id"] = header.key_id
    if header.kdf is not None:
        kdf = header.kdf
        doc["kdf"] = {"algorithm": "argon2id", "memory_kib": kdf.memory_kib}
        doc["kdf"].update(iterations=kdf.iterations, lanes=kdf.lanes)
        doc["kdf"]["salt"] = b64encode(kdf.salt)
    if header.fingerprint_key is not None:
        doc["fingerprint_key"] = b64encode(header.fingerprint_key)
    doc["check"] = {k: b64encode(v) for k, v in header.check.items()}
    return doc


def record_json(name: str, record: Record, plain: bool) -> str:
    """One record as the JSON text of a ``"name": {...}`` member.

    Built by hand because it runs for every record on every write: names,
    providers, times and base64 never need JSON escaping (their patterns
    exclude quotes and backslashes); only a plaintext value goes through json.
    """
    provider = "null" if record.provider is None else f'"{record.provider}"'
    if plain:
        sealed = f'"mac":"{record.tag}","value":{json.dumps(record.body)}'
    else:
        sealed = f'"nonce":"{record.tag}","ciphertext":"{record.body}"'
    return (
        f'"{name}":{{"provider":{provider},"created":"{record.created}",'
        f'"updated":"{record.updated}",{sealed}}}'
    )


def dump_document(
    header: Header, members: Iterable[str], sign: Callable[[bytes], bytes]
) -> bytes:
    """The whole file: header, pre-serialised record members, then the MAC."""
    head = json.dumps(_header_json(header), separators=(",", ":"))
    text = head[:-1] + ',"records":{' + ",".join(members) + "}"
    signed = text.encode("utf-8")
    return signed + _MAC_MARK + b64encode(sign(signed)).encode("ascii") + b'"}\n'
