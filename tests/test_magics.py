"""The magics in a real in-process IPython shell, against the real file store."""

from __future__ import annotations

import getpass
import io
import logging
import os
import re
import secrets
import sys

import pytest
from _shell import assert_hidden, ip, magic, shell_instance
from IPython.core.error import UsageError

from tau_secrets_ext import Secret, SecretStore, get_secret
from tau_secrets_ext.ipython import _input
from tau_secrets_ext.ipython._table import KeyTable, key_rows
from tau_secrets_ext.ipython.api import scrubber
from tau_secrets_ext.ipython.extension import (
    load_ipython_extension,
    unload_ipython_extension,
)
from tau_secrets_ext.ipython.state import get_state
from tau_secrets_ext.ipython.widget import SecretInput

__all__ = ["ip"]

STATUS = re.compile(
    r"^openai: stored \((encrypted|plaintext), fingerprint [0-9a-f]{8}\)$"
)


def usage_error(shell, name, line=""):
    """Run a magic that must fail; return the exception (exactly UsageError)."""
    with pytest.raises(UsageError) as caught:
        magic(shell, name, line)
    assert type(caught.value) is UsageError
    assert "\n" not in str(caught.value)
    return caught.value


def stored_names():
    return SecretStore.open().names()


# -- %tau_setkey -----------------------------------------------------------


def test_setkey_from_env_stores_registers_and_prints_one_status_line(
    ip, canary, capsys, monkeypatch
):
    monkeypatch.setenv("TAU_TEST_KEY", canary)

    assert magic(ip, "tau_setkey", "openai --from-env TAU_TEST_KEY") is None

    out = capsys.readouterr().out
    assert STATUS.match(out.strip()), out
    assert_hidden(out, canary)
    assert SecretStore.open().get("openai").reveal() == canary
    assert canary not in scrubber().scrub(f"x {canary} y")


def test_setkey_records_the_provider(ip, canary, monkeypatch):
    monkeypatch.setenv("TAU_TEST_KEY", canary)

    magic(ip, "tau_setkey", "work --provider anthropic --from-env TAU_TEST_KEY")

    assert SecretStore.open().info("work").provider == "anthropic"


@pytest.mark.parametrize(
    "line",
    [
        "",
        "openai --from-env",
        "openai --nonsense",
        "openai --provider nosuchprovider --from-env TAU_TEST_KEY",
        "openai --from-env TAU_UNSET_VARIABLE",
        "bad/name --from-env TAU_TEST_KEY",
    ],
)
def test_setkey_mistakes_are_one_line_usage_errors(ip, canary, monkeypatch, line):
    monkeypatch.setenv("TAU_TEST_KEY", canary)

    error = usage_error(ip, "tau_setkey", line)

    assert_hidden(str(error), canary)
    assert stored_names() == []


def test_setkey_missing_variable_names_it(ip):
    error = usage_error(ip, "tau_setkey", "openai --from-env TAU_UNSET_VARIABLE")

    assert "TAU_UNSET_VARIABLE" in str(error)


def test_setkey_refuses_a_short_value_without_echoing_it(ip, monkeypatch):
    short = secrets.token_hex(3)
    monkeypatch.setenv("TAU_TEST_KEY", short)

    error = usage_error(ip, "tau_setkey", "openai --from-env TAU_TEST_KEY")

    assert short not in str(error)
    assert stored_names() == []


@pytest.fixture
def at_a_terminal(monkeypatch):
    """No terminal exists under pytest: stand in for a person at a tty."""
    monkeypatch.setattr(_input, "stdin_is_terminal", lambda: True)


def test_setkey_prompt_reads_getpass(ip, canary, capsys, monkeypatch, at_a_terminal):
    prompts = []
    monkeypatch.setattr(getpass, "getpass", lambda p: prompts.append(p) or canary)

    magic(ip, "tau_setkey", "openai --prompt")

    assert prompts == ["openai: "]
    assert STATUS.match(capsys.readouterr().out.strip())
    assert SecretStore.open().get("openai").reveal() == canary


def test_setkey_in_a_terminal_prompts_without_the_flag(
    ip, canary, monkeypatch, at_a_terminal
):
    monkeypatch.setattr(getpass, "getpass", lambda prompt: canary)

    magic(ip, "tau_setkey", "openai")

    assert SecretStore.open().get("openai").reveal() == canary


def test_terminal_ipython_prompts_without_echo(canary, tmp_path):
    pexpect = pytest.importorskip("pexpect")
    ipython = os.path.join(os.path.dirname(sys.executable), "ipython")
    args = ["--ext=tau_secrets_ext", "--simple-prompt", "--no-banner"]
    args.append(f"--HistoryManager.hist_file={tmp_path / 'history.sqlite'}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    child = pexpect.spawn(ipython, args, env=env, encoding="utf-8", timeout=60)
    transcript = io.StringIO()
    child.logfile_read = transcript
    try:
        child.expect_exact("In [1]: ")
        child.sendline("%tau_setkey openai")
        child.expect_exact("openai: ")
        child.sendline(canary)
        child.expect_exact("openai: stored (encrypted, fingerprint ")
        child.sendline("%tau_auth openai")
        child.expect_exact("exported as OPENAI_API_KEY)")
        child.sendline("import os; print(os.environ['OPENAI_API_KEY'])")
        child.expect_exact("[REDACTED:openai]")
        child.sendline("exit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)

    assert_hidden(transcript.getvalue(), canary)
    assert SecretStore.open().get("openai").reveal() == canary


def test_setkey_empty_typed_value_stores_nothing(ip, monkeypatch, at_a_terminal):
    monkeypatch.setattr(getpass, "getpass", lambda prompt: "   ")

    error = usage_error(ip, "tau_setkey", "openai --prompt")

    assert "nothing" in str(error)
    assert stored_names() == []


def test_setkey_without_any_input_names_from_env(ip, monkeypatch, at_a_terminal):
    def no_stdin(prompt):
        raise EOFError

    monkeypatch.setattr(getpass, "getpass", no_stdin)

    error = usage_error(ip, "tau_setkey", "openai")

    assert "--from-env" in str(error)


def test_piped_stdin_is_not_read_by_getpass(ip, monkeypatch):
    read = []
    monkeypatch.setattr(getpass, "getpass", lambda prompt: read.append(1) or "x")

    error = usage_error(ip, "tau_setkey", "openai --prompt")

    assert read == [] and "--from-env" in str(error)


def test_a_key_pasted_as_the_name_is_masked_and_refused(ip, capsys):
    pasted = "sk-proj-" + secrets.token_urlsafe(30).replace("-", "a")

    error = usage_error(ip, "tau_setkey", pasted)

    assert_hidden(str(error), pasted)
    assert pasted not in scrubber().scrub(pasted)
    assert stored_names() == []


# -- inline values ---------------------------------------------------------


def test_inline_value_is_refused_masked_and_the_cell_rewritten(ip, canary, capsys):
    result = ip.run_cell(f"%tau_setkey openai {canary}", store_history=True)

    assert type(result.error_in_exec) is UsageError
    message = str(result.error_in_exec)
    assert_hidden(message, canary)
    assert "%tau_setkey openai" in message
    assert ip.rl_next_input == "%tau_setkey openai"
    assert stored_names() == []
    assert canary not in scrubber().scrub(canary)
    assert canary not in ip.user_ns["In"][-1]
    assert canary not in ip.user_ns["_ih"][-1]
    assert_hidden(capsys.readouterr().err, canary)


def test_inline_value_keeps_the_other_lines_of_the_cell(ip, canary):
    ip.run_cell(f"x = 1\n%tau_setkey openai {canary} --provider openai\ny = 2")

    assert ip.rl_next_input == "x = 1\n%tau_setkey openai --provider openai\ny = 2"


def test_inline_value_the_scan_misses_is_still_refused_and_cut(ip, canary):
    cell = f'x = 1\nget_ipython().run_line_magic("tau_setkey", "openai {canary}")'

    result = ip.run_cell(cell, store_history=True)

    assert type(result.error_in_exec) is UsageError
    assert ip.rl_next_input == cell.replace(canary, "")
    assert canary not in ip.user_ns["In"][-1]
    assert stored_names() == []


def test_inline_value_is_stored_when_allowed(ip, canary, capsys):
    magic(ip, "config", "TauSecrets.allow_inline_value = True")

    ip.run_cell(f"%tau_setkey openai {canary}")

    assert SecretStore.open().get("openai").reveal() == canary
    assert STATUS.match(capsys.readouterr().out.strip())


# -- %tau_auth -------------------------------------------------------------


def _set(name, value, provider=None):
    SecretStore.open().set(name, value, provider=provider)


def test_auth_exports_registers_and_returns_nothing(ip, canary, capsys):
    _set("openai", canary)
    os.environ.pop("OPENAI_API_KEY", None)

    result = ip.run_cell("%tau_auth openai", store_history=True)

    assert result.result is None
    assert os.environ["OPENAI_API_KEY"] == canary
    out = capsys.readouterr().out
    assert out.strip() == "openai: ready (from store, exported as OPENAI_API_KEY)"
    assert all(canary not in repr(v) for v in ip.user_ns["Out"].values())
    assert canary not in repr(ip.user_ns.get("_"))
    assert canary not in scrubber().scrub(canary)


def test_auth_exports_to_every_variable_of_the_provider(ip, canary, capsys):
    _set("gemini", canary)

    magic(ip, "tau_auth", "gemini")

    assert os.environ["GEMINI_API_KEY"] == os.environ["GOOGLE_API_KEY"] == canary
    assert "GEMINI_API_KEY, GOOGLE_API_KEY" in capsys.readouterr().out


def test_auth_uses_the_stored_provider_and_env_override(ip, canary, capsys):
    _set("work", canary, provider="anthropic")

    magic(ip, "tau_auth", "work")
    magic(ip, "tau_auth", "work --env TAU_WORK_TOKEN")

    assert os.environ["ANTHROPIC_API_KEY"] == canary
    assert os.environ["TAU_WORK_TOKEN"] == canary


def test_auth_no_export_leaves_the_environment(ip, canary, capsys):
    _set("mistral", canary)
    os.environ.pop("MISTRAL_API_KEY", None)

    magic(ip, "tau_auth", "mistral --no-export")

    assert "MISTRAL_API_KEY" not in os.environ
    assert "not exported" in capsys.readouterr().out


def test_auth_unknown_name_exports_name_api_key(ip, canary):
    _set("acme-corp", canary)

    magic(ip, "tau_auth", "acme-corp")

    assert os.environ["ACME_CORP_API_KEY"] == canary


def test_auth_falls_back_to_the_provider_variable(ip, canary, capsys):
    os.environ["GROQ_API_KEY"] = canary

    magic(ip, "tau_auth", "groq --no-export")

    out = capsys.readouterr().out
    assert "from environment variable GROQ_API_KEY" in out
    assert canary not in scrubber().scrub(canary)


def test_auth_all_does_every_stored_key(ip, canary, capsys):
    _set("openai", canary)
    _set("cohere", canary[::-1])

    magic(ip, "tau_auth", "--all")

    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["cohere", "openai"]
    assert os.environ["CO_API_KEY"] == canary[::-1]


def test_auth_missing_key_says_which_setkey_to_run(ip):
    error = usage_error(ip, "tau_auth", "together")

    assert "%tau_setkey together" in str(error)


@pytest.mark.parametrize("line", ["", "openai --all", "--all --env X", "x --env 1A"])
def test_auth_argument_mistakes(ip, line):
    usage_error(ip, "tau_auth", line)


# -- %tau_keys, %tau_delkey ------------------------------------------------


def test_keys_table_shows_metadata_and_never_values(ip, canary):
    _set("openai", canary, provider="openai")
    os.environ["HF_TOKEN"] = canary[::-1]
    magic(ip, "tau_auth", "huggingface --no-export")

    table = KeyTable(*key_rows(get_state(ip)))
    text, page = repr(table), table._repr_html_()

    assert text.splitlines()[0].split() == [
        "name",
        "provider",
        "source",
        "fingerprint",
        "updated",
    ]
    assert SecretStore.open().info("openai").fingerprint in text
    assert "env:HF_TOKEN" in text and "<td>env:HF_TOKEN</td>" in page
    for shown in (text, page):
        assert_hidden(shown, canary)
        assert_hidden(shown, canary[::-1])


def test_keys_magic_displays_the_table(ip, canary, capsys):
    _set("openai", canary)

    assert magic(ip, "tau_keys") is None

    out = capsys.readouterr().out
    assert "openai" in out and "store" in out
    assert_hidden(out, canary)


def test_keys_on_an_empty_store_says_how_to_start(ip, capsys):
    magic(ip, "tau_keys")

    assert "%tau_setkey NAME" in capsys.readouterr().out


def test_delkey_deletes_and_the_key_stays_masked(ip, canary, capsys):
    _set("openai", canary)
    magic(ip, "tau_auth", "openai --no-export")

    magic(ip, "tau_delkey", "openai")

    assert stored_names() == []
    assert canary not in scrubber().scrub(canary)
    assert "deleted" in capsys.readouterr().out
    usage_error(ip, "tau_delkey", "openai")


# -- keyed stores: %tau_unlock, %tau_lock ----------------------------------


@pytest.fixture
def keyed(monkeypatch):
    """A keyed store holding one key; the shell is loaded after it exists."""
    passphrase = "pass-" + secrets.token_urlsafe(12)
    value = "tau-keyed-" + secrets.token_urlsafe(24)
    store = SecretStore.open(encryption="keyed", passphrase=passphrase)
    store.set("openai", value)
    monkeypatch.setenv("TAU_SECRETS_ENCRYPTION", "keyed")
    return passphrase, value


def test_keyed_store_is_locked_until_unlock(
    keyed, ip, capsys, monkeypatch, at_a_terminal
):
    passphrase, value = keyed
    assert value in scrubber().scrub(value)  # not readable, so not registered

    error = usage_error(ip, "tau_auth", "openai")
    assert "%tau_unlock" in str(error)

    monkeypatch.setattr(getpass, "getpass", lambda prompt: passphrase)
    magic(ip, "tau_unlock")
    assert capsys.readouterr().out.strip() == "store: unlocked (1 keys)"
    assert value not in scrubber().scrub(value)
    assert passphrase not in scrubber().scrub(passphrase)

    magic(ip, "tau_auth", "openai --no-export")
    magic(ip, "tau_lock")
    assert "locked" in capsys.readouterr().out
    usage_error(ip, "tau_auth", "openai")
    assert value not in scrubber().scrub(value)


def test_unlock_from_the_environment(keyed, ip, capsys, monkeypatch):
    passphrase, _ = keyed
    monkeypatch.setenv("TAU_SECRETS_PASSPHRASE", passphrase)

    magic(ip, "tau_unlock")

    assert "unlocked (1 keys)" in capsys.readouterr().out


def test_wrong_passphrase_is_a_usage_error_without_it(
    keyed, ip, monkeypatch, at_a_terminal
):
    wrong = "wrong-" + secrets.token_urlsafe(12)
    monkeypatch.setattr(getpass, "getpass", lambda prompt: wrong)

    error = usage_error(ip, "tau_unlock")

    assert_hidden(str(error), wrong)


def test_load_registers_a_keyed_store_when_the_passphrase_is_set(keyed, monkeypatch):
    passphrase, value = keyed
    monkeypatch.setenv("TAU_SECRETS_PASSPHRASE", passphrase)

    shell = shell_instance()

    load_ipython_extension(shell)
    try:
        assert value not in scrubber().scrub(value)
    finally:
        unload_ipython_extension(shell)


def test_unlock_and_lock_on_an_auto_store_say_nothing_to_do(ip, capsys):
    magic(ip, "tau_unlock")
    magic(ip, "tau_lock")

    out = capsys.readouterr().out
    assert out.count("nothing to") == 2


# -- load, API, widget, quiet logging --------------------------------------


def test_load_registers_every_stored_key(canary):
    _set("openai", canary)

    shell = shell_instance()
    load_ipython_extension(shell)
    try:
        assert canary not in scrubber().scrub(canary)
    finally:
        unload_ipython_extension(shell)


def test_unload_removes_the_magics_and_the_settings(canary):

    shell = shell_instance()
    load_ipython_extension(shell)
    unload_ipython_extension(shell)

    assert shell.find_line_magic("tau_setkey") is None
    assert not any(type(c).__name__ == "TauSecrets" for c in shell.configurables)


def test_get_secret_returns_a_registered_secret(ip, canary):
    _set("openai", canary)

    secret = get_secret("openai")

    assert isinstance(secret, Secret) and secret.reveal() == canary
    assert canary not in scrubber().scrub(canary)


def test_magic_help_shows_an_example(ip):
    for name in ("tau_setkey", "tau_auth", "tau_keys", "tau_delkey", "tau_unlock"):
        doc = ip.find_line_magic(name).__doc__
        assert "Example" in doc and f"%{name}" in doc, name


def test_normal_paths_log_nothing(ip, canary, caplog, monkeypatch):
    monkeypatch.setenv("TAU_TEST_KEY", canary)
    with caplog.at_level(logging.INFO):
        magic(ip, "tau_setkey", "openai --from-env TAU_TEST_KEY")
        magic(ip, "tau_auth", "openai")
        magic(ip, "tau_keys")

    assert caplog.records == []


def test_widget_hands_the_value_on_and_keeps_nothing(canary):
    received = []
    box = SecretInput("openai key", lambda v: received.append(v) or "openai: stored")

    box._box.set_state({"value": canary})

    assert received == [canary]
    assert box._box.value == ""
    assert box.status == "openai: stored"
    assert box._box.disabled
    for shown in (repr(box), repr(box._box), str(box.get_state())):
        assert canary not in shown


def test_widget_shows_errors_and_nothing_entered(canary):
    def refuse(value):
        raise UsageError("openai: the store is locked")

    box = SecretInput("openai key", refuse)
    box._submitted(None)
    assert box.status.startswith("error: nothing entered")

    box._box.set_state({"value": canary})
    assert box.status == "error: openai: the store is locked"
    assert box._box.value == "" and not box._box.disabled
    assert canary not in repr(box)


def test_widget_refuses_a_short_key_and_stores_nothing(ip):
    state = get_state(ip)
    box = SecretInput("openai key", lambda v: state.set("openai", v, None))
    short = secrets.token_hex(3)

    box._box.set_state({"value": short})

    assert box.status.startswith("error: ")
    assert short not in box.status and box._box.value == ""
    assert stored_names() == []


def test_widget_value_is_never_echoed():
    box = SecretInput("k", lambda v: "ok")

    assert box._box.trait_metadata("value", "echo_update") is False
    assert box._box.continuous_update is False
