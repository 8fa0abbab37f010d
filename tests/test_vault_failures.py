"""The Vault backend when the server goes away, hangs, is sealed or is missing.

These use an OpenBao server with raft storage, so that it can be stopped and
started again with its data, and show that a failed write loses nothing.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from _openbao import BaoServer, free_ports

from tau_secrets_ext.core.errors import BackendConfigError, BackendUnavailable
from tau_secrets_ext.store.backends.vault import VaultBackend

pytestmark = pytest.mark.vault


def _value(tag: str = "v") -> str:
    return f"tau-{tag}-" + secrets.token_urlsafe(24)


@pytest.fixture(scope="module")
def durable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BaoServer]:
    server = BaoServer(tmp_path_factory.mktemp("bao-raft"), dev=False).start()
    yield server
    server.stop()


@pytest.fixture
def running(durable: BaoServer) -> BaoServer:
    """The durable server, started and unsealed whatever the last test did."""
    durable.resume()
    if durable.process is None:
        durable.start()
    elif durable.client().sys.is_sealed():
        durable.unseal()
    return durable


def _backend(server: BaoServer, timeout: float = 5) -> VaultBackend:
    path = f"tau/{secrets.token_hex(4)}"
    return VaultBackend(server.addr, server.root_token, path=path, timeout=timeout)


def _assert_clean(message: str, server: BaoServer, *values: str) -> None:
    assert "\n" not in message
    assert server.root_token not in message
    for value in values:
        assert value not in message


def test_a_stopped_server_fails_clearly_and_a_failed_write_loses_nothing(running):
    backend = _backend(running)
    old, new = _value("old"), _value("new")
    backend.set("key", old)
    backend.set("other", _value())

    running.stop()
    for attempt in (
        lambda: backend.set("key", new),
        lambda: backend.set("added", new),
        lambda: backend.get("key"),
        backend.names,
        lambda: backend.delete("other"),
    ):
        with pytest.raises(BackendUnavailable, match="cannot reach") as caught:
            attempt()
        assert running.addr in str(caught.value)
        _assert_clean(str(caught.value), running, old, new)

    running.start()
    assert backend.get("key").reveal() == old
    assert backend.names() == ["key", "other"]


def test_a_sealed_server_says_so(running):
    backend = _backend(running)
    value = _value()
    backend.set("key", value)

    running.seal()
    with pytest.raises(BackendUnavailable, match="is sealed") as caught:
        backend.get("key")
    _assert_clean(str(caught.value), running, value)

    running.unseal()
    assert backend.get("key").reveal() == value


def test_a_hung_server_times_out_within_the_bound(running):
    backend = _backend(running, timeout=1)
    backend.set("key", _value())

    running.pause()
    try:
        started = time.monotonic()
        with pytest.raises(BackendUnavailable, match="did not answer within 1 s"):
            backend.get("key")
        elapsed = time.monotonic() - started
    finally:
        running.resume()
    # One timeout, not one per retry; generous slack for a loaded machine.
    assert elapsed < 4


def test_nothing_listening_fails_fast_after_bounded_retries():
    (port,) = free_ports(1)
    backend = VaultBackend(f"http://127.0.0.1:{port}", "tau-tok-x", path="tau/x")
    started = time.monotonic()
    with pytest.raises(BackendUnavailable, match="cannot reach"):
        backend.names()
    assert time.monotonic() - started < 4


def test_a_non_vault_server_is_reported_as_failing(tmp_path):
    (port,) = free_ports(1)
    web = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        backend = VaultBackend(f"http://127.0.0.1:{port}", "tau-tok-x", path="tau/x")
        deadline = time.monotonic() + 10
        while True:
            try:
                backend.names()
            except BackendUnavailable:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)  # the web server may still be starting
            except BackendConfigError as error:
                assert "KV version 2" in str(error)
                break
    finally:
        web.terminate()
        web.wait(timeout=10)


def test_without_hvac_the_error_names_the_extra():
    code = (
        "import sys; sys.modules['hvac'] = None\n"
        "from tau_secrets_ext.store.backends.vault import VaultBackend\n"
        "from tau_secrets_ext.core.errors import BackendConfigError\n"
        "try:\n"
        "    VaultBackend('http://127.0.0.1:1', 'tau-tok-x', path='tau/x')\n"
        "except BackendConfigError as error:\n"
        "    print(error)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert "pip install 'tau-secrets-ext[vault]'" in result.stdout, result.stderr
