"""No registered key leaves a real kernel, on any channel, however it is split."""

from __future__ import annotations

import json
import sqlite3
import textwrap
import time

import pytest
from _kernel import Cell, Kernel, leaks, new_canary, stream_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.kernel

MASK = "[REDACTED:openai]"
HUB_MASK = "[REDACTED:jupyterhub]"


@pytest.fixture(scope="module")
def key() -> str:
    return new_canary()


@pytest.fixture(scope="module")
def hub_token() -> str:
    return new_canary("hub")


@pytest.fixture(scope="module")
def jpy_token() -> str:
    return new_canary("jpy")


@pytest.fixture(scope="module")
def kernel(tmp_path_factory, key, hub_token, jpy_token):
    env = {
        "OPENAI_API_KEY": key,
        "JUPYTERHUB_API_TOKEN": hub_token,
        "JPY_API_TOKEN": jpy_token,
    }
    with Kernel(tmp_path_factory.mktemp("kernel"), env=env) as k:
        k.execute("import os, sys, time, threading; KEY = os.environ['OPENAI_API_KEY']")
        yield k


@pytest.fixture
def run(kernel, key, hub_token, jpy_token):
    """Run a cell; afterwards assert that nothing new leaked either secret."""
    start = len(kernel.frames)

    def _run(code: str, **kwargs) -> Cell:
        return kernel.execute(textwrap.dedent(code), **kwargs)

    yield _run
    fresh = b"".join(kernel.frames[start:])
    assert leaks(fresh, key) == []
    assert leaks(fresh, hub_token) == []
    assert leaks(fresh, jpy_token) == []


def test_whole_print_keeps_surrounding_text(run):
    cell = run("print('before', KEY, 'after')")
    assert cell.stdout == f"before {MASK} after\n"


def test_character_at_a_time_print(run):
    cell = run("for ch in KEY: print(ch, end='', flush=True)\nprint('!')")
    assert cell.stdout == f"{MASK}!\n"


def test_split_print_with_sleep_between_halves(run):
    cell = run(
        """
        print('<' + KEY[:9], end='', flush=True)
        time.sleep(0.5)
        print(KEY[9:] + '>')
        """
    )
    assert len(cell.of_type("stream")) >= 2
    assert cell.stdout == f"<{MASK}>\n"


def test_held_back_tail_is_released_before_idle(run, key):
    cell = run("print('short', end=' '); print(KEY[:5], end='')")
    assert cell.stdout == "short " + key[:5]
    assert cell.iopub[-1]["content"]["execution_state"] == "idle"


def test_partial_exposure_is_masked(run):
    cell = run("print('head', KEY[:20]); print(KEY[4:24], 'tail')")
    assert cell.stdout == f"head {MASK}\n{MASK} tail\n"


def test_near_misses_and_ordinary_text_are_not_masked(run, key):
    cell = run(
        """
        import random, string
        rng = random.Random(7)
        noise = ''.join(rng.choice(string.printable) for _ in range(200_000))
        print(KEY[:15], KEY[1:-1][::-1], KEY.upper())
        print(noise, end='')
        """
    )
    noise_start = len(key[:15]) + len(key) - 2 + len(key) + 3
    assert cell.stdout[:noise_start] == f"{key[:15]} {key[1:-1][::-1]} {key.upper()}\n"
    assert len(cell.stdout) == noise_start + 200_000
    assert "[REDACTED" not in cell.stdout


def test_output_from_a_thread_after_the_cell_ended(run, kernel):
    run(
        """
        def late():
            time.sleep(0.3)
            print('late', KEY[:7], end='', flush=True)
            time.sleep(0.05)
            print(KEY[7:], 'done', flush=True)
        threading.Thread(target=late).start()
        """
    )
    text = stream_text(kernel.drain(10.0, until=lambda text: "done" in text))
    assert text == f"late {MASK} done\n"


def test_output_from_a_timer_after_the_cell_ended(run, kernel, key):
    # The text ends in a possible key prefix: only the release timer sends it.
    run(
        "threading.Timer(0.3, lambda: print('timer', KEY, KEY[:5], end='',"
        " flush=True)).start()"
    )
    expected = f"timer {MASK} {key[:5]}"
    messages = kernel.drain(10.0, until=lambda text: len(text) >= len(expected))
    assert stream_text(messages) == expected


def test_shell_escape_and_subprocess(run, kernel):
    mark = len(kernel.process_output())
    cell = run(
        """
        !echo shell {KEY} end
        import subprocess
        subprocess.run(['echo', 'sub', KEY, 'end'], check=True)
        """
    )
    stdout = cell.stdout + _late_stdout(kernel, cell, f"sub {MASK} end")
    assert stdout.count(MASK) == 2
    assert f"shell {MASK} end" in stdout
    assert f"sub {MASK} end" in stdout
    # ``!cmd`` output is read by IPython and printed; subprocess output goes to
    # fd 1, which ipykernel also echoes to its own process output.
    echoed = kernel.process_output(wait_for=f"sub {MASK} end".encode())[mark:]
    assert f"sub {MASK} end".encode() in echoed


def test_forked_child_process_output(run, kernel):
    cell = run(
        """
        import multiprocessing
        child = multiprocessing.get_context('fork').Process(
            target=print, args=('child', KEY, 'end'), kwargs={'flush': True}
        )
        child.start()
        child.join()
        """
    )
    expected = f"child {MASK} end"
    assert expected in cell.stdout + _late_stdout(kernel, cell, expected)


def test_os_write_to_fd_1_and_2(run, kernel):
    mark = len(kernel.process_output())
    cell = run(
        """
        os.write(1, ('fd1 ' + KEY + '\\n').encode())
        os.write(2, ('fd2 ' + KEY + '\\n').encode())
        """
    )
    assert f"fd1 {MASK}" in cell.stdout + _late_stdout(kernel, cell, "fd1")
    assert f"fd2 {MASK}" in cell.stderr + stream_text(
        kernel.drain(10.0, until=lambda _: f"fd2 {MASK}" in cell.stderr), "stderr"
    )
    echoed = kernel.process_output(wait_for=f"fd2 {MASK}".encode())[mark:]
    assert f"fd1 {MASK}".encode() in echoed
    assert f"fd2 {MASK}".encode() in echoed


def test_error_and_reply_are_scrubbed(run):
    cell = run("raise ValueError('bad ' + KEY)")
    error = cell.of_type("error")[0]["content"]
    assert error["evalue"] == f"bad {MASK}"
    assert any(MASK in line for line in error["traceback"])
    assert cell.reply["content"]["evalue"] == f"bad {MASK}"


def test_verbose_traceback_shows_locals_masked(run):
    cell = run(
        """
        %xmode Verbose
        def use(secret):
            copy = secret
            raise RuntimeError('failed')
        use(KEY)
        """
    )
    traceback = "\n".join(cell.of_type("error")[0]["content"]["traceback"])
    assert MASK in traceback
    run("%xmode Context")


def test_chained_exceptions(run):
    cell = run(
        """
        try:
            raise KeyError(KEY)
        except KeyError as exc:
            raise RuntimeError('wrapped ' + KEY) from exc
        """
    )
    traceback = "\n".join(cell.of_type("error")[0]["content"]["traceback"])
    assert traceback.count(MASK) >= 2
    assert "KeyError" in traceback


def test_logging_to_a_file_handler(run, key, tmp_path):
    path = tmp_path / "app.log"
    run(
        f"""
        import logging
        logger = logging.getLogger('tau.app.child')
        handler = logging.FileHandler({str(path)!r})
        logger.addHandler(handler)
        logger.warning('token %s here', KEY)
        try:
            raise ValueError(KEY)
        except ValueError:
            logger.exception('failed with %r', {{'k': KEY}})
        handler.close()
        logger.removeHandler(handler)
        """
    )
    text = path.read_text()
    assert f"token {MASK} here" in text
    assert text.count(MASK) >= 3
    assert leaks(text, key) == []


def test_warnings_warn(run):
    cell = run("import warnings; warnings.warn('careful ' + KEY)")
    assert f"careful {MASK}" in cell.stderr


def test_rich_displays_and_metadata(run):
    cell = run(
        """
        from IPython.display import HTML, JSON, Markdown, display
        display(HTML('<b>' + KEY + '</b>'))
        display(Markdown('*' + KEY + '*'))
        display(JSON({'k': KEY}))
        display({'text/plain': 'plain ' + KEY}, raw=True, metadata={'alt': KEY})
        handle = display('first', display_id=True)
        handle.update('second ' + KEY)
        KEY
        """
    )
    shown = json.dumps([m["content"] for m in cell.iopub])
    assert shown.count(MASK) >= 7
    assert f"<b>{MASK}</b>" in shown
    result = cell.of_type("execute_result")[0]["content"]["data"]["text/plain"]
    assert result == repr(MASK)
    assert cell.of_type("update_display_data")


def test_encoded_variants_printed(run):
    cell = run(
        """
        import base64, json, urllib.parse
        print(base64.b64encode(('user:' + KEY + '\\n').encode()).decode())
        print(KEY.encode().hex())
        print(json.dumps({'k': KEY}))
        print(urllib.parse.quote(KEY))
        """
    )
    assert cell.stdout.count("[REDACTED:") >= 4


def test_widget_state_holding_the_key(run):
    cell = run(
        """
        import ipywidgets
        box = ipywidgets.Text(value=KEY, description='key')
        display(box)
        box.value = 'again ' + KEY
        """
    )
    comms = cell.of_type("comm_open") + cell.of_type("comm_msg")
    assert comms
    assert MASK in json.dumps([m["content"] for m in comms])


def test_comm_buffers_are_scrubbed(run, key):
    cell = run(
        """
        from comm import create_comm
        channel = create_comm(target_name='tau-test', data={'note': KEY})
        channel.send({'size': 1}, buffers=[b'raw ' + KEY.encode() + b' end'])
        """
    )
    sent = [m for m in cell.of_type("comm_msg") if m["buffers"]]
    assert bytes(sent[0]["buffers"][0]) == f"raw {MASK} end".encode()
    assert MASK in cell.of_type("comm_open")[0]["content"]["data"]["note"]


def test_a_failing_scrubber_withholds_output(run):
    # A fault injected into the kernel's real scrubber: the failure path.
    cell = run(
        """
        from tau_secrets_ext.ipython.api import scrubber
        Scrub, Stream = type(scrubber()), type(scrubber().stream())
        real_scrub, real_feed = Scrub.scrub, Stream.feed
        def broken(self, text):
            raise RuntimeError('injected')
        Scrub.scrub, Stream.feed = broken, broken
        try:
            print('printed', KEY)
            display({'text/plain': 'shown ' + KEY}, raw=True)
        finally:
            Scrub.scrub, Stream.feed = real_scrub, real_feed
        """
    )
    withheld = "[tau-secrets: output withheld]"
    assert cell.stdout == withheld + "\n"
    shown = cell.of_type("display_data")[0]["content"]["data"]["text/plain"]
    assert shown == withheld
    assert cell.reply["content"]["status"] == "ok"


def test_debugger_variable_replies(kernel, key):
    start = len(kernel.frames)
    replies = []
    for seq, command, arguments in (
        (1, "inspectVariables", {}),
        (2, "richInspectVariables", {"variableName": "KEY"}),
    ):
        request = {"type": "request", "seq": seq, "command": command}
        msg = kernel.client.session.msg(
            "debug_request", {**request, "arguments": arguments}
        )
        kernel.client.control_channel.send(msg)
        deadline = time.monotonic() + 30
        while True:
            reply = kernel.next_msg("control", deadline)
            if reply["parent_header"].get("msg_id") == msg["header"]["msg_id"]:
                replies.append(reply["content"])
                break
    assert replies[0]["success"], replies[0]
    assert MASK in json.dumps(replies)
    assert leaks(b"".join(kernel.frames[start:]), key) == []


def test_inspect_reply(kernel, run):
    run("x = 1")
    reply = kernel.request("inspect", "KEY", 3, detail_level=0)
    text = json.dumps(reply["content"])
    assert MASK in text


def test_complete_reply(kernel, run):
    run("lookup = {KEY: 1}")
    reply = kernel.request("complete", "lookup['tau", 11)
    assert MASK in json.dumps(reply["content"]["matches"])


def test_reply_payload(run):
    cell = run("get_ipython().set_next_input('token = ' + repr(KEY))")
    payload = cell.reply["content"]["payload"]
    assert payload[0]["text"] == f"token = {MASK!r}"


def test_user_expressions(run):
    cell = run("pass", user_expressions={"k": "KEY", "upper": "KEY.upper()"})
    data = cell.reply["content"]["user_expressions"]["k"]["data"]["text/plain"]
    assert data == repr(MASK)


def test_history_request_and_input_echo(kernel, run, key):
    cell = run(f"literal = {key!r}")
    echo = cell.of_type("execute_input")[0]["content"]["code"]
    assert echo == f"literal = {MASK!r}"
    reply = kernel.request(
        "history", hist_access_type="tail", n=100, raw=True, output=False
    )
    sources = [entry[2] for entry in reply["content"]["history"]]
    assert f"literal = {MASK!r}" in sources


def test_input_prompt_on_stdin_channel(kernel, key):
    start = len(kernel.frames)
    client = kernel.client
    msg_id = client.execute("answer = input('key is ' + KEY + ': ')", allow_stdin=True)
    deadline = time.monotonic() + 30
    request = kernel.next_msg("stdin", deadline)
    assert request["content"]["prompt"] == f"key is {MASK}: "
    client.input("fine")
    kernel.reply(msg_id, deadline)
    assert leaks(b"".join(kernel.frames[start:]), key) == []


def test_hub_token_in_environment_dump(run):
    cell = run("print(dict(os.environ))")
    assert cell.stdout.count(HUB_MASK) == 2
    assert MASK in cell.stdout


def test_key_registered_later_is_scrubbed_from_history(run, kernel):
    later = new_canary("late")
    run(f"db_password = {later!r}")
    run("from tau_secrets_ext import protect; protect(db_password, 'db')")
    start = len(kernel.frames)
    cell = run(
        """
        hist = get_ipython().history_manager
        hist.writeout_cache()
        rows = hist.db.execute('select source, source_raw from history').fetchall()
        print(any(db_password in s for s in In + _ih),
              any(db_password in str(v) for k, v in globals().items()
                  if k.startswith('_i')),
              any(db_password in a + b for a, b in rows))
        """
    )
    assert cell.stdout == "False False False\n"
    shown = run("%history -n -l 10").stdout
    assert "[REDACTED:db]" in shown
    assert leaks(b"".join(kernel.frames[start:]), later) == []


def test_unload_removes_and_reload_restores_the_guards(run):
    cell = run(
        """
        import logging
        shell = get_ipython()
        before = logging.getLogRecordFactory()
        %unload_ext tau_secrets_ext
        print('send' in vars(shell.kernel.session),
              'store_inputs' in vars(shell.history_manager),
              logging.getLogRecordFactory() is before)
        %load_ext tau_secrets_ext
        from tau_secrets_ext.ipython import api, guards
        first = guards.install(shell, api.scrubber())
        wrapper = shell.kernel.session.send
        print(guards.install(shell, api.scrubber()) is first,
              shell.kernel.session.send == wrapper)
        """
    )
    assert cell.stdout == "False False False\nTrue True\n"
    assert run("print(KEY)").stdout == f"{MASK}\n"


def test_process_output_and_history_file_hold_no_key(kernel, key, hub_token):
    kernel.execute(f"again = {key!r}")
    kernel.execute("get_ipython().history_manager.writeout_cache()")
    for data in (kernel.process_output(), kernel.history_file.read_bytes()):
        assert leaks(data, key) == []
        assert leaks(data, hub_token) == []
    with sqlite3.connect(kernel.history_file) as db:
        rows = db.execute("select source_raw from history").fetchall()
    assert any(MASK in row[0] for row in rows)


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_random_splits_and_pauses_never_join_into_the_key(kernel, key, data):
    size = len(key) + 9
    cuts = sorted(data.draw(st.sets(st.integers(1, size - 1), max_size=6)))
    pauses = data.draw(
        st.lists(
            st.sampled_from([0.0, 0.01, 0.25]),
            min_size=len(cuts) + 1,
            max_size=len(cuts) + 1,
        )
    )
    start = len(kernel.frames)
    cell = kernel.execute(
        textwrap.dedent(
            f"""
            text = 'pre ' + KEY + ' post'
            bounds = [0, *{cuts!r}, len(text)]
            for a, b, pause in zip(bounds, bounds[1:], {pauses!r}):
                print(text[a:b], end='', flush=True)
                time.sleep(pause)
            print()
            """
        )
    )
    assert cell.stdout == f"pre {MASK} post\n"
    assert leaks(b"".join(kernel.frames[start:]), key) == []


def test_process_output_is_scrubbed_without_fd_capture(tmp_path, key):
    # Under pytest (nbval) ipykernel does not capture fd 1 and 2: C-level and
    # subprocess output goes straight to the process output, the CI log.
    env = {"OPENAI_API_KEY": key, "PYTEST_CURRENT_TEST": "nbval-like"}
    with Kernel(tmp_path, env=env) as k:
        k.execute(
            "import os, subprocess\n"
            "key = os.environ['OPENAI_API_KEY']\n"
            "os.write(1, ('fd1 ' + key + '\\n').encode())\n"
            "subprocess.run(['echo', 'sub', key])"
        )
        output = k.process_output(wait_for=f"sub {MASK}".encode())
    assert f"fd1 {MASK}".encode() in output
    assert f"sub {MASK}".encode() in output
    assert leaks(output, key) == []


def _late_stdout(kernel: Kernel, cell: Cell, needle: str) -> str:
    """Stdout that fd capture forwarded after the cell went idle, if any."""
    if needle in cell.stdout:
        return ""
    return stream_text(kernel.drain(10.0, until=lambda text: needle in text))
