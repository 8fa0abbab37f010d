"""``tau-secrets`` subcommands of the Jupyter layer."""

from __future__ import annotations

from typing import Any

__all__ = ["add_commands"]


def add_commands(subparsers: Any) -> None:
    """Add this layer's subcommands to the ``tau-secrets`` parser."""
    del subparsers  # filled in by the Jupyter integration work
