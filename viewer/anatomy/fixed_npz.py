"""``.npz`` files that are the same bytes each time they are written from the same arrays.

``numpy.savez`` stamps each member with the current time, so a file written again from the same
numbers differs; the pack's ``.npz`` files are rebuilt and compared byte for byte (and kept in git),
so they are written here: uncompressed, members in name order, each stamped with ``ZipInfo``'s
fixed default time (1980-01-01 00:00), not the clock's.
"""

from __future__ import annotations

import io
import zipfile

import numpy as np


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """The ``.npz`` of ``arrays`` (name -> array; no objects, so it reads without pickle)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:  # stored, not compressed: zipfile's default
        for name in sorted(arrays):
            data, array = io.BytesIO(), np.asarray(arrays[name])
            np.lib.format.write_array(data, np.ascontiguousarray(array) if array.ndim else array, allow_pickle=False)  # a scalar stays one
            archive.writestr(zipfile.ZipInfo(f"{name}.npy"), data.getvalue())
    return buffer.getvalue()
