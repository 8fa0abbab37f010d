"""``tau-secrets migrate``: import keys from the environment or a ``.env`` file.

Well-known provider variables are stored under their provider's name (for
example ``OPENAI_API_KEY`` as ``openai``). From a ``.env`` file, other lines
are imported only when their variable name says it holds a credential (KEY,
TOKEN, SECRET, PASSWORD, ...), under that variable name: storing ordinary
settings as secrets would mask them in every output.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from pathlib import Path
from typing import Any

from ..core.errors import InvalidSecret, StoreError
from ..scrub.providers import PROVIDERS, known_env_vars
from ._files import atomic_write

__all__ = ["from_dotenv", "from_env", "provider_variables"]

_LINE = re.compile(
    r"\s*(?:export\s+)?(?P<var>[A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?P<value>.*?)\s*",
    re.ASCII,
)
_CREDENTIAL = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH", re.I)


def provider_variables() -> dict[str, str]:
    """Provider variable -> store name; a variable that leads a provider maps to it."""
    names = known_env_vars()
    for provider in PROVIDERS.values():
        names[provider.env_vars[0]] = provider.name
    return names


def _store_one(store: Any, source: str, name: str, value: str, **kw: Any) -> str:
    """Store one imported key and report it: "imported", "skipped" or "failed"."""
    if name in store and not kw["overwrite"]:
        print(f"skipped {source}: {name} is already stored (use --overwrite)")
        return "skipped"
    try:
        store.set(name, value.strip(), provider=kw["provider"])
    except InvalidSecret as exc:
        print(f"tau-secrets: error: {source}: {exc}", file=sys.stderr)
        return "failed"
    print(f"imported {source} as {name}")
    return "imported"


def from_env(store: Any, *, overwrite: bool) -> int:
    """Import every well-known provider variable that is set."""
    done: dict[str, str] = {}
    ok = True
    for var, name in provider_variables().items():
        value = os.environ.get(var)
        if not value:
            continue
        if name in done:
            print(f"skipped {var}: {name} was imported from {done[name]}")
            continue
        outcome = _store_one(
            store, var, name, value, provider=name, overwrite=overwrite
        )
        ok = ok and outcome != "failed"
        done[name] = var
    if not done:
        print("no provider variables are set; nothing was imported")
    return 0 if ok else 1


_ESCAPES = {"n": "\n", "t": "\t"}


def _unescape(match: re.Match[str]) -> str:
    return _ESCAPES.get(match[1], match[1])


def _unquote(raw: str) -> str:
    if len(raw) >= 2 and raw[0] == raw[-1] == "'":
        return raw[1:-1]
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        return re.sub(r'\\([\\"nt])', _unescape, raw[1:-1])
    return re.sub(r"\s+#.*$", "", raw)


def parse_dotenv(text: str) -> list[tuple[int, str, str]]:
    """``(line index, variable, value)`` for every assignment line."""
    found = []
    for index, line in enumerate(text.splitlines()):
        if line.lstrip().startswith("#"):
            continue
        match = _LINE.fullmatch(line)
        if match:
            found.append((index, match["var"], _unquote(match["value"])))
    return found


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not UTF-8 text"
        raise StoreError(f"cannot read {path}: {reason}") from None


def from_dotenv(store: Any, path: Path, remove: bool, overwrite: bool) -> int:
    """Import credential lines of a .env file; with ``remove``, drop them from it."""
    path = path.resolve()
    text = _read(path)
    known = provider_variables()
    imported: set[int] = set()
    skipped: list[str] = []
    ok = True
    for index, var, value in parse_dotenv(text):
        if not value or (var not in known and not _CREDENTIAL.search(var)):
            skipped.append(var)
            continue
        name, provider = (known[var], known[var]) if var in known else (var, None)
        outcome = _store_one(
            store, var, name, value, provider=provider, overwrite=overwrite
        )
        if outcome == "imported":
            imported.add(index)
        ok = ok and outcome != "failed"
    if skipped:
        print(f"left {len(skipped)} line(s) that hold no key: {', '.join(skipped)}")
    if remove and imported:
        _rewrite_without(path, text, imported)
        print(f"removed {len(imported)} imported line(s) from {path}")
    return 0 if ok else 1


def _rewrite_without(path: Path, text: str, drop: set[int]) -> None:
    """Rewrite ``path`` atomically without the given lines, keeping its mode."""
    mode = stat.S_IMODE(os.stat(path).st_mode)
    lines = text.splitlines(keepends=True)
    kept = "".join(line for i, line in enumerate(lines) if i not in drop)
    atomic_write(path, kept.encode("utf-8"))
    os.chmod(path, mode)
