"""The muscle sections fitted to the bones, kept in a file beside the pack.

Fitting the rest sections of the muscle surfaces to the bones (:mod:`viewer.anatomy.muscle_shapes`:
rays from each line cut back where they meet bone, the iliacus fan looked down on its fossa) takes
about half of a new process's first frame here: about 1.5 s of CPU. The result depends only on the
muscle records, their standing lines and the bones, so it is written once to ``fitted_muscles.npz``
in the pack folder (``psoas-viewer fit-muscles``) with a digest of all of those; a start whose
content has the same digest reads the sections instead of fitting them. Any other file (another
digest, another version, damaged) is passed over and the sections are fitted as before.

The file is a plain ``.npz`` of numbers and fixed-width text, read without pickle, and the same
bytes each time it is written from the same fit (:mod:`viewer.anatomy.fixed_npz`).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

FITTED_FILE = "fitted_muscles.npz"
FORMAT = 1  # raised whenever what a sweep holds changes, so an older file is passed over

_SWEEP_ARRAYS = ("carriers", "blend", "width_local", "tangent_local", "local", "free")


def to_arrays(key: str, leads: dict[str, tuple[list[str], np.ndarray]], sweeps: list) -> dict[str, np.ndarray]:
    """The fit as named arrays: its content digest, each fan's led-on fibre starts (bone, point in
    the bone's frame) and every sweep's rest section with what carries it."""
    out: dict[str, np.ndarray] = {"format": np.array(FORMAT), "key": np.array(key), "leads": np.array(sorted(leads), dtype=str)}
    for mid, (bones, points) in leads.items():
        out[f"lead/{mid}/bones"] = np.array(bones, dtype=str)
        out[f"lead/{mid}/points"] = np.asarray(points, float)
    out["sweeps"] = np.array(len(sweeps))
    for k, sweep in enumerate(sweeps):
        out[f"sweep/{k}/muscle"] = np.array(sweep.muscle)
        out[f"sweep/{k}/size"] = np.array([sweep.rings, sweep.sides])
        out[f"sweep/{k}/slip"] = np.array(sweep.slip if sweep.slip is not None else [], dtype=np.int64)
        for name in _SWEEP_ARRAYS:
            out[f"sweep/{k}/{name}"] = np.asarray(getattr(sweep, name))
    return out


def save(path: Path, key: str, leads: dict[str, tuple[list[str], np.ndarray]], sweeps: list) -> None:
    """Write the fit to ``path`` in one step (a crash leaves the old file whole)."""
    from viewer.anatomy.atomic_file import write_bytes_atomic
    from viewer.anatomy.fixed_npz import npz_bytes

    write_bytes_atomic(Path(path), npz_bytes(to_arrays(key, leads, sweeps)))


def load(path: Path, key: str):
    """The leads and sweeps written to ``path`` for the content ``key``, or None if there is no
    such file, it was written for other content or another format, or it cannot be read."""
    from viewer.anatomy.muscle_shapes import _Sweep

    path = Path(path)
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            if int(data["format"]) != FORMAT or str(data["key"]) != key:
                return None
            leads = {str(mid): ([str(b) for b in data[f"lead/{mid}/bones"]], np.array(data[f"lead/{mid}/points"], float))
                     for mid in data["leads"]}
            sweeps = []
            for k in range(int(data["sweeps"])):
                rings, sides = (int(n) for n in data[f"sweep/{k}/size"])
                slip = [int(n) for n in data[f"sweep/{k}/slip"]]
                arrays = {name: np.array(data[f"sweep/{k}/{name}"]) for name in _SWEEP_ARRAYS}
                if not _sound(rings, sides, arrays) or len(slip) not in (0, 2):
                    return None
                sweeps.append(_Sweep(str(data[f"sweep/{k}/muscle"]), rings, sides, **arrays, slip=(slip[0], slip[1]) if slip else None))
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile, EOFError):
        return None
    if any(len(bones) != len(points) or points.shape[1:] != (3,) or not np.isfinite(points).all() for bones, points in leads.values()):
        return None
    return leads, sweeps


def _sound(rings: int, sides: int, arrays: dict[str, np.ndarray]) -> bool:
    """Whether a sweep's arrays have the shapes its rings and sides call for, and finite numbers."""
    shapes = {"carriers": (rings, 2), "blend": (rings,), "width_local": (rings, 2, 3), "tangent_local": (rings, 2, 3),
              "local": (rings, sides, 2), "free": (rings, sides)}
    return rings >= 2 and sides >= 3 and all(arrays[name].shape == shape and np.isfinite(arrays[name]).all() for name, shape in shapes.items()) \
        and arrays["carriers"].dtype.kind in "iu"


def write_for(pack, annotations) -> Path:
    """Fit the muscle sections of ``annotations`` to ``pack``'s bones standing, as a scene does, and
    keep the fit in the pack's folder; returns the file written."""
    from viewer.anatomy.kinematics import Pose, Skeleton, bone_transforms
    from viewer.anatomy.muscle_paths import MuscleModel
    from viewer.anatomy.muscle_shapes import MuscleShapes, content_key

    skeleton = Skeleton.from_manifest(pack.manifest)
    model = MuscleModel(annotations, skeleton, set(pack.bones))
    transforms = bone_transforms(Pose(), skeleton)
    standing = model.evaluate(Pose(), transforms)
    shapes = MuscleShapes.fit(model, standing, transforms, pack, annotations)
    path = Path(pack.directory) / FITTED_FILE
    save(path, content_key(standing, transforms, pack, annotations), shapes.leads, shapes.sweeps)
    return path
