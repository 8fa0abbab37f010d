"""``tau-secrets`` subcommands of the Jupyter layer.

``scan`` and ``clean`` check saved notebooks and text files; ``kernelspec
install``, ``enable`` and ``disable`` make kernels load the extension.
Every handler returns the process exit status.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

__all__ = ["add_commands"]


def add_commands(subparsers: Any) -> None:
    """Add this layer's subcommands to the ``tau-secrets`` parser."""
    _add_scan(subparsers)
    _add_clean(subparsers)
    _add_kernelspec(subparsers)
    _add_enable(subparsers, "enable", _enable, "load the extension in every kernel")
    _add_enable(subparsers, "disable", _disable, "undo enable")


def _add_scan(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "scan",
        help="report stored keys and key patterns in notebooks and text files",
        description="Exit status: 0 clean, 1 something found, 2 a file could "
        "not be read and nothing was found.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="file or folder")
    parser.set_defaults(func=_scan)


def _add_clean(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "clean", help="rewrite notebooks and text files with every key masked"
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="file or folder")
    parser.set_defaults(func=_clean)


def _add_kernelspec(subparsers: Any) -> None:
    parser = subparsers.add_parser("kernelspec", help="manage the tau kernelspec")
    actions = parser.add_subparsers(dest="kernelspec_action", required=True)
    install = actions.add_parser(
        "install", help='install "Python 3 (tau secrets)" (default: --user)'
    )
    where = install.add_mutually_exclusive_group()
    where.add_argument("--user", action="store_true", help="for this user")
    where.add_argument(
        "--sys-prefix", action="store_true", help="into this Python environment"
    )
    where.add_argument("--prefix", metavar="P", help="under P/share/jupyter")
    install.set_defaults(func=_kernelspec_install)


def _add_enable(subparsers: Any, name: str, func: Any, text: str) -> None:
    parser = subparsers.add_parser(name, help=f"{text} (IPython kernel config)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--user", action="store_true", help="profile_default under IPYTHONDIR"
    )
    where.add_argument(
        "--sys-prefix", action="store_true", help="<sys.prefix>/etc/ipython"
    )
    parser.set_defaults(func=func)


def _scan(args: argparse.Namespace) -> int:
    from ._runner import scan_paths

    store = getattr(args, "store", None)
    return scan_paths(args.paths, out=sys.stdout, err=sys.stderr, store=store)


def _clean(args: argparse.Namespace) -> int:
    from ._runner import clean_paths

    store = getattr(args, "store", None)
    return clean_paths(args.paths, out=sys.stdout, err=sys.stderr, store=store)


def _kernelspec_install(args: argparse.Namespace) -> int:
    from .kernelconfig import DISPLAY_NAME, install_kernelspec

    prefix = sys.prefix if args.sys_prefix else args.prefix
    try:
        folder = install_kernelspec(user=prefix is None, prefix=prefix)
    except (OSError, ValueError) as exc:
        print(f"tau-secrets: cannot install the kernelspec: {exc}", file=sys.stderr)
        return 1
    print(f'installed kernelspec "{DISPLAY_NAME}" in {folder}')
    return 0


def _enable(args: argparse.Namespace) -> int:
    from .kernelconfig import enable

    return _edit_config(args, enable, "enabled", "already enabled")


def _disable(args: argparse.Namespace) -> int:
    from .kernelconfig import disable

    return _edit_config(args, disable, "disabled", "not enabled")


def _edit_config(args: argparse.Namespace, edit: Any, done: str, same: str) -> int:
    from .kernelconfig import CONFIG_FILE, ConfigRefused, kernel_config_dir

    folder = kernel_config_dir(sys_prefix=args.sys_prefix)
    try:
        changed = edit(folder)
    except ConfigRefused as exc:
        print(f"tau-secrets: left unchanged: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"tau-secrets: cannot write {folder}: {exc.strerror}", file=sys.stderr)
        return 1
    print(f"{done if changed else same}: tau_secrets_ext in {folder / CONFIG_FILE}")
    return 0
