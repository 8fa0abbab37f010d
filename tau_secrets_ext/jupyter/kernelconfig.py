"""Load the extension in kernels: a kernelspec, or a merged kernel config.

IPython reads ``ipython_kernel_config.json`` from the profile folder and from
``<sys.prefix>/etc/ipython``, but a JSON value replaces, never extends, a list
set elsewhere. ``enable`` therefore merges into the file's own list and uses
``InteractiveShellApp.extra_extensions``, which other configs rarely set, so
that lists like ``c.InteractiveShellApp.extensions`` stay untouched.
"""

from __future__ import annotations

import json
import logging
import sys
import tempfile
from pathlib import Path
from typing import Any

from ._files import write_atomic

__all__ = [
    "DISPLAY_NAME",
    "EXTENSION",
    "KERNEL_NAME",
    "ConfigRefused",
    "disable",
    "enable",
    "install_kernelspec",
    "kernel_config_dir",
]

log = logging.getLogger(__name__)

EXTENSION = "tau_secrets_ext"
KERNEL_NAME = "tau-python3"
DISPLAY_NAME = "Python 3 (tau secrets)"
CONFIG_FILE = "ipython_kernel_config.json"
_TRAIT = "extra_extensions"
# Sections and traits through which a kernel config can load extensions.
_SECTIONS = ("IPKernelApp", "InteractiveShellApp")
_TRAITS = ("extensions", "extra_extensions")
_PY_FILES = ("ipython_kernel_config.py", "ipython_config.py")


class ConfigRefused(Exception):
    """A kernel config that ``enable``/``disable`` will not rewrite."""


def install_kernelspec(*, user: bool, prefix: str | None) -> Path:
    """Install the "Python 3 (tau secrets)" kernelspec; return its folder."""
    from ipykernel.kernelspec import write_kernel_spec
    from jupyter_client.kernelspec import KernelSpecManager

    with tempfile.TemporaryDirectory() as tmp:
        staged = write_kernel_spec(
            Path(tmp) / KERNEL_NAME,
            overrides={"display_name": DISPLAY_NAME},
            extra_arguments=[f"--ext={EXTENSION}"],
        )
        manager = KernelSpecManager()
        # It warns when the target is outside its search path, as --prefix is.
        manager.log.setLevel(logging.ERROR)
        destination = manager.install_kernel_spec(
            staged, KERNEL_NAME, user=user, prefix=prefix
        )
    log.debug("installed kernelspec %s in %s", KERNEL_NAME, destination)
    return Path(destination)


def kernel_config_dir(*, sys_prefix: bool) -> Path:
    """Folder whose kernel config ``enable`` edits: user profile or sys.prefix."""
    if sys_prefix:
        return Path(sys.prefix) / "etc" / "ipython"
    from IPython.paths import get_ipython_dir

    return Path(get_ipython_dir()) / "profile_default"


def enable(folder: Path) -> bool:
    """Add the extension to ``folder``'s kernel config; False if already there."""
    path = folder / CONFIG_FILE
    config = _read(path)
    if _listed(config):
        return False
    _refuse_hand_written(folder)

    section = next((s for s in _SECTIONS if _TRAIT in config.get(s, {})), _SECTIONS[1])
    config.setdefault(section, {}).setdefault(_TRAIT, []).append(EXTENSION)
    folder.mkdir(parents=True, exist_ok=True)
    _write(path, config)
    return True


def disable(folder: Path) -> bool:
    """Remove the extension from ``folder``'s kernel config; False if absent."""
    path = folder / CONFIG_FILE
    config = _read(path)
    if not _listed(config):
        return False

    for section in _SECTIONS:
        _drop_extension(config, section)
    _write(path, config)
    return True


def _drop_extension(config: dict[str, Any], section: str) -> None:
    """Remove the extension from a section, then any list or section it emptied.

    An empty list left behind would still replace a list set in a config of
    lower priority, so it goes too.
    """
    values = config.get(section)
    if not values:
        return
    for trait in _TRAITS:
        if EXTENSION in values.get(trait, []):
            values[trait] = [v for v in values[trait] if v != EXTENSION]
            if not values[trait]:
                del values[trait]
    if not values:
        del config[section]


def _read(path: Path) -> dict[str, Any]:
    """The config as a dict ({} when absent); ConfigRefused when unusable."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigRefused(f"{path}: cannot read it ({type(exc).__name__})") from None
    try:
        config = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigRefused(
            f"{path}: not valid JSON (line {exc.lineno}); fix or move it first"
        ) from None
    _check_shape(path, config)
    return config


def _check_shape(path: Path, config: object) -> None:
    """Refuse a file whose extension lists are not what IPython expects."""
    if not isinstance(config, dict):
        raise ConfigRefused(f"{path}: expected a JSON object at the top")
    for section in _SECTIONS:
        values = config.get(section, {})
        if not isinstance(values, dict):
            raise ConfigRefused(f"{path}: {section} is not an object")
        for trait in _TRAITS:
            items = values.get(trait, [])
            if not isinstance(items, list) or not all(
                isinstance(i, str) for i in items
            ):
                raise ConfigRefused(f"{path}: {section}.{trait} is not a list of names")


def _listed(config: dict[str, Any]) -> bool:
    """Whether any extension list of the config names the extension."""
    return any(
        EXTENSION in config.get(section, {}).get(trait, [])
        for section in _SECTIONS
        for trait in _TRAITS
    )


def _refuse_hand_written(folder: Path) -> None:
    """Refuse when a Python config beside the JSON sets the same list.

    The JSON file is read after the Python one and would silently replace
    that list, so the user must add the extension there by hand.
    """
    for name in _PY_FILES:
        py = folder / name
        try:
            source = py.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        # Generated profiles list every option commented out; skip those.
        code = (line.split("#", 1)[0] for line in source.splitlines())
        if any(_TRAIT in line for line in code):
            raise ConfigRefused(
                f"{py} sets {_TRAIT} itself; add "
                f"c.InteractiveShellApp.{_TRAIT}.append({EXTENSION!r}) there"
            )


def _write(path: Path, config: dict[str, Any]) -> None:
    """Write the merged config atomically, in the indented JSON IPython uses."""
    text = json.dumps(config, indent=2) + "\n"
    write_atomic(path, text.encode("utf-8"))
    log.debug("wrote kernel config %s", path)
