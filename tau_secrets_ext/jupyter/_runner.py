"""``tau-secrets scan`` and ``clean`` over files and folders."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from ..core.errors import SecretsError
from ..scrub.scrub import Scrubber
from ._files import write_atomic
from ._keys import open_store, register_environment, register_store, store_note
from .nbscan import Unreadable, clean_document, load, scan_document

__all__ = ["clean_paths", "scan_paths"]

log = logging.getLogger(__name__)

# Folders never worth descending into when looking for notebooks.
_SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", "__pycache__"}


def scan_paths(
    paths: Iterable[str], *, out: TextIO, err: TextIO, store: str | None = None
) -> int:
    """Report keys; exit 1 if any found, 2 if a file could not be read."""
    scrub = _scrubber(err, store)
    files, failures = _expand(paths, err)
    found = 0
    for path in files:
        try:
            hits = scan_document(load(path), scrub)
        except Unreadable as exc:
            failures += _fail(path, exc, err)
            continue
        for hit in hits:
            # The file and place names pass the scrubber too, in case a key
            # ended up in a file name.
            print(scrub.scrub(str(hit)), file=out)
        found += len(hits)
    if found or failures:
        print(_summary(len(files), found, failures), file=err)
    if found:
        return 1
    return 2 if failures else 0


def clean_paths(
    paths: Iterable[str], *, out: TextIO, err: TextIO, store: str | None = None
) -> int:
    """Rewrite files with keys masked; exit 2 if any could not be cleaned."""
    scrub = _scrubber(err, store)
    files, failures = _expand(paths, err)
    for path in files:
        try:
            data = clean_document(load(path), scrub)
            if data is not None:
                write_atomic(path, data)
                print(scrub.scrub(f"{path}: cleaned"), file=out)
        except Unreadable as exc:
            failures += _fail(path, exc, err)
        except OSError as exc:
            failures += _fail(path, Unreadable(f"not written ({exc.strerror})"), err)
    return 2 if failures else 0


def _scrubber(err: TextIO, store: str | None) -> Scrubber:
    """A scrubber with the environment's and the store's keys, when readable."""
    scrub = Scrubber()
    register_environment(scrub)
    try:
        register_store(scrub, open_store(store))
    except SecretsError as exc:
        print(f"tau-secrets: {store_note(exc)}", file=err)
    return scrub


def _expand(paths: Iterable[str], err: TextIO) -> tuple[list[Path], int]:
    """Files named, plus the notebooks under folders named; count of misses."""
    files: list[Path] = []
    missing = 0
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found = _notebooks_under(path)
            if not found:
                print(f"{path}: no notebooks in this folder", file=err)
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            missing += _fail(path, Unreadable("no such file or folder"), err)
    return files, missing


def _notebooks_under(folder: Path) -> list[Path]:
    """Every ``.ipynb`` below ``folder``, checkpoints included, sorted."""
    found: list[Path] = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        found.extend(Path(root) / n for n in sorted(names) if n.endswith(".ipynb"))
    return found


def _fail(path: Path, exc: Unreadable, err: TextIO) -> int:
    print(f"{path}: {exc}", file=err)
    return 1


def _summary(files: int, found: int, failures: int) -> str:
    text = f"tau-secrets: {found} finding(s) in {files} file(s)"
    if failures:
        text += f", {failures} could not be read"
    return text
