"""SecretStore behaviour: round trips, the raw file, metadata, redaction."""

from __future__ import annotations

import json
import logging
import os
import re
import string

import pytest
from _store import ENCRYPTED, MODES, encoded_forms, open_store, passphrase
from _store import value as new_value
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tau_secrets_ext.core.errors import InvalidSecret, SecretNotFound
from tau_secrets_ext.core.secret import Secret
from tau_secrets_ext.store.store import SecretStore

pytestmark = pytest.mark.usefixtures("cheap_kdf")


@pytest.fixture(params=MODES)
def mode(request) -> str:
    return request.param


@pytest.fixture
def pw(mode) -> str | None:
    return passphrase() if mode == "keyed" else None


def test_open_creates_nothing_until_the_first_set(tmp_path, mode, pw):
    folder = tmp_path / "deep" / "folder"
    store = open_store(folder / "store.json", mode, pw)

    assert store.names() == []
    assert not folder.exists()

    store.set("openai", new_value(), provider="openai")
    assert (folder / "store.json").is_file()
    assert (folder / "store.json.key").exists() == (mode == "auto")


def test_round_trip_survives_reopening(tmp_path, mode, pw):
    path = tmp_path / "store.json"
    values = {"openai": new_value(), "hf.token": new_value(), "x_1-2": "ünï©ødé…8"}
    store = open_store(path, mode, pw)
    for name, secret in values.items():
        store.set(name, secret, provider="openai")

    again = open_store(path, mode, pw)

    assert again.names() == sorted(values)
    for name, secret in values.items():
        got = again.get(name)
        assert isinstance(got, Secret)
        assert got.reveal() == secret
    assert again.mode == mode
    assert again.description == ("plaintext" if mode == "none" else "encrypted")


def test_set_replaces_and_delete_removes(tmp_path, mode, pw):
    store = open_store(tmp_path / "s.json", mode, pw)
    first, second = new_value(), new_value()
    store.set("k", first, provider="groq")
    store.set("k", second)

    assert store.get("k").reveal() == second
    assert store.info("k").provider == "groq"  # provider=None keeps the old one

    store.delete("k")
    assert store.names() == []
    with pytest.raises(SecretNotFound, match="no secret named 'k'"):
        store.get("k")
    with pytest.raises(SecretNotFound):
        store.delete("k")


def test_info_shows_metadata_and_a_keyed_fingerprint(tmp_path, mode, pw):
    store = open_store(tmp_path / "s.json", mode, pw)
    secret = new_value()
    store.set("a", secret, provider="openai")
    store.set("b", secret)
    store.set("c", new_value())

    info = store.info("a")

    assert info.name == "a" and info.provider == "openai" and info.source == "store"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", info.created)
    assert info.created <= info.updated
    assert re.fullmatch(r"[0-9a-f]{8}", info.fingerprint)
    assert store.info("b").fingerprint == info.fingerprint
    assert store.info("c").fingerprint != info.fingerprint
    assert secret not in repr(info)
    other = open_store(tmp_path / "other.json", mode, pw)
    other.set("a", secret)
    assert other.info("a").fingerprint != info.fingerprint


def test_default_path_follows_tau_secrets_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TAU_SECRETS_DIR", str(tmp_path / "here"))

    store = SecretStore.open()
    store.set("k", new_value())

    assert SecretStore.default_path() == tmp_path / "here" / "store.json"
    assert store.path == SecretStore.default_path()
    assert SecretStore.peek_mode() == "auto"
    assert SecretStore.peek_mode(tmp_path / "missing.json") is None


def test_path_may_be_a_string(tmp_path):
    store = SecretStore.open(str(tmp_path / "s.json"))
    store.set("k", "value-12345678")
    assert SecretStore.open(str(tmp_path / "s.json")).get("k").reveal() == (
        "value-12345678"
    )


@pytest.mark.parametrize("mode", ENCRYPTED)
def test_raw_files_never_hold_the_value_in_any_encoding(tmp_path, mode):
    pw = passphrase() if mode == "keyed" else None
    store = open_store(tmp_path / "s.json", mode, pw)
    secrets_ = [new_value() for _ in range(5)] + ["Ünïcødé-välue-€€€-日本語"]
    for i, secret in enumerate(secrets_):
        store.set(f"k{i}", secret, provider="openai")
    store.rekey(encryption=mode, passphrase=pw)

    blobs = [p.read_bytes() for p in tmp_path.iterdir() if p.is_file()]

    for secret in secrets_:
        for form in encoded_forms(secret):
            assert not any(form in blob for blob in blobs), form[:4]
    if pw is not None:
        assert not any(pw.encode() in blob for blob in blobs)


@pytest.mark.parametrize("mode", ENCRYPTED)
def test_record_sizes_hide_value_lengths(tmp_path, mode):
    pw = passphrase() if mode == "keyed" else None
    store = open_store(tmp_path / "s.json", mode, pw)
    store.set("a", "x" * 9)
    store.set("b", "y" * 30)

    records = json.loads((tmp_path / "s.json").read_text())["records"]

    assert len(records["a"]["ciphertext"]) == len(records["b"]["ciphertext"])


def test_none_mode_keeps_plaintext_and_says_so(tmp_path):
    store = open_store(tmp_path / "s.json", "none")
    secret = new_value()
    store.set("k", secret)

    doc = json.loads((tmp_path / "s.json").read_text())

    assert doc["mode"] == "none"
    assert doc["records"]["k"]["value"] == secret
    assert store.description == "plaintext"


_BAD_VALUES = {
    "empty": lambda v: "",
    "leading space": lambda v: " " + v,
    "trailing newline": lambda v: v + "\n",
    "tab and space": lambda v: "\t" + v + " ",
    "over 64 KiB": lambda v: v * (64 * 1024 // len(v) + 1),
    "lone surrogate": lambda v: v + "\udcff" + v,
}


@pytest.mark.parametrize("kind", sorted(_BAD_VALUES))
def test_invalid_values_are_refused_and_change_nothing(tmp_path, kind, canary):
    store = open_store(tmp_path / "s.json", "auto")
    store.set("k", "kept-value-123")
    before = (tmp_path / "s.json").read_bytes()
    bad = _BAD_VALUES[kind](canary)

    with pytest.raises(InvalidSecret) as caught:
        store.set("k", bad)

    assert (tmp_path / "s.json").read_bytes() == before
    assert store.get("k").reveal() == "kept-value-123"
    text = str(caught.value)
    assert text and canary[:12] not in text and str(len(bad)) not in text


@pytest.mark.parametrize("extra", ["", "x" * 65, " space", "/slash", "ü", "\n"])
def test_invalid_names_are_refused_without_echo(tmp_path, extra, canary):
    store = open_store(tmp_path / "s.json", "auto")
    bad = "" if not extra else canary[:20] + extra

    for call in (lambda: store.set(bad, "value-12345678"), lambda: store.get(bad)):
        with pytest.raises(InvalidSecret) as caught:
            call()
        assert canary[:8] not in str(caught.value)
    assert not (tmp_path / "s.json").exists()


def test_invalid_provider_is_refused(tmp_path):
    store = open_store(tmp_path / "s.json", "auto")
    with pytest.raises(InvalidSecret, match="provider"):
        store.set("k", "value-12345678", provider="not valid!")


def test_reprs_and_errors_never_show_a_value(tmp_path, mode, pw, canary):
    store = open_store(tmp_path / "s.json", mode, pw)
    store.set("k", canary, provider="openai")
    shown = [repr(store), str(store), repr(store.get("k")), repr(store.info("k"))]
    shown += [repr(store._records), repr(store._records.get("k")), repr(store._codec)]
    shown.append(repr(store._header))

    for failing in (lambda: store.get("nope"), lambda: store.set("k", " " + canary)):
        with pytest.raises((SecretNotFound, InvalidSecret)) as caught:
            failing()
        shown.append(str(caught.value))

    for text in shown:
        assert canary not in text and canary[:12] not in text


def test_normal_use_logs_nothing_above_debug(tmp_path, mode, pw, caplog):
    caplog.set_level(logging.DEBUG, logger="tau_secrets_ext")
    store = open_store(tmp_path / "s.json", mode, pw)
    secret = new_value()
    store.set("k", secret)
    store.get("k")
    store.names()

    assert all(r.levelno <= logging.DEBUG for r in caplog.records)
    assert all(secret not in r.getMessage() for r in caplog.records)


def test_accepts_a_secret_object_as_value(tmp_path):
    store = open_store(tmp_path / "s.json", "auto")
    store.set("k", Secret("wrapped-value-1"))
    assert store.get("k").reveal() == "wrapped-value-1"


_unicode = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=300
).filter(lambda s: s == s.strip())


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(secret=_unicode, name=st.text(string.ascii_letters + "._-", min_size=1))
def test_any_unicode_value_round_trips_in_every_mode(tmp_path, secret, name):
    name = name[:64]
    for mode in MODES:
        path = tmp_path / f"{mode}.json"
        pw = "fixed-passphrase" if mode == "keyed" else None
        open_store(path, mode, pw).set(name, secret)
        assert open_store(path, mode, pw).get(name).reveal() == secret


def test_readers_see_writes_of_other_store_objects(tmp_path, mode, pw):
    path = tmp_path / "s.json"
    reader = open_store(path, mode, pw)
    writer = open_store(path, mode, pw)
    secret = new_value()

    writer.set("new", secret)
    assert reader.names() == ["new"]
    assert reader.get("new").reveal() == secret

    writer.delete("new")
    assert reader.names() == []
    os.remove(path)
    assert reader.names() == []
