"""The encoded forms a secret can take in output.

Each form is a literal string to look for. Base64 forms are the stable middle
of the encoding: the characters that depend only on the secret's bytes, so
whatever bytes surround the secret inside the encoded blob, the middle is
the same.
"""

from __future__ import annotations

import base64
import html
import json
import re
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import quote, quote_plus

__all__ = ["B64_STD", "B64_URL", "Forms", "Variant", "forms"]

_DIGITS = "0123456789"
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
B64_STD = frozenset(_LETTERS + _DIGITS + "+/")
B64_URL = frozenset(_LETTERS + _DIGITS + "-_")

_PERCENT = re.compile(r"%[0-9A-F]{2}")


@dataclass(frozen=True)
class Variant:
    """One literal form of a secret.

    ``left`` and ``right`` are the base64 alphabets of a partly encoded
    character that may sit just outside the literal (empty: none); that
    character, and ``=`` padding after it, is masked with the literal.
    """

    text: str
    left: frozenset[str] = frozenset()
    right: frozenset[str] = frozenset()


def _utf8(value: str) -> bytes:
    # Lone surrogates cannot be UTF-8; encode them as Python itself would
    # write them to a byte stream with surrogatepass.
    return value.encode("utf-8", "surrogatepass")


def _json_bodies(value: str) -> set[str]:
    return {json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}


def _repr_bodies(value: str) -> set[str]:
    # repr() picks its quote from the content; adding both quote characters
    # forces single quotes, adding only one forces double quotes.
    bodies = {repr(value + "'\"")[1:-4], ascii(value + "'\"")[1:-4]}
    if '"' not in value:
        bodies |= {repr(value + "'")[1:-2], ascii(value + "'")[1:-2]}
    return bodies


def _url_bodies(value: str) -> set[str]:
    forms = {
        quote(value, safe=""),
        quote(value, safe="/"),
        quote_plus(value, safe=""),
        quote_plus(value, safe="/"),
    }
    return forms | {_PERCENT.sub(lambda m: m.group().lower(), f) for f in forms}


def _text_escapes(value: str) -> set[str]:
    """Forms of ``value`` as escaped text, with one level of JSON nesting."""
    first = _json_bodies(value) | _repr_bodies(value)
    nested: set[str] = set()
    for form in first:
        nested |= _json_bodies(form)
    first |= {html.escape(value, quote=True), html.escape(value, quote=False)}
    first |= _url_bodies(value)
    return first | nested


def _base64_middles(data: bytes) -> list[Variant]:
    found = []
    for align in range(3):
        # Character i covers bits [6i, 6i+6); the secret covers bits
        # [8*align, 8*align + 8*len). Keep the characters inside it.
        first = -(-8 * align // 6)
        stop = (8 * align + 8 * len(data)) // 6
        encoded = base64.b64encode(bytes(align) + data + bytes(3)).decode()
        middle = encoded[first:stop]
        if not middle:
            continue
        partial_left = (8 * align) % 6 != 0
        partial_right = (8 * (align + len(data))) % 6 != 0
        for alphabet, text in (
            (B64_STD, middle),
            (B64_URL, middle.replace("+", "-").replace("/", "_")),
        ):
            found.append(
                Variant(
                    text,
                    alphabet if partial_left else frozenset(),
                    alphabet if partial_right else frozenset(),
                )
            )
    return found


class Forms(NamedTuple):
    """Everything to look for for one secret, computed once at registration."""

    variants: tuple[Variant, ...]
    sources: tuple[str, ...]


def forms(value: str) -> Forms:
    """The literal forms of ``value`` and the sources of its partial runs.

    Forms come exact first, without repeats; a run of a source at least the
    partial length long counts as partial exposure.
    """
    data = _utf8(value)
    texts = (value, *sorted(_text_escapes(value) - {value}))
    found = [Variant(t) for t in texts]
    found += [Variant(data.hex()), Variant(data.hex().upper())]
    found += _base64_middles(data)

    unique: dict[str, Variant] = {}
    for variant in found:
        unique.setdefault(variant.text, variant)
    return Forms(tuple(unique.values()), texts)
