"""Wall time of output-heavy cells in a real kernel, with and without the guards.

    .venv/bin/python bench/scrub_kernel.py [--runs 5] [--megabytes 50]

Two kernels run side by side: a plain ipykernel and one started with
``--ext=tau_secrets_ext`` and 10 registered secrets. Each workload runs in
both kernels in turn, ``--runs`` times; the table shows the medians and their
ratio (target: at most 1.10). A last table splits the cost: the same stream
text sent in-process through a plain and a guarded ``Session.send`` (no
socket), which is what the guards add to the kernel's output thread.
"""

from __future__ import annotations

import argparse
import os
import queue
import statistics
import time
from typing import Any

from jupyter_client.manager import KernelManager
from jupyter_client.session import Session

from tau_secrets_ext.ipython._session_guard import SessionGuard
from tau_secrets_ext.scrub.scrub import Scrubber

SETUP = """
import secrets
from tau_secrets_ext import protect
for i in range(10):
    protect('tau' + secrets.token_hex(16), f'bench{i}')
"""

WORKLOADS = {
    "print {mb} MB in 1 KB lines": (
        "line = 'x' * 1023\nfor _ in range({lines}):\n    print(line)"
    ),
    "2,000 display() calls": (
        "from IPython.display import display, HTML\n"
        "for i in range(2000):\n    display(HTML('<p>row %d</p>' % i))"
    ),
}


def start(extension: bool) -> tuple[KernelManager, Any]:
    """Start a kernel (plain or guarded) and a ready client."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    args = ["--ext=tau_secrets_ext"] if extension else []
    manager = KernelManager(kernel_name="python3")
    manager.start_kernel(extra_arguments=args, env=env)
    client = manager.client()
    client.start_channels()
    client.wait_for_ready(timeout=60)
    return manager, client


def run_cell(client: Any, code: str, timeout: float = 600) -> float:
    """Seconds from the execute request until the cell's idle status."""
    began = time.perf_counter()
    msg_id = client.execute(code)
    deadline = began + timeout
    while True:
        try:
            msg = client.get_iopub_msg(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            raise TimeoutError("cell did not finish") from None
        if (
            msg["parent_header"].get("msg_id") == msg_id
            and msg["msg_type"] == "status"
            and msg["content"]["execution_state"] == "idle"
        ):
            return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--megabytes", type=int, default=50)
    opts = parser.parse_args()
    kernels = {"plain": start(False), "guarded": start(True)}
    run_cell(kernels["guarded"][1], SETUP)
    times: dict[tuple[str, str], list[float]] = {}
    try:
        for _ in range(opts.runs):
            for title, code in WORKLOADS.items():
                source = code.format(lines=opts.megabytes * 1024)
                for label, (_, client) in kernels.items():
                    times.setdefault((title, label), []).append(
                        run_cell(client, source)
                    )
    finally:
        for manager, client in kernels.values():
            client.stop_channels()
            manager.shutdown_kernel(now=True)
    report(times, opts)


def send_path(megabytes: int, runs: int) -> tuple[float, float]:
    """Median seconds to send ``megabytes`` of stream text, plain and guarded."""
    scrubber = Scrubber()
    for i in range(10):
        scrubber.register("tau" + os.urandom(16).hex(), f"bench{i}")
    chunk = ("x" * 1023 + "\n") * 3072
    parent = Session().msg("execute_request", {})["header"]
    plain, guarded = Session(key=b"bench"), Session(key=b"bench")
    guard = SessionGuard(guarded, scrubber)

    def timed(session: Session) -> float:
        began = time.perf_counter()
        for _ in range(max(1, megabytes // 3)):
            text = {"name": "stdout", "text": chunk}
            session.send(None, session.msg("stream", text, parent=parent))
        return time.perf_counter() - began

    try:
        medians = [statistics.median(timed(s) for _ in range(runs)) for s in
                   (plain, guarded)]  # fmt: skip
    finally:
        guard.uninstall()
    return medians[0], medians[1]


def report(times: dict[tuple[str, str], list[float]], opts: Any) -> None:
    """Print medians and the guarded/plain ratio for each workload."""
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"median of {opts.runs} runs, 10 secrets registered in the guarded kernel")
    print(f"load average at the end: {load} on {os.cpu_count()} cores")
    print(f"{'workload':30} {'plain s':>9} {'guarded s':>10} {'ratio':>7} target")
    for title in WORKLOADS:
        plain = statistics.median(times[(title, "plain")])
        guarded = statistics.median(times[(title, "guarded")])
        ratio = guarded / plain
        verdict = "met" if ratio <= 1.10 else "MISSED"
        name = title.format(mb=opts.megabytes)
        print(f"{name:30} {plain:9.2f} {guarded:10.2f} {ratio:7.2f} <=1.10 {verdict}")
    print("every run (plain | guarded), seconds:")
    for title in WORKLOADS:
        runs = [
            " ".join(f"{t:.2f}" for t in times[(title, label)])
            for label in ("plain", "guarded")
        ]
        print(f"  {title.format(mb=opts.megabytes):28} {runs[0]} | {runs[1]}")
    plain, guarded = send_path(opts.megabytes, opts.runs)
    print(f"in-process Session.send of {opts.megabytes} MB of stream text:")
    print(
        f"  plain {plain:.3f} s, guarded {guarded:.3f} s, added {guarded - plain:.3f} s"
    )


if __name__ == "__main__":
    main()
