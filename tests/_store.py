"""Helpers for the store tests: cheap KDF costs, values, file snapshots."""

from __future__ import annotations

import base64
import binascii
import secrets
import urllib.parse
import warnings
from pathlib import Path

from tau_secrets_ext.core import crypto
from tau_secrets_ext.store.store import SecretStore

#: Argon2id costs low enough for hundreds of opens; one test uses the defaults.
CHEAP_KDF = crypto.KdfParams(memory_kib=64, iterations=1, lanes=1)
MODES = ("auto", "keyed", "none")
ENCRYPTED = ("auto", "keyed")


def value(tag: str = "v") -> str:
    """A random value that no real provider issues."""
    return f"tau-{tag}-" + secrets.token_urlsafe(24)


def passphrase() -> str:
    """A random passphrase, long enough to be accepted."""
    return "tau-pass-" + secrets.token_urlsafe(12)


def open_store(
    path: Path | None, mode: str | None, pw: str | None = None
) -> SecretStore:
    """Open quietly (mode none warns on every open) with the given mode."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return SecretStore.open(path, encryption=mode, passphrase=pw)


def snapshot(folder: Path) -> dict[str, bytes]:
    """The bytes of every store and key file in ``folder`` (not the lock)."""
    return {
        p.name: p.read_bytes()
        for p in sorted(folder.iterdir())
        if p.is_file() and not p.is_symlink() and not p.name.endswith(".lock")
    }


def encoded_forms(text: str) -> list[bytes]:
    """The value and the encodings under which it could hide in a file."""
    raw = text.encode("utf-8")
    forms = [
        raw,
        base64.b64encode(raw),
        base64.urlsafe_b64encode(raw),
        base64.b64encode(raw).rstrip(b"="),
        binascii.hexlify(raw),
        binascii.hexlify(raw).upper(),
        urllib.parse.quote(text, safe="").encode("ascii"),
        urllib.parse.quote_plus(text).encode("ascii"),
    ]
    # The stable middle of base64 at each byte alignment, as a scrubber would.
    for shift in range(3):
        middle = base64.b64encode(raw[shift:])[4:-4]
        if len(middle) >= 8:
            forms.append(middle)
    return forms
