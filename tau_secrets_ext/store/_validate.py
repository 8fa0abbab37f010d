"""The rules every backend applies to secret names and values.

One place, so that the file store and the Vault backend refuse exactly the
same input with exactly the same reasons. Messages describe the rule that was
broken, never the value.
"""

from __future__ import annotations

import re

from ..core.errors import InvalidSecret
from ..core.secret import Secret

__all__ = ["MAX_NAME_LENGTH", "MAX_VALUE_BYTES", "check_name", "check_value"]

MAX_NAME_LENGTH = 64
MAX_VALUE_BYTES = 64 * 1024

_NAME = re.compile(rf"[A-Za-z0-9_.-]{{1,{MAX_NAME_LENGTH}}}")


def check_name(name: object) -> str:
    """Return ``name`` if it is a valid secret name, else raise ``InvalidSecret``."""
    if not isinstance(name, str):
        raise InvalidSecret(f"a secret name must be a str, not {type(name).__name__}")
    if _NAME.fullmatch(name) is None:
        raise InvalidSecret(f"invalid secret name: {_name_problem(name)}")
    return name


def _name_problem(name: str) -> str:
    # A refused name is never echoed: it may be a key pasted in the wrong place.
    if not name:
        return "it is empty"
    if len(name) > MAX_NAME_LENGTH:
        return f"it is longer than {MAX_NAME_LENGTH} characters"
    bad = next(ch for ch in name if _NAME.fullmatch(ch) is None)
    return f"it contains {bad!r}; use letters, digits, '_', '.' or '-'"


def check_value(value: object, name: str = "") -> str:
    """Return the value to store (a ``Secret`` revealed), else raise ``InvalidSecret``.

    The message names the secret and the broken rule, never the value or its
    length.
    """
    if isinstance(value, Secret):
        value = value.reveal()
    label = f"secret {name!r}" if name else "secret"
    if not isinstance(value, str):
        raise InvalidSecret(
            f"the value of {label} must be a str, not {type(value).__name__}"
        )
    if not value:
        raise InvalidSecret(f"the value of {label} is empty")
    if value != value.strip():
        raise InvalidSecret(
            f"the value of {label} has leading or trailing whitespace; "
            "strip it before storing"
        )
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError:
        raise InvalidSecret(f"the value of {label} is not valid Unicode text") from None
    if size > MAX_VALUE_BYTES:
        raise InvalidSecret(f"the value of {label} is longer than 64 KiB")
    return value
