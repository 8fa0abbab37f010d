"""Notebook-safe secrets for IPython and Jupyter.

Load in a notebook with ``%load_ext tau_secrets_ext``. Public names are
imported lazily, so that ``import tau_secrets_ext`` (done by the Jupyter
server, the CLI and every kernel) stays cheap and pulls in neither IPython
nor cryptography until they are used.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# Public name -> module that defines it. __all__ is derived from this table,
# and a test checks that every entry resolves.
_EXPORTS = {
    "Secret": ".core.secret",
    "SecretsError": ".core.errors",
    "StoreError": ".core.errors",
    "WrongPassphrase": ".core.errors",
    "StoreCorrupted": ".core.errors",
    "StoreLocked": ".core.errors",
    "StoreModeMismatch": ".core.errors",
    "UnsupportedStoreVersion": ".core.errors",
    "StorePermissionError": ".core.errors",
    "SecretNotFound": ".core.errors",
    "KeyFileMissing": ".core.errors",
    "BackendUnavailable": ".core.errors",
    "BackendPermissionDenied": ".core.errors",
    "BackendConfigError": ".core.errors",
    "StorePermissionWarning": ".core.errors",
    "InvalidSecret": ".core.errors",
    "PlaintextStoreWarning": ".core.errors",
    "SecretStore": ".store.store",
    "SecretInfo": ".store.backends.base",
    "Scrubber": ".scrub.scrub",
    "protect": ".ipython.api",
    "get_secret": ".ipython.api",
    "load_ipython_extension": ".ipython.extension",
    "unload_ipython_extension": ".ipython.extension",
}

__all__ = [*sorted(_EXPORTS), "__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
