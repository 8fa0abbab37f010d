"""Store speed, side by side in one run: SecretStore beside keyrings.cryptfile.

Measures, each as the median over ``--rounds`` rounds interleaved so that
every contender sees the same machine load:

- auto open: ``SecretStore.open`` of an ``auto`` store with 10,000 records;
- set: one ``set`` into that 10,000-record store (an open store object; the
  first set after open, which serialises every record, is shown too);
- keyed unlock: ``SecretStore.open`` of a keyed store with the default
  Argon2id costs (64 MiB, t=3, p=4);
- keyed unlock + 20 gets, beside keyrings.cryptfile doing 20
  ``get_password`` calls of the same values (its Argon2 KDF runs on every
  call).

The 10,000 records are sealed by the store's own codec and written in one
write: 10,000 separate ``set`` calls would take minutes of fsyncs and
measure nothing more.

Run: .venv/bin/python bench/store.py [--rounds 5] [--cryptfile-rounds 1]
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

from tau_secrets_ext.store._format import Record, record_ad
from tau_secrets_ext.store.store import SecretStore

RECORDS = 10_000
GETS = 20
TARGET_OPEN_MS = 200.0
TARGET_SET_MS = 50.0
TARGET_RATIO = 30.0


def timed(step: Callable[[], object]) -> float:
    """Milliseconds one call of ``step`` takes."""
    started = time.perf_counter()
    step()
    return (time.perf_counter() - started) * 1000


def value() -> str:
    return "tau-bench-" + secrets.token_urlsafe(30)


def build_big_store(path: Path) -> None:
    """An ``auto`` store with RECORDS records, written in one go."""
    store = SecretStore.open(path, encryption="auto")
    store.set("seed", value())
    header, codec = store._header, store._codec
    assert header is not None and codec is not None
    records = store._records.copy()
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    for i in range(RECORDS - 1):
        name = f"key-{i:05d}"
        record = Record("openai", now, now, "", "")
        tag, body = codec.seal(record_ad(header.store_id, name, record), value())
        records.put(name, record._replace(tag=tag, body=body))
    with store._file_lock():
        store._write(header, codec, records)


def build_keyed_store(path: Path, passphrase: str, values: list[str]) -> None:
    store = SecretStore.open(path, encryption="keyed", passphrase=passphrase)
    for i, secret in enumerate(values):
        store.set(f"k{i}", secret, provider="openai")


def build_cryptfile(path: Path, passphrase: str, values: list[str]) -> object:
    from keyrings.cryptfile.cryptfile import CryptFileKeyring

    ring = CryptFileKeyring()
    ring.file_path = str(path)
    ring.keyring_key = passphrase
    for i, secret in enumerate(values):
        ring.set_password("tau-bench", f"k{i}", secret)
    return ring


def measure(rounds: int, cryptfile_rounds: int) -> dict[str, list[float]]:
    folder = Path(tempfile.mkdtemp(prefix="tau-bench-store-"))
    big, keyed = folder / "big" / "store.json", folder / "keyed" / "store.json"
    passphrase = "bench-pass-" + secrets.token_urlsafe(12)
    values = [value() for _ in range(GETS)]
    build_big_store(big)
    build_keyed_store(keyed, passphrase, values)
    ring = build_cryptfile(folder / "cryptfile.cfg", passphrase, values)
    writer = SecretStore.open(big)
    results: dict[str, list[float]] = {}

    def add(key: str, ms: float) -> None:
        results.setdefault(key, []).append(ms)

    def unlock_and_get() -> None:
        store = SecretStore.open(keyed, passphrase=passphrase)
        for i in range(GETS):
            assert store.get(f"k{i}").reveal() == values[i]

    def cryptfile_gets() -> None:
        for i in range(GETS):
            assert ring.get_password("tau-bench", f"k{i}") == values[i]  # type: ignore[attr-defined]

    fresh = SecretStore.open(big)
    add("first set after open", timed(lambda: fresh.set("f", value())))
    for round_no in range(rounds):
        add("auto open, 10,000 records", timed(lambda: SecretStore.open(big)))
        for _ in range(3):
            add("set, 10,000 records", timed(lambda: writer.set("new", value())))
        add(
            "keyed unlock",
            timed(lambda: SecretStore.open(keyed, passphrase=passphrase)),
        )
        add("keyed unlock + 20 gets", timed(unlock_and_get))
        if round_no < cryptfile_rounds:  # 20 of its gets take seconds
            add("cryptfile 20 gets", timed(cryptfile_gets))
    return results


def report(results: dict[str, list[float]], load: tuple[float, float]) -> None:
    med = {key: statistics.median(times) for key, times in results.items()}
    print(f"load average (1 min) before/after: {load[0]:.1f} / {load[1]:.1f}")
    print(f"{'measurement':32} {'median ms':>10} {'runs':>5}")
    for key, times in results.items():
        print(f"{key:32} {med[key]:10.1f} {len(times):5d}")
    ratio = med["cryptfile 20 gets"] / med["keyed unlock + 20 gets"]
    per_get = med["cryptfile 20 gets"] / GETS
    print()
    print(f"cryptfile per get: {per_get:.0f} ms")
    checks = [
        ("auto open", med["auto open, 10,000 records"], TARGET_OPEN_MS, "<="),
        ("one set", med["set, 10,000 records"], TARGET_SET_MS, "<="),
        ("cryptfile / tau (20 gets)", ratio, TARGET_RATIO, ">="),
    ]
    for label, got, target, sense in checks:
        met = got <= target if sense == "<=" else got >= target
        print(
            f"{label:28} {got:8.1f}  target {sense} {target:g}: "
            f"{'met' if met else 'MISSED'}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cryptfile-rounds", type=int, default=1)
    args = parser.parse_args()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        before = os.getloadavg()[0]
        results = measure(args.rounds, args.cryptfile_rounds)
        report(results, (before, os.getloadavg()[0]))


if __name__ == "__main__":
    main()
