"""The same magics against a real OpenBao server (the vault backend)."""

from __future__ import annotations

import os
import secrets

import pytest
from _openbao import BaoServer, shared_dev_server, unique_user
from _shell import assert_hidden, ip, magic
from IPython.core.error import UsageError

from tau_secrets_ext.ipython.api import scrubber
from tau_secrets_ext.store.backends.vault import VaultBackend

__all__ = ["ip"]

pytestmark = pytest.mark.vault


@pytest.fixture(scope="session")
def bao(request: pytest.FixtureRequest) -> BaoServer:
    return shared_dev_server(request)


@pytest.fixture
def vault_env(bao, monkeypatch):
    """A user with an own path and a readable team path holding one key."""
    user = unique_user("magic")
    own, team = f"tau/{user}", f"team/{user}"
    token = bao.add_user(user, writes=[own], reads=[team])
    team_key = "tau-team-" + secrets.token_urlsafe(24)
    VaultBackend(bao.addr, bao.root_token, path=team).set(
        "shared", team_key, provider="mistral"
    )
    monkeypatch.setenv("TAU_SECRETS_BACKEND", "vault")
    monkeypatch.setenv("VAULT_ADDR", bao.addr)
    monkeypatch.setenv("VAULT_TOKEN", token)
    monkeypatch.setenv("JUPYTERHUB_USER", user)
    monkeypatch.delenv("MISTRAL_API_KEY", raising=False)
    return {"own": own, "team": team, "token": token, "team_key": team_key}


def test_magics_on_the_vault_backend(vault_env, ip, canary, capsys, monkeypatch):
    magic(ip, "config", f"TauSecrets.vault_shared_paths = [{vault_env['team']!r}]")
    monkeypatch.setenv("TAU_TEST_KEY", canary)

    magic(ip, "tau_setkey", "openai --from-env TAU_TEST_KEY")
    magic(ip, "tau_keys")
    magic(ip, "tau_auth", "shared")
    out = capsys.readouterr().out

    assert out.startswith("openai: stored (vault, fingerprint ")
    assert f"vault:secret/{vault_env['own']}" in out
    assert f"vault-shared:secret/{vault_env['team']}" in out
    assert (
        f"shared: ready (from vault-shared:secret/{vault_env['team']}, "
        "exported as MISTRAL_API_KEY)"
    ) in out
    assert os.environ["MISTRAL_API_KEY"] == vault_env["team_key"]
    for value in (canary, vault_env["token"], vault_env["team_key"]):
        assert_hidden(out, value)
        assert value not in scrubber().scrub(value)


def test_delete_and_unlock_on_the_vault_backend(vault_env, ip, canary, capsys):
    os.environ["TAU_TEST_KEY"] = canary
    magic(ip, "tau_setkey", "openai --from-env TAU_TEST_KEY")

    magic(ip, "tau_delkey", "openai")
    magic(ip, "tau_unlock")

    out = capsys.readouterr().out
    assert "openai: deleted" in out and "not keyed (vault)" in out
    with pytest.raises(UsageError) as caught:
        magic(ip, "tau_auth", "openai")
    assert "%tau_setkey openai" in str(caught.value)


def test_a_stopped_server_is_one_clear_line(vault_env, bao, ip, canary):
    os.environ["TAU_TEST_KEY"] = canary
    magic(ip, "config", "TauSecrets.vault_timeout = 1")
    magic(ip, "tau_keys")  # connected before the server stops
    bao.pause()
    try:
        with pytest.raises(UsageError) as caught:
            magic(ip, "tau_setkey", "openai --from-env TAU_TEST_KEY")
    finally:
        bao.resume()

    assert type(caught.value) is UsageError
    assert_hidden(str(caught.value), canary)
    assert_hidden(str(caught.value), vault_env["token"])
