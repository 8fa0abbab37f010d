"""An in-process IPython shell with the extension loaded, for magic tests.

The shell is IPython's own test shell (``IPython.testing.globalipapp``): a
real InteractiveShell with an in-memory history database. Each test gets the
extension freshly loaded and unloaded, and the process scrubber's settings
and the environment put back afterwards.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from IPython.testing import globalipapp

from tau_secrets_ext.ipython.api import scrubber
from tau_secrets_ext.ipython.extension import (
    load_ipython_extension,
    unload_ipython_extension,
)

_SCRUBBER_DEFAULTS = {
    "mask": "[REDACTED:{name}]",
    "min_length": 8,
    "partial_length": 16,
    "patterns": True,
}


def shell_instance() -> Any:
    """Return the process's test shell, starting it once."""
    globalipapp.start_ipython()
    return globalipapp.get_ipython()


@pytest.fixture
def ip() -> Iterator[Any]:
    """The test shell with tau_secrets_ext loaded."""
    shell = shell_instance()
    saved_env = dict(os.environ)
    load_ipython_extension(shell)
    try:
        yield shell
    finally:
        unload_ipython_extension(shell)
        shell.config.pop("TauSecrets", None)
        os.environ.clear()
        os.environ.update(saved_env)
        for name, value in _SCRUBBER_DEFAULTS.items():
            setattr(scrubber(), name, value)


def magic(shell: Any, magic_name: str, line: str = "") -> Any:
    """Run ``%magic_name line`` and return what the magic returned.

    IPython expands ``{word}`` in a magic line from the caller's variables;
    this function has none that tests put in braces.
    """
    return shell.run_line_magic(magic_name, line)


def assert_hidden(text: str, value: str) -> None:
    """Fail if ``text`` shows ``value``, a prefix of it or its length."""
    assert value not in text
    assert value[:8] not in text
    assert f"{len(value)} char" not in text
