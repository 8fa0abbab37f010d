"""TauSecrets: the one configurable object, every setting a trait.

Set from any IPython config file (``c.TauSecrets.mask = "..."``) or live
with ``%config TauSecrets.mask = "..."``. No trait ever holds a secret.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from traitlets import (
    Bool,
    CaselessStrEnum,
    Dict,
    Int,
    List,
    TraitError,
    Unicode,
    observe,
    validate,
)
from traitlets.config import Configurable

from ..scrub.providers import Provider

__all__ = ["SCRUBBER_TRAITS", "STORE_TRAITS", "TauSecrets"]

log = logging.getLogger(__name__)

_ENV_VAR = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

#: Traits copied into the process scrubber whenever they change.
SCRUBBER_TRAITS = ("mask", "min_secret_length", "partial_length", "scrub_patterns")

#: Traits that choose the backend: a change closes the open one.
STORE_TRAITS = (
    "store_path",
    "encryption",
    "strict_permissions",
    "backend",
    "vault_mount",
    "vault_path",
    "vault_shared_paths",
    "vault_timeout",
)


class TauSecrets(Configurable):
    """Settings of the tau-secrets-ext IPython extension."""

    store_path = Unicode(
        "",
        help="Path of the secret store file. Empty: $TAU_SECRETS_DIR/store.json, "
        "else the user data folder for tau-secrets.",
    ).tag(config=True)

    encryption = CaselessStrEnum(
        ["", "auto", "keyed", "none"],
        default_value="",
        help="Encryption mode of the store: 'auto' (key file), 'keyed' "
        "(passphrase) or 'none' (plaintext). Empty: $TAU_SECRETS_ENCRYPTION, "
        "else the mode the file records, else 'auto'.",
    ).tag(config=True)

    strict_permissions = Bool(
        False,
        help="Refuse a store file that is group- or world-accessible instead "
        "of setting it back to 0600 with a warning.",
    ).tag(config=True)

    mask = Unicode(
        "[REDACTED:{name}]",
        help="Text that replaces a secret in output; '{name}' becomes the "
        "secret's name (write '{{name}}' in a %config line: IPython expands "
        "braces there).",
    ).tag(config=True)

    min_secret_length = Int(
        8,
        help="Shortest value accepted as a secret; masking shorter ones would "
        "mangle ordinary text.",
    ).tag(config=True)

    partial_length = Int(
        16,
        help="Mask any run of at least this many consecutive characters of a "
        "registered secret (truncated reprs, key[:20]). 0 turns it off.",
    ).tag(config=True)

    scrub_patterns = Bool(
        True,
        help="Also mask well-known key formats (sk-..., ghp_..., AKIA...) that "
        "nobody registered, as [REDACTED:pattern].",
    ).tag(config=True)

    allow_inline_value = Bool(
        False,
        help="Accept a key typed inline (%tau_setkey NAME VALUE). Off by "
        "default: the value would be in the cell source.",
    ).tag(config=True)

    providers = Dict(
        value_trait=List(Unicode()),
        default_value={},
        help="Extra providers: name -> list of environment variables a key "
        "for it is exported as, e.g. {'acme': ['ACME_TOKEN']}.",
    ).tag(config=True)

    backend = CaselessStrEnum(
        ["", "file", "vault"],
        default_value="",
        help="Where keys live: 'file' (the local encrypted store) or 'vault' "
        "(OpenBao / HashiCorp Vault KV v2). Empty: $TAU_SECRETS_BACKEND, "
        "else 'file'.",
    ).tag(config=True)

    vault_mount = Unicode("secret", help="Mount point of the KV version 2 engine.").tag(
        config=True
    )

    vault_path = Unicode(
        "tau/{user}",
        help="The user's own path under the mount; '{user}' becomes "
        "$JUPYTERHUB_USER, else the OS user name.",
    ).tag(config=True)

    vault_shared_paths = List(
        Unicode(),
        default_value=[],
        help="Read-only team paths whose keys %tau_auth and %tau_keys also "
        "see; the user's own entries win.",
    ).tag(config=True)

    vault_timeout = Int(
        5, help="Seconds to wait for the Vault server before giving up."
    ).tag(config=True)

    @validate("mask")
    def _check_mask(self, proposal: Any) -> str:
        mask = proposal["value"]
        try:
            mask.format(name="x")
        except (KeyError, IndexError, ValueError):
            raise TraitError(
                "TauSecrets.mask may use only the field '{name}'"
            ) from None
        if not mask.strip():
            raise TraitError("TauSecrets.mask must not be empty")
        return str(mask)

    @validate("min_secret_length")
    def _check_min_length(self, proposal: Any) -> int:
        if proposal["value"] < 1:
            raise TraitError("TauSecrets.min_secret_length must be at least 1")
        return int(proposal["value"])

    @validate("partial_length")
    def _check_partial_length(self, proposal: Any) -> int:
        if proposal["value"] < 0:
            raise TraitError("TauSecrets.partial_length must be 0 (off) or more")
        return int(proposal["value"])

    @validate("providers")
    def _check_providers(self, proposal: Any) -> dict[str, list[str]]:
        for name, env_vars in proposal["value"].items():
            if not env_vars or not all(_ENV_VAR.fullmatch(v) for v in env_vars):
                raise TraitError(
                    f"TauSecrets.providers[{name!r}] must list environment "
                    "variable names, such as ['ACME_API_KEY']"
                )
        return dict(proposal["value"])

    @observe(*SCRUBBER_TRAITS)
    def _scrubber_setting_changed(self, change: Any) -> None:
        # Imported here: api builds the scrubber, and config must stay
        # importable without it for `%config TauSecrets` listings.
        from .api import scrubber

        self.apply_to(scrubber())
        log.debug("scrubber setting %s changed", change["name"])

    def apply_to(self, scrub: Any) -> None:
        """Copy the scrubbing settings into ``scrub`` (a Scrubber)."""
        scrub.mask = self.mask
        scrub.min_length = self.min_secret_length
        scrub.partial_length = self.partial_length
        scrub.patterns = self.scrub_patterns

    def extra_providers(self) -> dict[str, Provider]:
        """The configured ``providers`` as Provider objects, keyed by lower name."""
        return {
            name.lower(): Provider(name.lower(), tuple(env_vars))
            for name, env_vars in self.providers.items()
        }
