"""``pytest --nbval notebooks/``: throwaway keys, a private store, sanitizing.

Each run makes new random keys (nothing key-like is committed), points the
store at a temporary folder, runs the kernels of this environment, and
sanitizes only fingerprints and timestamps (``nbval_sanitize.cfg``).
"""

from __future__ import annotations

from pathlib import Path

from demo_env import prepare

SANITIZE = Path(__file__).with_name("nbval_sanitize.cfg")


def pytest_configure(config):  # type: ignore[no-untyped-def]
    prepare(private_store=True)
    if getattr(config.option, "nbval_sanitize_with", None) is None:
        config.option.nbval_sanitize_with = str(SANITIZE)
    if hasattr(config.option, "nbval_current_env"):
        config.option.nbval_current_env = True
