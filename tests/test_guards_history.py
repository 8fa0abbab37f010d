"""Input history (In, _ih, _i*, %history, sqlite rows) never holds a key."""

from __future__ import annotations

import pytest
from _kernel import new_canary
from _shell import ip  # noqa: F401 - the fixture

from tau_secrets_ext import protect


def _everywhere(shell) -> str:
    """All of this session's input history, in memory and in the database."""
    hist = shell.history_manager
    hist.writeout_cache()
    rows = hist.db.execute(
        "select source, source_raw from history where session = ?",
        (hist.session_number,),
    ).fetchall()
    inputs = [v for k, v in shell.user_ns.items() if k.startswith("_i")]
    parts = [*shell.user_ns["In"], *hist.input_hist_raw, *map(str, inputs)]
    parts += [hist._i, hist._ii, hist._iii, hist._i00, *map(str, rows)]
    return "\n".join(parts)


@pytest.fixture
def registered(ip):  # noqa: F811
    key = new_canary()
    protect(key, "demo")
    return key


def test_a_typed_key_is_stored_masked(ip, registered, capsys):  # noqa: F811
    ip.run_cell(f"typed = {registered!r}", store_history=True)
    ip.run_cell("1 + 1", store_history=True)
    assert registered not in _everywhere(ip)
    assert "typed = '[REDACTED:demo]'" in ip.user_ns["In"]
    ip.run_line_magic("history", "-n")
    assert "[REDACTED:demo]" in capsys.readouterr().out


def test_a_key_registered_later_is_scrubbed_retroactively(ip):  # noqa: F811
    later = new_canary("late")
    ip.run_cell(f"password = {later!r}", store_history=True)
    ip.history_manager.writeout_cache()
    assert later in _everywhere(ip)
    protect(ip.user_ns["password"], "db")
    assert later not in _everywhere(ip)
    assert "password = '[REDACTED:db]'" in ip.user_ns["In"]


def test_text_around_a_key_is_kept(ip, registered):  # noqa: F811
    ip.run_cell(f"x = ['left', {registered!r}, 'right']  # note", store_history=True)
    assert ip.user_ns["In"][-1] == "x = ['left', '[REDACTED:demo]', 'right']  # note"


def test_the_logstart_session_log_is_scrubbed(ip, registered, tmp_path):  # noqa: F811
    path = tmp_path / "session.log"
    ip.run_line_magic("logstart", f"-o -q {path}")
    try:
        ip.run_cell(f"typed = {registered!r}\ntyped", store_history=True)
    finally:
        ip.run_line_magic("logstop", "")
    text = path.read_text()
    assert "typed = '[REDACTED:demo]'" in text
    assert registered not in text
