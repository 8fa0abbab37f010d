"""A notebook run by nbclient saves no key: outputs, widget state, history."""

from __future__ import annotations

import json
import os
import sqlite3

import nbformat
import pytest
from _kernel import leaks, new_canary
from nbclient import NotebookClient

pytestmark = pytest.mark.kernel

CELLS = [
    "import os\nkey = os.environ['OPENAI_API_KEY']\nprint('env key:', key)",
    "import ipywidgets\nbox = ipywidgets.Text(value=key)\nbox",
    "box.value = 'changed ' + key\nkey",
    "raise RuntimeError('failed with ' + key)",
]


def _notebook(typed: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    sources = [*CELLS[:-1], f"typed = {typed!r}\nprint(typed)", CELLS[-1]]
    nb.cells = [nbformat.v4.new_code_cell(src) for src in sources]
    return nb


def test_saved_notebook_and_history_file_hold_no_key(tmp_path, monkeypatch):
    key, typed = new_canary(), new_canary("hub")
    for var in ("PYTEST_CURRENT_TEST", "PYTEST_XDIST_WORKER"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", key)
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", typed)
    history = tmp_path / "history.sqlite"
    nb = _notebook(typed)
    client = NotebookClient(
        nb,
        kernel_name="python3",
        store_widget_state=True,
        allow_errors=True,
        timeout=120,
        extra_arguments=["--ext=tau_secrets_ext"],
        ipython_hist_file=str(history),
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
    path = tmp_path / "run.ipynb"
    nbformat.write(nb, path)

    saved = path.read_bytes()
    assert leaks(saved, key) == []
    outputs = json.dumps([cell.get("outputs", []) for cell in nb.cells])
    assert leaks(outputs + json.dumps(nb.metadata), typed) == []
    assert "[REDACTED:openai]" in json.dumps(nb.metadata["widgets"])
    assert outputs.count("[REDACTED:openai]") >= 4
    assert "[REDACTED:jupyterhub]" in outputs

    assert history.exists()
    assert leaks(history.read_bytes(), typed) == []
    with sqlite3.connect(history) as db:
        rows = db.execute("select source, source_raw from history").fetchall()
    assert len(rows) == len(nb.cells)
    assert any("[REDACTED:jupyterhub]" in raw for _, raw in rows)
    assert os.environ["OPENAI_API_KEY"] == key
