"""The Vault backend against a real OpenBao: users, policies, team paths, config."""

from __future__ import annotations

import logging
import secrets
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from _openbao import BaoServer, shared_dev_server, unique_user

from tau_secrets_ext.core.errors import (
    BackendConfigError,
    BackendPermissionDenied,
    SecretNotFound,
    SecretsError,
    StoreCorrupted,
)
from tau_secrets_ext.store.backends.vault import NO_FINGERPRINT, VaultBackend

pytestmark = pytest.mark.vault


def _value(tag: str = "v") -> str:
    return f"tau-{tag}-" + secrets.token_urlsafe(24)


@pytest.fixture(scope="session")
def bao(request: pytest.FixtureRequest) -> BaoServer:
    return shared_dev_server(request)


class Team:
    """Two users with private paths, one team path both may only read."""

    def __init__(self, bao: BaoServer) -> None:
        self.bao = bao
        self.alice_path = f"tau/{unique_user('alice')}"
        self.bob_path = f"tau/{unique_user('bob')}"
        self.team_path = f"team/{unique_user('ml')}"
        self.alice_token = bao.add_user(
            self.alice_path.replace("/", "-"),
            writes=[self.alice_path],
            reads=[self.team_path],
        )
        self.bob_token = bao.add_user(
            self.bob_path.replace("/", "-"),
            writes=[self.bob_path],
            reads=[self.team_path],
        )
        # The team's keys are written by an admin, through the same backend.
        self.admin = VaultBackend(bao.addr, bao.root_token, path=self.team_path)

    def alice(self, **kwargs: object) -> VaultBackend:
        kwargs.setdefault("path", self.alice_path)
        kwargs.setdefault("shared_paths", [self.team_path])
        return VaultBackend(self.bao.addr, self.alice_token, **kwargs)  # type: ignore[arg-type]

    def bob(self) -> VaultBackend:
        return VaultBackend(
            self.bao.addr,
            self.bob_token,
            path=self.bob_path,
            shared_paths=[self.team_path],
        )


@pytest.fixture
def team(bao: BaoServer) -> Team:
    return Team(bao)


# Isolation between users.


def test_a_user_cannot_read_or_list_another_users_path(team):
    bob_value = _value("bob")
    team.bob().set("private", bob_value)
    prying = team.alice(path=team.bob_path, shared_paths=[])

    for attempt in (prying.names, lambda: prying.get("private")):
        with pytest.raises(BackendPermissionDenied) as caught:
            attempt()
        message = str(caught.value)
        assert f"secret/{team.bob_path}" in message
        assert bob_value not in message
        assert team.alice_token not in message


def test_a_user_cannot_write_another_users_path(team):
    prying = team.alice(path=team.bob_path, shared_paths=[])
    with pytest.raises(BackendPermissionDenied, match="writing secret/tau/bob-"):
        prying.set("planted", _value())
    assert team.bob().names() == []


def test_another_users_path_as_a_shared_path_is_refused_clearly(team):
    team.bob().set("private", _value("bob"))
    alice = team.alice(shared_paths=[team.team_path, team.bob_path])
    with pytest.raises(
        BackendPermissionDenied, match=f"listing secret/{team.bob_path}"
    ):
        alice.names()


def test_users_keys_stay_apart(team):
    alice, bob = team.alice(), team.bob()
    alice.set("openai", _value("alice"))
    bob.set("anthropic", _value("bob"))

    assert alice.names() == ["openai"]
    assert bob.names() == ["anthropic"]
    with pytest.raises(SecretNotFound):
        alice.get("anthropic")


# The read-only team path.


def test_team_keys_are_seen_with_their_source(team):
    value = _value("team")
    team.admin.set("shared-openai", value, provider="openai")
    alice = team.alice()

    assert alice.names() == ["shared-openai"]
    assert alice.get("shared-openai").reveal() == value
    info = alice.info("shared-openai")
    assert info.source == f"vault-shared:secret/{team.team_path}"
    assert info.provider == "openai"


def test_own_entries_win_over_team_entries(team):
    team.admin.set("openai", _value("team"))
    alice = team.alice()
    own = _value("own")
    alice.set("openai", own)

    assert alice.names() == ["openai"]
    assert alice.get("openai").reveal() == own
    assert alice.info("openai").source == f"vault:secret/{team.alice_path}"


def test_setting_a_team_name_writes_the_own_path_only(team):
    team_value = _value("team")
    team.admin.set("hf", team_value)
    team.alice().set("hf", _value("own"))

    assert team.bob().get("hf").reveal() == team_value
    assert team.admin.get("hf").reveal() == team_value


def test_team_keys_cannot_be_deleted_or_overwritten_by_members(team):
    value = _value("team")
    team.admin.set("shared", value)
    alice = team.alice()

    with pytest.raises(BackendPermissionDenied, match="read-only shared path"):
        alice.delete("shared")
    writer = team.alice(path=team.team_path, shared_paths=[])
    with pytest.raises(BackendPermissionDenied, match=f"secret/{team.team_path}"):
        writer.set("shared", _value("attempt"))
    assert team.admin.get("shared").reveal() == value


def test_a_new_team_key_is_seen_without_a_restart(team):
    alice = team.alice()
    assert alice.names() == []

    value = _value("late")
    team.admin.set("late", value)

    assert alice.names() == ["late"]
    assert alice.get("late").reveal() == value


def test_team_members_see_the_same_fingerprint(team):
    team.admin.set("shared", _value("team"))

    seen = {member.info("shared").fingerprint for member in (team.alice(), team.bob())}

    assert len(seen) == 1
    assert seen != {NO_FINGERPRINT}
    assert seen == {team.admin.info("shared").fingerprint}


# Entries written by other tools.


def test_entries_written_without_this_package(team):
    root = team.bao.client()
    kv = root.secrets.kv.v2
    kv.create_or_update_secret(
        path=f"{team.team_path}/external", secret={"value": (value := _value())}
    )
    kv.create_or_update_secret(path=f"{team.team_path}/no-value", secret={"x": "y"})
    kv.create_or_update_secret(path=f"{team.team_path}/bad name", secret={"value": "z"})
    alice = team.alice()

    assert alice.names() == ["external", "no-value"]
    assert alice.get("external").reveal() == value
    assert alice.info("external").fingerprint == NO_FINGERPRINT  # no admin key yet
    with pytest.raises(StoreCorrupted, match="no 'value' field"):
        alice.get("no-value")


def test_times_survive_an_overwrite_by_another_tool(team):
    alice = team.alice()
    alice.set("rotated", _value())
    created = alice.info("rotated").created
    time.sleep(1.1)  # times have one-second resolution
    team.bao.client().secrets.kv.v2.create_or_update_secret(
        path=f"{team.alice_path}/rotated", secret={"value": _value()}
    )

    info = alice.info("rotated")

    assert info.created == created
    assert info.updated > created


# Configuration.


def test_a_missing_mount_is_named(team):
    alice = team.alice(mount="no-such-mount")
    with pytest.raises(BackendConfigError, match="no-such-mount"):
        alice.names()


def test_an_invalid_token_is_refused_without_showing_it(bao):
    token = "s." + secrets.token_urlsafe(18)
    backend = VaultBackend(bao.addr, token, path="tau/x")
    with pytest.raises(BackendConfigError, match="token is valid") as caught:
        backend.names()
    assert token not in str(caught.value)


def test_racing_first_writers_agree_on_one_fingerprint_key(team):
    value = _value()
    writers = [team.alice() for _ in range(4)]
    with ThreadPoolExecutor(len(writers)) as pool:
        list(pool.map(lambda w: w.set("raced", value), writers))

    seen = {w.info("raced").fingerprint for w in writers}
    assert len(seen) == 1
    assert seen != {NO_FINGERPRINT}


def test_a_kv_version_1_mount_is_refused(bao):
    mount = f"kv1-{secrets.token_hex(3)}"
    bao.client().sys.enable_secrets_engine("kv", path=mount, options={"version": "1"})
    backend = VaultBackend(bao.addr, bao.root_token, mount=mount, path="tau/x")
    with pytest.raises(BackendConfigError, match="KV version 2"):
        backend.set("k", _value())


def test_from_environment_uses_the_hub_user_and_token(team, monkeypatch):
    monkeypatch.setenv("VAULT_ADDR", team.bao.addr + "/")
    monkeypatch.setenv("VAULT_TOKEN", team.alice_token)
    monkeypatch.setenv("JUPYTERHUB_USER", team.alice_path.removeprefix("tau/"))

    backend = VaultBackend.from_environment(shared_paths=[team.team_path])

    assert backend.path == team.alice_path
    assert backend.addr == team.bao.addr
    backend.set("env", value := _value())
    assert team.alice().get("env").reveal() == value


def test_from_environment_reads_a_token_file(team, monkeypatch, tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text(team.alice_token + "\n")
    monkeypatch.setenv("BAO_ADDR", team.bao.addr)
    monkeypatch.delenv("VAULT_ADDR", raising=False)
    monkeypatch.delenv("VAULT_TOKEN", raising=False)
    monkeypatch.delenv("BAO_TOKEN", raising=False)
    monkeypatch.setenv("VAULT_TOKEN_FILE", str(token_file))
    monkeypatch.setenv("JUPYTERHUB_USER", "ignored")

    backend = VaultBackend.from_environment(path_template=team.alice_path)

    assert backend.sensitive_values() == [("vault-token", team.alice_token)]
    assert backend.names() == []


def test_from_environment_falls_back_to_the_home_token_file(monkeypatch, tmp_path):
    (tmp_path / ".vault-token").write_text("tau-tok-" + secrets.token_hex(12))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("VAULT_ADDR", "http://127.0.0.1:1")
    for var in ("VAULT_TOKEN", "BAO_TOKEN", "VAULT_TOKEN_FILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("JUPYTERHUB_USER", "carol")

    backend = VaultBackend.from_environment(path_template="users/{user}/keys")

    assert backend.path == "users/carol/keys"
    assert backend.sensitive_values()[0][1].startswith("tau-tok-")


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "VAULT_ADDR is not set"),
        ({"VAULT_ADDR": "vault:8200"}, "must start with http"),
        ({"VAULT_ADDR": "http://127.0.0.1:1"}, "no Vault token"),
        (
            {"VAULT_ADDR": "http://127.0.0.1:1", "JUPYTERHUB_USER": "a/b"},
            "cannot be a Vault path segment",
        ),
    ],
)
def test_from_environment_explains_what_is_missing(
    env, expected, monkeypatch, tmp_path
):
    monkeypatch.setenv("HOME", str(tmp_path))
    for var in (
        "VAULT_ADDR",
        "BAO_ADDR",
        "VAULT_TOKEN",
        "BAO_TOKEN",
        "VAULT_TOKEN_FILE",
    ):
        monkeypatch.delenv(var, raising=False)
    if "JUPYTERHUB_USER" in env:
        monkeypatch.setenv("VAULT_TOKEN", "tau-tok-" + secrets.token_hex(12))
    for var, value in env.items():
        monkeypatch.setenv(var, value)

    with pytest.raises(BackendConfigError, match=expected):
        VaultBackend.from_environment()


@pytest.mark.parametrize("path", ["", "/", "a//b", "a/../b", "./a"])
def test_unusable_paths_are_refused(path):
    with pytest.raises(BackendConfigError, match="not usable"):
        VaultBackend("http://127.0.0.1:1", "tau-tok-x", path=path)


# Nothing leaks.


def test_reprs_and_logs_never_show_the_token_or_values(team, caplog):
    caplog.set_level(logging.DEBUG, logger="tau_secrets_ext")
    value = _value()
    alice = team.alice()
    alice.set("logged", value)
    alice.get("logged")
    alice.info("logged")
    with pytest.raises(SecretsError):
        alice.get("missing")
    alice.delete("logged")

    texts = [repr(alice), str(alice), *(r.getMessage() for r in caplog.records)]
    for text in texts:
        assert team.alice_token not in text
        assert value not in text
    assert not [r for r in caplog.records if r.levelno >= logging.INFO]


def test_the_token_is_offered_for_scrubbing(team):
    names = dict(team.alice().sensitive_values())
    assert names == {"vault-token": team.alice_token}
