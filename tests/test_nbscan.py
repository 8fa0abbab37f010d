"""The notebook scanner: every place a key can hide, reports, clean, CLI."""

from __future__ import annotations

import base64
import html
import json
import os
import secrets
import stat
import string
import subprocess
import sys
from pathlib import Path

import pytest
from _jupyter import code_cell, notebook, stream

from tau_secrets_ext.jupyter import nbscan
from tau_secrets_ext.scrub.scrub import Scrubber

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def github_like() -> str:
    """A key of a well-known format that nobody registered, made at run time."""
    alphabet = string.ascii_letters + string.digits
    return "ghp" + "_" + "".join(secrets.choice(alphabet) for _ in range(36))


def short_key() -> str:
    """A key whose halves are shorter than the scrubber's partial-match length.

    Longer halves are masked on their own; only halves this short need the
    stream outputs to be joined.
    """
    return "tau" + secrets.token_urlsafe(18)


def scrubber(canary: str) -> Scrubber:
    scrub = Scrubber()
    scrub.register(canary, "openai")
    return scrub


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def widgets(models: dict[str, dict]) -> dict:
    return {"widgets": {WIDGET_STATE: {"state": models, "version_major": 2}}}


def password_model(value: str) -> dict:
    return {
        "model_module": "@jupyter-widgets/controls",
        "model_name": "PasswordModel",
        "state": {"value": value, "description": "key"},
    }


def text_model(value: str) -> dict:
    return {"model_name": "TextModel", "state": {"value": value}}


def everywhere(canary: str) -> dict:
    """A notebook with ``canary`` in every kind of place, each once."""
    outputs = [
        stream(f"key is {canary}\n"),
        {
            "output_type": "display_data",
            "metadata": {},
            "data": {"text/html": [f"<b>{html.escape(canary)}</b>"]},
        },
        {
            "output_type": "execute_result",
            "execution_count": 2,
            "metadata": {},
            "data": {
                "text/plain": f"'{b64(canary)}'",
                "application/json": {"nested": [{"k": canary}]},
            },
        },
        {
            "output_type": "error",
            "ename": "ValueError",
            "evalue": f"bad {canary}",
            "traceback": ["Traceback", f"ValueError: bad {canary}"],
        },
    ]
    markdown = {
        "cell_type": "markdown",
        "id": "m1",
        "metadata": {},
        "source": "![a](attachment:a.png)",
        "attachments": {"a.png": {"image/png": b64("\x89PNG" + canary + "\x00")}},
    }
    cells = [code_cell(f"key = '{canary}'\n", []), code_cell("x", outputs), markdown]
    return notebook(cells, widgets({"w1": text_model(canary)}))


def test_scan_reports_every_place_by_name_never_the_key(canary):
    hits = nbscan.scan_notebook(everywhere(canary), scrubber(canary), "nb.ipynb")

    places = {str(hit) for hit in hits}
    assert places == {
        "nb.ipynb: cell 1, source (openai)",
        "nb.ipynb: cell 2, output 1 (openai)",
        "nb.ipynb: cell 2, output 2 (openai)",
        "nb.ipynb: cell 2, output 3 (openai)",
        "nb.ipynb: cell 2, output 4 (openai)",
        "nb.ipynb: cell 3, attachment a.png (openai)",
        "nb.ipynb: metadata.widgets (openai)",
    }
    assert not any(canary[11:19] in place for place in places)


def test_scan_finds_a_key_split_across_stream_outputs():
    canary = short_key()
    half = len(canary) // 2
    outputs = [stream("start " + canary[:half]), stream(canary[half:] + " end\n")]
    nb = notebook([code_cell("print(k)", outputs)])

    hits = nbscan.scan_notebook(nb, scrubber(canary), "nb.ipynb")

    assert [str(h) for h in hits] == ["nb.ipynb: cell 1, outputs 1-2 (openai)"]


def test_scan_joins_stream_pieces_of_one_name_only():
    canary = short_key()
    half = len(canary) // 2
    outputs = [stream(canary[:half]), stream(canary[half:], name="stderr")]
    nb = notebook([code_cell("print(k)", outputs)])

    assert nbscan.scan_notebook(nb, scrubber(canary), "nb.ipynb") == []


def test_scan_finds_unregistered_key_patterns():
    key = github_like()
    nb = notebook([code_cell("x", [stream(f"token={key}\n")])])

    hits = nbscan.scan_notebook(nb, Scrubber(), "nb.ipynb")

    assert [str(h) for h in hits] == ["nb.ipynb: cell 1, output 1 (pattern)"]


def test_scan_reports_a_saved_password_widget_value(canary):
    nb = notebook([], widgets({"p1": password_model("hunter2-not-registered")}))

    hits = nbscan.scan_notebook(nb, scrubber(canary), "nb.ipynb")

    assert [str(h) for h in hits] == [
        "nb.ipynb: metadata.widgets (password widget value)"
    ]


def test_clean_masks_every_place_and_a_rescan_is_clean(canary):
    nb = everywhere(canary)
    nb["metadata"]["widgets"][WIDGET_STATE]["state"]["p1"] = password_model(canary)
    scrub = scrubber(canary)

    changed = nbscan.clean_notebook(nb, scrub)

    dumped = json.dumps(nb)
    assert changed >= 8
    assert canary not in dumped
    assert b64(canary)[4:-4] not in dumped
    assert "[REDACTED:openai]" in dumped
    assert nbscan.scan_notebook(nb, scrub, "nb.ipynb") == []
    state = nb["metadata"]["widgets"][WIDGET_STATE]["state"]
    assert state["p1"]["state"]["value"] == ""


def test_clean_masks_a_split_key_in_both_outputs():
    canary = short_key()
    half = len(canary) // 2
    outputs = [stream("start " + canary[:half]), stream([canary[half:], " end\n"])]
    nb = notebook([code_cell("print(k)", outputs)])

    nbscan.clean_notebook(nb, scrubber(canary))

    first, second = (o["text"] for o in nb["cells"][0]["outputs"])
    assert first == "start [REDACTED:openai]"
    assert "".join(second) == " end\n"
    assert canary[3:9] not in json.dumps(nb)
    assert canary[-6:] not in json.dumps(nb)


def test_clean_keeps_list_of_lines_shape_and_other_text(canary):
    nb = notebook([code_cell(["import os\n", f"k = '{canary}'\n", "print(1)\n"], [])])

    nbscan.clean_notebook(nb, scrubber(canary))

    assert nb["cells"][0]["source"] == [
        "import os\n",
        "k = '[REDACTED:openai]'\n",
        "print(1)\n",
    ]


def test_clean_masks_a_key_used_as_a_json_field_name(canary):
    data = {"application/json": {canary: 1, "other": 2}}
    output = {"output_type": "display_data", "metadata": {}, "data": data}
    nb = notebook([code_cell("x", [output])])

    nbscan.clean_notebook(nb, scrubber(canary))

    assert list(nb["cells"][0]["outputs"][0]["data"]["application/json"]) == [
        "[REDACTED:openai]",
        "other",
    ]


def test_scan_text_reports_lines(canary):
    text = "a\nb\n" + f"OPENAI_API_KEY={canary}\n"

    hits = nbscan.scan_text(text, scrubber(canary), "env.txt")

    assert [str(h) for h in hits] == ["env.txt: line 3 (openai)"]


# The command line, run for real, with the key given the way a user's shell
# would give it: an exported provider variable.


def cli(args: list[str], canary: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env["OPENAI_API_KEY"] = canary
    return subprocess.run(
        [sys.executable, "-m", "tau_secrets_ext", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def write_nb(path: Path, nb: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb, indent=1))
    return path


def assert_no_key(result: subprocess.CompletedProcess[str], canary: str) -> None:
    assert canary[11:19] not in result.stdout + result.stderr


def test_cli_scan_exit_status_and_report(tmp_path, canary):
    dirty = write_nb(tmp_path / "dirty.ipynb", everywhere(canary))
    clean = write_nb(tmp_path / "clean.ipynb", notebook([code_cell("1", [])]))

    found = cli(["scan", str(dirty), str(clean)], canary, tmp_path)
    nothing = cli(["scan", str(clean)], canary, tmp_path)

    assert found.returncode == 1
    assert f"{dirty}: cell 2, output 1 (openai)" in found.stdout.splitlines()
    assert str(clean) not in found.stdout
    assert nothing.returncode == 0
    assert nothing.stdout == ""
    assert_no_key(found, canary)


def test_cli_scan_bad_files_get_one_line_each_and_others_still_scanned(
    tmp_path, canary
):
    (tmp_path / "broken.ipynb").write_text('{"cells": [')
    (tmp_path / "binary.txt").write_bytes(b"\xff\xfe\x00bad")
    dirty = write_nb(tmp_path / "dirty.ipynb", everywhere(canary))
    broken, binary = str(tmp_path / "broken.ipynb"), str(tmp_path / "binary.txt")

    mixed = cli(["scan", broken, binary, str(dirty)], canary, tmp_path)
    only_bad = cli(
        ["scan", broken, binary, str(tmp_path / "missing")], canary, tmp_path
    )

    assert mixed.returncode == 1
    assert f"{broken}: not a notebook: invalid JSON at line 1" in mixed.stderr
    assert f"{binary}: not UTF-8 text" in mixed.stderr
    assert "(openai)" in mixed.stdout
    assert only_bad.returncode == 2
    assert len([ln for ln in only_bad.stderr.splitlines() if "tmp" in ln]) >= 3


def test_cli_scan_folder_includes_checkpoints(tmp_path, canary):
    write_nb(tmp_path / "a/clean.ipynb", notebook([]))
    hidden = tmp_path / "a/.ipynb_checkpoints/clean-checkpoint.ipynb"
    write_nb(hidden, everywhere(canary))

    result = cli(["scan", str(tmp_path / "a")], canary, tmp_path)

    assert result.returncode == 1
    assert all(line.startswith(str(hidden)) for line in result.stdout.splitlines())


def test_cli_clean_rewrites_dirty_files_keeps_mode_and_skips_broken(tmp_path, canary):
    dirty = write_nb(tmp_path / "dirty.ipynb", everywhere(canary))
    dirty.chmod(0o640)
    broken = tmp_path / "broken.ipynb"
    broken.write_bytes(b'{"cells": [' + canary.encode())
    before = broken.read_bytes()

    result = cli(["clean", str(dirty), str(broken)], canary, tmp_path)

    assert result.returncode == 2
    assert broken.read_bytes() == before
    assert canary not in dirty.read_text()
    assert stat.S_IMODE(dirty.stat().st_mode) == 0o640
    assert json.loads(dirty.read_text())["nbformat"] == 4
    assert cli(["scan", str(dirty)], canary, tmp_path).returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.ipynb", "dirty.ipynb"]
    assert_no_key(result, canary)


def test_cli_clean_plain_text_file(tmp_path, canary):
    env_file = tmp_path / "notes.md"
    env_file.write_text(f"export OPENAI_API_KEY={canary}\n")

    result = cli(["clean", str(env_file)], canary, tmp_path)

    assert result.returncode == 0
    assert env_file.read_text() == "export OPENAI_API_KEY=[REDACTED:openai]\n"


@pytest.mark.parametrize("encoded", ["json", "url", "hex"])
def test_scan_sees_encoded_variants(canary, encoded):
    from urllib.parse import quote

    value = {
        "json": json.dumps(canary + '"'),
        "url": quote("x=" + canary + "&", safe=""),
        "hex": canary.encode().hex(),
    }[encoded]
    nb = notebook([code_cell("x", [stream(value)])])

    assert nbscan.scan_notebook(nb, scrubber(canary), "n.ipynb")


def test_cli_scan_uses_stored_keys_by_name(tmp_path, canary):
    from tau_secrets_ext.store.store import SecretStore

    stored = "tau-stored-" + secrets.token_urlsafe(24)
    store_file = tmp_path / "elsewhere" / "store.json"
    SecretStore.open(store_file).set("billing-db", stored)
    nb = notebook([code_cell("x", [stream(f"dsn uses {b64(stored)}\n")])])
    path = write_nb(tmp_path / "n.ipynb", nb)

    result = cli(["--store", str(store_file), "scan", str(path)], canary, tmp_path)

    assert result.returncode == 1
    assert result.stdout.splitlines() == [f"{path}: cell 1, output 1 (billing-db)"]
    assert_no_key(result, stored)


def test_cli_scan_with_a_locked_store_still_checks_patterns(tmp_path, canary):
    from tau_secrets_ext.store.store import SecretStore

    store_file = tmp_path / "keyed" / "store.json"
    keyed = SecretStore.open(
        store_file, encryption="keyed", passphrase=secrets.token_urlsafe(12)
    )
    keyed.set("mistral", "tau-stored-" + secrets.token_urlsafe(24))
    path = write_nb(tmp_path / "n.ipynb", notebook([code_cell(github_like(), [])]))

    result = cli(["--store", str(store_file), "scan", str(path)], canary, tmp_path)

    assert result.returncode == 1
    assert "store is locked" in result.stderr
    assert result.stdout.splitlines() == [f"{path}: cell 1, source (pattern)"]


class _BrokenScrubber(Scrubber):
    """Fault injection: a scrubber that fails on every text.

    No real input makes the scrubber raise, so the failure is simulated to
    show that the cleaner then fails closed.
    """

    def scrub(self, text: str) -> str:
        raise RuntimeError("simulated failure")

    def find(self, text: str) -> list:
        raise RuntimeError("simulated failure")


def test_clean_fails_closed_when_the_scrubber_breaks(canary, caplog):
    nb = everywhere(canary)
    nb["cells"][1]["outputs"].append(stream(canary))

    nbscan.clean_notebook(nb, _BrokenScrubber())

    assert canary not in json.dumps(nb)
    assert nb["cells"][0]["source"] == "[REDACTED:error]"
    assert nb["cells"][0]["cell_type"] == "code"
    assert nb["cells"][1]["outputs"][0]["output_type"] == "stream"
    assert canary not in caplog.text
    assert "RuntimeError" in caplog.text


def test_hit_repr_and_unreadable_messages_hold_no_key(tmp_path, canary):
    broken = tmp_path / "broken.ipynb"
    broken.write_text('{"cells": ' + canary)

    with pytest.raises(nbscan.Unreadable) as caught:
        nbscan.load(broken)

    hit = nbscan.scan_notebook(everywhere(canary), scrubber(canary), "n.ipynb")[0]
    assert canary[11:19] not in repr(hit) + str(hit) + str(caught.value)


def test_no_committed_file_holds_a_key_pattern(tmp_path, canary):
    # The repository's own rule, checked with its own scanner: test keys
    # are built at run time, never committed as literals.
    root = Path(__file__).resolve().parent.parent
    listed = subprocess.run(
        ["git", "ls-files"], cwd=root, capture_output=True, text=True, check=False
    )
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    files = [
        str(root / f) for f in listed.stdout.splitlines() if not f.endswith(".png")
    ]

    result = cli(["scan", *files], canary, tmp_path)

    assert result.returncode == 0, result.stdout


def test_key_split_in_three_writes_between_other_output():
    key = short_key()
    parts = [key[:9], key[9:18], key[18:]]
    figure = {
        "output_type": "display_data",
        "metadata": {},
        "data": {"text/plain": "x"},
    }
    outputs = [
        stream("a " + parts[0]),
        figure,
        stream(parts[1]),
        stream(parts[2] + " z"),
    ]
    nb = notebook([code_cell("slow_print(k)", outputs)])
    scrub = scrubber(key)

    hits = nbscan.scan_notebook(nb, scrub, "nb.ipynb")
    nbscan.clean_notebook(nb, scrub)

    assert [str(h) for h in hits] == ["nb.ipynb: cell 1, outputs 1-4 (openai)"]
    texts = [o.get("text") for o in nb["cells"][0]["outputs"]]
    assert texts == ["a [REDACTED:openai]", None, "", " z"]
