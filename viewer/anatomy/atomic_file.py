"""Writing files so that a crash never leaves a half-written one: temporary file, fsync, rename.

A write goes through a symbolic link to the file it points at (the link stays a link), keeps
the file's permissions, refuses a file without write permission, and writes into existing
folders only unless asked to make them. Each temporary ``.partial`` file is locked while its
writer lives; a later write removes those whose writer died (killed mid-save).
"""

from __future__ import annotations

import os
import stat
import tempfile
import time
from pathlib import Path

try:
    import fcntl
except ImportError:  # not on Windows: stale temporary files are then left alone
    fcntl = None

STALE_AFTER_S = 10.0  # a temporary file this old and unlocked belongs to a writer that died


class OutputError(OSError):
    """A file that cannot be written; ``str()`` names the file and says why."""

    def __init__(self, path: Path | str, message: str):
        super().__init__(message)
        self.path = Path(path)
        self.filename = str(path)
        self.strerror = message

    def __str__(self) -> str:
        return f"{self.path}: {self.strerror}"


def write_bytes_atomic(path: Path, data: bytes, make_folders: bool = False) -> None:
    """Replace ``path`` with ``data`` in one step; the old file stays whole until then."""
    path = Path(path)
    target = Path(os.path.realpath(path))  # through a symlink, to the file it points at
    if make_folders:
        _make_folders(target.parent)
    elif not target.parent.is_dir():
        raise OutputError(path, f"the folder {target.parent} does not exist")
    mode = _mode_for(target)
    _remove_stale_partials(target)
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    except OSError as exc:
        raise OutputError(path, f"cannot write in {target.parent} ({exc.strerror})") from None
    try:
        if fcntl is not None:
            fcntl.flock(handle, fcntl.LOCK_EX)
        os.fchmod(handle, mode)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
            os.replace(temporary, target)  # while still locked, so no one takes it for a dead writer's
    except BaseException as exc:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(exc, OSError) and not isinstance(exc, OutputError):
            raise OutputError(path, f"not written ({exc.strerror or exc}); the earlier file, if any, is unchanged") from None
        raise


def _make_folders(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(folder, f"folder cannot be made ({exc.strerror})") from None


def _mode_for(target: Path) -> int:
    """Keep an existing file's permissions; a new file gets the usual ones (0666 less the umask).

    A file without the owner's write permission is refused (checked from the mode bits, so it
    holds for root too), as is anything that is not a regular file.
    """
    try:
        info = target.stat()
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
    if stat.S_ISDIR(info.st_mode):
        raise OutputError(target, "is a folder; give a file name")
    if not stat.S_ISREG(info.st_mode):
        raise OutputError(target, "is not a regular file (a device, pipe or socket); not written")
    if not info.st_mode & stat.S_IWUSR:
        raise OutputError(target, "is read-only; not written over (make it writable or save under another name)")
    return info.st_mode & 0o777


def _remove_stale_partials(target: Path) -> None:
    """Delete temporary files of earlier writes to ``target`` whose writer is gone (no lock held)."""
    if fcntl is None:
        return
    for stale in target.parent.glob(f".{target.name}.*.partial"):
        try:
            handle = os.open(stale, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            continue
        try:
            info = os.fstat(handle)
            if stat.S_ISREG(info.st_mode) and time.time() - info.st_mtime > STALE_AFTER_S:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                stale.unlink(missing_ok=True)
        except OSError:
            pass  # a live writer holds it
        finally:
            os.close(handle)


def numbered(path: Path) -> Path:
    """``path`` itself when free, else the first free ``<stem>.2<suffix>``, ``.3``, … beside it."""
    path = Path(path)
    n = 1
    candidate = path
    while candidate.exists() or candidate.is_symlink():
        n += 1
        candidate = path.with_name(f"{path.stem}.{n}{path.suffix}")
    return candidate


def write_text_atomic(path: Path, text: str, make_folders: bool = False) -> None:
    write_bytes_atomic(path, text.encode("utf-8"), make_folders)
