"""The tau-secrets command, run as a real subprocess."""

from __future__ import annotations

import os
import pty
import select
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _store import passphrase
from _store import value as new_value

from tau_secrets_ext.store.store import SecretStore

SCRIPT = Path(sys.executable).with_name("tau-secrets")


def run(*args: str, stdin: str = "", env: dict[str, str] | None = None, **kw):
    """Run ``python -m tau_secrets_ext ARGS`` with the test's environment."""
    full_env = {**os.environ, **(env or {})}
    command = kw.get("command", [sys.executable, "-m", "tau_secrets_ext"])
    return subprocess.run(
        [*command, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=60,
    )


def _one_error_line(proc) -> str:
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("tau-secrets: error: ")
    return lines[0]


def test_set_reads_stdin_and_list_never_shows_values(canary):
    proc = run("set", "openai", "--provider", "openai", stdin=canary + "\n")
    assert proc.returncode == 0, proc.stderr
    assert "stored openai" in proc.stdout

    listed = run("list")

    assert listed.returncode == 0
    header, row = listed.stdout.strip().splitlines()
    assert header.split() == ["NAME", "PROVIDER", "UPDATED", "FINGERPRINT"]
    assert row.split()[:2] == ["openai", "openai"]
    assert row.split()[3] == SecretStore.open().info("openai").fingerprint
    assert SecretStore.open().get("openai").reveal() == canary
    for out in (proc, listed):
        assert canary not in out.stdout + out.stderr


def test_the_console_script_runs_the_same_command():
    proc = run("list", command=[str(SCRIPT)])
    assert proc.returncode == 0 and "no secrets" in proc.stdout


def test_values_are_never_taken_from_the_command_line(canary):
    proc = run("set", "openai", canary)
    assert proc.returncode == 2
    assert SecretStore.open().names() == []


@pytest.mark.parametrize("args", [(), ("bogus",), ("delete",), ("rekey", "-e", "x")])
def test_usage_errors_exit_2(args):
    assert run(*args).returncode == 2


def test_errors_are_one_line_exit_1_and_never_show_the_value(canary):
    bad = run("set", "k", stdin=" " + canary + "\n")
    assert bad.returncode == 1
    line = _one_error_line(bad)
    assert "whitespace" in line and canary not in line

    missing = run("delete", "nope")
    assert missing.returncode == 1
    assert "nope" in _one_error_line(missing)


def test_delete_removes_a_secret(canary):
    run("set", "k", stdin=canary)
    proc = run("delete", "k")
    assert proc.returncode == 0 and SecretStore.open().names() == []


def test_rekey_converts_between_modes_through_the_cli(canary):
    run("set", "k", "--provider", "groq", stdin=canary)
    pw = passphrase()

    to_keyed = run(
        "rekey", "--encryption", "keyed", env={"TAU_SECRETS_NEW_PASSPHRASE": pw}
    )
    assert to_keyed.returncode == 0, to_keyed.stderr
    locked = run("list")
    assert locked.returncode == 1 and "TAU_SECRETS_PASSPHRASE" in locked.stderr
    assert "k " in run("list", env={"TAU_SECRETS_PASSPHRASE": pw}).stdout

    no_new = run("rekey", "--encryption", "keyed", env={"TAU_SECRETS_PASSPHRASE": pw})
    assert no_new.returncode == 1 and "TAU_SECRETS_NEW_PASSPHRASE" in no_new.stderr

    back = run("rekey", "--encryption", "auto", env={"TAU_SECRETS_PASSPHRASE": pw})
    assert back.returncode == 0, back.stderr
    assert SecretStore.peek_mode() == "auto"
    assert SecretStore.open().get("k").reveal() == canary
    assert pw not in to_keyed.stdout + to_keyed.stderr + back.stdout + back.stderr


def test_migrate_from_env_imports_the_provider_variables():
    values = {
        var: new_value()
        for var in (
            "OPENAI_API_KEY",
            "ANTHROPIC_API_KEY",
            "GEMINI_API_KEY",
            "GOOGLE_API_KEY",
            "HF_TOKEN",
            "MISTRAL_API_KEY",
            "GROQ_API_KEY",
            "OPENROUTER_API_KEY",
            "COHERE_API_KEY",
        )
    }

    proc = run("migrate", "--from-env", env=values)

    assert proc.returncode == 0, proc.stderr
    store = SecretStore.open()
    expected = {
        "openai": "OPENAI_API_KEY",
        "anthropic": "ANTHROPIC_API_KEY",
        "gemini": "GEMINI_API_KEY",
        "google": "GOOGLE_API_KEY",
        "huggingface": "HF_TOKEN",
        "mistral": "MISTRAL_API_KEY",
        "groq": "GROQ_API_KEY",
        "openrouter": "OPENROUTER_API_KEY",
        "cohere": "COHERE_API_KEY",
    }
    assert store.names() == sorted(expected)
    for name, var in expected.items():
        assert store.get(name).reveal() == values[var]
        assert store.info(name).provider == name
    assert not any(v in proc.stdout + proc.stderr for v in values.values())


def test_migrate_from_dotenv_imports_keys_and_removes_only_their_lines(tmp_path):
    openai, token, quoted = new_value(), new_value(), new_value()
    dotenv = tmp_path / ".env"
    kept = ["# settings", "DEBUG=true", "", "APP_NAME=demo-application"]
    dotenv.write_text(
        "\n".join(
            [
                kept[0],
                f"OPENAI_API_KEY={openai}",
                kept[1],
                f"export GITHUB_TOKEN='{token}'",
                kept[2],
                f'DB_PASSWORD="{quoted}"  ',
                kept[3],
            ]
        )
        + "\n"
    )
    os.chmod(dotenv, 0o640)

    proc = run("migrate", "--from-dotenv", str(dotenv), "--remove")

    assert proc.returncode == 0, proc.stderr
    store = SecretStore.open()
    assert store.names() == ["DB_PASSWORD", "GITHUB_TOKEN", "openai"]
    assert store.get("openai").reveal() == openai
    assert store.get("GITHUB_TOKEN").reveal() == token
    assert store.get("DB_PASSWORD").reveal() == quoted
    assert dotenv.read_text() == "\n".join(kept) + "\n"
    assert stat.S_IMODE(dotenv.stat().st_mode) == 0o640


def test_migrate_keeps_lines_it_did_not_import(tmp_path, canary):
    run("set", "openai", stdin=canary)
    dotenv = tmp_path / ".env"
    text = f"OPENAI_API_KEY={new_value()}\n"
    dotenv.write_text(text)

    proc = run("migrate", "--from-dotenv", str(dotenv), "--remove")

    assert proc.returncode == 0 and "already stored" in proc.stdout
    assert dotenv.read_text() == text
    assert SecretStore.open().get("openai").reveal() == canary


def test_remove_needs_a_dotenv_file():
    assert run("migrate", "--from-env", "--remove").returncode == 2


def test_exec_exports_keys_under_provider_variables(canary):
    run("set", "work", "--provider", "openai", stdin=canary)
    run("set", "GITHUB_TOKEN", stdin=canary + "-gh")
    code = (
        "import os, sys;"
        "sys.exit(0 if os.environ['OPENAI_API_KEY'] == sys.argv[1]"
        " and os.environ['GITHUB_TOKEN'] == sys.argv[1] + '-gh' else 5)"
    )

    ok = run("exec", "--", sys.executable, "-c", code, canary)
    status = run("exec", "--", sys.executable, "-c", "raise SystemExit(3)")
    missing = run("exec", "--", "no-such-command-here")

    assert ok.returncode == 0, ok.stderr
    assert status.returncode == 3
    assert missing.returncode == 1 and "command not found" in missing.stderr


def _read_until(fd: int, marker: str, timeout: float = 30.0) -> str:
    """Read a pty until ``marker`` appears or the other side closes."""
    seen = b""
    deadline = time.monotonic() + timeout
    while marker.encode() not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 1024)
        except OSError:  # the child closed its end of the terminal
            break
        if not chunk:
            break
        seen += chunk
    return seen.decode(errors="replace")


def test_set_on_a_terminal_prompts_without_echo(canary):
    primary, secondary = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tau_secrets_ext", "set", "k"],
        stdin=secondary,
        stdout=secondary,
        stderr=secondary,
        start_new_session=True,
    )
    os.close(secondary)
    try:
        prompt = _read_until(primary, "(hidden): ")
        os.write(primary, (canary + "\n").encode())
        rest = _read_until(primary, "stored k")
        assert proc.wait(timeout=60) == 0
    finally:
        os.close(primary)

    assert "Value for k (hidden): " in prompt
    assert "stored k" in rest and canary not in prompt + rest
    assert SecretStore.open().get("k").reveal() == canary
