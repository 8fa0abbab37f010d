"""Mode rules, passphrases, the plaintext warning and rekey between modes."""

from __future__ import annotations

import itertools
import json
import unicodedata
import warnings

import pytest
from _store import MODES, open_store, passphrase
from _store import value as new_value

from tau_secrets_ext.core import crypto
from tau_secrets_ext.core.errors import (
    InvalidSecret,
    PlaintextStoreWarning,
    StoreError,
    StoreLocked,
    StoreModeMismatch,
    WrongPassphrase,
)
from tau_secrets_ext.store.store import SecretStore

pytestmark = pytest.mark.usefixtures("cheap_kdf")


def _pw(mode: str) -> str | None:
    return passphrase() if mode == "keyed" else None


def test_an_unconfigured_store_is_auto_and_encrypted(tmp_path):
    store = SecretStore.open(tmp_path / "s.json")
    store.set("k", new_value())
    assert store.mode == "auto" and SecretStore.peek_mode(tmp_path / "s.json") == "auto"


@pytest.mark.parametrize(("file_mode", "asked"), list(itertools.permutations(MODES, 2)))
def test_an_explicit_mode_that_differs_from_the_file_is_refused(
    tmp_path, file_mode, asked
):
    path = tmp_path / "s.json"
    pw = passphrase()
    open_store(path, file_mode, pw).set("k", new_value())
    before = path.read_bytes()

    with pytest.raises(StoreModeMismatch) as caught:
        open_store(path, asked, pw)

    message = str(caught.value)
    assert repr(file_mode) in message and repr(asked) in message
    assert f"tau-secrets rekey --encryption {asked}" in message
    assert path.read_bytes() == before


def test_the_environment_mode_counts_as_explicit(tmp_path, monkeypatch):
    path = tmp_path / "s.json"
    open_store(path, "auto").set("k", new_value())
    monkeypatch.setenv("TAU_SECRETS_ENCRYPTION", "none")

    with pytest.raises(StoreModeMismatch):
        SecretStore.open(path)
    monkeypatch.setenv("TAU_SECRETS_ENCRYPTION", "sideways")
    with pytest.raises(StoreError, match="TAU_SECRETS_ENCRYPTION"):
        SecretStore.open(path)


@pytest.mark.parametrize("mode", MODES)
def test_an_unconfigured_mode_follows_the_file(tmp_path, mode, monkeypatch):
    path = tmp_path / "s.json"
    pw = _pw(mode)
    secret = new_value()
    open_store(path, mode, pw).set("k", secret)

    store = open_store(path, None, pw)

    assert store.mode == mode and store.get("k").reveal() == secret


def test_a_keyed_store_without_passphrase_is_locked(tmp_path, monkeypatch):
    path = tmp_path / "s.json"
    with pytest.raises(StoreLocked) as new_store:
        SecretStore.open(path, encryption="keyed")
    assert not path.exists()

    pw = passphrase()
    SecretStore.open(path, encryption="keyed", passphrase=pw).set("k", new_value())
    with pytest.raises(StoreLocked) as existing:
        SecretStore.open(path)

    for caught in (new_store, existing):
        assert "%tau_unlock" in str(caught.value)
        assert "TAU_SECRETS_PASSPHRASE" in str(caught.value)
    monkeypatch.setenv("TAU_SECRETS_PASSPHRASE", pw)
    assert SecretStore.open(path).names() == ["k"]


def test_short_passphrases_are_refused_without_echo(tmp_path):
    short = "abc1234"
    with pytest.raises(InvalidSecret) as caught:
        SecretStore.open(tmp_path / "s.json", encryption="keyed", passphrase=short)
    assert short not in str(caught.value) and "8" in str(caught.value)


def test_passphrases_are_nfc_normalised_but_never_trimmed(tmp_path):
    path = tmp_path / "s.json"
    composed = "caf\u00e9-pass-" + passphrase()
    open_store(path, "keyed", composed).set("k", "value-123456789")

    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    assert open_store(path, "keyed", decomposed).get("k").reveal() == "value-123456789"
    for variant in (composed + " ", " " + composed, composed + "\n"):
        with pytest.raises(WrongPassphrase):
            open_store(path, "keyed", variant)


def test_plaintext_mode_warns_on_every_open(tmp_path):
    path = tmp_path / "s.json"
    for _ in range(2):
        with pytest.warns(PlaintextStoreWarning, match="unencrypted"):
            SecretStore.open(path, encryption="none").set("k", new_value())
    with pytest.warns(PlaintextStoreWarning):
        SecretStore.open(path)


def test_encrypted_modes_do_not_warn(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        SecretStore.open(tmp_path / "a.json").set("k", new_value())
        SecretStore.open(
            tmp_path / "b.json", encryption="keyed", passphrase=passphrase()
        ).set("k", new_value())


def test_default_argon2id_parameters_are_recorded_and_work(tmp_path, monkeypatch):
    monkeypatch.setattr(SecretStore, "_kdf_params", crypto.KdfParams())
    path = tmp_path / "s.json"
    pw = passphrase()
    open_store(path, "keyed", pw).set("k", "value-123456789")

    kdf = json.loads(path.read_text())["kdf"]

    assert (kdf["memory_kib"], kdf["iterations"], kdf["lanes"]) == (65536, 3, 4)
    assert kdf["algorithm"] == "argon2id"
    assert len(crypto.b64decode(kdf["salt"])) == 16
    assert open_store(path, "keyed", pw).get("k").reveal() == "value-123456789"


def test_the_passphrase_is_derived_once_per_open(tmp_path, monkeypatch):
    path = tmp_path / "s.json"
    pw = passphrase()
    open_store(path, "keyed", pw).set("k", "value-123456789")
    calls = []
    real = crypto.derive_passphrase_key
    monkeypatch.setattr(
        crypto, "derive_passphrase_key", lambda *a: calls.append(1) or real(*a)
    )

    store = open_store(path, "keyed", pw)
    for i in range(20):
        store.set(f"n{i}", "value-123456789")
        store.get(f"n{i}")

    assert len(calls) == 1


@pytest.mark.parametrize(("old", "new"), list(itertools.product(MODES, MODES)))
def test_rekey_converts_between_any_two_modes(tmp_path, old, new):
    path = tmp_path / "s.json"
    old_pw, new_pw = _pw(old), _pw(new)
    values = {f"k{i}": new_value() for i in range(3)}
    store = open_store(path, old, old_pw)
    for name, secret in values.items():
        store.set(name, secret, provider="openai")
    prints = {name: store.info(name) for name in values}

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        store.rekey(encryption=new, passphrase=new_pw)

    again = open_store(path, new, new_pw)
    assert again.mode == store.mode == new
    for name, secret in values.items():
        assert again.get(name).reveal() == secret
        info = again.info(name)
        assert info.fingerprint == prints[name].fingerprint
        assert (info.created, info.provider) == (prints[name].created, "openai")
    key_file = tmp_path / "s.json.key"
    assert key_file.exists() == (new == "auto")
    if new == "auto":
        assert len(key_file.read_text().splitlines()) == 1
    if old_pw and new_pw:
        with pytest.raises(WrongPassphrase):
            open_store(path, "keyed", old_pw)


def test_rekey_to_keyed_needs_a_passphrase(tmp_path):
    store = open_store(tmp_path / "s.json", "auto")
    store.set("k", new_value())
    before = (tmp_path / "s.json").read_bytes()

    with pytest.raises(StoreLocked):
        store.rekey(encryption="keyed")
    with pytest.raises(InvalidSecret):
        store.rekey(encryption="keyed", passphrase="short")
    with pytest.raises(StoreError):
        store.rekey(encryption="sideways")
    assert (tmp_path / "s.json").read_bytes() == before


def test_other_store_objects_follow_a_rekey(tmp_path):
    path = tmp_path / "s.json"
    secret = new_value()
    first = open_store(path, "auto")
    first.set("k", secret)
    reader = SecretStore.open(path)

    first.rekey()

    assert reader.get("k").reveal() == secret
    first.rekey(encryption="keyed", passphrase=passphrase())
    with pytest.raises(StoreLocked):
        reader.get("k")


def test_a_passphrase_that_is_not_unicode_text_is_refused(tmp_path):
    with pytest.raises(InvalidSecret, match="Unicode"):
        SecretStore.open(
            tmp_path / "s.json", encryption="keyed", passphrase="pass\udcffphrase"
        )
    assert not (tmp_path / "s.json").exists()
