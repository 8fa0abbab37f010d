"""Throwaway keys for the example notebooks, and the ways to run them.

Nothing key-like is committed: every run makes new random keys.

    python notebooks/demo_env.py lab      JupyterLab on 127.0.0.1 (make lab)
    python notebooks/demo_env.py demo     run the quickstart, print its outputs
    python notebooks/demo_env.py refresh  re-execute the notebooks in place
"""

from __future__ import annotations

import os
import secrets
import string
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOTEBOOKS = ("quickstart.ipynb", "providers.ipynb", "keyed-store.ipynb")
_ALNUM = string.ascii_letters + string.digits
# Settings and keys of the user's own environment that would change outputs.
_CLEARED = ("TAU_SECRETS_ENCRYPTION", "TAU_SECRETS_PASSPHRASE", "TAU_SECRETS_BACKEND")


def _random(prefix: str, count: int) -> str:
    return prefix + "".join(secrets.choice(_ALNUM) for _ in range(count))


def throwaway_keys() -> dict[str, str]:
    """The variables the notebooks read their keys and passphrase from."""
    return {
        "TAU_DEMO_OPENAI_KEY": _random("sk-proj-", 48),
        "TAU_DEMO_ANTHROPIC_KEY": _random("sk-ant-api03-", 40),
        "TAU_DEMO_HF_TOKEN": _random("hf_", 34),
        "TAU_DEMO_ACME_KEY": _random("acme-", 32),
        "TAU_DEMO_PASSPHRASE": secrets.token_urlsafe(18),
    }


def prepare(*, private_store: bool) -> None:
    """Put throwaway keys into this process's environment; kernels inherit it.

    With ``private_store`` (tests, demo) the run is also made reproducible: a
    new empty store, and none of the user's own keys or store settings.
    """
    if private_store:
        for var in list(os.environ):
            if var in _CLEARED or var.endswith(("_API_KEY", "_TOKEN")):
                del os.environ[var]
        os.environ["TAU_SECRETS_DIR"] = tempfile.mkdtemp(prefix="tau-notebooks-")
    os.environ.update(throwaway_keys())


def execute(name: str) -> object:
    """Run one notebook in a fresh kernel of this environment; return it."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(HERE / name, as_version=4)
    client = NotebookClient(nb, timeout=120, kernel_name="python3")
    client.execute(cwd=str(HERE))
    return nb


def refresh() -> None:
    import nbformat

    prepare(private_store=True)
    for name in NOTEBOOKS:
        nbformat.write(execute(name), HERE / name)
        print(f"executed {name}")


def demo() -> None:
    prepare(private_store=True)
    nb = execute("quickstart.ipynb")
    for cell in nb.cells:  # type: ignore[attr-defined]
        if cell.cell_type != "code":
            continue
        print("In: " + cell.source.replace("\n", "\n    "))
        for output in cell.outputs:
            print("Out: " + _text(output).rstrip("\n").replace("\n", "\n     "))
        print()


def _text(output: dict) -> str:
    if output.get("output_type") == "stream":
        return str(output["text"])
    if output.get("output_type") == "error":
        return f"{output['ename']}: {output['evalue']}"
    return str(output.get("data", {}).get("text/plain", ""))


def lab(args: list[str]) -> None:
    """Start JupyterLab on 127.0.0.1 with the quickstart, the user's store."""
    prepare(private_store=False)
    command = [
        sys.executable, "-m", "jupyterlab", "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.root_dir={HERE.parent}", "notebooks/quickstart.ipynb", *args,
    ]  # fmt: skip
    if os.geteuid() == 0:  # containers often run as root; Jupyter refuses that
        command.append("--allow-root")
    os.execv(sys.executable, command)


if __name__ == "__main__":
    action = sys.argv[1] if len(sys.argv) > 1 else ""
    if action == "lab":
        lab(sys.argv[2:])
    elif action == "demo":
        demo()
    elif action == "refresh":
        refresh()
    else:
        sys.exit(__doc__)
