"""Per-shell state: the settings, the open backend, where each key came from.

Every value this module touches is registered with the process scrubber at
the moment it is seen: store secrets when the store becomes readable, values
set or resolved later when they are set or resolved.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

from ..core.errors import InvalidSecret, SecretNotFound, StoreError, StoreLocked
from ..core.secret import Secret
from ..scrub.providers import (
    KEY_PATTERNS,
    env_vars_for,
    environment_secrets,
    provider_for,
)
from ..store._validate import check_name, check_value
from ..store.backends.base import SecretBackend
from .api import scrubber
from .config import STORE_TRAITS, TauSecrets

__all__ = ["Resolved", "TauState", "get_state"]

log = logging.getLogger(__name__)

_ATTR = "_tau_secrets_state"
_BACKENDS = ("file", "vault")


def get_state(shell: Any) -> TauState | None:
    """Return the state attached to ``shell`` by the extension, if loaded."""
    return getattr(shell, _ATTR, None) if shell is not None else None


@dataclass(frozen=True)
class Resolved:
    """A key found for a name, and where it was found."""

    name: str
    secret: Secret
    provider: str | None
    source: str  # "store", "vault:...", or "env:VAR"

    def __repr__(self) -> str:
        return f"Resolved(name={self.name!r}, source={self.source!r})"


class TauState:
    """Settings, backend and key sources of one IPython shell."""

    def __init__(self, shell: Any) -> None:
        self.shell = shell
        self.config = TauSecrets(parent=shell)
        self.scrubber = scrubber()
        if shell is not None:
            # A state on no shell (get_secret outside IPython) has no
            # settings of its own to impose on the process scrubber.
            self.config.apply_to(self.scrubber)
        #: Names resolved from the environment this session -> the variable.
        self.env_sources: dict[str, str] = {}
        self._backend: SecretBackend | None = None
        self._locked = False
        self.config.observe(self._store_setting_changed, names=list(STORE_TRAITS))

    def attach(self) -> None:
        """List the settings in ``%config`` and make the state findable."""
        if self.config not in self.shell.configurables:
            self.shell.configurables.append(self.config)
        setattr(self.shell, _ATTR, self)

    def detach(self) -> None:
        """Undo :meth:`attach` and close the backend."""
        if self.config in self.shell.configurables:
            self.shell.configurables.remove(self.config)
        if get_state(self.shell) is self:
            setattr(self.shell, _ATTR, None)
        self._backend = None

    def _store_setting_changed(self, change: Any) -> None:
        # The next use opens the backend again with the new settings.
        self._backend = None
        log.debug("store setting %s changed", change["name"])

    # -- registration ------------------------------------------------------

    def register(self, value: str, name: str) -> bool:
        """Register ``value`` for masking; False (logged) if it is refused."""
        try:
            return self.scrubber.register(value, name)
        except InvalidSecret as exc:
            log.debug("not masking %s: %s", name, exc)
            return False

    def register_environment(self) -> None:
        """Mask provider keys, platform tokens and the passphrase in the env."""
        for name, value in environment_secrets(os.environ):
            self.register(value, name)

    def register_stored(self) -> int:
        """Register every secret of the backend; return how many were read."""
        backend = self.backend()
        names = backend.names()
        for name in names:
            self.register(backend.get(name).reveal(), name)
        log.debug("registered %d stored secrets", len(names))
        return len(names)

    def load(self) -> None:
        """At extension load: register what is readable, without failing."""
        self.register_environment()
        try:
            self.register_stored()
        except StoreLocked:
            log.debug("store is locked; secrets are registered at unlock")
        except StoreError as exc:
            # The magics report the same error when the user needs the store.
            log.debug("store not readable at load: %s", exc)

    # -- the backend -------------------------------------------------------

    @property
    def backend_kind(self) -> str:
        """'file' or 'vault', from the trait, else $TAU_SECRETS_BACKEND."""
        kind = self.config.backend or os.environ.get("TAU_SECRETS_BACKEND", "")
        kind = kind.strip().lower() or "file"
        if kind not in _BACKENDS:
            raise StoreError(
                "TAU_SECRETS_BACKEND must be 'file' or 'vault'; "
                "set it or c.TauSecrets.backend to one of them"
            )
        return kind

    def backend(self) -> SecretBackend:
        """Return the open backend, opening it on first use."""
        if self._locked:
            raise StoreLocked("the store is locked; run %tau_unlock to use it")
        if self._backend is None:
            if self.backend_kind == "vault":
                self._backend = self._open_vault()
            else:
                self._backend = self._open_store(None)
        return self._backend

    def _open_store(self, passphrase: str | None) -> SecretBackend:
        from ..store.store import SecretStore

        cfg = self.config
        return SecretStore.open(
            cfg.store_path or None,
            encryption=cfg.encryption or None,
            passphrase=passphrase,
            strict_permissions=cfg.strict_permissions,
        )

    def _open_vault(self) -> SecretBackend:
        from ..store.backends.vault import VaultBackend

        cfg = self.config
        vault = VaultBackend.from_environment(
            mount=cfg.vault_mount,
            path_template=cfg.vault_path,
            shared_paths=tuple(cfg.vault_shared_paths),
            timeout=cfg.vault_timeout,
        )
        for name, value in vault.sensitive_values():
            self.register(value, name)
        return vault

    def store_mode(self) -> str:
        """The file store's mode ('auto', 'keyed', 'none'), or 'vault'."""
        if self.backend_kind == "vault":
            return "vault"
        from ..store.store import SecretStore

        configured = self.config.encryption or os.environ.get(
            "TAU_SECRETS_ENCRYPTION", ""
        )
        path = self.config.store_path or None
        return configured.lower() or SecretStore.peek_mode(path) or "auto"

    def unlock(self, passphrase: str | None) -> int:
        """Open a keyed store with ``passphrase``; register and count its secrets."""
        if passphrase:
            self.register(passphrase, "passphrase")
        store = self._open_store(passphrase)
        self._backend, self._locked = store, False
        return self.register_stored()

    def lock(self) -> None:
        """Forget the open store and its derived key until the next unlock."""
        self._backend, self._locked = None, True

    # -- keys --------------------------------------------------------------

    def extra_providers(self) -> dict[str, Any]:
        """Configured providers, for the provider lookups."""
        return self.config.extra_providers()

    def check_name(self, name: str) -> str:
        """Refuse bad names, and a key pasted where its name belongs.

        A name shows in status lines and in the mask itself, so a key used as
        a name is registered at once and refused.
        """
        check_name(name)
        if any(pattern.fullmatch(name) for pattern in KEY_PATTERNS):
            self.register(name, "pasted-key")
            raise InvalidSecret(
                "that looks like a key, not a name; it is now masked. "
                "Use a name such as 'openai'"
            )
        return name

    def check_provider(self, provider: str | None) -> str | None:
        """Return the provider's canonical name; a clear error if unknown."""
        if provider is None:
            return None
        known = provider_for(provider, self.extra_providers())
        if known is None:
            raise InvalidSecret(
                f"unknown provider {provider!r}; use a known provider or add it "
                "to c.TauSecrets.providers"
            )
        return known.name

    def set(self, name: str, value: str, provider: str | None) -> str:
        """Register and store ``value``; return the status line."""
        self.check_name(name)
        check_value(value, name)
        provider = self.check_provider(provider)
        # Masked first: whatever fails next, the value is already safe to show.
        self.scrubber.register(value, name)
        backend = self.backend()
        backend.set(name, value, provider=provider)
        info = backend.info(name)
        return f"{name}: stored ({backend.description}, fingerprint {info.fingerprint})"

    def env_vars(self, name: str, provider: str | None) -> tuple[str, ...]:
        """The variables a key named ``name`` is exported as."""
        return env_vars_for(provider or name, self.extra_providers())

    def resolve(self, name: str) -> Resolved:
        """Find the key for ``name``: backend first, then provider variables."""
        self.check_name(name)
        locked: StoreLocked | None = None
        try:
            found = self._resolve_stored(name)
        except StoreLocked as exc:
            locked, found = exc, None
        if found is not None:
            return found
        found_env = self._resolve_env(name)
        if found_env is not None:
            return found_env
        if locked is not None:
            raise locked
        variables = " or ".join(self.env_vars(name, None))
        raise SecretNotFound(
            f"{name}: no key in the store or in {variables}; "
            f"run %tau_setkey {name} first"
        )

    def _resolve_stored(self, name: str) -> Resolved | None:
        backend = self.backend()
        try:
            # get first: one read when the key is there (a remote round trip
            # less than asking for the names).
            secret = backend.get(name)
        except SecretNotFound:
            return None
        self.register(secret.reveal(), name)
        info = backend.info(name)
        return Resolved(name, secret, info.provider, info.source)

    def _resolve_env(self, name: str) -> Resolved | None:
        for var in self.env_vars(name, None):
            value = os.environ.get(var, "")
            if value:
                self.register(value, name)
                self.env_sources[name] = var
                provider = provider_for(name, self.extra_providers())
                kind = provider.name if provider else None
                return Resolved(name, Secret(value), kind, f"env:{var}")
        return None

    def export(self, found: Resolved, env: str | None) -> tuple[str, ...]:
        """Set the provider's variables (or ``env``) to the key; return them."""
        variables = (env,) if env else self.env_vars(found.name, found.provider)
        for var in variables:
            os.environ[var] = found.secret.reveal()
        return variables
