"""Anatomy packs: a folder of bone meshes described by ``manifest.json``, loaded with trimesh.

A broken manifest makes the whole pack unusable (:class:`~viewer.anatomy.json_input.InputError`).
A broken bone does not: it is left out, and :attr:`MeshPack.problems` says which and why, so
the rest of the anatomy still shows.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import trimesh

from viewer.anatomy.json_input import InputError, check_schema, read_json

MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1
MAX_MESH_BYTES = 200_000_000
_UNIT_TO_MM = {"mm": 1.0, "cm": 10.0, "m": 1000.0}


@dataclass(frozen=True)
class BoneProblem:
    """Why one bone of a pack could not be loaded."""

    bone_id: str
    file: Path
    message: str

    def __str__(self) -> str:
        return f"{self.bone_id} ({self.file}): {self.message}"


@dataclass
class Bone:
    """One loaded bone: its surface in the scene frame (mm) and its place in the chain."""

    id: str
    name: str
    parent: str | None
    joint: str | None
    joint_centre: np.ndarray | None
    mesh: trimesh.Trimesh
    file: Path
    light_mesh: trimesh.Trimesh | None = None


@dataclass
class MeshPack:
    """The bones of a pack that loaded, and the problems of those that did not."""

    directory: Path
    manifest: dict
    bones: dict[str, Bone] = field(default_factory=dict)
    problems: list[BoneProblem] = field(default_factory=list)
    warnings: list[BoneProblem] = field(default_factory=list)  # the bone loaded, something lesser did not

    @property
    def missing(self) -> list[str]:
        return [p.bone_id for p in self.problems]


def default_pack_dir() -> Path:
    """The pack shipped with the viewer (``meshes/`` in the source tree)."""
    installed = resources.files("viewer").joinpath("default_pack")
    if installed.joinpath(MANIFEST_NAME).is_file():
        return Path(str(installed))
    return Path(__file__).resolve().parents[2] / "meshes"


def load_manifest(directory: Path) -> dict:
    """Read and check a pack's manifest; raise :class:`InputError` naming the place."""
    path = Path(directory) / MANIFEST_NAME
    manifest = read_json(path)
    check_schema(manifest, "manifest.schema.json", path)
    ids = [bone["id"] for bone in manifest["bones"]]
    for index, bone_id in enumerate(ids):
        if ids.index(bone_id) != index:
            raise InputError(path, f"bone id {bone_id!r} is used twice", f"$.bones[{index}].id")
    for index, bone in enumerate(manifest["bones"]):
        if bone["parent"] is not None and bone["parent"] not in ids:
            raise InputError(path, f"parent {bone['parent']!r} is not a bone of this pack", f"$.bones[{index}].parent")
        if bone.get("joint") and bone.get("joint_centre") is None:
            raise InputError(path, f"a bone with a {bone['joint']} joint needs a joint_centre", f"$.bones[{index}]")
    return manifest


def resolve_inside(directory: Path, relative: str) -> Path:
    """Resolve a file named in a pack, refusing any path that leaves the pack folder."""
    root = Path(directory).resolve()
    candidate = Path(relative)
    if candidate.is_absolute():
        raise ValueError(f"absolute path {relative!r} is not allowed; name a file inside {root}")
    resolved = (root / candidate).resolve()
    if not resolved.is_relative_to(root):
        raise ValueError(f"path {relative!r} leaves the pack folder {root}")
    return resolved


def read_mesh(path: Path, expected_sha256: str | None = None, expected_triangles: int | None = None) -> trimesh.Trimesh:
    """Load one mesh file, checking what the manifest promises; ValueError says what is wrong."""
    if not path.is_file():
        raise ValueError("file not found")
    size = path.stat().st_size
    if size == 0:
        raise ValueError("file is empty")
    if size > MAX_MESH_BYTES:
        raise ValueError(f"file is {size} bytes, more than the {MAX_MESH_BYTES} allowed")
    data = path.read_bytes()
    if expected_sha256 is not None:
        actual = hashlib.sha256(data).hexdigest()
        if actual != expected_sha256:
            raise ValueError(f"checksum mismatch: sha256 is {actual[:12]}…, the manifest says {expected_sha256[:12]}…")
    try:
        loaded = trimesh.load(trimesh.util.wrap_as_stream(data), file_type=path.suffix[1:].lower(), force="mesh", process=False)
    except Exception as exc:  # trimesh's parsers raise many types on corrupt input
        raise ValueError(f"not a readable {path.suffix[1:].upper()} mesh ({type(exc).__name__}: {exc})") from None
    if not isinstance(loaded, trimesh.Trimesh) or len(loaded.faces) == 0:
        raise ValueError("holds no triangles")
    if not np.isfinite(loaded.vertices).all():
        bad = int((~np.isfinite(loaded.vertices).all(axis=1)).sum())
        raise ValueError(f"{bad} vertices have NaN or infinite coordinates")
    if loaded.faces.max() >= len(loaded.vertices) or loaded.faces.min() < 0:
        raise ValueError("faces refer to vertices that do not exist (file truncated?)")
    if expected_triangles is not None and len(loaded.faces) != expected_triangles:
        raise ValueError(f"has {len(loaded.faces)} triangles, the manifest says {expected_triangles} (file truncated?)")
    return loaded


def load_pack(directory: Path | None = None) -> MeshPack:
    """Load every bone of a pack; bones that fail are listed in ``problems``, not raised."""
    directory = Path(directory) if directory is not None else default_pack_dir()
    manifest = load_manifest(directory)
    scale = _UNIT_TO_MM[manifest["units"]]
    pack = MeshPack(directory=directory, manifest=manifest)
    for entry in manifest["bones"]:
        shown = Path(directory) / entry["file"]
        try:
            path = resolve_inside(directory, entry["file"])
            mesh = read_mesh(path, entry.get("sha256"), entry.get("triangles"))
        except ValueError as exc:
            pack.problems.append(BoneProblem(entry["id"], shown, str(exc)))
            continue
        mesh.apply_scale(scale)
        light = None
        if "light" in entry:
            light_entry = entry["light"]
            try:
                light = read_mesh(resolve_inside(directory, light_entry["file"]), light_entry.get("sha256"), light_entry.get("triangles"))
                light.apply_scale(scale)
            except ValueError as exc:
                pack.warnings.append(BoneProblem(entry["id"], Path(directory) / light_entry["file"], f"{exc}; the full mesh is drawn instead"))
        centre = entry.get("joint_centre")
        pack.bones[entry["id"]] = Bone(
            id=entry["id"],
            name=entry["name"],
            parent=entry["parent"],
            joint=entry.get("joint"),
            joint_centre=None if centre is None else scale * np.asarray(centre, dtype=float),
            mesh=mesh,
            file=path,
            light_mesh=light,
        )
    return pack
