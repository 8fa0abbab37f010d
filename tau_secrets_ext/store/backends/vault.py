"""VaultBackend: keys kept in OpenBao or HashiCorp Vault (KV version 2).

Each key is one KV secret at ``<mount>/<path>/<name>`` holding
``{"value": ..., "provider": ...}``; created and updated times come from the
KV metadata. Team keys live under read-only shared paths laid out the same
way. Names never contain ``/``, so the backend's own data lives in a
``.tau/`` sub-folder that can never clash with a name.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from ...core.errors import (
    BackendConfigError,
    BackendPermissionDenied,
    InvalidSecret,
    SecretNotFound,
    StoreCorrupted,
    StoreError,
)
from ...core.secret import Secret
from .._checks import check_provider
from .._validate import check_name, check_value
from ._vault_env import check_addr, clean_path, environment_settings
from ._vault_kv import KVClient
from .base import SecretBackend, SecretInfo

__all__ = ["NO_FINGERPRINT", "VaultBackend"]

log = logging.getLogger(__name__)

FINGERPRINT_KEY = ".tau/fingerprint-key"
_KV_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
#: Shown instead of a fingerprint where a path has no fingerprint key.
NO_FINGERPRINT = "-"


class VaultBackend(SecretBackend):
    """Secrets in a KV version 2 engine of OpenBao or HashiCorp Vault.

    >>> backend = VaultBackend.from_environment()  # doctest: +SKIP
    >>> backend.names()  # doctest: +SKIP
    ['openai']
    """

    description = "vault"

    def __init__(
        self,
        addr: str,
        token: str | Secret,
        *,
        mount: str = "secret",
        path: str,
        shared_paths: Iterable[str] = (),
        timeout: float = 5,
    ) -> None:
        token = token if isinstance(token, Secret) else Secret(token)
        if not token.reveal():
            raise BackendConfigError("the Vault token is empty")
        self.addr = check_addr(addr)
        self.mount = clean_path(mount, "vault mount")
        self.path = clean_path(path, "vault path")
        shared = (clean_path(p, "vault shared path") for p in shared_paths)
        self.shared_paths = tuple(dict.fromkeys(p for p in shared if p != self.path))
        self.timeout = float(timeout)
        self._token = token
        self._kv = KVClient(self.addr, token, self.mount, self.timeout)
        self._fingerprint_keys: dict[str, bytes] = {}

    @classmethod
    def from_environment(
        cls,
        *,
        mount: str = "secret",
        path_template: str = "tau/{user}",
        shared_paths: Iterable[str] = (),
        timeout: float = 5,
    ) -> VaultBackend:
        """Connect as the environment says: VAULT_ADDR, VAULT_TOKEN or a token file.

        ``{user}`` in ``path_template`` becomes $JUPYTERHUB_USER, else the OS
        user name.
        """
        addr, token, path = environment_settings(path_template)
        return cls(
            addr,
            token,
            mount=mount,
            path=path,
            shared_paths=shared_paths,
            timeout=timeout,
        )

    def __repr__(self) -> str:
        return (
            f"VaultBackend(addr={self.addr!r}, mount={self.mount!r}, "
            f"path={self.path!r}, shared_paths={list(self.shared_paths)!r})"
        )

    def sensitive_values(self) -> list[tuple[str, str]]:
        """(name, value) pairs the caller must register with the scrubber now."""
        return [("vault-token", self._token.reveal())]

    def source_of(self, path: str) -> str:
        """How :class:`SecretInfo` names a path: ``vault:`` or ``vault-shared:``."""
        kind = "vault" if path == self.path else "vault-shared"
        return f"{kind}:{self._kv.where(path)}"

    def set(self, name: str, value: str, *, provider: str | None = None) -> None:
        """Write ``value`` under ``name`` on the user's own path."""
        check_name(name)
        value = check_value(value, name)
        provider = check_provider(provider)

        where = f"{self.path}/{name}"
        record = {"value": value, "provider": provider}
        try:
            previous = self._kv.metadata(where)
        except BackendPermissionDenied:
            previous = None  # a write-only policy; the write says if it may
        if previous is not None:
            # Kept in the record so that info() needs one request, not two.
            record["created"] = previous["created_time"]
        self._kv.write(where, record)
        log.debug("wrote %s to %s", name, self.path)
        # Whoever writes a path gives it its fingerprint key, so that readers,
        # who may not write, find one (cached: only the first set pays). The
        # value is stored by now: a failure here must not report it lost.
        try:
            self._fingerprint_key(self.path)
        except StoreError:
            log.debug("fingerprint key of %s not created yet", self.path)

    def get(self, name: str) -> Secret:
        """Return the secret from the own path, else the first shared path."""
        path, reply = self._find(name)
        value = reply["data"].get("value")
        if not isinstance(value, str) or not value:
            raise StoreCorrupted(
                f"the Vault secret {self._kv.where(path)}/{name} has no 'value' "
                "field: write it as value=..."
            )
        return Secret(value)

    def delete(self, name: str) -> None:
        """Remove ``name`` with all its versions from the own path."""
        check_name(name)
        if self._kv.metadata(f"{self.path}/{name}") is None:
            shared = self._shared_holder(name)
            if shared is not None:
                raise BackendPermissionDenied(
                    f"{name!r} comes from the read-only shared path "
                    f"{self._kv.where(shared)}; only its owners can delete it"
                )
            raise SecretNotFound(self._not_found(name))

        self._kv.destroy(f"{self.path}/{name}")
        log.debug("deleted %s from %s", name, self.path)

    def names(self) -> list[str]:
        """Names on the own path and every shared path, sorted, each once."""
        merged: set[str] = set()
        for path in (self.path, *self.shared_paths):
            # Sub-folders (".tau/") and entries other tools wrote under names
            # this package refuses are not keys.
            merged.update(e for e in self._kv.list(path) if _is_name(e))
        return sorted(merged)

    def info(self, name: str) -> SecretInfo:
        """Provider, times, fingerprint and source of ``name``; never its value."""
        path, reply = self._find(name)
        data = reply["data"]
        provider = data.get("provider")

        return SecretInfo(
            name=name,
            provider=provider if isinstance(provider, str) and provider else None,
            created=_iso(self._created(path, name, reply)),
            updated=_iso(reply["metadata"]["created_time"]),
            fingerprint=self._fingerprint(path, data.get("value")),
            source=self.source_of(path),
        )

    def __contains__(self, name: object) -> bool:
        # One read where the key is, instead of listing every path.
        if not isinstance(name, str) or not _is_name(name):
            return False
        paths = (self.path, *self.shared_paths)
        return any(self._kv.read(f"{path}/{name}") is not None for path in paths)

    def _created(self, path: str, name: str, reply: dict[str, Any]) -> str:
        """When the first version was written (the current one's time is 'updated')."""
        version = reply["metadata"]
        if version.get("version") == 1:
            return str(version["created_time"])
        kept = reply["data"].get("created")
        if isinstance(kept, str) and _KV_TIME.match(kept):
            return kept
        # Overwritten by another tool, which kept no creation time.
        meta = self._kv.metadata(f"{path}/{name}") or version
        return str(meta["created_time"])

    def _find(self, name: str) -> tuple[str, dict[str, Any]]:
        check_name(name)
        for path in (self.path, *self.shared_paths):
            reply = self._kv.read(f"{path}/{name}")
            if reply is not None:
                return path, reply
        raise SecretNotFound(self._not_found(name))

    def _shared_holder(self, name: str) -> str | None:
        for path in self.shared_paths:
            if self._kv.read(f"{path}/{name}") is not None:
                return path
        return None

    def _not_found(self, name: str) -> str:
        places = (self._kv.where(p) for p in (self.path, *self.shared_paths))
        return f"no secret named {name!r} in {', '.join(places)}"

    def _fingerprint(self, path: str, value: object) -> str:
        key = self._fingerprint_key(path)
        if key is None or not isinstance(value, str):
            return NO_FINGERPRINT
        return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:8]

    def _fingerprint_key(self, path: str) -> bytes | None:
        """The path's HMAC key, created on the own path when it is missing.

        It lives beside the keys, so everyone who may read them sees the same
        fingerprints, and nobody else can test a guess against one.
        """
        if path in self._fingerprint_keys:
            return self._fingerprint_keys[path]

        where = f"{path}/{FINGERPRINT_KEY}"
        try:
            reply = self._kv.read(where)
            if reply is None and path == self.path:
                # only_new: of two kernels racing, one writes and both then
                # read the winner's key.
                fresh = {"key": secrets.token_urlsafe(32)}
                self._kv.write(where, fresh, only_new=True)
                reply = self._kv.read(where)
        except BackendPermissionDenied:
            # A policy that grants the keys but not the .tau/ folder: the
            # secrets stay usable, only without fingerprints.
            return None
        key = (reply or {}).get("data", {}).get("key")
        if not isinstance(key, str) or not key:
            return None

        self._fingerprint_keys[path] = key.encode("utf-8")
        return self._fingerprint_keys[path]


def _is_name(entry: str) -> bool:
    try:
        check_name(entry)
    except InvalidSecret:
        return False
    return True


def _iso(stamp: str) -> str:
    """A KV time (nanoseconds, 'Z') in the file store's form: whole seconds, UTC."""
    whole = stamp.partition(".")[0].rstrip("Z")
    moment = datetime.strptime(whole, "%Y-%m-%dT%H:%M:%S")
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
