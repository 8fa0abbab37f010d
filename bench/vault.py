"""How long ``%tau_auth`` takes on the Vault backend, beside the file store.

Starts a real OpenBao dev server on 127.0.0.1, then measures, side by side
and interleaved so that both see the same machine load:

- cold: a fresh backend for every call (a new kernel's first ``%tau_auth``:
  a new connection and the mount check for Vault, opening the file for the
  store);
- warm: one backend, reused (every later ``%tau_auth`` in a kernel);
- magic: the real ``%tau_auth`` in an InteractiveShell with the extension
  loaded, once per backend.

The ``%tau_auth``-equivalent is what the magic does: is the name there, its
info, its value, register it with the scrubber, export the variable.

Run: .venv/bin/python bench/vault.py [--calls 200]
"""

from __future__ import annotations

import argparse
import io
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import redirect_stdout
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from _openbao import BaoServer, start_dev_server

from tau_secrets_ext.scrub.scrub import Scrubber
from tau_secrets_ext.store.backends.base import SecretBackend
from tau_secrets_ext.store.backends.vault import VaultBackend
from tau_secrets_ext.store.store import SecretStore

TARGET_WARM_P50_MS = 20.0
NAME, VAR = "openai", "OPENAI_API_KEY"


def auth_equivalent(backend: SecretBackend, scrubber: Scrubber) -> None:
    """The backend work of one ``%tau_auth openai``."""
    assert NAME in backend
    info = backend.info(NAME)
    value = backend.get(NAME).reveal()
    scrubber.register(value, info.provider or NAME)
    os.environ[VAR] = value


def timed(step: Callable[[], object]) -> float:
    started = time.perf_counter()
    step()
    return (time.perf_counter() - started) * 1000


def percentiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return statistics.median(samples), cuts[94]


def measure_backends(
    openers: dict[str, Callable[[], SecretBackend]], calls: int
) -> dict[tuple[str, str], list[float]]:
    """Cold and warm samples for every backend, interleaved call by call."""
    scrubber = Scrubber()
    warm = {kind: open_() for kind, open_ in openers.items()}
    for backend in warm.values():
        auth_equivalent(backend, scrubber)  # the first call is the cold one
    samples: dict[tuple[str, str], list[float]] = {}
    for _ in range(calls):
        for kind, open_ in openers.items():
            cold = timed(lambda open_=open_: auth_equivalent(open_(), scrubber))
            samples.setdefault((kind, "cold"), []).append(cold)
            hot = timed(lambda b=warm[kind]: auth_equivalent(b, scrubber))
            samples.setdefault((kind, "warm"), []).append(hot)
    return samples


def measure_magic(env: dict[str, str], calls: int) -> list[float]:
    """``%tau_auth openai`` through IPython, the extension loaded fresh."""
    from IPython.testing import globalipapp

    from tau_secrets_ext.ipython.extension import (
        load_ipython_extension,
        unload_ipython_extension,
    )

    saved = dict(os.environ)
    os.environ.update(env)
    globalipapp.start_ipython()
    shell = globalipapp.get_ipython()
    load_ipython_extension(shell)
    try:
        with redirect_stdout(io.StringIO()):
            shell.run_line_magic("tau_auth", NAME)  # opens the backend
            return [
                timed(lambda: shell.run_line_magic("tau_auth", NAME))
                for _ in range(calls)
            ]
    finally:
        unload_ipython_extension(shell)
        os.environ.clear()
        os.environ.update(saved)


def prepare(server: BaoServer, folder: Path) -> tuple[dict, dict, dict]:
    """A key in both backends; openers and shell environments for each."""
    value = "tau-bench-" + secrets.token_urlsafe(32)
    user = "bench-" + secrets.token_hex(3)
    token = server.add_user(user, writes=[f"tau/{user}"])
    store_file = folder / "store.json"

    def open_vault() -> SecretBackend:
        return VaultBackend(server.addr, token, path=f"tau/{user}")

    def open_file() -> SecretBackend:
        return SecretStore.open(store_file, encryption="auto")

    open_vault().set(NAME, value, provider="openai")
    open_file().set(NAME, value, provider="openai")
    envs = {
        "file": {"TAU_SECRETS_BACKEND": "file", "TAU_SECRETS_DIR": str(folder)},
        "vault": {
            "TAU_SECRETS_BACKEND": "vault",
            "VAULT_ADDR": server.addr,
            "VAULT_TOKEN": token,
            "JUPYTERHUB_USER": user,
        },
    }
    return {"file": open_file, "vault": open_vault}, envs, {"value": value}


def report(rows: dict[tuple[str, str], list[float]], calls: int) -> bool:
    print(f"%tau_auth latency, {calls} calls each, milliseconds")
    print(f"{'backend':8} {'path':6} {'p50':>8} {'p95':>8}")
    medians = {}
    for (kind, path), samples in rows.items():
        p50, p95 = percentiles(samples)
        medians[kind, path] = p50
        print(f"{kind:8} {path:6} {p50:8.2f} {p95:8.2f}")
    print()
    for path in ("cold", "warm", "magic"):
        if ("file", path) in medians and ("vault", path) in medians:
            ratio = medians["vault", path] / medians["file", path]
            print(f"vault / file, {path} p50: {ratio:.1f}x")
    warm = medians["vault", "warm"]
    met = warm <= TARGET_WARM_P50_MS
    verdict = "met" if met else "MISSED"
    print(
        f"target: vault warm p50 <= {TARGET_WARM_P50_MS:g} ms: {warm:.2f} ms, {verdict}"
    )
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="tau-bench-") as tmp:
        folder = Path(tmp)
        server = start_dev_server(folder / "bao")
        try:
            openers, envs, _ = prepare(server, folder / "store")
            rows = measure_backends(openers, args.calls)
            for kind, env in envs.items():
                rows[kind, "magic"] = measure_magic(env, args.calls)
        finally:
            server.stop()
    return 0 if report(rows, args.calls) else 1


if __name__ == "__main__":
    sys.exit(main())
