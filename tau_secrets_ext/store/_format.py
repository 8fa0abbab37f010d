"""The store's on-disk format: one versioned JSON document, and how it is written.

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
and ``ciphertext``, and the check is a MAC. Reading is in ``_parse``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ..core.crypto import KdfParams, b64encode

__all__ = [
    "FORMAT",
    "MAC_MARK",
    "MODES",
    "NAME_RE",
    "VERSION",
    "Document",
    "DowngradeError",
    "FormatError",
    "Header",
    "Record",
    "VersionError",
    "dump_document",
    "header_ad",
    "record_ad",
    "record_json",
]

FORMAT = "tau-secrets"
VERSION = 1
MODES = ("auto", "keyed", "none")
NAME_RE = re.compile(r"[A-Za-z0-9_.-]{1,64}", re.ASCII)
#: Marks the start of the file MAC, the last field of every store file.
MAC_MARK = b',"mac":"'


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
    return signed + MAC_MARK + b64encode(sign(signed)).encode("ascii") + b'"}\n'
