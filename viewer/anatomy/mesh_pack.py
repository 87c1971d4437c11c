"""Anatomy packs: a folder of bone meshes described by ``manifest.json``.

Binary PLY (what the pack builder writes) is read straight into numpy; other formats, and every
geometric query, go through trimesh, which is imported on first use: importing it (and scipy
with it) costs about 0.9 s and 74 MB, which start-up does not need (``benchmarks/run.py``).

A broken manifest makes the whole pack unusable (:class:`~viewer.anatomy.json_input.InputError`).
A broken bone does not: it is left out, and :attr:`MeshPack.problems` says which and why, so
the rest of the anatomy still shows.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path

import numpy as np

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
    vertices: np.ndarray  # (n, 3) float, mm
    faces: np.ndarray  # (m, 3) int
    file: Path
    light: tuple[np.ndarray, np.ndarray] | None = None  # vertices and faces of the lighter surface
    origin: np.ndarray | None = None  # origin of the bone's own frame, if the manifest gives one

    @property
    def frame_origin(self) -> np.ndarray:
        """Where the bone's own frame (landmarks, muscle sites) starts: its origin, joint centre, or the scene origin."""
        for point in (self.origin, self.joint_centre):
            if point is not None:
                return point
        return np.zeros(3)

    @cached_property
    def mesh(self):
        """The surface as a trimesh.Trimesh, for closest points, rays and export; built on first use."""
        return _trimesh(self.vertices, self.faces)

    @cached_property
    def light_mesh(self):
        return None if self.light is None else _trimesh(*self.light)


def _trimesh(vertices: np.ndarray, faces: np.ndarray):
    import trimesh

    return trimesh.Trimesh(vertices, faces, process=False)


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


def read_mesh(path: Path, expected_sha256: str | None = None, expected_triangles: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Vertices and faces of one mesh file, checking what the manifest promises; ValueError says what is wrong."""
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
    file_type = path.suffix[1:].lower()
    parsed = _read_simple_ply(data) if file_type == "ply" else None
    vertices, faces = parsed if parsed is not None else _read_with_trimesh(data, file_type)
    if len(faces) == 0:
        raise ValueError("holds no triangles")
    if not np.isfinite(vertices).all():
        bad = int((~np.isfinite(vertices).all(axis=1)).sum())
        raise ValueError(f"{bad} vertices have NaN or infinite coordinates")
    if faces.max() >= len(vertices) or faces.min() < 0:
        raise ValueError("faces refer to vertices that do not exist (file truncated?)")
    if expected_triangles is not None and len(faces) != expected_triangles:
        raise ValueError(f"has {len(faces)} triangles, the manifest says {expected_triangles} (file truncated?)")
    return vertices, faces


_SIMPLE_PLY_HEADER = (
    b"property float x\nproperty float y\nproperty float z\n",
    b"property list uchar int vertex_indices\nend_header\n",
)


def _read_simple_ply(data: bytes) -> tuple[np.ndarray, np.ndarray] | None:
    """Binary little-endian PLY with float x, y, z and triangle faces only, as the pack builder
    writes it, read with numpy; None for any other PLY, which trimesh then reads.

    Our own reader because it is measurably better here: it spares start-up the trimesh import.
    """
    end = data.find(b"end_header\n")
    if not data.startswith(b"ply\nformat binary_little_endian 1.0\n") or end < 0:
        return None
    header = data[: end + len(b"end_header\n")]
    lines = [line for line in header.split(b"\n") if line and not line.startswith(b"comment")]
    try:
        n_vertices = int(next(line for line in lines if line.startswith(b"element vertex")).split()[2])
        n_faces = int(next(line for line in lines if line.startswith(b"element face")).split()[2])
    except (StopIteration, ValueError, IndexError):
        return None
    expected = b"\n".join(lines) + b"\n"
    layout = (f"ply\nformat binary_little_endian 1.0\nelement vertex {n_vertices}\n".encode() + _SIMPLE_PLY_HEADER[0]
              + f"element face {n_faces}\n".encode() + _SIMPLE_PLY_HEADER[1])
    if expected != layout:
        return None
    body = memoryview(data)[len(header):]
    vertex_bytes = 12 * n_vertices
    face_type = np.dtype([("count", "u1"), ("index", "<i4", (3,))])
    if len(body) != vertex_bytes + face_type.itemsize * n_faces:
        raise ValueError(f"PLY body is {len(body)} bytes, its header promises {vertex_bytes + face_type.itemsize * n_faces} (file truncated?)")
    vertices = np.frombuffer(body[:vertex_bytes], dtype="<f4").reshape(-1, 3).astype(np.float64)
    records = np.frombuffer(body[vertex_bytes:], dtype=face_type)
    if (records["count"] != 3).any():
        return None
    return vertices, records["index"].astype(np.int64)


def _read_with_trimesh(data: bytes, file_type: str) -> tuple[np.ndarray, np.ndarray]:
    import trimesh

    try:
        loaded = trimesh.load(trimesh.util.wrap_as_stream(data), file_type=file_type, force="mesh", process=False)
    except Exception as exc:  # trimesh's parsers raise many types on corrupt input
        raise ValueError(f"not a readable {file_type.upper()} mesh ({type(exc).__name__}: {exc})") from None
    if not isinstance(loaded, trimesh.Trimesh):
        raise ValueError("holds no triangles")
    return np.asarray(loaded.vertices, dtype=np.float64), np.asarray(loaded.faces, dtype=np.int64)


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
            vertices, faces = read_mesh(path, entry.get("sha256"), entry.get("triangles"))
        except ValueError as exc:
            pack.problems.append(BoneProblem(entry["id"], shown, str(exc)))
            continue
        light = None
        if "light" in entry:
            light_entry = entry["light"]
            try:
                light_vertices, light_faces = read_mesh(resolve_inside(directory, light_entry["file"]), light_entry.get("sha256"),
                                                        light_entry.get("triangles"))
                light = (light_vertices * scale, light_faces)
            except ValueError as exc:
                pack.warnings.append(BoneProblem(entry["id"], Path(directory) / light_entry["file"], f"{exc}; the full mesh is drawn instead"))
        centre, origin = entry.get("joint_centre"), entry.get("origin")
        pack.bones[entry["id"]] = Bone(
            id=entry["id"],
            name=entry["name"],
            parent=entry["parent"],
            joint=entry.get("joint"),
            joint_centre=None if centre is None else scale * np.asarray(centre, dtype=float),
            vertices=vertices * scale,
            faces=faces,
            file=path,
            light=light,
            origin=None if origin is None else scale * np.asarray(origin, dtype=float),
        )
    return pack
