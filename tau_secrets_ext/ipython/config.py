"""TauSecrets: the one configurable object, every setting a trait.

Set from any IPython config file (``c.TauSecrets.mask = "..."``) or live
with ``%config TauSecrets.mask = "..."``. No trait ever holds a secret.
"""

from __future__ import annotations

from traitlets import Bool, CaselessStrEnum, Dict, Int, List, Unicode
from traitlets.config import Configurable

__all__ = ["TauSecrets"]


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
        "secret's name.",
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
