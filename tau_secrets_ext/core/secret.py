"""Secret: a string holder that never shows its value."""

from __future__ import annotations

import hmac
from typing import Any, NoReturn

__all__ = ["MASK", "Secret"]

MASK = "Secret('********')"


class Secret:
    """Holds a secret string; every way of displaying it shows a fixed mask.

    The mask is the same for every value, so it reveals neither the value
    nor its length. Call :meth:`reveal` to get the string itself.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError(f"Secret holds a str, not {type(value).__name__}")
        self._value = value

    def reveal(self) -> str:
        """Return the secret string."""
        return self._value

    def __repr__(self) -> str:
        return MASK

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return MASK

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(MASK)

    def _repr_html_(self) -> str:
        return f"<code>{MASK}</code>"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(
            self._value.encode("utf-8"), other._value.encode("utf-8")
        )

    # Equal secrets would need equal hashes, and a hash of the value lets a
    # dict probe confirm a guess cheaply: a Secret is simply unhashable.
    __hash__ = None  # type: ignore[assignment]

    def __bool__(self) -> bool:
        return True

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        raise TypeError("a Secret cannot be pickled; store it with SecretStore")

    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Secret:
        return self
