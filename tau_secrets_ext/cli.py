"""The ``tau-secrets`` command: manage the store from a shell.

No secret is ever taken from the command line, where ``ps`` and shell
history would see it: values come from a hidden prompt on a terminal, else
from one line of standard input; passphrases from a prompt or from
``TAU_SECRETS_PASSPHRASE`` / ``TAU_SECRETS_NEW_PASSPHRASE``.

Exit status: 0 on success, 1 on an error (one line on stderr), 2 on a usage
error.
"""

from __future__ import annotations

import argparse
import getpass
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

from .core.errors import SecretsError, StoreLocked
from .scrub.providers import env_vars_for

__all__ = ["build_parser", "main", "open_store"]

PROG = "tau-secrets"
_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*", re.ASCII)


class CommandError(SecretsError):
    """A command could not do what was asked; the message says why."""


def _interactive() -> bool:
    return sys.stdin.isatty()


def _prompt(text: str) -> str:
    """Read a hidden line from the terminal."""
    try:
        return getpass.getpass(text)
    except EOFError:
        raise CommandError("no input") from None


def open_store(args: argparse.Namespace, *, follow_file: bool = False) -> Any:
    """Open the store named by ``--store``; prompt for its passphrase if needed."""
    from .store.store import SecretStore

    path = Path(args.store) if args.store else None
    mode = SecretStore.peek_mode(path) if follow_file else None
    try:
        return SecretStore.open(path, encryption=mode)
    except StoreLocked:
        if not _interactive():
            raise
    passphrase = _prompt("Passphrase: ")
    return SecretStore.open(path, encryption=mode, passphrase=passphrase)


def _read_value(name: str) -> str:
    if _interactive():
        return _prompt(f"Value for {name} (hidden): ")
    line = sys.stdin.readline()
    return line[:-1].removesuffix("\r") if line.endswith("\n") else line


def _new_passphrase() -> str:
    given = os.environ.get("TAU_SECRETS_NEW_PASSPHRASE")
    if given:
        return given
    if not _interactive():
        raise CommandError(
            "rekey to 'keyed' needs a new passphrase: set "
            "TAU_SECRETS_NEW_PASSPHRASE or run on a terminal"
        )
    first = _prompt("New passphrase: ")
    if _prompt("Repeat the new passphrase: ") != first:
        raise CommandError("the two passphrases differ; nothing was changed")
    return first


# -- commands --------------------------------------------------------------


def cmd_set(args: argparse.Namespace) -> int:
    """Store one secret read from a hidden prompt or standard input."""
    store = open_store(args)
    store.set(args.name, _read_value(args.name), provider=args.provider)
    info = store.info(args.name)
    print(f"stored {args.name} (fingerprint {info.fingerprint}) in {store.path}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    """Print name, provider, last update and fingerprint of every secret."""
    store = open_store(args)
    rows = [store.info(name) for name in store.names()]
    if not rows:
        print(f"no secrets in {store.path}")
        return 0
    table = [("NAME", "PROVIDER", "UPDATED", "FINGERPRINT")]
    table += [(r.name, r.provider or "-", r.updated, r.fingerprint) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(3)]
    for row in table:
        cells = [row[i].ljust(widths[i]) for i in range(3)]
        print("  ".join([*cells, row[3]]))
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    """Remove one secret."""
    store = open_store(args)
    store.delete(args.name)
    print(f"deleted {args.name} from {store.path}")
    return 0


def cmd_rekey(args: argparse.Namespace) -> int:
    """Re-encrypt the store under a new key, optionally in another mode."""
    store = open_store(args, follow_file=True)
    target = args.encryption or store.mode
    passphrase = _new_passphrase() if target == "keyed" else None
    with warnings.catch_warnings():
        # Leaving 'none' behind needs no warning about it.
        warnings.simplefilter("ignore")
        store.rekey(encryption=target, passphrase=passphrase)
    if target == "none":
        print(f"{PROG}: warning: {store.path} now keeps secrets unencrypted")
    print(f"rekeyed {store.path} (mode {target})")
    return 0


def export_env(store: Any) -> dict[str, str]:
    """Variables for each stored key: its provider's, primary ones first."""
    infos = [store.info(name) for name in store.names()]
    env: dict[str, str] = {}
    for rank in (0, 1, 2, 3):
        for info in infos:
            targets = _variables(info.name, info.provider)
            if rank < len(targets) and targets[rank] not in env:
                env[targets[rank]] = store.get(info.name).reveal()
    return env


def _variables(name: str, provider: str | None) -> tuple[str, ...]:
    if provider is None and _ENV_NAME.fullmatch(name):
        return (name,)
    return env_vars_for(provider or name)


def cmd_exec(args: argparse.Namespace) -> int:
    """Run a command with the stored keys in its environment."""
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        raise CommandError("exec needs a command: tau-secrets exec -- CMD ARGS...")
    env = {**os.environ, **export_env(open_store(args))}
    try:
        return subprocess.run(command, env=env, check=False).returncode
    except FileNotFoundError:
        raise CommandError(f"command not found: {command[0]}") from None
    except KeyboardInterrupt:
        return 130


def cmd_migrate(args: argparse.Namespace) -> int:
    """Import keys from the environment or a .env file."""
    from .store._migrate import from_dotenv, from_env

    store = open_store(args)
    if args.from_env:
        return from_env(store, overwrite=args.overwrite)
    return from_dotenv(store, Path(args.from_dotenv), args.remove, args.overwrite)


# -- parser ----------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The ``tau-secrets`` argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Manage the tau-secrets store. Values are read from a hidden "
        "prompt or standard input, never from the command line.",
    )
    parser.add_argument(
        "--store", metavar="PATH", help="store file (default: $TAU_SECRETS_DIR/...)"
    )
    sub = parser.add_subparsers(dest="command_name", required=True, metavar="COMMAND")
    _add_store_commands(sub)
    from .jupyter.commands import add_commands

    add_commands(sub)
    return parser


def _add_store_commands(sub: Any) -> None:
    p = sub.add_parser("set", help="store a secret (value from a prompt or stdin)")
    p.add_argument("name", help="secret name")
    p.add_argument("--provider", metavar="P", help="provider, e.g. openai")
    p.set_defaults(func=cmd_set)

    p = sub.add_parser("list", help="list names, providers and fingerprints")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("delete", help="delete a secret")
    p.add_argument("name", help="secret name")
    p.set_defaults(func=cmd_delete)

    p = sub.add_parser("rekey", help="new key; convert between modes")
    p.add_argument("--encryption", choices=("auto", "keyed", "none"))
    p.set_defaults(func=cmd_rekey)

    p = sub.add_parser("migrate", help="import keys from the environment or .env")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--from-env", action="store_true", help="provider variables")
    source.add_argument("--from-dotenv", metavar="PATH", help="a .env file")
    p.add_argument("--remove", action="store_true", help="drop imported lines")
    p.add_argument("--overwrite", action="store_true", help="replace stored names")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("exec", help="run a command with the keys in its environment")
    p.add_argument("command", nargs=argparse.REMAINDER, help="-- CMD ARGS...")
    p.set_defaults(func=cmd_exec)


def _one_line_warning(message: Any, category: Any, *args: Any, **kw: Any) -> str:
    return f"{PROG}: warning: {message}\n"


def main(argv: list[str] | None = None) -> int:
    """Run ``tau-secrets``; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command_name == "migrate" and args.remove and not args.from_dotenv:
        parser.error("--remove works with --from-dotenv only")
    warnings.formatwarning = _one_line_warning
    try:
        return int(args.func(args))
    except SecretsError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; nothing more was changed", file=sys.stderr)
        return 130
