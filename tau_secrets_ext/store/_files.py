"""File handling for the store: safe reads, atomic writes, locking, folders.

Every write goes to a fresh temporary file in the same folder, is fsynced,
and replaces the target with ``os.replace``; the folder is fsynced after.
A reader therefore sees either the old file or the new one, never a mix,
and a crash at any point leaves the old file intact.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import secrets
import stat
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock, Timeout

from ..core.errors import StoreError, StorePermissionError, StorePermissionWarning

__all__ = [
    "FileSnapshot",
    "atomic_write",
    "ensure_folder",
    "locked",
    "read_secure",
    "remove_file",
    "remove_stale_temps",
    "signature",
]

log = logging.getLogger(__name__)

FILE_MODE = 0o600
FOLDER_MODE = 0o700
LOCK_TIMEOUT = 30.0
_TEMP_MARK = ".tmp-"


@dataclass(frozen=True)
class FileSnapshot:
    """The bytes of a file and the identity they were read under."""

    data: bytes
    signature: tuple[int, int, int, int]


def signature(st: os.stat_result) -> tuple[int, int, int, int]:
    """What identifies one version of a file: inode, size, mtime and ctime."""
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _os_error(path: Path, action: str, exc: OSError) -> StoreError:
    reason = exc.strerror or type(exc).__name__
    return StoreError(f"cannot {action} {path}: {reason}; nothing was changed")


def _check_file(path: Path, fd: int, st: os.stat_result, strict: bool) -> None:
    """Refuse foreign or odd files; set a loosened file back to 0600."""
    if not stat.S_ISREG(st.st_mode):
        raise StorePermissionError(f"{path} is not a regular file; move it aside")
    if st.st_uid != os.geteuid():
        raise StorePermissionError(
            f"{path} is owned by another user (uid {st.st_uid}); tau-secrets "
            "opens only files you own: copy it or use your own store"
        )
    if not st.st_mode & 0o077:
        return
    if strict:
        raise StorePermissionError(
            f"{path} is accessible by group or others (mode "
            f"{stat.S_IMODE(st.st_mode):04o}); run `chmod 600 {path}`"
        )
    os.fchmod(fd, FILE_MODE)
    warnings.warn(
        f"{path} was accessible by group or others; set it back to 0600",
        StorePermissionWarning,
        stacklevel=4,
    )


def read_secure(path: Path, *, strict: bool = False) -> FileSnapshot | None:
    """Read a file we own, refusing symlinks; ``None`` if it does not exist."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise StorePermissionError(
                f"{path} is a symbolic link; tau-secrets refuses to follow it: "
                "point TAU_SECRETS_DIR at the real folder instead"
            ) from None
        raise _os_error(path, "read", exc) from None
    try:
        _check_file(path, fd, os.fstat(fd), strict)
        with open(fd, "rb", closefd=False) as handle:
            data = handle.read()
        return FileSnapshot(data, signature(os.fstat(fd)))
    except OSError as exc:
        raise _os_error(path, "read", exc) from None
    finally:
        os.close(fd)


def ensure_folder(folder: Path) -> None:
    """Create ``folder`` and any missing parents as 0700, whatever the umask."""
    missing: list[Path] = []
    current = folder
    while not current.exists():
        missing.append(current)
        current = current.parent
    for part in reversed(missing):
        try:
            part.mkdir(mode=FOLDER_MODE)
        except FileExistsError:
            continue
        except OSError as exc:
            raise _os_error(part, "create folder", exc) from None
        os.chmod(part, FOLDER_MODE)
        log.debug("created folder %s", part)


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_temp(temp: Path, data: bytes) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(temp, flags, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes) -> tuple[int, int, int, int]:
    """Replace ``path`` with ``data`` atomically; return the new file's signature."""
    temp = path.with_name(f".{path.name}{_TEMP_MARK}{secrets.token_hex(8)}")
    replaced = False
    try:
        _write_temp(temp, data)
        os.replace(temp, path)
        replaced = True
        _fsync_folder(path.parent)
        return signature(os.lstat(path))
    except OSError as exc:
        raise _os_error(path, "write", exc) from None
    finally:
        if not replaced:
            with contextlib.suppress(OSError):
                os.unlink(temp)


def remove_file(path: Path) -> None:
    """Delete ``path`` if it exists and fsync its folder."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise _os_error(path, "remove", exc) from None
    _fsync_folder(path.parent)


def remove_stale_temps(path: Path) -> None:
    """Delete temporary files a killed writer left beside ``path``.

    Called with the lock held: no live writer can own one of them then.
    """
    for temp in path.parent.glob(f".{path.name}{_TEMP_MARK}*"):
        with contextlib.suppress(OSError):
            temp.unlink()
            log.debug("removed stale temporary file %s", temp)


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold the inter-process lock of the store at ``path``."""
    lock_path = path.with_name(path.name + ".lock")
    # filelock opens its file with O_TRUNC: a planted symlink would truncate
    # whatever it points at.
    if lock_path.is_symlink():
        raise StorePermissionError(
            f"{lock_path} is a symbolic link; remove it (tau-secrets recreates it)"
        )
    lock = FileLock(
        lock_path, timeout=LOCK_TIMEOUT, mode=FILE_MODE, poll_interval=0.005
    )
    try:
        lock.acquire()
    except Timeout:
        raise StoreError(
            f"{path} stayed locked by another process for {LOCK_TIMEOUT:.0f} s; "
            "try again, or remove the .lock file if no tau-secrets process runs"
        ) from None
    except OSError as exc:
        raise _os_error(path, "lock", exc) from None
    try:
        yield
    finally:
        lock.release()
