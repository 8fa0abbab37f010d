"""Scrubber: mask registered secrets, their encoded forms and known key formats.

>>> s = Scrubber()
>>> s.register("correct horse battery staple", "db")
True
>>> s.scrub("password: correct horse battery staple")
'password: [REDACTED:db]'

Registration may happen on any thread while another scrubs: each scrub uses
one compiled snapshot, rebuilt after a change and swapped in whole.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import NamedTuple

from ..core.errors import InvalidSecret
from . import providers
from ._matcher import PATTERN, Matcher, Span
from ._stream import StreamScrubber
from ._variants import Forms, forms

__all__ = ["Finding", "Scrubber", "StreamScrubber"]

log = logging.getLogger(__name__)

#: The name a key-format match is reported and masked under.
PATTERN_NAME = "pattern"


class Finding(NamedTuple):
    """Where a secret (by name) or a key format ("pattern") occurs in a text."""

    name: str
    start: int
    end: int


class Snapshot(NamedTuple):
    """A compiled matcher and the masks it was built for."""

    version: int
    matcher: Matcher
    names: tuple[str, ...]
    masks: tuple[str, ...]
    pattern_mask: str

    def mask_for(self, secret: int) -> str:
        """The replacement text for secret number ``secret``, or for a pattern."""
        return self.pattern_mask if secret == PATTERN else self.masks[secret]

    def name_for(self, secret: int) -> str:
        """The name to report for secret number ``secret``, or for a pattern."""
        return PATTERN_NAME if secret == PATTERN else self.names[secret]

    def apply(self, text: str, spans: list[Span]) -> str:
        """``text`` with each span replaced by its mask."""
        if not spans:
            return text
        parts, pos = [], 0
        for span in spans:
            parts += [text[pos : span.start], self.mask_for(span.secret)]
            pos = span.end
        parts.append(text[pos:])
        return "".join(parts)


def _check_mask(mask: object) -> str:
    if not isinstance(mask, str) or not mask.strip():
        raise ValueError("the mask must be a non-empty str")
    try:
        mask.format(name="x")
    except (KeyError, IndexError, ValueError):
        raise ValueError("the mask may use only the field '{name}'") from None
    return mask


def _check_int(value: object, what: str, lowest: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < lowest:
        raise ValueError(f"{what} must be an int of at least {lowest}")
    return value


class Scrubber:
    """Registered secrets and the compiled matcher that masks them in text."""

    def __init__(
        self,
        *,
        mask: str = "[REDACTED:{name}]",
        min_length: int = 8,
        partial_length: int = 16,
        patterns: bool = True,
    ) -> None:
        self._lock = threading.RLock()
        # value -> (name, forms); insertion order is the secret's index.
        self._secrets: dict[str, tuple[str, Forms]] = {}
        self._callbacks: list[Callable[[], None]] = []
        self._version = 0
        self._snapshot: Snapshot | None = None
        self._mask = _check_mask(mask)
        self._min_length = _check_int(min_length, "min_length", 1)
        self._partial_length = _check_int(partial_length, "partial_length", 0)
        self._patterns = bool(patterns)

    def __repr__(self) -> str:
        return f"<Scrubber: {len(self)} secrets, version {self._version}>"

    def __len__(self) -> int:
        return len(self._secrets)

    def __contains__(self, value: object) -> bool:
        return isinstance(value, str) and value in self._secrets

    @property
    def version(self) -> int:
        """Increases on every registration and every setting change."""
        return self._version

    @property
    def mask(self) -> str:
        """Replacement text; ``{name}`` becomes the secret's name."""
        return self._mask

    @mask.setter
    def mask(self, value: str) -> None:
        self._set("_mask", _check_mask(value))

    @property
    def min_length(self) -> int:
        """Shortest value register() accepts."""
        return self._min_length

    @min_length.setter
    def min_length(self, value: int) -> None:
        self._set("_min_length", _check_int(value, "min_length", 1))

    @property
    def partial_length(self) -> int:
        """Shortest run of a secret's characters that is masked; 0 disables."""
        return self._partial_length

    @partial_length.setter
    def partial_length(self, value: int) -> None:
        self._set("_partial_length", _check_int(value, "partial_length", 0))

    @property
    def patterns(self) -> bool:
        """Whether well-known key formats are masked as ``[...:pattern]``."""
        return self._patterns

    @patterns.setter
    def patterns(self, value: bool) -> None:
        self._set("_patterns", bool(value))

    def _set(self, attribute: str, value: object) -> None:
        with self._lock:
            if getattr(self, attribute) != value:
                setattr(self, attribute, value)
                self._version += 1

    def register(self, value: str, name: str) -> bool:
        """Mask ``value`` from now on, as the mask for ``name``; True if new."""
        self._check_value(value, name)
        if value in self._secrets:
            return False
        found = forms(value)
        with self._lock:
            if value in self._secrets:
                return False
            self._secrets[value] = (name, found)
            self._version += 1
            callbacks = list(self._callbacks)
        log.debug("registered a secret named %r", name)
        for callback in callbacks:
            try:
                callback()
            except Exception as exc:
                # Type only: an exception's text may quote the secret.
                log.debug("on_register callback failed: %s", type(exc).__name__)
        return True

    def _check_value(self, value: object, name: object) -> None:
        if not isinstance(name, str) or not name:
            raise InvalidSecret("a secret needs a non-empty str name")
        if not isinstance(value, str):
            kind = type(value).__name__
            raise InvalidSecret(f"the secret {name!r} must be a str, not {kind}")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidSecret(
                f"the secret {name!r} contains a lone surrogate, which is not text"
            ) from None
        if not value.strip():
            raise InvalidSecret(f"the secret {name!r} is empty or only whitespace")
        if len(value) < self._min_length:
            raise InvalidSecret(
                f"the secret {name!r} is shorter than {self._min_length} "
                "characters; masking it would mangle ordinary text"
            )
        for mask in (self._mask.format(name=name), self._pattern_mask()):
            if mask in value or value in mask:
                raise InvalidSecret(
                    f"the secret {name!r} contains or is part of the mask text; "
                    "masking it would mangle every mask"
                )

    def on_register(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` after each new registration."""
        with self._lock:
            self._callbacks.append(callback)

    def scrub(self, text: str) -> str:
        """``text`` with every secret, variant and key format masked."""
        if not isinstance(text, str):
            raise TypeError(f"scrub() needs a str, not {type(text).__name__}")
        snapshot = self._snapshot
        if snapshot is None or snapshot.version != self._version:
            snapshot = self.snapshot()
        spans = snapshot.matcher.find(text)
        return snapshot.apply(text, spans) if spans else text

    def find(self, text: str) -> list[Finding]:
        """Where secrets and key formats occur in ``text``, in order."""
        snapshot = self.snapshot()
        return [
            Finding(snapshot.name_for(s.secret), s.start, s.end)
            for s in snapshot.matcher.find(text)
        ]

    def stream(self) -> StreamScrubber:
        """A scrubber for text that arrives in pieces (one per output stream)."""
        return StreamScrubber(self.snapshot)

    def snapshot(self) -> Snapshot:
        """The compiled state for the current secrets and settings."""
        snapshot = self._snapshot
        if snapshot is not None and snapshot.version == self._version:
            return snapshot
        with self._lock:
            snapshot = self._snapshot
            if snapshot is None or snapshot.version != self._version:
                snapshot = self._build()
                self._snapshot = snapshot
            return snapshot

    def _pattern_mask(self) -> str:
        return self._mask.format(name=PATTERN_NAME)

    def _build(self) -> Snapshot:
        names = tuple(name for name, _ in self._secrets.values())
        masks = tuple(self._mask.format(name=n) for n in names)
        pattern_mask = self._pattern_mask()
        formats = providers.PATTERN_PREFIXES if self._patterns else {}
        unanchored = [p for p in providers.KEY_PATTERNS if p not in formats]
        matcher = Matcher(
            [found for _, found in self._secrets.values()],
            partial_length=self._partial_length,
            formats=formats,
            unanchored=unanchored if self._patterns else (),
            reserved=(*set(masks), pattern_mask),
        )
        return Snapshot(self._version, matcher, names, masks, pattern_mask)
