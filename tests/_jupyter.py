"""Start a real Jupyter server or JupyterLab on 127.0.0.1 for a test.

The server runs in a subprocess with a temporary root, store and Jupyter
folders, so it reads no user configuration other than this environment's
own (where the package's server-extension config is installed).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

START_TIMEOUT = 60.0


@dataclass
class Server:
    """A running server: where it listens, its token and its log file."""

    url: str
    token: str
    root: Path
    log: Path
    process: subprocess.Popen[bytes]

    def request(self, method: str, path: str, body: Any = None) -> Any:
        """Call the REST API; returns the decoded JSON reply (or None)."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            f"{self.url}{path}",
            data=data,
            method=method,
            headers={
                "Authorization": f"token {self.token}",
                "Content-Type": "application/json",
            },
        )
        with urllib.request.urlopen(req, timeout=30) as reply:
            text = reply.read()
        return json.loads(text) if text else None

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for a server: private Jupyter and IPython folders, no keys."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.endswith(("_API_KEY", "_TOKEN")) and not k.startswith("TAU_SECRETS")
    }
    env.update(
        HOME=str(home),
        JUPYTER_CONFIG_DIR=str(home / "jupyter-config"),
        JUPYTER_DATA_DIR=str(home / "jupyter-data"),
        JUPYTER_RUNTIME_DIR=str(home / "jupyter-runtime"),
        IPYTHONDIR=str(home / "ipython"),
        TAU_SECRETS_DIR=str(home / "tau-store"),
        JUPYTER_PLATFORM_DIRS="1",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra or {})
    return env


@contextlib.contextmanager
def running_server(
    root: Path, env: dict[str, str], *, lab: bool = False, args: tuple[str, ...] = ()
) -> Iterator[Server]:
    """Run ``jupyter server`` (or ``jupyter lab``) until the block ends."""
    token = secrets.token_hex(16)
    port = free_port()
    app = "jupyterlab" if lab else "jupyter_server"
    command = [
        sys.executable,
        "-m",
        app,
        "--no-browser",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.root_dir={root}",
        f"--IdentityProvider.token={token}",
        *args,
    ]
    if os.geteuid() == 0:  # CI containers run as root
        command.append("--allow-root")
    log = root.parent / f"{app}-{port}.log"
    with open(log, "wb") as sink:
        process = subprocess.Popen(
            command, env=env, stdout=sink, stderr=subprocess.STDOUT, cwd=root
        )
    server = Server(f"http://127.0.0.1:{port}", token, root, log, process)
    try:
        _wait_ready(server)
        yield server
    finally:
        _stop(process)


def _wait_ready(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{server.log_text()[-3000:]}")
        try:
            server.request("GET", "/api/status")
            return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.2)
    raise RuntimeError(f"server did not start:\n{server.log_text()[-3000:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def notebook(cells: list[dict[str, Any]], metadata: Any = None) -> dict[str, Any]:
    """A minimal nbformat 4.5 notebook dict."""
    return {
        "cells": cells,
        "metadata": metadata or {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def code_cell(
    source: str, outputs: list[dict[str, Any]], n: int | None = 1
) -> dict[str, Any]:
    return {
        "cell_type": "code",
        "execution_count": n,
        "id": secrets.token_hex(4),
        "metadata": {},
        "outputs": outputs,
        "source": source,
    }


def stream(text: str, name: str = "stdout") -> dict[str, Any]:
    return {"name": name, "output_type": "stream", "text": text}
