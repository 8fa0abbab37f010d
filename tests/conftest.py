"""Fixtures shared by every test module; area-specific helpers live in
tests/_<area>.py modules beside the tests that use them."""

from __future__ import annotations

import secrets

import pytest


@pytest.fixture
def canary() -> str:
    """A fresh random value shaped like no real provider's key."""
    return "tau-canary-" + secrets.token_urlsafe(24)


@pytest.fixture(autouse=True)
def _isolated_store_env(tmp_path, monkeypatch):
    """Point every test at a private store folder, never the user's own."""
    monkeypatch.setenv("TAU_SECRETS_DIR", str(tmp_path / "tau-store"))
    for var in (
        "TAU_SECRETS_ENCRYPTION",
        "TAU_SECRETS_PASSPHRASE",
        "TAU_SECRETS_BACKEND",
    ):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def cheap_kdf(monkeypatch):
    """Argon2id at toy cost, so that keyed stores open in milliseconds."""
    from _store import CHEAP_KDF

    from tau_secrets_ext.store.store import SecretStore

    monkeypatch.setattr(SecretStore, "_kdf_params", CHEAP_KDF)
