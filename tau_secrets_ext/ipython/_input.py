"""Where a typed key comes from: a SecretInput box, getpass, or nowhere.

The rule for a widget frontend: a kernel whose current request allows stdin
and carries a ``cellId`` in its metadata (JupyterLab and Notebook 7 send
one). A frontend that allows stdin but sends no cell id (a console) gets the
getpass prompt instead; headless runners such as nbclient, nbval and
papermill allow no stdin and get an error naming ``--from-env``.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from typing import Any

from IPython.core.error import StdinNotImplementedError, UsageError
from IPython.display import display

__all__ = ["ask", "interactive", "no_input", "stdin_is_terminal", "widget_frontend"]


def widget_frontend(shell: Any) -> bool:
    """Whether the running cell came from a frontend that can show widgets."""
    kernel = getattr(shell, "kernel", None)
    if kernel is None or not getattr(kernel, "_allow_stdin", False):
        return False
    parent = kernel.get_parent("shell") or {}
    return "cellId" in (parent.get("metadata") or {})


def stdin_is_terminal() -> bool:
    """Whether terminal IPython can prompt without echoing (stdin is a tty)."""
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def no_input(what: str) -> UsageError:
    """The error for a place where nobody can type, naming the headless way."""
    if what == "passphrase":
        remedy = "set TAU_SECRETS_PASSPHRASE"
    else:
        remedy = f"use %tau_setkey {what} --from-env VAR"
    return UsageError(
        f"{what}: no input is possible here (no stdin and no widget "
        f"frontend, as under nbval); {remedy}"
    )


def ask(shell: Any, what: str) -> str:
    """Read a value with getpass (a kernel forwards it to the frontend)."""
    if getattr(shell, "kernel", None) is None and not stdin_is_terminal():
        # getpass would fall back to reading, and echoing, piped input.
        raise no_input(what)
    try:
        value = getpass.getpass(f"{what}: ")
    except (StdinNotImplementedError, EOFError, OSError):
        raise no_input(what) from None
    if not value.strip():
        raise UsageError(f"{what}: nothing entered; nothing was stored")
    return value.strip()


def interactive(
    shell: Any, what: str, label: str, submit: Callable[[str], str]
) -> None:
    """Show a SecretInput, or prompt with getpass, and hand the value on."""
    if widget_frontend(shell):
        from .widget import SecretInput

        display(SecretInput(label, submit))
        return
    kernel = getattr(shell, "kernel", None)
    if kernel is not None and not getattr(kernel, "_allow_stdin", False):
        raise no_input(what)
    print(submit(ask(shell, what)))
