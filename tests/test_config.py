"""TauSecrets settings: listed by %config, and every change takes effect."""

from __future__ import annotations

import os

import pytest
from _shell import ip, magic, shell_instance
from IPython.core.error import UsageError
from traitlets import TraitError

from tau_secrets_ext import PlaintextStoreWarning, SecretStore
from tau_secrets_ext.ipython.api import scrubber
from tau_secrets_ext.ipython.extension import (
    load_ipython_extension,
    unload_ipython_extension,
)
from tau_secrets_ext.ipython.state import get_state

__all__ = ["ip"]

TRAITS = (
    "store_path",
    "encryption",
    "strict_permissions",
    "mask",
    "min_secret_length",
    "partial_length",
    "scrub_patterns",
    "allow_inline_value",
    "providers",
    "backend",
    "vault_mount",
    "vault_path",
    "vault_shared_paths",
    "vault_timeout",
)


def config(shell, line):
    magic(shell, "config", line)


def test_config_lists_every_setting_with_help(ip, capsys):
    config(ip, "")
    assert "TauSecrets" in capsys.readouterr().out

    config(ip, "TauSecrets")
    listing = capsys.readouterr().out
    for trait in TRAITS:
        assert f"TauSecrets.{trait}=" in listing, trait
    assert listing.count("Current:") >= len(TRAITS)


@pytest.mark.parametrize("mask", ["<<{name}>>", "#hidden#"])
def test_mask_change_takes_effect_at_once(ip, canary, mask):
    scrubber().register(canary, "openai")
    # Doubled braces: IPython expands {word} in magic lines.
    typed = mask.replace("{", "{{").replace("}", "}}")

    config(ip, f"TauSecrets.mask = {typed!r}")

    assert scrubber().mask == mask
    assert scrubber().scrub(f"a {canary} b") == f"a {mask.format(name='openai')} b"


@pytest.mark.parametrize(
    ("trait", "attribute", "values"),
    [
        ("min_secret_length", "min_length", (12, 9)),
        ("partial_length", "partial_length", (0, 20)),
        ("scrub_patterns", "patterns", (False, True)),
    ],
)
def test_scrubber_settings_follow_config(ip, trait, attribute, values):
    for value in values:
        config(ip, f"TauSecrets.{trait} = {value!r}")
        assert getattr(scrubber(), attribute) == value


def test_longer_minimum_refuses_a_key_through_the_magic(ip, canary, monkeypatch):
    monkeypatch.setenv("TAU_TEST_KEY", canary)
    config(ip, f"TauSecrets.min_secret_length = {len(canary) + 1}")

    with pytest.raises(UsageError) as caught:
        magic(ip, "tau_setkey", "openai --from-env TAU_TEST_KEY")

    assert canary not in str(caught.value)
    assert SecretStore.open().names() == []


def test_settings_from_a_config_file_apply_at_load(canary):
    shell = shell_instance()
    shell.config.TauSecrets.mask = "{{{name}}}"
    try:
        load_ipython_extension(shell)
        scrubber().register(canary, "cfg")
        assert scrubber().scrub(canary) == "{cfg}"
    finally:
        unload_ipython_extension(shell)
        shell.config.pop("TauSecrets", None)
        scrubber().mask = "[REDACTED:{name}]"


@pytest.mark.parametrize("mask", ["{value}", "{0}", "  "])
def test_bad_mask_is_refused(ip, mask):
    before = scrubber().mask

    with pytest.raises(TraitError):
        get_state(ip).config.mask = mask

    assert scrubber().mask == before


def test_store_path_change_moves_the_next_write(ip, canary, tmp_path, monkeypatch):
    monkeypatch.setenv("TAU_TEST_KEY", canary)
    first, second = tmp_path / "one" / "s.json", tmp_path / "two" / "s.json"

    for path in (first, second):
        config(ip, f"TauSecrets.store_path = {str(path)!r}")
        magic(ip, "tau_setkey", "openai --from-env TAU_TEST_KEY")

    assert SecretStore.open(first).names() == SecretStore.open(second).names()
    assert SecretStore.open().names() == []


def test_configured_mode_against_the_file_is_one_clear_error(ip, canary):
    with pytest.warns(PlaintextStoreWarning):
        SecretStore.open(encryption="none").set("openai", canary)
    config(ip, "TauSecrets.encryption = 'auto'")

    with pytest.raises(UsageError) as caught:
        magic(ip, "tau_keys")

    message = str(caught.value)
    assert "auto" in message and "none" in message
    assert canary not in message


def test_extra_provider_exports_its_variables(ip, canary, monkeypatch):
    monkeypatch.setenv("TAU_TEST_KEY", canary)
    config(ip, "TauSecrets.providers = {'acme': ['ACME_TOKEN', 'ACME_KEY']}")

    magic(ip, "tau_setkey", "work --provider acme --from-env TAU_TEST_KEY")
    magic(ip, "tau_auth", "work")

    assert os.environ["ACME_TOKEN"] == os.environ["ACME_KEY"] == canary


@pytest.mark.parametrize("providers", [{"acme": []}, {"acme": ["NOT A VAR"]}])
def test_bad_provider_definitions_are_refused(ip, providers):
    with pytest.raises(TraitError) as caught:
        get_state(ip).config.providers = providers

    assert "acme" in str(caught.value)


def test_unknown_backend_in_the_environment_is_a_usage_error(monkeypatch):
    monkeypatch.setenv("TAU_SECRETS_BACKEND", "floppy")
    shell = shell_instance()
    load_ipython_extension(shell)  # loads despite the bad setting
    try:
        with pytest.raises(UsageError) as caught:
            magic(shell, "tau_keys")
    finally:
        unload_ipython_extension(shell)

    assert "TAU_SECRETS_BACKEND" in str(caught.value)


def test_vault_backend_without_a_server_says_what_is_missing(ip, monkeypatch):
    monkeypatch.delenv("VAULT_ADDR", raising=False)
    config(ip, "TauSecrets.backend = 'vault'")

    with pytest.raises(UsageError) as caught:
        magic(ip, "tau_keys")

    assert type(caught.value) is UsageError
    assert "VAULT_ADDR" in str(caught.value)
