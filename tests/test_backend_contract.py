"""One contract for every place keys can live, run against each backend.

The file store runs in its three modes; the Vault backend runs against a
real OpenBao dev server with a token whose policy grants only its own path.
"""

from __future__ import annotations

import re
import secrets
import time
import warnings
from collections.abc import Callable, Iterator

import pytest
from _openbao import BaoServer, shared_dev_server, unique_user

from tau_secrets_ext.core import crypto
from tau_secrets_ext.core.errors import InvalidSecret, SecretNotFound
from tau_secrets_ext.core.secret import Secret
from tau_secrets_ext.store.backends.base import SecretBackend, SecretInfo
from tau_secrets_ext.store.backends.vault import VaultBackend
from tau_secrets_ext.store.store import SecretStore

Factory = Callable[[], SecretBackend]

BAD_NAMES = ["", "a" * 65, "has space", "a/b", "dots/../up", "ümlaut", "new\nline"]


def _value(tag: str = "v") -> str:
    return f"tau-{tag}-" + secrets.token_urlsafe(24)


@pytest.fixture(scope="session")
def bao(request: pytest.FixtureRequest) -> BaoServer:
    return shared_dev_server(request)


@pytest.fixture(
    params=[
        "file-auto",
        "file-keyed",
        "file-none",
        pytest.param("vault", marks=pytest.mark.vault),
    ]
)
def make(request: pytest.FixtureRequest, tmp_path, monkeypatch) -> Iterator[Factory]:
    """A factory of backend instances that all see the same, initially empty place."""
    kind = request.param
    if kind == "vault":
        server: BaoServer = request.getfixturevalue("bao")
        path = f"tau/{unique_user()}"
        token = server.add_user(path.replace("/", "-"), writes=[path])
        yield lambda: VaultBackend(server.addr, token, path=path, timeout=5)
        return

    mode = kind.removeprefix("file-")
    store_file = tmp_path / "store.json"
    passphrase = "tau-pass-" + secrets.token_urlsafe(12) if mode == "keyed" else None
    # Cheap Argon2id costs: the contract is about behaviour, not KDF strength.
    cheap = crypto.KdfParams(memory_kib=1024, iterations=1, lanes=1)
    monkeypatch.setattr(SecretStore, "_kdf_params", cheap)

    def open_store() -> SecretBackend:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # mode none warns on every open
            return SecretStore.open(store_file, encryption=mode, passphrase=passphrase)

    yield open_store


@pytest.fixture
def backend(make: Factory) -> SecretBackend:
    return make()


def test_a_new_backend_is_empty(backend):
    assert backend.names() == []
    assert "anything" not in backend
    assert isinstance(backend.description, str) and backend.description


def test_set_then_get_returns_a_secret(backend):
    value = _value()
    backend.set("openai", value, provider="openai")

    got = backend.get("openai")
    assert isinstance(got, Secret)
    assert got.reveal() == value
    assert value not in repr(got)
    assert "openai" in backend


def test_unicode_and_punctuation_values_round_trip(backend):
    value = "ключ/é+=" + secrets.token_urlsafe(16) + '"\\'
    backend.set("unicode", value)
    assert backend.get("unicode").reveal() == value


def test_a_value_of_exactly_64_kib_is_accepted(backend):
    value = "x" * (64 * 1024 - 8) + secrets.token_hex(4)
    backend.set("big", value)
    assert backend.get("big").reveal() == value


def test_names_are_sorted_and_listed_once(backend):
    for name in ["zeta", "alpha", "Mid.dle", "b-2", "alpha"]:
        backend.set(name, _value())
    assert backend.names() == sorted({"zeta", "alpha", "Mid.dle", "b-2"})


def test_get_of_a_missing_name_raises_secret_not_found(backend):
    backend.set("present", _value())
    with pytest.raises(SecretNotFound) as caught:
        backend.get("absent")
    assert isinstance(caught.value, KeyError)
    assert "absent" in str(caught.value)


def test_delete_removes_and_a_second_delete_raises(backend):
    backend.set("gone", _value())
    backend.set("kept", _value())

    backend.delete("gone")

    assert backend.names() == ["kept"]
    with pytest.raises(SecretNotFound):
        backend.get("gone")
    with pytest.raises(SecretNotFound):
        backend.delete("gone")
    with pytest.raises(SecretNotFound):
        backend.info("gone")


def test_info_describes_without_the_value(backend):
    value = _value()
    backend.set("hf", value, provider="huggingface")

    info = backend.info("hf")

    assert isinstance(info, SecretInfo)
    assert (info.name, info.provider) == ("hf", "huggingface")
    assert re.fullmatch(r"[0-9a-f]{8}", info.fingerprint)
    assert isinstance(info.source, str) and info.source
    for text in (repr(info), str(info), *map(str, vars(info).values())):
        assert value not in text
    assert backend.info("hf").fingerprint == info.fingerprint


def test_fingerprints_follow_the_value(backend):
    same = _value()
    backend.set("one", same)
    backend.set("two", same)
    backend.set("other", _value())

    assert backend.info("one").fingerprint == backend.info("two").fingerprint
    assert backend.info("one").fingerprint != backend.info("other").fingerprint


def test_provider_is_optional(backend):
    backend.set("plain", _value())
    assert backend.info("plain").provider is None


def test_overwrite_replaces_value_and_updated_but_not_created(backend):
    first, second = _value("first"), _value("second")
    backend.set("rotating", first, provider="openai")
    before = backend.info("rotating")

    time.sleep(1.1)  # times have one-second resolution
    backend.set("rotating", second, provider="openai")
    after = backend.info("rotating")

    assert backend.get("rotating").reveal() == second
    assert after.created == before.created
    assert after.updated > before.updated
    assert after.fingerprint != before.fingerprint
    assert backend.names() == ["rotating"]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_bad_names_are_refused_everywhere(backend, name):
    value = _value()
    for attempt in (
        lambda: backend.set(name, value),
        lambda: backend.get(name),
        lambda: backend.delete(name),
        lambda: backend.info(name),
    ):
        with pytest.raises(InvalidSecret) as caught:
            attempt()
        assert value not in str(caught.value)
    assert backend.names() == []


@pytest.mark.parametrize(
    "value",
    [
        "",
        " padded-" + secrets.token_hex(8),
        secrets.token_hex(8) + "\n",
        "\t" + secrets.token_hex(8),
        "x" * (64 * 1024 + 1),
    ],
    ids=["empty", "leading-space", "trailing-newline", "leading-tab", "too-long"],
)
def test_bad_values_are_refused_and_nothing_is_stored(backend, value):
    backend.set("keep", "tau-kept-" + secrets.token_hex(8))
    with pytest.raises(InvalidSecret) as caught:
        backend.set("bad", value)
    if value.strip():
        assert value.strip() not in str(caught.value)
    assert backend.names() == ["keep"]


def test_a_refused_overwrite_keeps_the_old_value(backend):
    old = _value()
    backend.set("stable", old)
    with pytest.raises(InvalidSecret):
        backend.set("stable", old + " ")
    assert backend.get("stable").reveal() == old


def test_a_bad_provider_is_refused(backend):
    with pytest.raises(InvalidSecret):
        backend.set("p", _value(), provider="not a provider")
    assert backend.names() == []


def test_a_second_instance_sees_changes_without_reopening(make):
    writer, reader = make(), make()
    assert reader.names() == []

    value = _value()
    writer.set("fresh", value)
    assert reader.names() == ["fresh"]
    assert reader.get("fresh").reveal() == value

    writer.delete("fresh")
    assert reader.names() == []


def test_not_found_messages_carry_no_values(backend):
    stored = _value()
    backend.set("known", stored)
    with pytest.raises(SecretNotFound) as caught:
        backend.get("unknown")
    assert stored not in str(caught.value)
    assert stored not in repr(backend)
