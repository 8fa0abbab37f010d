"""Bad input, and nothing lost: every damaged store fails typed and unchanged."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from _store import ENCRYPTED, open_store, passphrase, snapshot
from _store import value as new_value

from tau_secrets_ext.core import crypto
from tau_secrets_ext.core.errors import (
    KeyFileMissing,
    StoreCorrupted,
    StoreError,
    StorePermissionError,
    UnsupportedStoreVersion,
    WrongPassphrase,
)
from tau_secrets_ext.store.store import SecretStore

pytestmark = pytest.mark.usefixtures("cheap_kdf")


class Made:
    """A small store on disk, its passphrase and the values in it."""

    def __init__(self, folder: Path, mode: str) -> None:
        self.path = folder / "store.json"
        self.mode = mode
        self.pw = passphrase() if mode == "keyed" else None
        self.values = {"alpha": new_value(), "beta": new_value()}
        store = open_store(self.path, mode, self.pw)
        store.set("alpha", self.values["alpha"], provider="openai")
        store.set("beta", self.values["beta"], provider="openai")

    def doc(self) -> dict:
        return json.loads(self.path.read_text())

    def write(self, doc: dict) -> None:
        # Same layout as the store writes, so only the edit itself differs.
        self.path.write_text(json.dumps(doc, separators=(",", ":")) + "\n")

    def use(self, pw: str | None = "same") -> None:
        """Open, list, read every value and write once: the store in full use."""
        store = open_store(self.path, self.mode, self.pw if pw == "same" else pw)
        for name in store.names():
            store.get(name)
            store.info(name)
        store.set("gamma", new_value())


@pytest.fixture(params=ENCRYPTED)
def made(request, tmp_path) -> Made:
    return Made(tmp_path, request.param)


def _fails_unchanged(made: Made, error: type[Exception], **kw) -> Exception:
    """Using the store raises ``error``; no byte of store or key file changed."""
    folder = made.path.parent
    before = snapshot(folder)
    with pytest.raises(error) as caught:
        made.use(**kw)
    assert snapshot(folder) == before
    message = str(caught.value)
    assert "store.json" in message
    for secret in made.values.values():
        assert secret[:10] not in message
    return caught.value


def test_wrong_passphrase_fails_before_any_record_and_leaves_file(tmp_path):
    made = Made(tmp_path, "keyed")
    err = _fails_unchanged(made, WrongPassphrase, pw=passphrase())
    assert "passphrase" in str(err)


def test_missing_key_file_says_so_and_never_makes_a_new_key(tmp_path):
    made = Made(tmp_path, "auto")
    key_file = tmp_path / "store.json.key"
    os.remove(key_file)

    err = _fails_unchanged(made, KeyFileMissing)

    assert "store.json.key" in str(err) and "missing" in str(err)
    assert not key_file.exists()


def test_key_file_without_the_store_key_fails(tmp_path):
    made = Made(tmp_path, "auto")
    key_file = tmp_path / "store.json.key"
    key_file.write_bytes(crypto.encode_key_file({"other": crypto.new_key()}))
    _fails_unchanged(made, KeyFileMissing)


def test_truncated_file_is_corrupted(made):
    data = made.path.read_bytes()
    for cut in (0, 1, len(data) // 2, len(data) - 3):
        made.path.write_bytes(data[:cut])
        _fails_unchanged(made, StoreCorrupted)


def test_invalid_json_is_corrupted(made):
    made.path.write_bytes(b"{not json at all")
    err = _fails_unchanged(made, StoreCorrupted)
    assert "JSON" in str(err)


@pytest.mark.parametrize("version", [0, 2, 99, "1"])
def test_unknown_version_is_refused(made, version):
    doc = made.doc()
    doc["version"] = version
    made.write(doc)
    err = _fails_unchanged(made, UnsupportedStoreVersion)
    assert "upgrade" in str(err)


@pytest.mark.parametrize(("mask", "stride"), [(0x01, 1), (0x80, 3), (0x20, 3)])
def test_every_flipped_byte_is_detected(made, mask, stride):
    data = made.path.read_bytes()
    key_file = made.path.with_name("store.json.key")
    keys = key_file.read_bytes() if key_file.exists() else None
    for index in range(0, len(data), stride):
        flipped = bytearray(data)
        flipped[index] ^= mask
        made.path.write_bytes(flipped)
        with pytest.raises(StoreError):
            made.use()
        assert made.path.read_bytes() == flipped
    assert keys is None or key_file.read_bytes() == keys


def test_swapped_ciphertexts_are_detected(made):
    doc = made.doc()
    records = doc["records"]
    records["alpha"], records["beta"] = records["beta"], records["alpha"]
    made.write(doc)
    _fails_unchanged(made, WrongPassphrase)


def test_renamed_record_is_detected(made):
    doc = made.doc()
    doc["records"]["gamma"] = doc["records"].pop("alpha")
    made.write(doc)
    _fails_unchanged(made, WrongPassphrase)


def test_records_are_bound_to_their_place_even_under_a_valid_mac(made):
    # The file MAC already catches a swap; re-signing the edited file with
    # the store's own key shows the per-record binding holds on its own.
    store = open_store(made.path, made.mode, made.pw)
    doc = made.doc()
    records = doc["records"]
    records["alpha"], records["beta"] = records["beta"], records["alpha"]
    doc["records"]["gamma"] = doc["records"].pop("alpha")
    del doc["mac"]
    body = json.dumps(doc, separators=(",", ":")).encode()
    signed = body[:-1]
    mac = crypto.b64encode(store._codec.sign(signed))
    made.path.write_bytes(signed + b',"mac":"' + mac.encode() + b'"}\n')

    again = open_store(made.path, made.mode, made.pw)
    for name in ("beta", "gamma"):
        with pytest.raises(WrongPassphrase, match=name):
            again.get(name)


def test_edited_kdf_parameters_are_detected(tmp_path):
    made = Made(tmp_path, "keyed")
    for field, change in (("iterations", 1), ("memory_kib", 8), ("lanes", 1)):
        doc = made.doc()
        doc["kdf"][field] += change
        made.write(doc)
        _fails_unchanged(made, WrongPassphrase)


def test_header_edited_to_none_is_a_detected_downgrade(made):
    doc = made.doc()
    doc["mode"] = "none"
    made.write(doc)
    err = _fails_unchanged(made, WrongPassphrase)
    assert "altered" in str(err)


def test_a_convincing_none_header_beside_a_key_file_is_refused(tmp_path):
    made = Made(tmp_path, "auto")
    forged = tmp_path / "forged"
    forged.mkdir()
    open_store(forged / "store.json", "none").set("x", new_value())
    made.path.write_bytes((forged / "store.json").read_bytes())
    made.mode = "none"

    err = _fails_unchanged(made, WrongPassphrase)

    assert "key file" in str(err)


def test_symlinked_store_is_refused(tmp_path):
    made = Made(tmp_path / "real", "auto")
    link_dir = tmp_path / "linked"
    link_dir.mkdir()
    (link_dir / "store.json").symlink_to(made.path)
    (link_dir / "store.json.key").symlink_to(tmp_path / "real" / "store.json.key")
    made.path = link_dir / "store.json"

    err = _fails_unchanged(made, StorePermissionError)

    assert "symbolic link" in str(err)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to chown to another user")
def test_store_owned_by_another_user_is_refused(made):
    os.chown(made.path, 65534, 65534)
    err = _fails_unchanged(made, StorePermissionError)
    assert "another user" in str(err)


def test_store_that_is_a_folder_is_refused(tmp_path):
    (tmp_path / "store.json").mkdir()
    with pytest.raises(StoreError):
        SecretStore.open(tmp_path / "store.json")


def test_an_open_store_never_overwrites_a_file_tampered_since(made):
    store = open_store(made.path, made.mode, made.pw)
    doc = made.doc()
    doc["records"]["alpha"]["ciphertext"] = doc["records"]["beta"]["ciphertext"]
    made.write(doc)
    before = made.path.read_bytes()

    actions = [
        lambda: store.set("gamma", new_value()),
        lambda: store.delete("beta"),
        lambda: store.rekey(encryption="auto"),
        lambda: store.get("beta"),
    ]
    for action in actions:
        with pytest.raises(WrongPassphrase):
            action()
        assert made.path.read_bytes() == before


def test_change_by_another_process_that_breaks_the_file_is_caught(made):
    store = open_store(made.path, made.mode, made.pw)
    before = made.path.read_bytes()
    made.path.write_bytes(before[:-10])

    with pytest.raises(StoreCorrupted):
        store.names()
    with pytest.raises(StoreCorrupted):
        store.set("delta", new_value())
    assert made.path.read_bytes() == before[:-10]
