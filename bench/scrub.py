"""In-process scrubbing speed, side by side with json.dumps and bytes.find.

Run: ``.venv/bin/python bench/scrub.py`` (``--quick`` for a smoke run).
Every figure is the median of ``--repeat`` runs. The real-kernel part is
bench/scrub_kernel.py, which this script runs after its own part (``--no-kernel``
skips it).
"""

from __future__ import annotations

import argparse
import base64
import functools
import json
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import ahocorasick_rs

from tau_secrets_ext.scrub.scrub import Scrubber

_VOCABULARY = """
the data frame model loss epoch value index print result train test None
True False 0.125 42 -7.5e3 shape (100, 3) dtype: float64 Name: col_a ==>
{'a': 1} [1, 2, 3] INFO WARNING step=17 lr=3e-4 acc 0.9812 /home/user/x.py
"""
_WORDS = _VOCABULARY.split()


def log_text(size: int, seed: int = 1) -> str:
    """Notebook-like output: words, numbers, punctuation, newlines."""
    rnd = random.Random(seed)
    lines, total = [], 0
    while total < size:
        line = " ".join(rnd.choices(_WORDS, k=rnd.randint(3, 15))) + "\n"
        lines.append(line)
        total += len(line)
    return "".join(lines)[:size]


def noise_text(size: int) -> str:
    """Random printable ASCII, the worst case for any prefilter."""
    table = bytes(32 + i % 95 for i in range(256))
    return os.urandom(size).translate(table).decode("ascii")


def base64_text(size: int) -> str:
    """Random base64, drawn from the alphabet the secrets' own forms use."""
    return base64.b64encode(os.urandom(size * 3 // 4 + 3)).decode()[:size]


def make_key() -> str:
    return "tau" + secrets.token_urlsafe(30)


def scrubber_with(n: int) -> Scrubber:
    scrubber = Scrubber()
    for i in range(n):
        scrubber.register(make_key(), f"key{i}")
    scrubber.snapshot()
    return scrubber


def interleaved(
    cases: dict[str, Callable[[], object]], repeat: int
) -> dict[str, float]:
    """Median seconds of each case, timed in rounds.

    A change in the machine's load then falls on every case alike.
    """
    times: dict[str, list[float]] = {label: [] for label in cases}
    for _ in range(repeat):
        for label, func in cases.items():
            start = time.perf_counter()
            func()
            times[label].append(time.perf_counter() - start)
    return {label: statistics.median(t) for label, t in times.items()}


def alternatives(scrubber: Scrubber) -> dict[str, Callable[[str], object]]:
    """Other matchers over the same literals, for comparison."""
    literals = list(scrubber.snapshot().matcher.actions)
    str_ac = ahocorasick_rs.AhoCorasick(literals)
    bytes_dfa = ahocorasick_rs.BytesAhoCorasick(
        [s.encode() for s in literals], implementation=ahocorasick_rs.Implementation.DFA
    )
    regex = re.compile(
        "|".join(map(re.escape, sorted(literals, key=len, reverse=True)))
    )
    return {
        "one str automaton pass": lambda t: str_ac.find_matches_as_indexes(t, True),
        "one bytes DFA pass": lambda t: bytes_dfa.find_matches_as_indexes(t.encode()),
        "one re alternation": lambda t: regex.search(t),
    }


def bench_corpus(name: str, text: str, repeat: int, big: Scrubber) -> list[str]:
    mb = len(text.encode()) / 1e6
    key, data = make_key().encode(), text.encode()
    ten = scrubber_with(10)
    # The re alternation is far slower; it runs on a tenth and is scaled.
    tenth = text[: len(text) // 10]
    cases: dict[str, Callable[[], object]] = {
        "json.dumps": lambda: json.dumps(text),
        "bytes.find (one key)": lambda: data.find(key),
        "scrub, 10 secrets": lambda: ten.scrub(text),
        "scrub, 1000 secrets": lambda: big.scrub(text),
    }
    scale = {label: 1.0 for label in cases}
    for label, func in alternatives(ten).items():
        piece = tenth if "re " in label else text
        cases[f"  alt, 10 secrets: {label}"] = functools.partial(func, piece)
        scale[f"  alt, 10 secrets: {label}"] = len(text) / len(piece)

    medians = interleaved(cases, repeat)
    ref = medians["json.dumps"]
    rows = [f"\n## {name}: {mb:.0f} MB"]
    for label, seconds in medians.items():
        seconds *= scale[label]
        ratio = f"  {ref / seconds:5.2f}x json.dumps" if label != "json.dumps" else ""
        rows.append(f"{label:<44} {mb / seconds:8.0f} MB/s{ratio}")
    return rows


def _calls(func: Callable[[], object], n: int) -> None:
    for _ in range(n):
        func()


def bench_small(repeat: int, big: Scrubber) -> list[str]:
    line = log_text(80)
    kilo = log_text(1023, seed=2) + "\n"
    ten = scrubber_with(10)
    stream = ten.stream()
    cases: list[tuple[str, Callable[[], object], int]] = [
        ("json.dumps, 80 chars", lambda: json.dumps(line), 20_000),
        ("scrub, 80 chars, 10 secrets", lambda: ten.scrub(line), 20_000),
        ("scrub, 80 chars, 1000 secrets", lambda: big.scrub(line), 20_000),
        ("stream feed, 1 KB line, 10 secrets", lambda: stream.feed(kilo), 5_000),
    ]
    medians = interleaved(
        {label: functools.partial(_calls, func, n) for label, func, n in cases},
        repeat,
    )
    rows = ["\n## per call"]
    for label, _, calls in cases:
        rows.append(f"{label:<36} {1e6 * medians[label] / calls:8.2f} us")
    return rows


def main(argv: list[str] | None = None) -> None:
    """Run every in-process measurement and print one table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=int, default=10, help="text size in MB")
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure")
    parser.add_argument("--quick", action="store_true", help="1 MB, 3 runs")
    parser.add_argument(
        "--no-kernel", action="store_true", help="skip the real-kernel part"
    )
    args = parser.parse_args(argv)
    size, repeat = (1, 3) if args.quick else (args.mb, args.repeat)

    start = time.perf_counter()
    big = scrubber_with(1000)
    build = time.perf_counter() - start
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    rows = [
        f"# bench/scrub.py: medians of {repeat} interleaved runs, "
        f"cpu count {os.cpu_count()}, load average {load}"
    ]
    rows.append(f"compile 1000 secrets: {build:.2f} s")
    rows += bench_corpus("notebook-like text", log_text(size * 1_000_000), repeat, big)
    rows += bench_corpus("random printable", noise_text(size * 1_000_000), repeat, big)
    rows += bench_corpus("random base64", base64_text(size * 1_000_000), repeat, big)
    rows += bench_small(repeat, big)
    print("\n".join(rows), flush=True)
    if not args.no_kernel:
        # The real-kernel half: its own script, so that its kernels start
        # from a process that has not compiled 1,000 secrets.
        kernel_part = Path(__file__).with_name("scrub_kernel.py")
        subprocess.run([sys.executable, str(kernel_part)], check=True)


if __name__ == "__main__":
    main()
