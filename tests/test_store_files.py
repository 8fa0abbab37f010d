"""Files on disk: modes whatever the umask, loosened files, temp files, failures."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator

import pytest
from _store import MODES, open_store, passphrase
from _store import value as new_value

from tau_secrets_ext.core.errors import (
    StoreError,
    StorePermissionError,
    StorePermissionWarning,
)
from tau_secrets_ext.store.store import SecretStore

pytestmark = pytest.mark.usefixtures("cheap_kdf")


@pytest.fixture
def umask_zero() -> Iterator[None]:
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.mark.parametrize("mode", MODES)
def test_files_are_0600_and_folders_0700_under_umask_zero(tmp_path, umask_zero, mode):
    folder = tmp_path / "a" / "b"
    pw = passphrase() if mode == "keyed" else None
    store = open_store(folder / "store.json", mode, pw)
    store.set("k", new_value())
    store.set("k2", new_value())
    store.rekey(encryption=mode, passphrase=pw)

    assert _mode(tmp_path / "a") == 0o700
    assert _mode(folder) == 0o700
    for path in folder.iterdir():
        assert _mode(path) == 0o600, path.name
    names = {p.name for p in folder.iterdir()}
    assert "store.json" in names and ("store.json.key" in names) == (mode == "auto")


def test_a_loosened_store_is_set_back_to_0600_with_a_warning(tmp_path):
    path = tmp_path / "store.json"
    open_store(path, "auto").set("k", new_value())
    os.chmod(path, 0o660)  # what a Kubernetes fsGroup volume does
    os.chmod(tmp_path / "store.json.key", 0o644)
    before = path.read_bytes()

    with pytest.warns(StorePermissionWarning, match="0600") as caught:
        SecretStore.open(path).get("k")

    assert _mode(path) == 0o600 and _mode(tmp_path / "store.json.key") == 0o600
    assert path.read_bytes() == before
    assert len(caught) == 2


def test_strict_permissions_refuse_a_loosened_store(tmp_path):
    path = tmp_path / "store.json"
    open_store(path, "auto").set("k", new_value())
    os.chmod(path, 0o644)

    with pytest.raises(StorePermissionError, match="chmod 600"):
        SecretStore.open(path, strict_permissions=True)
    assert _mode(path) == 0o644


def test_stale_temp_files_of_a_killed_writer_are_removed(tmp_path):
    path = tmp_path / "store.json"
    store = open_store(path, "auto")
    store.set("k", new_value())
    stale = tmp_path / ".store.json.tmp-deadbeefdeadbeef"
    stale.write_bytes(b"half a file")

    store.set("k2", new_value())

    assert not stale.exists()
    assert store.names() == ["k", "k2"]


def test_a_failing_disk_leaves_the_store_unchanged(tmp_path, monkeypatch):
    path = tmp_path / "store.json"
    store = open_store(path, "auto")
    secret = new_value()
    store.set("k", secret)
    before = path.read_bytes()

    # No real disk here can be made to fail on cue; a failing fsync stands in.
    def broken_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(StoreError, match="No space left") as caught:
        store.set("k2", new_value())
    monkeypatch.undo()

    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "store.json",
        "store.json.key",
        "store.json.lock",
    ]
    assert "nothing was changed" in str(caught.value)
    assert store.names() == ["k"] and store.get("k").reveal() == secret


def test_a_store_path_under_a_file_is_a_store_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match="Not a directory"):
        SecretStore.open(blocker / "store.json")
    with pytest.raises(StoreError):
        SecretStore.open(blocker / "sub" / "store.json").set("k", new_value())
    assert blocker.read_text() == "not a folder"


def test_a_symlinked_lock_file_is_refused_and_its_target_untouched(tmp_path):
    path = tmp_path / "store.json"
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (tmp_path / "store.json.lock").symlink_to(victim)

    with pytest.raises(StorePermissionError, match="symbolic link"):
        SecretStore.open(path).set("k", new_value())

    assert victim.read_text() == "precious"
    assert not path.exists()
