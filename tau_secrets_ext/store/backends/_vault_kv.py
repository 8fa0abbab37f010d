"""A thin KV version 2 client: one method per request, each failure one line.

The only module that imports ``hvac``. Every server or network error is
translated in :meth:`KVClient._send` into a ``StoreError`` whose message
names the address, the action and the path, never the token or a value.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from ...core.errors import (
    BackendConfigError,
    BackendPermissionDenied,
    BackendUnavailable,
    StoreError,
)
from ...core.secret import Secret

try:
    import hvac
    import requests
    from hvac import exceptions as hvac_errors
except ImportError:  # the optional extra is not installed
    hvac = None

__all__ = ["KVClient"]

log = logging.getLogger(__name__)

T = TypeVar("T")

# Pauses between attempts at a transient failure: three attempts in all,
# well under a second of waiting.
RETRY_DELAYS = (0.1, 0.3)


class KVClient:
    """Requests to one KV version 2 mount; paths are relative to the mount."""

    def __init__(self, addr: str, token: Secret, mount: str, timeout: float) -> None:
        if hvac is None:
            raise BackendConfigError(
                "the vault backend needs the hvac package: "
                "pip install 'tau-secrets-ext[vault]'"
            )
        self.addr = addr
        self.mount = mount
        self.timeout = timeout
        self._client = hvac.Client(url=addr, token=token.reveal(), timeout=timeout)
        self._kv = self._client.secrets.kv.v2
        self._mount_checked = False

    def __repr__(self) -> str:
        return f"KVClient(addr={self.addr!r}, mount={self.mount!r})"

    def where(self, path: str) -> str:
        """The path as users see it in messages: ``<mount>/<path>``."""
        return f"{self.mount}/{path}"

    def read(self, path: str) -> dict[str, Any] | None:
        """The latest version's ``{"data", "metadata"}``, or None if there is none."""

        def request() -> dict[str, Any] | None:
            try:
                reply = self._kv.read_secret_version(
                    path=path, mount_point=self.mount, raise_on_deleted_version=True
                )
            except hvac_errors.InvalidPath:
                return None
            return dict(reply["data"])

        return self._call("reading", path, request)

    def metadata(self, path: str) -> dict[str, Any] | None:
        """The secret's KV metadata (created and updated times), or None."""

        def request() -> dict[str, Any] | None:
            try:
                reply = self._kv.read_secret_metadata(path=path, mount_point=self.mount)
            except hvac_errors.InvalidPath:
                return None
            return dict(reply["data"])

        return self._call("reading the metadata of", path, request)

    def list(self, path: str) -> list[str]:
        """Entries directly under ``path`` (sub-folders end with '/')."""

        def request() -> list[str]:
            try:
                reply = self._kv.list_secrets(path=path, mount_point=self.mount)
            except hvac_errors.InvalidPath:
                return []  # nothing stored there yet
            return [str(key) for key in reply["data"]["keys"]]

        return self._call("listing", path, request)

    def write(self, path: str, data: dict[str, Any], *, only_new: bool = False) -> bool:
        """Write a new version; with ``only_new``, only if nothing is there yet.

        Returns False when ``only_new`` lost to an existing secret.
        """

        def request() -> bool:
            try:
                self._kv.create_or_update_secret(
                    path=path,
                    secret=data,
                    cas=0 if only_new else None,
                    mount_point=self.mount,
                )
            except hvac_errors.InvalidRequest:
                if not only_new:
                    raise
                return False
            return True

        return self._call("writing", path, request)

    def destroy(self, path: str) -> None:
        """Remove the secret with all its versions and metadata."""
        self._call(
            "deleting",
            path,
            lambda: self._kv.delete_metadata_and_all_versions(
                path=path, mount_point=self.mount
            ),
        )

    def _check_mount(self) -> None:
        """Check once that the mount exists, may be used, and is KV version 2."""
        if self._mount_checked:
            return

        def request() -> dict[str, Any] | None:
            try:
                reply = self._client.adapter.get(
                    f"/v1/sys/internal/ui/mounts/{self.mount}"
                )
            except (hvac_errors.InvalidPath, hvac_errors.InvalidRequest):
                return None  # no such mount, or not a Vault server at all
            return reply if isinstance(reply, dict) else None

        try:
            reply = self._send("checking the mount", repr(self.mount), request)
        except BackendPermissionDenied:
            reply = None  # a token with no access to the mount at all

        data = (reply or {}).get("data") or {}
        options = data.get("options") or {}
        if data.get("type") != "kv" or str(options.get("version")) != "2":
            raise BackendConfigError(
                f"no KV version 2 mount {self.mount!r} that this token may use "
                f"on {self.addr}: check c.TauSecrets.vault_mount, and that the "
                "token is valid and has a policy for it"
            )
        self._mount_checked = True

    def _call(self, action: str, path: str, request: Callable[[], T]) -> T:
        self._check_mount()
        return self._send(action, self.where(path), request)

    def _send(self, action: str, where: str, request: Callable[[], T]) -> T:
        """Run one request with bounded retries; translate every failure."""
        for delay in (*RETRY_DELAYS, None):
            try:
                return request()
            except (hvac_errors.VaultError, requests.RequestException, ValueError) as e:
                if delay is None or not _transient(e):
                    raise self._translate(e, action, where) from None
                log.debug("%s from %s; retrying", type(e).__name__, self.addr)
                time.sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _translate(self, error: Exception, action: str, where: str) -> StoreError:
        """The one line a user sees for ``error``: what, where, what to do."""
        log.debug(
            "%s from %s while %s %s", type(error).__name__, self.addr, action, where
        )
        if isinstance(error, requests.Timeout):
            return BackendUnavailable(
                f"the Vault server at {self.addr} did not answer within "
                f"{self.timeout:g} s while {action} {where}"
            )
        if isinstance(error, requests.ConnectionError):
            return BackendUnavailable(
                f"cannot reach the Vault server at {self.addr} while "
                f"{action} {where}: is it running, and is VAULT_ADDR right?"
            )
        if isinstance(error, (hvac_errors.Forbidden, hvac_errors.Unauthorized)):
            return BackendPermissionDenied(
                f"permission denied {action} {where}: the Vault token has "
                "no policy for this path, or it has expired"
            )
        if isinstance(error, hvac_errors.VaultDown):
            return BackendUnavailable(_down_message(self.addr, error))
        return BackendUnavailable(
            f"the Vault server at {self.addr} failed while {action} "
            f"{where}; try again, or ask the admin to check its logs"
        )


def _transient(error: Exception) -> bool:
    """Worth a quick retry: refused or dropped connections, a server in transition.

    A timeout is not: it has already cost the whole wait.
    """
    if isinstance(error, requests.Timeout):
        return False
    return isinstance(
        error,
        (
            requests.ConnectionError,
            hvac_errors.InternalServerError,
            hvac_errors.BadGateway,
        ),
    )


def _down_message(addr: str, error: Exception) -> str:
    if "sealed" in str(error).lower():
        return f"the Vault server at {addr} is sealed: ask the admin to unseal it"
    return f"the Vault server at {addr} is unavailable (standby or maintenance)"
