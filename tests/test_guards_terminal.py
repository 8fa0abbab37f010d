"""Terminal IPython (no kernel): display hook, tracebacks, streams, history."""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys

from _kernel import leaks, new_canary

from tau_secrets_ext.ipython._terminal_guard import ScrubbedStream
from tau_secrets_ext.scrub.scrub import Scrubber

MASK = "[REDACTED:openai]"

SESSION = """\
import os, warnings, logging
K = os.environ["OPENAI_API_KEY"]
K
print("printed", K, "end")
for ch in K: print(ch, end="", flush=True)
print()
raise ValueError("bad " + K)
warnings.warn("careful " + K)
logging.getLogger("app").error("logged %s", K)
typed = {typed!r}
exit
"""


def _run_terminal(tmp_path, key: str, typed: str) -> tuple[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(OPENAI_API_KEY=key, JUPYTERHUB_API_TOKEN=typed)
    args = [
        sys.executable, "-m", "IPython", "--simple-prompt", "--no-banner",
        "--colors=nocolor", "--ext=tau_secrets_ext",
        f"--HistoryManager.hist_file={tmp_path / 'history.sqlite'}",
    ]  # fmt: skip
    done = subprocess.run(
        args, input=SESSION.format(typed=typed), env=env, capture_output=True,
        text=True, timeout=120, check=True,
    )  # fmt: skip
    return done.stdout, done.stderr


def test_terminal_session_shows_and_keeps_no_key(tmp_path):
    key, typed = new_canary(), new_canary("hub")
    out, err = _run_terminal(tmp_path, key, typed)

    assert f"Out[3]: '{MASK}'" in out
    assert f"printed {MASK} end" in out
    assert f"In [5]: {MASK}" in out
    assert f"ValueError: bad {MASK}" in out
    assert f"careful {MASK}" in err
    assert f"logged {MASK}" in err
    for secret in (key, typed):
        assert leaks(out + err, secret) == []
    history = (tmp_path / "history.sqlite").read_bytes()
    assert leaks(history, typed) == []
    with sqlite3.connect(tmp_path / "history.sqlite") as db:
        rows = [raw for (raw,) in db.execute("select source_raw from history")]
    assert "typed = '[REDACTED:jupyterhub]'" in rows


def test_scrubbed_stream_joins_split_writes(canary):
    scrubber = Scrubber()
    scrubber.register(canary, "demo")
    sink = io.StringIO()
    stream = ScrubbedStream(sink, scrubber)
    for piece in ("a ", canary[:5], canary[5:11], canary[11:], " b"):
        stream.write(piece)
        stream.flush()
    stream.release()
    assert sink.getvalue() == "a [REDACTED:demo] b"


def test_scrubbed_stream_fails_closed(canary):
    class Broken(Scrubber):
        """A scrubber whose streams cannot be fed: forces the failure path."""

        def stream(self):  # type: ignore[override]
            real = super().stream()
            real.feed = None  # type: ignore[method-assign]
            return real

    sink = io.StringIO()
    stream = ScrubbedStream(sink, Broken())
    assert stream.write("text " + canary) == len(canary) + 5
    assert canary not in sink.getvalue()
    assert "withheld" in sink.getvalue()
