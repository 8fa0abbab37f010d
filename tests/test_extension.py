"""Loading the extension registers what the environment already holds."""

from __future__ import annotations

import pytest
from _shell import shell_instance

from tau_secrets_ext.ipython.api import scrubber
from tau_secrets_ext.ipython.extension import (
    load_ipython_extension,
    unload_ipython_extension,
)

PLATFORM_VARS = [
    ("JUPYTERHUB_API_TOKEN", "jupyterhub"),
    ("JPY_API_TOKEN", "jupyterhub"),
    ("VAULT_TOKEN", "vault-token"),
    ("BAO_TOKEN", "vault-token"),
    ("TAU_SECRETS_PASSPHRASE", "passphrase"),
    ("HF_TOKEN", "huggingface"),
    ("CO_API_KEY", "cohere"),
]


@pytest.mark.parametrize(("var", "name"), PLATFORM_VARS)
def test_values_in_the_environment_are_masked_from_load(var, name, canary, monkeypatch):
    monkeypatch.setenv(var, canary)
    shell = shell_instance()
    load_ipython_extension(shell)
    try:
        masked = scrubber().scrub(f"env says {canary}.")
    finally:
        unload_ipython_extension(shell)

    assert masked == f"env says [REDACTED:{name}]."


def test_a_short_environment_value_is_skipped_not_fatal(monkeypatch):
    monkeypatch.setenv("VAULT_TOKEN", "short")
    shell = shell_instance()
    load_ipython_extension(shell)
    try:
        assert scrubber().scrub("short text stays") == "short text stays"
    finally:
        unload_ipython_extension(shell)
