"""Several processes, and writers killed mid-write: nothing acknowledged is lost."""

from __future__ import annotations

import os
import random
import secrets
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from _store import value as new_value

from tau_secrets_ext.store.store import SecretStore

_WRITER = textwrap.dedent(
    """
    import sys
    from tau_secrets_ext.store.store import SecretStore
    path, prefix, count, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    store = SecretStore.open(path)
    sys.stdin.readline()  # start together
    for i in range(count):
        store.set(f"{prefix}-{i}", f"{seed}-{prefix}-{i}")
    """
)


def test_four_processes_setting_100_names_each_lose_none(tmp_path):
    path = tmp_path / "store.json"
    seed = "tau-" + secrets.token_urlsafe(12)
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(path), f"p{n}", "100", seed],
            stdin=subprocess.PIPE,
            text=True,
        )
        for n in range(4)
    ]
    for proc in writers:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.close()
    for proc in writers:
        assert proc.wait(timeout=120) == 0

    store = SecretStore.open(path)
    names = store.names()

    assert len(names) == 400
    for name in names:
        assert store.get(name).reveal() == f"{seed}-{name}"


def _killed_writer(path, round_no: int, seed: str) -> list[str]:
    """Fork a writer, kill it with SIGKILL at a random moment, return its acks."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: set until killed, acknowledging each set
        os.close(read_end)
        try:
            store = SecretStore.open(path)
            for i in range(1000):
                name = f"r{round_no}-{i}"
                store.set(name, f"{seed}-{name}")
                os.write(write_end, (name + "\n").encode())
        finally:
            os._exit(0)
    os.close(write_end)
    time.sleep(random.uniform(0.0, 0.06))
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    with os.fdopen(read_end, "rb") as acks:
        return acks.read().decode().split()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_writer_killed_mid_write_never_loses_acknowledged_records(tmp_path):
    path = tmp_path / "store.json"
    seed = "tau-" + secrets.token_urlsafe(12)
    SecretStore.open(path).set("before", f"{seed}-before")
    acknowledged = ["before"]

    for round_no in range(50):
        acknowledged += _killed_writer(path, round_no, seed)
        store = SecretStore.open(path)  # must open after every kill
        held = set(store.names())
        missing = [name for name in acknowledged if name not in held]
        assert not missing, f"round {round_no}: lost {len(missing)} records"

    store = SecretStore.open(path)
    for name in acknowledged:
        assert store.get(name).reveal() == f"{seed}-{name}"
    assert len(acknowledged) > 20  # the writers did get work done between kills


def test_a_reader_sees_another_process_write_without_reopening(tmp_path):
    path = tmp_path / "store.json"
    reader = SecretStore.open(path)
    reader.set("mine", new_value())
    seed = "tau-" + secrets.token_urlsafe(12)

    proc = subprocess.run(
        [sys.executable, "-c", _WRITER, str(path), "child", "3", seed],
        input="go\n",
        text=True,
        timeout=60,
    )

    assert proc.returncode == 0
    assert reader.names() == ["child-0", "child-1", "child-2", "mine"]
    assert reader.get("child-2").reveal() == f"{seed}-child-2"
