"""A user's own annotations: landmark edits as pure functions, canonical text, safe saving, recovery.

The layer is a plain dict shaped like ``annotations.json`` (see :mod:`viewer.anatomy.annotations`).
Every edit returns a new layer and leaves its argument alone, so an undo step is just the layer
before. Positions are in the bone's local frame (mm from its joint centre), as in the shipped file.
"""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path

import numpy as np

from viewer.anatomy.annotations import LAYER_REQUIRED, SCHEMA_NAME, Annotations
from viewer.anatomy.atomic_file import numbered, write_bytes_atomic, write_text_atomic
from viewer.anatomy.json_input import InputError, parse_lenient, read_json, read_text, schema_errors

FORMAT_VERSION = 1
LANDMARK_KEYS = ("id", "name", "bone", "position", "kind", "source", "description", "references", "ontology")
POSITION_DECIMALS = 2  # 0.01 mm: finer than any mesh, short enough to diff well
BACKUP_SUFFIX = ".bak"
RECOVERY_KIND = "psoas-viewer recovery"


class EditError(ValueError):
    """An edit that cannot be made (unknown landmark, a shipped one deleted, one a muscle needs)."""


def empty_layer() -> dict:
    return {"format_version": FORMAT_VERSION, "landmarks": []}


def _canonical_landmark(entry: dict) -> dict:
    return {key: entry[key] for key in LANDMARK_KEYS if key in entry}


def _current(annotations: Annotations, landmark_id: str) -> dict:
    for entry in annotations.document["landmarks"]:
        if entry["id"] == landmark_id:
            return entry
    raise EditError(f"there is no landmark {landmark_id!r}")


def with_landmark(layer: dict, entry: dict) -> dict:
    """The layer with ``entry`` replacing the landmark of the same id, or added at the end."""
    out = copy.deepcopy(layer)
    landmarks = out.setdefault("landmarks", [])
    entry = _canonical_landmark(copy.deepcopy(entry))
    for k, existing in enumerate(landmarks):
        if existing.get("id") == entry["id"]:
            landmarks[k] = entry
            return out
    landmarks.append(entry)
    return out


def local_position(position) -> list[float]:
    """A position rounded to :data:`POSITION_DECIMALS`, as plain floats for JSON."""
    return [round(float(v), POSITION_DECIMALS) + 0.0 for v in np.asarray(position, float)]


def new_landmark_id(annotations: Annotations, bone_id: str) -> str:
    """An id not used by any structure: ``<bone>_point_<n>``."""
    used = set(annotations.landmarks) | set(annotations.bone_ids) | set(annotations.muscles) | set(annotations.poses)
    n = 1
    while f"{bone_id}_point_{n}" in used:
        n += 1
    return f"{bone_id}_point_{n}"


def add_landmark(layer: dict, annotations: Annotations, bone_id: str, position, name: str | None = None) -> tuple[dict, str]:
    """The layer with a new landmark on ``bone_id`` at a local ``position``, and the new id."""
    if bone_id not in annotations.bone_ids:
        raise EditError(f"there is no bone {bone_id!r}")
    landmark_id = new_landmark_id(annotations, bone_id)
    number = landmark_id.rsplit("_", 1)[1]
    entry = {"id": landmark_id, "name": name or f"New point {number} on {_bone_name(annotations, bone_id)}",
             "bone": bone_id, "position": local_position(position), "kind": "landmark"}
    return with_landmark(layer, entry), landmark_id


def _bone_name(annotations: Annotations, bone_id: str) -> str:
    return next(bone["name"] for bone in annotations.document["bones"] if bone["id"] == bone_id)


def edit_landmark(layer: dict, annotations: Annotations, landmark_id: str, **changes) -> dict:
    """The layer with the landmark's fields changed (name, description, kind, references, position).

    A shipped landmark is copied into the layer first; empty description or references are removed.
    """
    unknown = set(changes) - {"name", "description", "kind", "references", "position"}
    if unknown:
        raise EditError(f"cannot edit {', '.join(sorted(unknown))} of a landmark")
    entry = copy.deepcopy(_current(annotations, landmark_id))
    for key, value in changes.items():
        if key == "position":
            value = local_position(value)
        if key in ("description", "references") and not value:
            entry.pop(key, None)
        else:
            entry[key] = value
    return with_landmark(layer, entry)


def move_landmark(layer: dict, annotations: Annotations, landmark_id: str, position) -> dict:
    """The layer with the landmark at a new local position."""
    return edit_landmark(layer, annotations, landmark_id, position=position)


def delete_landmark(layer: dict, annotations: Annotations, landmark_id: str) -> dict:
    """The layer without the user's landmark; deleting an edited shipped landmark restores the shipped one."""
    mine = [k for k, entry in enumerate(layer.get("landmarks", [])) if entry.get("id") == landmark_id]
    if not mine:
        raise EditError(f"{landmark_id!r} is a shipped landmark: it cannot be deleted (hide it instead)")
    if landmark_id not in annotations.shipped_landmarks:
        users = [m["id"] for m in annotations.muscles.values()
                 if m["insertion"] == landmark_id or any(f["origin"] == landmark_id for f in m["fascicles"])]
        if users:
            raise EditError(f"{landmark_id!r} is an attachment of {', '.join(users)}: it cannot be deleted")
    out = copy.deepcopy(layer)
    del out["landmarks"][mine[0]]
    return out


def dumps(document: dict) -> str:
    """Canonical text: the document's own key order (landmark fields in schema order), two-space
    indent, UTF-8 kept as is, newline at the end. The shipped ``annotations.json`` is in this form.
    """
    out = dict(document)
    if isinstance(out.get("landmarks"), list):
        out["landmarks"] = [_canonical_landmark(entry) for entry in out["landmarks"]]
    return json.dumps(out, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def backup_path(path: Path) -> Path:
    return Path(path).with_name(Path(path).name + BACKUP_SUFFIX)


def _check_replaceable(path: Path) -> None:
    """Refuse to write over a file that does not load as annotations: it may be someone's work."""
    if not path.exists():
        return
    try:
        problems = schema_errors(parse_lenient(read_text(path), path), SCHEMA_NAME, LAYER_REQUIRED)
    except InputError as exc:
        problems = [(exc.where, exc.detail)]
    if problems:
        where, message = problems[0]
        raise InputError(path, f"does not load as annotations ({message}), so it is not written over; save under another name",
                         where)


def save_layer(path: Path, layer: dict) -> None:
    """Write the layer atomically, keeping the previous version as ``<name>.bak`` (earlier backups
    are kept too, numbered: ``<name>.2.bak``, ``<name>.3.bak``, … the highest the newest).

    A file at ``path`` that does not load as annotations is never replaced.
    """
    path = Path(path)
    text = dumps(layer)
    _check_replaceable(path)
    if path.exists():
        previous = read_text(path).encode("utf-8")
        if previous != text.encode("utf-8"):
            write_bytes_atomic(numbered(backup_path(path)), previous)
    write_text_atomic(path, text)


def write_recovery(path: Path, layer: dict, layer_path: Path | None) -> None:
    """Autosave unsaved edits (atomically) so that the next start can offer them back."""
    record = {"kind": RECOVERY_KIND, "format_version": FORMAT_VERSION, "saved_at": time.strftime("%Y-%m-%d %H:%M:%S"),
              "layer_path": None if layer_path is None else str(layer_path), "layer": layer}
    write_text_atomic(path, json.dumps(record, indent=2, ensure_ascii=False, allow_nan=False) + "\n", make_folders=True)


def read_recovery(path: Path) -> tuple[dict, Path | None, str]:
    """The layer, its file (or None) and the time of a recovery file; :class:`InputError` if unusable."""
    record = read_json(path)
    if not (isinstance(record, dict) and record.get("kind") == RECOVERY_KIND and isinstance(record.get("layer"), dict)
            and isinstance(record.get("layer_path"), (str, type(None)))):
        raise InputError(path, "is not a psoas-viewer recovery file")
    layer_path = record.get("layer_path")
    return record["layer"], None if layer_path is None else Path(layer_path), str(record.get("saved_at", ""))


def set_aside(path: Path) -> Path:
    """Move a recovery file out of the way (kept, not deleted) once it is restored or declined;
    earlier ones are kept too, numbered (``<name>.previous.2.json``, …)."""
    target = numbered(Path(path).with_name(Path(path).stem + ".previous.json"))
    Path(path).replace(target)
    return target


def snap_to_bone(bone, point) -> list[float]:
    """The point of ``bone``'s surface nearest a standing-frame ``point``, in the bone's local frame."""
    import trimesh

    closest, _, _ = trimesh.proximity.closest_point(bone.mesh, np.asarray(point, float).reshape(1, 3))
    origin = bone.frame_origin
    return local_position(closest[0] - origin)
