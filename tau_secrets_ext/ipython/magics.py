"""The line magics: thin wrappers that parse, call the state, print one line.

Every user mistake and every ``SecretsError`` from the layers below becomes
exactly ``UsageError`` at one boundary (:func:`_one_line_errors`), so IPython
shows one line instead of a traceback. No status line shows a value, its
length or a prefix of it.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from IPython.display import display

from ..core.errors import SecretsError
from ._inline import InlineValues
from ._input import ask, interactive
from ._table import KeyTable, key_rows
from .state import Resolved, TauState

__all__ = ["TauMagics", "install", "uninstall"]

_ENV_VAR = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _one_line_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn a ``SecretsError`` into exactly ``UsageError`` with the same line."""

    @functools.wraps(func)
    def wrapper(self: TauMagics, line: str) -> Any:
        try:
            return func(self, line)
        except SecretsError as exc:
            raise UsageError(str(exc) or type(exc).__name__) from None

    return wrapper


def _source_words(source: str) -> str:
    if source == "store":
        return "from store"
    if source.startswith("env:"):
        return "from environment variable " + source[4:]
    return "from " + source


@magics_class
class TauMagics(Magics):
    """``%tau_setkey``, ``%tau_auth``, ``%tau_keys``, ``%tau_delkey``, locks."""

    def __init__(self, shell: Any, state: TauState) -> None:
        super().__init__(shell)
        self.state = state
        self.inline = InlineValues(self.tau_setkey.parser, state.register)

    # -- magics ------------------------------------------------------------

    @magic_arguments()
    @argument("name", help="name of the key, e.g. openai (a provider or any name)")
    @argument("value", nargs="?", help="(refused: never type a key into a cell)")
    @argument("--provider", metavar="P", help="provider whose variables it exports as")
    @argument("--from-env", metavar="VAR", help="take the value from variable VAR")
    @argument("--prompt", action="store_true", help="ask with getpass, not a box")
    @line_magic
    @_one_line_errors
    def tau_setkey(self, line: str) -> None:
        """Store a key, typed into a masked box, and mask it from now on.

        Example::

            In [1]: %tau_setkey openai
            (a masked box: paste the key, press Enter)
            openai: stored (encrypted, fingerprint 3f9a1c2b)

            In [2]: %tau_setkey openai --from-env OPENAI_API_KEY   # headless
        """
        args = parse_argstring(self.tau_setkey, line)
        state = self.state
        if args.value is not None:
            return self._inline_value(args)
        state.check_name(args.name)
        provider = state.check_provider(args.provider)
        state.backend()  # a locked or broken store fails before any typing

        def store(value: str) -> str:
            return state.set(args.name, value, provider)

        if args.from_env:
            value = os.environ.get(args.from_env, "")
            if not value:
                raise UsageError(f"--from-env {args.from_env}: variable is not set")
            print(store(value))
        elif args.prompt:
            print(store(ask(self.shell, args.name)))
        else:
            interactive(self.shell, args.name, f"{args.name} key", store)
        return None

    def _inline_value(self, args: Any) -> None:
        self.state.register(args.value, args.name)
        rewritten = self.inline.rewrite(args.value)
        self.inline.rewritten = self.inline.last_cell = None
        if self.state.config.allow_inline_value:
            print(self.state.set(args.name, args.value, args.provider))
            return
        if rewritten is not None:
            shell: Any = self.shell
            shell.set_next_input(rewritten, replace=True)
        raise UsageError(
            f"{args.name}: a key typed into a cell is refused; it is masked and "
            f"the cell was rewritten without it. Run %tau_setkey {args.name} "
            "for a masked box, or use --from-env VAR"
        )

    @magic_arguments()
    @argument("name", nargs="?", help="name of the key, e.g. openai")
    @argument("--env", metavar="VAR", help="export as VAR instead")
    @argument("--no-export", action="store_true", help="only mask, do not export")
    @argument("--all", action="store_true", help="every stored key")
    @line_magic
    @_one_line_errors
    def tau_auth(self, line: str) -> None:
        """Hand a stored key to the SDK: export the provider's variable.

        Example::

            In [1]: %tau_auth openai
            openai: ready (from store, exported as OPENAI_API_KEY)

            In [2]: %tau_auth --all
        """
        args = parse_argstring(self.tau_auth, line)
        if args.all == bool(args.name):
            raise UsageError("give one NAME, or --all for every stored key")
        if args.env is not None and (args.all or not _ENV_VAR.fullmatch(args.env)):
            raise UsageError("--env takes one variable name, with one NAME")
        names = self.state.backend().names() if args.all else [args.name]
        if not names:
            print("no stored keys; run %tau_setkey NAME first")
        for name in names:
            found = self.state.resolve(name)
            print(self._ready(found, args.env, args.no_export))

    def _ready(self, found: Resolved, env: str | None, no_export: bool) -> str:
        where = _source_words(found.source)
        if no_export:
            return f"{found.name}: ready ({where}, not exported)"
        exported = ", ".join(self.state.export(found, env))
        return f"{found.name}: ready ({where}, exported as {exported})"

    @magic_arguments()
    @line_magic
    @_one_line_errors
    def tau_keys(self, line: str) -> None:
        """List the keys: name, provider, source, fingerprint, updated; no values.

        Example::

            In [1]: %tau_keys
            name    provider  source  fingerprint  updated
            openai  openai    store   3f9a1c2b     2026-01-05 10:12
        """
        parse_argstring(self.tau_keys, line)
        rows, note = key_rows(self.state)
        display(KeyTable(rows, note))

    @magic_arguments()
    @argument("name", help="name of the key to delete")
    @line_magic
    @_one_line_errors
    def tau_delkey(self, line: str) -> None:
        """Delete a stored key; it stays masked for the rest of the session.

        Example::

            In [1]: %tau_delkey openai
            openai: deleted (still masked in this session)
        """
        args = parse_argstring(self.tau_delkey, line)
        self.state.backend().delete(self.state.check_name(args.name))
        self.state.env_sources.pop(args.name, None)
        print(f"{args.name}: deleted (still masked in this session)")

    @magic_arguments()
    @line_magic
    @_one_line_errors
    def tau_unlock(self, line: str) -> None:
        """Unlock a keyed store: TAU_SECRETS_PASSPHRASE, else a masked prompt.

        Example::

            In [1]: %tau_unlock
            (a masked box: type the passphrase, press Enter)
            store: unlocked (3 keys)
        """
        parse_argstring(self.tau_unlock, line)
        mode = self.state.store_mode()
        if mode != "keyed":
            print(f"store: not keyed ({mode}); nothing to unlock")
            return

        def unlock(passphrase: str) -> str:
            count = self.state.unlock(passphrase)
            return f"store: unlocked ({count} keys)"

        from_env = os.environ.get("TAU_SECRETS_PASSPHRASE")
        if from_env:
            print(unlock(from_env))
        else:
            interactive(self.shell, "passphrase", "passphrase", unlock)

    @magic_arguments()
    @line_magic
    @_one_line_errors
    def tau_lock(self, line: str) -> None:
        """Forget a keyed store's derived key; keys already seen stay masked.

        Example::

            In [1]: %tau_lock
            store: locked (keys already seen stay masked)
        """
        parse_argstring(self.tau_lock, line)
        mode = self.state.store_mode()
        if mode != "keyed":
            print(f"store: not keyed ({mode}); nothing to lock")
            return
        self.state.lock()
        print("store: locked (keys already seen stay masked)")


def install(shell: Any, state: TauState) -> TauMagics:
    """Register the magics and the inline-value watch on ``shell``."""
    magics = TauMagics(shell, state)
    shell.register_magics(magics)
    magics.inline.install(shell)
    return magics


def uninstall(shell: Any, magics: TauMagics) -> None:
    """Remove what :func:`install` added."""
    magics.inline.uninstall(shell)
    registered = shell.magics_manager.magics["line"]
    for name in magics.magics["line"]:
        registered.pop(name, None)
    shell.magics_manager.registry.pop(type(magics).__name__, None)
