"""Provider names, the environment variables their SDKs read, key patterns.

The patterns find well-known key formats that nobody registered; they are
deliberately strict (a fixed prefix and a long random tail) so that ordinary
text is not masked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = [
    "HUB_TOKEN_VARS",
    "KEY_CHARS",
    "KEY_PATTERNS",
    "PATTERN_PREFIXES",
    "PROVIDERS",
    "Provider",
    "env_vars_for",
    "environment_secrets",
    "known_env_vars",
    "provider_for",
]


@dataclass(frozen=True)
class Provider:
    """A service whose SDK reads its key from one or more variables."""

    name: str
    env_vars: tuple[str, ...]
    pattern: re.Pattern[str] | None = field(default=None, compare=False)


def _p(regex: str) -> re.Pattern[str]:
    # Keys are bounded by characters that cannot belong to them.
    return re.compile(r"(?<![A-Za-z0-9_-])" + regex + r"(?![A-Za-z0-9_-])")


_OPENAI = _p(r"sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}")
_ANTHROPIC = _p(r"sk-ant-[A-Za-z0-9_-]{20,}")
_GOOGLE = _p(r"AIza[0-9A-Za-z_-]{35}")
_HF = _p(r"hf_[A-Za-z0-9]{30,}")
_GROQ = _p(r"gsk_[A-Za-z0-9]{40,}")
_OPENROUTER = _p(r"sk-or-v1-[a-f0-9]{40,}")
_GITHUB = _p(r"ghp_[A-Za-z0-9]{36,}")
_GITHUB_APP = _p(r"gh[ousr]_[A-Za-z0-9]{36,}")
_GITHUB_PAT = _p(r"github_pat_[A-Za-z0-9_]{40,}")
_AWS = _p(r"(?:AKIA|ASIA)[0-9A-Z]{16}")
_SLACK = _p(r"xox[abposr]-[A-Za-z0-9-]{10,}")

PROVIDERS: dict[str, Provider] = {
    p.name: p
    for p in (
        Provider("openai", ("OPENAI_API_KEY",), _OPENAI),
        Provider("anthropic", ("ANTHROPIC_API_KEY",), _ANTHROPIC),
        Provider("google", ("GOOGLE_API_KEY", "GEMINI_API_KEY"), _GOOGLE),
        Provider("gemini", ("GEMINI_API_KEY", "GOOGLE_API_KEY"), _GOOGLE),
        Provider("huggingface", ("HF_TOKEN",), _HF),
        Provider("mistral", ("MISTRAL_API_KEY",)),
        Provider("groq", ("GROQ_API_KEY",), _GROQ),
        Provider("openrouter", ("OPENROUTER_API_KEY",), _OPENROUTER),
        Provider("cohere", ("CO_API_KEY", "COHERE_API_KEY")),
        Provider("together", ("TOGETHER_API_KEY",)),
        Provider("azure-openai", ("AZURE_OPENAI_API_KEY",)),
    )
}

# Kernels spawned by JupyterHub inherit these; printing os.environ would
# otherwise save the hub token into the notebook.
HUB_TOKEN_VARS = ("JUPYTERHUB_API_TOKEN", "JPY_API_TOKEN")

# Credentials of the platform rather than of a provider, masked wherever a
# kernel or the server finds them in its environment.
_SERVICE_TOKEN_VARS = {
    **dict.fromkeys(HUB_TOKEN_VARS, "jupyterhub"),
    "VAULT_TOKEN": "vault-token",
    "BAO_TOKEN": "vault-token",
    "TAU_SECRETS_PASSPHRASE": "passphrase",
}

# Formats masked even when nobody registered the key, as [REDACTED:pattern].
KEY_PATTERNS: tuple[re.Pattern[str], ...] = (
    _OPENAI,
    _ANTHROPIC,
    _GOOGLE,
    _HF,
    _GROQ,
    _OPENROUTER,
    _GITHUB,
    _GITHUB_APP,
    _GITHUB_PAT,
    _AWS,
    _SLACK,
)

#: Every character any of KEY_PATTERNS can match; a match starts after none.
KEY_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"

#: The literal text each pattern's matches begin with. The scrubber looks for
#: these first and runs a pattern only where one occurs; a pattern missing
#: here is run over the whole text instead, which is correct but slow.
PATTERN_PREFIXES: dict[re.Pattern[str], tuple[str, ...]] = {
    _OPENAI: ("sk-",),
    _ANTHROPIC: ("sk-ant-",),
    _GOOGLE: ("AIza",),
    _HF: ("hf_",),
    _GROQ: ("gsk_",),
    _OPENROUTER: ("sk-or-v1-",),
    _GITHUB: ("ghp_",),
    _GITHUB_APP: ("gho_", "ghu_", "ghs_", "ghr_"),
    _GITHUB_PAT: ("github_pat_",),
    _AWS: ("AKIA", "ASIA"),
    _SLACK: tuple(f"xox{c}-" for c in "abposr"),
}


def provider_for(
    name: str, extra: Mapping[str, Provider] | None = None
) -> Provider | None:
    """Return the provider called ``name`` (case-insensitive), if known."""
    key = name.lower()
    if extra and key in extra:
        return extra[key]
    return PROVIDERS.get(key)


def env_vars_for(
    name: str, extra: Mapping[str, Provider] | None = None
) -> tuple[str, ...]:
    """Variables a key for ``name`` is exported as: known ones, else NAME_API_KEY."""
    provider = provider_for(name, extra)
    if provider is not None:
        return provider.env_vars
    return (re.sub(r"[^A-Za-z0-9]", "_", name).upper() + "_API_KEY",)


def known_env_vars() -> dict[str, str]:
    """Map each well-known provider variable to its provider name (first wins)."""
    result: dict[str, str] = {}
    for provider in PROVIDERS.values():
        for var in provider.env_vars:
            result.setdefault(var, provider.name)
    return result


def environment_secrets(environ: Mapping[str, str]) -> list[tuple[str, str]]:
    """(name, value) of every provider key and platform token set in ``environ``."""
    names = {**known_env_vars(), **_SERVICE_TOKEN_VARS}
    return [(name, environ[var]) for var, name in names.items() if environ.get(var)]
