"""The pre-save guard in a real jupyter_server, driven through its REST API."""

from __future__ import annotations

import base64
import json
import secrets
import string
from pathlib import Path

import pytest
from _jupyter import code_cell, notebook, running_server, server_env, stream

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def github_like() -> str:
    alphabet = string.ascii_letters + string.digits
    return "ghp" + "_" + "".join(secrets.choice(alphabet) for _ in range(36))


def fresh_key() -> str:
    return "tau-canary-" + secrets.token_urlsafe(24)


def leaky_notebook(*keys: str, pattern: str = "") -> dict:
    """A notebook showing each key in a source, outputs and widget state.

    ``pattern``, an unregistered key, is only shown plainly: its encoded
    forms are not matched (nobody told the scrubber its value).
    """
    cells = [code_cell("print(token)", [stream(f"token={pattern}\n")])]
    for key in keys:
        outputs = [
            stream(f"{key}\n"),
            {
                "output_type": "execute_result",
                "execution_count": 1,
                "metadata": {},
                "data": {"text/plain": base64.b64encode(key.encode()).decode()},
            },
        ]
        cells.append(code_cell(f"k = {key!r}", outputs))
    models = {
        "p": {"model_name": "PasswordModel", "state": {"value": keys[0]}},
        "t": {"model_name": "TextModel", "state": {"value": keys[-1]}},
    }
    return notebook(cells, {"widgets": {WIDGET_STATE: {"state": models}}})


def assert_clean(text: str, *keys: str, pattern: str = "") -> None:
    for key in keys:
        assert key not in text
        assert key[11:23] not in text
        assert base64.b64encode(key.encode()).decode()[4:-4] not in text
    if pattern:
        assert pattern not in text


def save(server, name: str, nb: dict) -> None:
    server.request("PUT", f"/api/contents/{name}", {"type": "notebook", "content": nb})


def checkpoint(root: Path, name: str) -> Path:
    return root / ".ipynb_checkpoints" / name.replace(".ipynb", "-checkpoint.ipynb")


@pytest.fixture(scope="module")
def keys() -> dict[str, str]:
    return {"env": fresh_key(), "stored": fresh_key(), "later": fresh_key()}


@pytest.fixture(scope="module")
def server(tmp_path_factory, keys):
    """A server whose environment holds one key and whose store holds another."""
    from tau_secrets_ext.store.store import SecretStore

    home = tmp_path_factory.mktemp("server")
    root = home / "root"
    root.mkdir()
    env = server_env(home, {"OPENAI_API_KEY": keys["env"]})
    store = SecretStore.open(Path(env["TAU_SECRETS_DIR"]) / "store.json")
    store.set("anthropic", keys["stored"], provider="anthropic")
    with running_server(root, env) as running:
        running.store = store  # type: ignore[attr-defined]
        yield running
    assert_clean(running.log_text(), *keys.values())


def test_saved_notebook_and_its_checkpoint_hold_no_key(server, keys):
    pattern = github_like()
    save(
        server, "a.ipynb", leaky_notebook(keys["env"], keys["stored"], pattern=pattern)
    )

    saved = (server.root / "a.ipynb").read_text()
    assert_clean(saved, keys["env"], keys["stored"], pattern=pattern)
    assert "[REDACTED:openai]" in saved
    assert "[REDACTED:anthropic]" in saved
    assert "[REDACTED:pattern]" in saved
    state = json.loads(saved)["metadata"]["widgets"][WIDGET_STATE]["state"]
    assert state["p"]["state"]["value"] == ""
    assert_clean(checkpoint(server.root, "a.ipynb").read_text(), *keys.values())


def test_explicit_checkpoint_of_a_file_written_outside_is_cleaned(server, keys):
    # A notebook written by another tool (nbclient, git) never passed the hook.
    raw = server.root / "outside.ipynb"
    raw.write_text(json.dumps(leaky_notebook(keys["env"])))

    server.request("POST", "/api/contents/outside.ipynb/checkpoints")

    assert_clean(checkpoint(server.root, "outside.ipynb").read_text(), keys["env"])


def test_key_stored_after_start_is_masked_at_the_next_save(server, keys):
    server.store.set("groq", keys["later"], provider="groq")

    save(server, "b.ipynb", leaky_notebook(keys["later"]))

    saved = (server.root / "b.ipynb").read_text()
    assert_clean(saved, keys["later"])
    assert "[REDACTED:groq]" in saved


def test_text_file_saved_masked(server, keys):
    body = {"type": "file", "format": "text", "content": f"KEY={keys['stored']}\n"}

    server.request("PUT", "/api/contents/notes.txt", body)

    assert (server.root / "notes.txt").read_text() == "KEY=[REDACTED:anthropic]\n"


def test_extension_is_enabled_by_the_installed_config(server):
    assert "tau_secrets_ext.jupyter.server | extension was successfully loaded" in (
        server.log_text()
    )


def test_locked_or_broken_store_still_masks_patterns_and_env(tmp_path):
    from tau_secrets_ext.store.store import SecretStore

    env_key, stored_key, pattern = fresh_key(), fresh_key(), github_like()
    home = tmp_path / "home"
    root = tmp_path / "root"
    root.mkdir()
    env = server_env(home, {"OPENAI_API_KEY": env_key})
    store_path = Path(env["TAU_SECRETS_DIR"]) / "store.json"
    passphrase = secrets.token_urlsafe(16)
    keyed = SecretStore.open(store_path, encryption="keyed", passphrase=passphrase)
    keyed.set("mistral", stored_key)

    with running_server(root, env) as server:
        save(server, "locked.ipynb", leaky_notebook(env_key, pattern=pattern))
        locked = (root / "locked.ipynb").read_text()
        store_path.write_bytes(b"\x00garbage")
        save(server, "broken.ipynb", leaky_notebook(env_key, pattern=pattern))
        broken = (root / "broken.ipynb").read_text()

    for saved in (locked, broken):
        assert_clean(saved, env_key, pattern=pattern)
        assert "[REDACTED:pattern]" in saved
    assert "store is locked" in server.log_text()
    assert_clean(server.log_text(), env_key, stored_key, passphrase, pattern=pattern)
