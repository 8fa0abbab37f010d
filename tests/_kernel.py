"""A real ipykernel for leak tests, and helpers to look for a key in its output.

    with Kernel(tmp_path, env={"OPENAI_API_KEY": key}) as k:
        cell = k.execute("print(os.environ['OPENAI_API_KEY'])")
        assert cell.stdout == "[REDACTED:openai]\\n"
        assert not leaks(k.raw_bytes() + k.process_output(), key)

The kernel runs ``python -m ipykernel_launcher --ext=tau_secrets_ext`` with a
private history file. Every frame received on the shell, iopub, stdin and
control channels is kept as raw bytes (``raw_bytes()``), every decoded message
in ``messages``, and the kernel process's own stdout/stderr in a file
(``process_output()``).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import queue
import secrets
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.channels import ZMQSocketChannel
from jupyter_client.manager import KernelManager

__all__ = ["Cell", "Kernel", "leaks", "new_canary", "stream_text"]

#: Environment variables that change ipykernel's behaviour under pytest.
_PYTEST_VARS = ("PYTEST_CURRENT_TEST", "PYTEST_XDIST_WORKER", "PYTEST_VERSION")


def new_canary(prefix: str = "tau") -> str:
    """A fresh random value shaped like no real provider's key."""
    return prefix + secrets.token_hex(16)


def leaks(data: bytes | str, key: str, *, window: int = 16) -> list[str]:
    """Every form of ``key`` found in ``data``: raw, any ``window``-char run of
    it, hex, URL-quoted, JSON-escaped, or the stable middle of its base64."""
    blob = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data
    raw = key.encode()
    found = []
    forms = {
        "raw": raw,
        "hex": binascii.hexlify(raw),
        "HEX": binascii.hexlify(raw).upper(),
        "url": urllib.parse.quote(key, safe="").encode(),
        "json": json.dumps(key)[1:-1].encode(),
    }
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw)
        forms[f"base64+{offset}"] = encoded[4 : len(encoded) - 4]
    for name, form in forms.items():
        if form and form in blob:
            found.append(name)
    runs = (raw[i : i + window] for i in range(max(1, len(raw) - window + 1)))
    if "raw" not in found and any(run in blob for run in runs):
        found.append("partial")
    return found


def stream_text(messages: list[dict[str, Any]], name: str = "stdout") -> str:
    """The text of one stream in ``messages``, joined."""
    return "".join(
        m["content"]["text"]
        for m in messages
        if m["msg_type"] == "stream" and m["content"]["name"] == name
    )


@dataclass
class Cell:
    """What one execute request produced."""

    msg_id: str
    reply: dict[str, Any]
    iopub: list[dict[str, Any]] = field(default_factory=list)

    def stream(self, name: str = "stdout") -> str:
        """The cell's whole text on one stream, all messages joined."""
        return stream_text(self.iopub, name)

    @property
    def stdout(self) -> str:
        """Joined stdout text."""
        return self.stream("stdout")

    @property
    def stderr(self) -> str:
        """Joined stderr text."""
        return self.stream("stderr")

    def of_type(self, msg_type: str) -> list[dict[str, Any]]:
        """The cell's iopub messages of one type."""
        return [m for m in self.iopub if m["msg_type"] == msg_type]


class _Recording(ZMQSocketChannel):
    """A channel that keeps every frame it receives."""

    frames: list[bytes]

    def _recv(self, **kwargs: Any) -> dict[str, Any]:
        assert self.socket is not None
        parts = self.socket.recv_multipart(**kwargs)
        self.frames.extend(bytes(part) for part in parts)
        _ident, smsg = self.session.feed_identities(parts)
        return self.session.deserialize(smsg)


class Kernel:
    """A real ipykernel process; a context manager that starts and stops it."""

    def __init__(
        self,
        tmp: Path,
        *,
        env: dict[str, str] | None = None,
        extension: bool = True,
        args: list[str] | None = None,
    ):
        self.tmp = Path(tmp)
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.history_file = self.tmp / "history.sqlite"
        self.output_file = self.tmp / "kernel-process-output.txt"
        self.frames: list[bytes] = []
        self.messages: list[dict[str, Any]] = []
        self._env = env or {}
        self._args = list(args or [])
        if extension:
            self._args.append("--ext=tau_secrets_ext")
        self._km: KernelManager | None = None
        self.client: BlockingKernelClient | None = None

    def __enter__(self) -> Kernel:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Start the kernel and wait until it answers."""
        env = {k: v for k, v in os.environ.items() if k not in _PYTEST_VARS}
        env.update(self._env)
        args = [f"--HistoryManager.hist_file={self.history_file}", *self._args]
        self._out = self.output_file.open("wb")
        self._km = KernelManager(kernel_name="python3")
        self._km.start_kernel(
            extra_arguments=args, env=env, stdout=self._out, stderr=self._out
        )
        self.client = self._client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=60)

    def _client(self) -> BlockingKernelClient:
        assert self._km is not None
        channel = type("Channel", (_Recording,), {"frames": self.frames})
        # Made by the manager, the client asks it whether the kernel lives,
        # rather than a heartbeat that a busy machine can miss.
        return self._km.client(
            shell_channel_class=channel,
            iopub_channel_class=channel,
            stdin_channel_class=channel,
            control_channel_class=channel,
        )

    def stop(self) -> None:
        """Shut the kernel down and close the process output file."""
        if self.client is not None:
            self.client.stop_channels()
        if self._km is not None:
            self._km.shutdown_kernel(now=False)
        self._out.close()

    def execute(self, code: str, *, timeout: float = 60, **kwargs: Any) -> Cell:
        """Run ``code``; return its reply and every iopub message up to idle."""
        assert self.client is not None
        msg_id = self.client.execute(code, **kwargs)
        cell = Cell(msg_id, {})
        deadline = time.monotonic() + timeout
        while not self._idle(cell):
            msg = self.next_msg("iopub", deadline)
            if msg["parent_header"].get("msg_id") == msg_id:
                cell.iopub.append(msg)
        cell.reply = self.reply(msg_id, deadline)
        return cell

    @staticmethod
    def _idle(cell: Cell) -> bool:
        return any(
            m["content"].get("execution_state") == "idle"
            for m in cell.of_type("status")
        )

    def reply(self, msg_id: str, deadline: float) -> dict[str, Any]:
        """Wait for the shell reply to ``msg_id``."""
        while True:
            msg = self.next_msg("shell", deadline)
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg

    def request(
        self, method: str, *args: Any, timeout: float = 30, **kwargs: Any
    ) -> dict[str, Any]:
        """Send a shell request (``inspect``, ``complete``, ``history``...)."""
        assert self.client is not None
        msg_id = getattr(self.client, method)(*args, **kwargs)
        return self.reply(msg_id, time.monotonic() + timeout)

    def drain(
        self, seconds: float, until: Callable[[str], bool] | None = None
    ) -> list[dict[str, Any]]:
        """Collect iopub messages (output after a cell ended) for ``seconds``,
        or until ``until(stream text so far)`` is true."""
        got: list[dict[str, Any]] = []
        deadline = time.monotonic() + seconds
        while until is None or not until(stream_text(got)):
            try:
                got.append(self.next_msg("iopub", deadline))
            except TimeoutError:
                break
        return got

    def next_msg(self, channel: str, deadline: float) -> dict[str, Any]:
        assert self.client is not None
        getter = getattr(self.client, f"get_{channel}_msg")
        try:
            msg = getter(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            raise TimeoutError(f"no {channel} message in time") from None
        self.messages.append(msg)
        return msg

    def raw_bytes(self) -> bytes:
        """Every frame received so far, concatenated."""
        return b"\n".join(self.frames)

    def process_output(self, wait_for: bytes = b"", timeout: float = 10) -> bytes:
        """What the kernel process wrote to its own stdout and stderr, waiting
        up to ``timeout`` seconds for ``wait_for`` to appear in it."""
        deadline = time.monotonic() + timeout
        while True:
            self._out.flush()
            data = self.output_file.read_bytes()
            if wait_for in data or time.monotonic() > deadline:
                return data
            time.sleep(0.05)
