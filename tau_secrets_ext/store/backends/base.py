"""The interface every place that keeps secrets implements.

The file store (:class:`tau_secrets_ext.store.store.SecretStore`) and the
Vault-compatible backend both follow it, and one contract test suite runs
against both.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from ...core.secret import Secret

__all__ = ["SecretBackend", "SecretInfo"]


@dataclass(frozen=True)
class SecretInfo:
    """What may be shown about a stored secret: everything but its value."""

    name: str
    provider: str | None
    created: str  # ISO 8601, UTC
    updated: str  # ISO 8601, UTC
    fingerprint: str  # keyed hash: useless without the store
    source: str  # where it lives, e.g. "store" or "vault:secret/tau/alice"


class SecretBackend(ABC):
    """A named collection of secrets."""

    #: Short word for status lines: "encrypted", "plaintext", "vault".
    description: str = ""

    @abstractmethod
    def set(self, name: str, value: str, *, provider: str | None = None) -> None:
        """Store ``value`` under ``name``, replacing any previous value."""

    @abstractmethod
    def get(self, name: str) -> Secret:
        """Return the secret, or raise ``SecretNotFound``."""

    @abstractmethod
    def delete(self, name: str) -> None:
        """Remove the secret, or raise ``SecretNotFound``."""

    @abstractmethod
    def names(self) -> list[str]:
        """Return the stored names, sorted."""

    @abstractmethod
    def info(self, name: str) -> SecretInfo:
        """Return what may be shown about the secret, or raise ``SecretNotFound``."""

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self.names()
