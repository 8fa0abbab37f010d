"""The magics and SecretInput in real kernels, nbclient and nbval runs.

A widget frontend is simulated at the protocol level: an execute request
that allows stdin and carries a ``cellId`` (what JupyterLab sends), then the
``comm_msg`` update a browser sends when Enter is pressed in the box.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
import uuid
from typing import Any

import nbformat
import pytest
from _kernel import Cell, Kernel, leaks
from nbclient import NotebookClient

from tau_secrets_ext import SecretStore
from tau_secrets_ext.core import crypto

pytestmark = pytest.mark.kernel


def _collect(k: Kernel, msg_id: str, timeout: float = 60) -> Cell:
    """Every iopub message answering ``msg_id`` up to idle, plus the reply."""
    cell = Cell(msg_id, {})
    deadline = time.monotonic() + timeout
    while not any(
        m["content"].get("execution_state") == "idle" for m in cell.of_type("status")
    ):
        msg = k.next_msg("iopub", deadline)
        if msg["parent_header"].get("msg_id") == msg_id:
            cell.iopub.append(msg)
    return cell


def _send(k: Kernel, msg_type: str, content: dict[str, Any], **metadata: Any) -> str:
    assert k.client is not None
    msg = k.client.session.msg(msg_type, content, metadata=metadata)
    k.client.shell_channel.send(msg)
    return str(msg["header"]["msg_id"])


def notebook_execute(k: Kernel, code: str) -> Cell:
    """Run ``code`` as JupyterLab does: stdin allowed, a cellId in metadata."""
    content = {
        "code": code,
        "silent": False,
        "store_history": True,
        "user_expressions": {},
        "allow_stdin": True,
        "stop_on_error": True,
    }
    msg_id = _send(k, "execute_request", content, cellId=str(uuid.uuid4()))
    cell = _collect(k, msg_id)
    cell.reply = k.reply(msg_id, time.monotonic() + 30)
    return cell


def frontend_update(k: Kernel, comm_id: str, state: dict[str, Any]) -> Cell:
    """What a browser sends when the user submits the box."""
    data = {"method": "update", "state": state, "buffer_paths": []}
    return _collect(k, _send(k, "comm_msg", {"comm_id": comm_id, "data": data}))


def _comm_of(cell: Cell, model_name: str) -> str:
    for msg in cell.of_type("comm_open"):
        if msg["content"]["data"]["state"].get("_model_name") == model_name:
            return str(msg["content"]["comm_id"])
    raise AssertionError(f"no {model_name} was opened")


def _updates(cell: Cell) -> list[dict[str, Any]]:
    return [m["content"]["data"] for m in cell.of_type("comm_msg")]


def test_widget_stores_the_key_and_no_state_keeps_it(tmp_path, canary):
    with Kernel(tmp_path, env={"TAU_CANARY": canary}) as k:
        shown = notebook_execute(k, "%tau_setkey openai")
        assert shown.reply["content"]["status"] == "ok"
        comm_id = _comm_of(shown, "PasswordModel")

        answer = frontend_update(k, comm_id, {"value": canary})

        methods = [data["method"] for data in _updates(answer)]
        assert "echo_update" not in methods
        states = [data.get("state", {}) for data in _updates(answer)]
        assert {"value": ""} in states
        assert any(
            str(s.get("value", "")).startswith("openai: stored (encrypted")
            for s in states
        )
        check = k.execute(
            "import os\n"
            "from ipywidgets.widgets.widget import _instances\n"
            "c = os.environ['TAU_CANARY']\n"
            "boxes = [w for w in _instances.values()"
            " if type(w).__name__ == '_MaskedText']\n"
            "print(len(boxes), all(w.value == '' for w in boxes),"
            " any(c in repr(w.get_state()) + repr(w._property_lock)"
            " for w in _instances.values()))"
        )
        assert check.stdout == "1 True False\n"
        assert not leaks(k.raw_bytes() + k.process_output(), canary)
    assert SecretStore.open().get("openai").reveal() == canary


def test_unlock_box_opens_a_keyed_store(tmp_path, canary, monkeypatch):
    # Cheap Argon2id costs, recorded in the file, so the kernel derives fast.
    monkeypatch.setattr(SecretStore, "_kdf_params", crypto.KdfParams(8192, 1, 1))
    passphrase = "pass-" + canary[::-1]
    SecretStore.open(encryption="keyed", passphrase=passphrase).set("openai", canary)

    with Kernel(tmp_path) as k:
        locked = k.execute("%tau_auth openai")
        shown = notebook_execute(k, "%tau_unlock")
        answer = frontend_update(
            k, _comm_of(shown, "PasswordModel"), {"value": passphrase}
        )
        auth = k.execute("%tau_auth openai --no-export")
        assert not leaks(k.raw_bytes() + k.process_output(), canary)
        assert not leaks(k.raw_bytes() + k.process_output(), passphrase)

    assert "%tau_unlock" in locked.reply["content"]["evalue"]
    states = [data.get("state", {}) for data in _updates(answer)]
    assert {"value": "store: unlocked (1 keys)"} in states
    assert auth.stdout == "openai: ready (from store, not exported)\n"


def test_a_key_set_in_one_kernel_is_ready_in_another(tmp_path, canary):
    env = {"TAU_CANARY": canary}
    with (
        Kernel(tmp_path / "a", env=env) as first,
        Kernel(tmp_path / "b", env=env) as second,
    ):
        second.execute("%tau_keys")  # its store is open before the key exists
        first.execute("%tau_setkey openai --from-env TAU_CANARY")
        auth = second.execute("%tau_auth openai --no-export")
        shown = second.execute("import os\nprint(os.environ['TAU_CANARY'])")

    assert auth.stdout == "openai: ready (from store, not exported)\n"
    assert shown.stdout == "[REDACTED:openai]\n"


def test_getpass_prompt_in_a_kernel_goes_through_stdin(tmp_path, canary):
    with Kernel(tmp_path) as k:
        assert k.client is not None
        msg_id = k.client.execute("%tau_setkey openai --prompt", allow_stdin=True)
        request = k.next_msg("stdin", time.monotonic() + 30)
        assert request["content"]["password"] is True
        k.client.input(canary)
        cell = _collect(k, msg_id)

        assert cell.stdout.startswith("openai: stored (encrypted, fingerprint ")
        assert not leaks(k.raw_bytes() + k.process_output(), canary)
    assert SecretStore.open().get("openai").reveal() == canary


def test_no_widget_frontend_and_no_stdin_names_from_env(tmp_path):
    with Kernel(tmp_path) as k:
        cell = k.execute("%tau_setkey openai", allow_stdin=False)

    error = cell.reply["content"]
    assert error["ename"] == "UsageError"
    assert "--from-env" in error["evalue"]
    assert SecretStore.open().names() == []


def test_inline_value_is_refused_everywhere_it_could_land(tmp_path, canary):
    with Kernel(tmp_path, env={"TAU_CANARY": canary}) as k:
        cell = k.execute(f"x = 1\n%tau_setkey openai {canary}", store_history=True)
        history = k.execute(
            "import os\n"
            "c = os.environ['TAU_CANARY']\n"
            "names = [n for n in globals() if n.startswith('_i')]\n"
            "print(any(c in s for s in In + _ih),"
            " any(c in str(globals()[n]) for n in names))",
        )
    assert history.stdout == "False False\n"

    echoed = cell.of_type("execute_input")[0]["content"]["code"]
    assert canary not in echoed and "[REDACTED:openai]" in echoed
    reply = cell.reply["content"]
    assert reply["ename"] == "UsageError" and canary not in reply["evalue"]
    rewrite = [p for p in reply["payload"] if p["source"] == "set_next_input"]
    assert rewrite == [
        {
            "source": "set_next_input",
            "text": "x = 1\n%tau_setkey openai",
            "replace": True,
        }
    ]
    with sqlite3.connect(k.history_file) as db:
        rows = db.execute("SELECT source, source_raw FROM history").fetchall()
    assert rows and not any(canary in text for row in rows for text in row)
    assert not leaks(k.raw_bytes() + k.output_file.read_bytes(), canary)
    assert SecretStore.open().names() == []


def test_auth_and_config_in_a_kernel(tmp_path, canary, monkeypatch):
    SecretStore.open().set("openai", canary)
    profile = tmp_path / "ipython" / "profile_default"
    profile.mkdir(parents=True)
    (profile / "ipython_kernel_config.py").write_text(
        "c.TauSecrets.mask = '<<{name}>>'\n"
    )
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    env = {"TAU_CANARY": canary, "IPYTHONDIR": str(tmp_path / "ipython")}

    with Kernel(tmp_path / "k", env=env) as k:
        at_load = k.execute("import os\nprint(os.environ['TAU_CANARY'])")
        auth = k.execute("%tau_auth openai")
        exported = k.execute(
            "print(os.environ['OPENAI_API_KEY'] == os.environ['TAU_CANARY'])"
        )
        k.execute("%config TauSecrets.mask = '##{{name}}##'")
        changed = k.execute("print(os.environ['OPENAI_API_KEY'])")
        outs = k.execute(
            "c = os.environ['TAU_CANARY']\n"
            "print(any(c in repr(v) for v in Out.values()), c in repr(_))"
        )
        assert not leaks(k.raw_bytes() + k.process_output(), canary)

    assert at_load.stdout == "<<openai>>\n"
    assert auth.stdout == "openai: ready (from store, exported as OPENAI_API_KEY)\n"
    assert auth.of_type("execute_result") == []
    assert exported.stdout == "True\n"
    assert changed.stdout == "##openai##\n"
    assert outs.stdout == "False False\n"


NOTEBOOK_WIDGET = """\
%load_ext tau_secrets_ext
import os
from ipywidgets import Password
from tau_secrets_ext.ipython.state import get_state
from tau_secrets_ext.ipython.widget import SecretInput
state = get_state(get_ipython())
box = SecretInput("openai key", lambda v: state.set("openai", v, None))
display(box, Password(value=os.environ["TAU_CONTROL"]))
"""

NOTEBOOK_SUBMIT = """\
# Exactly what the kernel does with a browser's update message.
msg = {"content": {"data": {"method": "update",
       "state": {"value": os.environ["TAU_CANARY"]}}}, "buffers": []}
box._box._handle_msg(msg)
print(box.status.split(",")[0])
"""


def test_nbclient_saved_widget_state_holds_no_key(tmp_path, canary, monkeypatch):
    control = "tau-control-" + canary[-20:][::-1]
    monkeypatch.setenv("TAU_CANARY", canary)
    monkeypatch.setenv("TAU_CONTROL", control)
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(NOTEBOOK_WIDGET),
        nbformat.v4.new_code_cell(NOTEBOOK_SUBMIT),
    ]

    NotebookClient(nb, store_widget_state=True, kernel_name="python3").execute()
    saved = nbformat.writes(nb)

    assert nb.cells[1].outputs[0]["text"] == "openai: stored (encrypted\n"
    assert "application/vnd.jupyter.widget-state+json" in nb.metadata["widgets"]
    assert control in saved  # the plain Password is saved: the check can fail
    assert not leaks(saved, canary)
    assert SecretStore.open().get("openai").reveal() == canary


NBVAL_CELLS = [
    ("%load_ext tau_secrets_ext", None),
    (
        "%tau_setkey openai --from-env TAU_NB_KEY",
        "openai: stored (encrypted, fingerprint 3f9a1c2b)\n",
    ),
    (
        "%tau_auth openai",
        "openai: ready (from store, exported as OPENAI_API_KEY)\n",
    ),
    ("import os\nprint(os.environ['OPENAI_API_KEY'])", "[REDACTED:openai]\n"),
]

SANITIZE = """\
[fingerprint]
regex: fingerprint [0-9a-f]{8}
replace: fingerprint FP
"""


def test_headless_from_env_under_nbval(tmp_path, canary):
    nb = nbformat.v4.new_notebook()
    for count, (source, text) in enumerate(NBVAL_CELLS, start=1):
        cell = nbformat.v4.new_code_cell(source, execution_count=count)
        if text is not None:
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
        nb.cells.append(cell)
    nbformat.write(nb, tmp_path / "headless.ipynb")
    (tmp_path / "sanitize.cfg").write_text(SANITIZE)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(TAU_NB_KEY=canary, IPYTHONDIR=str(tmp_path / "ipython"))

    nbval = ["--nbval", "headless.ipynb", "--nbval-sanitize-with", "sanitize.cfg"]
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *nbval],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )

    log = run.stdout + run.stderr
    assert run.returncode == 0, log[-3000:].replace(canary, "<canary>")
    assert "4 passed" in log
    assert not leaks(log, canary)
