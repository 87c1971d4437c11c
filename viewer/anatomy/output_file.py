"""Where a picture, figure or scene may be written: checked before any rendering starts.

An output goes only to a path whose suffix names a format we write, never over a file this
process read (annotations, layers, views, stretches, a pack's files), never to a device, pipe
or folder, and only into a folder that exists (unless the caller asks for folders to be made).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from viewer.anatomy.atomic_file import OutputError
from viewer.anatomy.json_input import files_read


def check_output(path: Path, formats, protected_folders=(), make_folders: bool = False) -> Path:
    """``path`` if a file of one of ``formats`` (suffixes such as ``.png``) may be written there,
    else :class:`OutputError` naming the path and the reason."""
    path = Path(path)
    if path.suffix.lower() not in formats:
        allowed = ", ".join(sorted(formats))
        raise OutputError(path, f"unknown format {path.suffix or '(no suffix)'!r}; use {allowed}")
    real = os.path.realpath(path)
    if real in files_read():
        raise OutputError(path, "is a file this program read as input; not written over, choose another name")
    for folder in protected_folders:
        if folder is not None and Path(real).is_relative_to(os.path.realpath(folder)):
            raise OutputError(path, f"is inside the anatomy pack {folder}; not written there, choose another folder")
    try:
        mode = os.stat(real).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise OutputError(path, f"cannot be checked ({exc.strerror})") from None
    if mode is not None and stat.S_ISDIR(mode):
        raise OutputError(path, "is a folder; give a file name")
    if mode is not None and not stat.S_ISREG(mode):
        raise OutputError(path, "is not a regular file (a device, pipe or socket); not written")
    parent = Path(real).parent
    if not make_folders and not parent.is_dir():
        raise OutputError(path, f"the folder {path.parent} does not exist (ask for it to be made, or make it first)")
    return path
