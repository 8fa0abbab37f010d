"""Where the Vault backend's address, token and path come from, and their checks.

Kept apart from ``vault.py`` so that it imports nothing optional. Messages
name environment variables and files, never the token.
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path

from ...core.errors import BackendConfigError
from ...core.secret import Secret

__all__ = ["check_addr", "clean_path", "environment_settings"]

# OpenBao's own tools read BAO_*; Vault's read VAULT_*. The Vault names win.
ADDR_VARS = ("VAULT_ADDR", "BAO_ADDR")
TOKEN_VARS = ("VAULT_TOKEN", "BAO_TOKEN")
TOKEN_FILE_VAR = "VAULT_TOKEN_FILE"


def environment_settings(path_template: str) -> tuple[str, Secret, str]:
    """Return (address, token, own path) as the environment gives them."""
    addr = _first_set(ADDR_VARS)
    if addr is None:
        raise BackendConfigError(
            "VAULT_ADDR is not set: the vault backend needs the server's "
            "address (on a hub, the admin sets it for every user)"
        )
    return check_addr(addr), _token(), user_path(path_template, _user())


def check_addr(addr: str) -> str:
    """Return the address without a trailing slash, or refuse it."""
    if not isinstance(addr, str) or not addr.startswith(("http://", "https://")):
        raise BackendConfigError(
            "the Vault address must start with http:// or https://, "
            "e.g. VAULT_ADDR=https://vault.example.org:8200"
        )
    return addr.rstrip("/")


def clean_path(path: str, what: str) -> str:
    """Return ``path`` without surrounding slashes, or refuse an unusable one."""
    cleaned = path.strip("/") if isinstance(path, str) else ""
    parts = cleaned.split("/")
    if not cleaned or any(p in ("", ".", "..") for p in parts):
        raise BackendConfigError(
            f"the {what} {path!r} is not usable: give segments separated by "
            "single '/', without '.' or '..'"
        )
    return cleaned


def user_path(template: str, user: str) -> str:
    """Fill ``{user}`` in the path template with a user name that is one segment."""
    if not user or "/" in user or user in (".", ".."):
        raise BackendConfigError(
            f"the user name {user!r} cannot be a Vault path segment: "
            "set JUPYTERHUB_USER, or put no '{user}' in c.TauSecrets.vault_path"
        )
    return clean_path(template.replace("{user}", user), "vault path")


def _user() -> str:
    hub_user = os.environ.get("JUPYTERHUB_USER")
    if hub_user:
        return hub_user
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        # A container user without a passwd entry.
        raise BackendConfigError(
            "cannot tell the user name for the Vault path: set JUPYTERHUB_USER"
        ) from None


def _token() -> Secret:
    value = _first_set(TOKEN_VARS)
    if value is not None:
        return Secret(value.strip())

    named = os.environ.get(TOKEN_FILE_VAR)
    token_file = Path(named).expanduser() if named else Path.home() / ".vault-token"
    try:
        text = token_file.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        text = ""
    except OSError as error:
        raise BackendConfigError(
            f"cannot read the Vault token file {token_file}: {error.strerror}"
        ) from None
    if not text:
        raise BackendConfigError(
            f"no Vault token: set VAULT_TOKEN, or {TOKEN_FILE_VAR}, or write "
            f"the token to {token_file}"
        )
    return Secret(text)


def _first_set(names: tuple[str, ...]) -> str | None:
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return None
