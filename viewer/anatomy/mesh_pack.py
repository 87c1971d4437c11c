"""Anatomy packs: a folder of bone meshes described by ``manifest.json``.

Binary PLY (what the pack builder writes) is read straight into numpy; other formats, and every
geometric query, go through trimesh, which is imported on first use: importing it (and scipy
with it) costs about 0.9 s and 74 MB, which start-up does not need (``benchmarks/run.py``).

A manifest broken as a whole makes the pack unusable (:class:`~viewer.anatomy.json_input.InputError`).
A broken bone does not: a bad entry, an unreadable file, coordinates that are not finite or far
beyond a body, a parent that is missing or a parent chain that loops all leave that bone (and
the bones hanging from it) out, and :attr:`MeshPack.problems` says which and why, so the rest
of the anatomy still shows. Bones that load but look implausible (a femur above the pelvis, a
right bone on the left, a size no adult has) are kept, with a line in :attr:`MeshPack.warnings`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path

import numpy as np

from viewer.anatomy.discs import DiscJoin, Plane
from viewer.anatomy.json_input import InputError, read_json, schema_errors
from viewer.anatomy.pack_checks import implausible
from viewer.anatomy.pack_frame import affine, apply, axes_matrix, check_bounded, pack_to_viewer
from viewer.anatomy.vtp import read_vtp

MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1
MAX_MESH_BYTES = 200_000_000
_BONE_PLACE = re.compile(r"^\$\.bones\[(\d+)\]")
_POINT_FIELDS = ("joint_centre", "origin")  # points of the pack a bone entry may give


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
    disc: DiscJoin | None = None  # for an intervertebral disc: the endplates it joins

    @cached_property
    def disc_weights(self) -> np.ndarray | None:
        """For a disc, the share of the bone above in each vertex's motion (:mod:`viewer.anatomy.discs`)."""
        return None if self.disc is None else self.disc.weights(self.vertices)

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
    """The bones of a pack that loaded, and the problems of those that did not.

    ``manifest`` is the manifest as the viewer uses it: only the bones that loaded, their points
    in millimetres in the viewer's frame (the file itself is left as it is).
    """

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
    """Read and check a pack's manifest; raise :class:`InputError` naming the place of the first problem."""
    manifest, entry_problems = read_manifest(directory)
    if entry_problems:
        where, message = next(iter(entry_problems.values()))
        raise InputError(Path(directory) / MANIFEST_NAME, message, where)
    return manifest


def read_manifest(directory: Path) -> tuple[dict, dict[int, tuple[str, str]]]:
    """A pack's manifest and the problems of single bone entries, by index, as (JSON path, message).

    A problem of the pack as a whole (syntax, units, axes, transform, no bones) raises
    :class:`InputError`; one bone entry's problem only costs that bone.
    """
    path = Path(directory) / MANIFEST_NAME
    manifest = read_json(path)
    entry_problems: dict[int, tuple[str, str]] = {}
    for where, message in schema_errors(manifest, "manifest.schema.json"):
        place = _BONE_PLACE.match(where)
        if place is None:
            raise InputError(path, message, where)
        entry_problems.setdefault(int(place[1]), (where, message))
    for key, check in (("axes", axes_matrix), ("transform", affine)):
        try:
            if key in manifest:
                check(manifest[key])
        except ValueError as exc:
            raise InputError(path, str(exc), f"$.{key}") from None
    first_index: dict[str, int] = {}
    for index, bone in enumerate(manifest["bones"]):
        if index in entry_problems:
            continue
        if bone["id"] in first_index:
            entry_problems[index] = (f"$.bones[{index}].id", f"bone id {bone['id']!r} is used twice (first at $.bones[{first_index[bone['id']]}])")
        elif bone.get("joint") and bone.get("joint_centre") is None:
            entry_problems[index] = (f"$.bones[{index}]", f"a bone with a {bone['joint']} joint needs a joint_centre")
        elif (bone.get("joint") == "disc") != ("disc" in bone):
            entry_problems[index] = (f"$.bones[{index}]", "a disc joint and a disc entry (the endplates it joins) go together")
        else:
            first_index[bone["id"]] = index
    return manifest, entry_problems


def resolve_inside(directory: Path, relative: str) -> Path:
    """Resolve a file named in a pack, refusing any path that leaves the pack folder."""
    candidate = Path(relative)
    try:
        root = Path(directory).resolve()
        if candidate.is_absolute():
            raise ValueError(f"absolute path {relative!r} is not allowed; name a file inside {root}")
        resolved = (root / candidate).resolve()
    except (RuntimeError, OSError) as exc:  # pathlib raises RuntimeError for a symlink loop
        raise ValueError(f"path {relative!r} cannot be followed ({exc})") from None
    if not resolved.is_relative_to(root):
        raise ValueError(f"path {relative!r} leaves the pack folder {root}")
    return resolved


def read_mesh(path: Path, expected_sha256: str | None = None, expected_triangles: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Vertices and faces of one mesh file, checking what the manifest promises; ValueError says what is wrong."""
    if not path.exists():
        raise ValueError("file not found")
    if not path.is_file():
        raise ValueError("not a regular file")
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
    parsed = _read_simple_ply(data) if file_type == "ply" else read_vtp(data) if file_type == "vtp" else None
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
    """Load every bone of a pack; bones that fail are listed in ``problems``, not raised.

    A bone whose file fails keeps its place in the chain (``manifest``), so the bones hanging
    from it are still placed and drawn; a bone whose entry is unusable takes its descendants with it.
    """
    directory = Path(directory) if directory is not None else default_pack_dir()
    manifest, entry_problems = read_manifest(directory)
    to_viewer = pack_to_viewer(manifest)
    pack = MeshPack(directory=directory, manifest=manifest)
    entries = {}
    for index, entry in enumerate(manifest["bones"]):
        problem = entry_problems.get(index)
        if problem is None:
            try:
                entries[entry["id"]] = (entry, _in_viewer_frame(entry, to_viewer))
            except ValueError as exc:
                problem = (f"$.bones[{index}]", str(exc))
        if problem is not None:
            name = entry.get("id") if isinstance(entry, dict) and isinstance(entry.get("id"), str) else f"bones[{index}]"
            pack.problems.append(BoneProblem(name, directory / MANIFEST_NAME, f"at {problem[0]}: {problem[1]}"))
    known = {entry.get("id") for entry in manifest["bones"] if isinstance(entry, dict)}
    while _drop_unplaced(directory, entries, known, pack.problems):
        pass  # a disc left out takes the bones hanging from it, which may be the upper bones of other discs
    for bone_id, (entry, converted) in entries.items():
        try:
            pack.bones[bone_id] = _load_bone(directory, entry, converted, to_viewer, pack)
        except ValueError as exc:
            pack.problems.append(BoneProblem(bone_id, directory / entry["file"], str(exc)))
    pack.manifest = {**{k: v for k, v in manifest.items() if k != "transform"}, "units": "mm", "axes": "RAS",
                     "bones": [converted for _, converted in entries.values()]}
    for bone_id, message in implausible({b.id: (b.vertices, b.joint) for b in pack.bones.values()}):
        pack.warnings.append(BoneProblem(bone_id, pack.bones[bone_id].file, message))
    return pack


def _drop_unplaced(directory: Path, entries: dict, known: set, problems: list[BoneProblem]) -> bool:
    """Leave out the bones whose parent chain is broken, then the discs whose upper bone is missing or
    hangs from the disc itself; True if any was left out."""
    count = len(problems)
    for bone_id, message in _broken_chains({b: e["parent"] for b, (e, _) in entries.items()}, known).items():
        problems.append(BoneProblem(bone_id, directory / entries.pop(bone_id)[0]["file"], message))
    for bone_id, (entry, _) in list(entries.items()):
        upper = entry.get("disc", {}).get("upper")
        if upper is None:
            continue
        chain = [upper]
        while chain[-1] in entries and chain[-1] != bone_id and entries[chain[-1]][0]["parent"] is not None:
            chain.append(entries[chain[-1]][0]["parent"])
        if upper not in entries or bone_id in chain:
            why = "is not loaded" if upper not in entries else f"hangs from the disc ({' -> '.join(chain)})"
            problems.append(BoneProblem(bone_id, directory / entries.pop(bone_id)[0]["file"],
                                        f"it joins {upper!r} to {entry['parent']!r}, and {upper!r} {why}"))
    return len(problems) > count


def _load_bone(directory: Path, entry: dict, converted: dict, to_viewer: np.ndarray, pack: MeshPack) -> Bone:
    """One bone in the viewer's frame (``converted``: its entry there); ValueError says why it cannot be used."""
    path = resolve_inside(directory, entry["file"])
    placed = to_viewer @ (affine(entry["transform"]) if "transform" in entry else np.eye(4))
    vertices, faces = _placed(placed, *read_mesh(path, entry.get("sha256"), entry.get("triangles")))
    check_bounded(vertices, "the surface")
    centre = converted.get("joint_centre")
    light = None
    if "light" in entry:
        light_entry = entry["light"]
        try:
            lighter = _placed(placed, *read_mesh(resolve_inside(directory, light_entry["file"]), light_entry.get("sha256"),
                                                 light_entry.get("triangles")))
            check_bounded(lighter[0], "the lighter surface")
            light = lighter
        except ValueError as exc:
            pack.warnings.append(BoneProblem(entry["id"], directory / light_entry["file"], f"{exc}; the full mesh is drawn instead"))
    origin = converted.get("origin")
    disc = converted.get("disc")
    join = None if disc is None else DiscJoin(disc["upper"], *(
        Plane(np.asarray(disc[f"{k}_endplate"]), np.asarray(disc[f"{k}_normal"])) for k in ("upper", "lower")))
    return Bone(id=entry["id"], name=entry["name"], parent=entry["parent"], joint=entry.get("joint"),
                joint_centre=None if centre is None else np.asarray(centre),
                vertices=vertices, faces=faces, file=path, light=light,
                origin=None if origin is None else np.asarray(origin), disc=join)


def _placed(matrix: np.ndarray, vertices: np.ndarray, faces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A surface moved by a 4x4; a mirroring matrix also reverses the triangles, keeping them facing out."""
    if np.array_equal(matrix, np.eye(4)):
        return vertices, faces
    return apply(matrix, vertices), faces[:, ::-1] if np.linalg.det(matrix[:3, :3]) < 0 else faces


def _broken_chains(parents: dict[str, str | None], known: set) -> dict[str, str]:
    """Bones whose parent chain reaches a bone that is not loaded, or loops; with why."""
    broken = {}
    for bone_id in parents:
        chain = [bone_id]
        while (parent := parents[chain[-1]]) is not None:
            if parent in chain:
                loop = " -> ".join(chain[chain.index(parent):] + [parent])
                lead_in = " -> ".join(chain[:chain.index(parent) + 1])
                broken[bone_id] = f"its parent chain loops: {loop}" if parent == bone_id else f"its parent chain {lead_in} runs into the loop {loop}"
                break
            if parent not in parents:
                why = "was left out" if parent in known else "is not a bone of this pack"
                broken[bone_id] = f"its parent chain {' -> '.join(chain + [parent])} needs {parent!r}, which {why}"
                break
            chain.append(parent)
    return broken


def _in_viewer_frame(entry: dict, to_viewer: np.ndarray) -> dict:
    """A bone entry with its points in the viewer's millimetres and axes, and no file placement;
    ValueError when its placement is singular or a point lies beyond any body."""
    if "transform" in entry:
        affine(entry["transform"])
    out = {k: v for k, v in entry.items() if k != "transform"}
    for key in _POINT_FIELDS:
        if out.get(key) is not None:
            point = apply(to_viewer, np.asarray(out[key], dtype=float))
            check_bounded(point, f"its {key}")
            out[key] = point.tolist()
    if "disc" in out:
        out["disc"] = _disc_in_viewer_frame(out["disc"], to_viewer)
    return out


def _disc_in_viewer_frame(disc: dict, to_viewer: np.ndarray) -> dict:
    """A disc entry's endplate centres and normals in the viewer's frame (normals stay unit and normal to their planes)."""
    out = dict(disc)
    to_normals = np.linalg.inv(to_viewer[:3, :3]).T
    for plane in ("upper", "lower"):
        centre = apply(to_viewer, np.asarray(disc[f"{plane}_endplate"], dtype=float))
        check_bounded(centre, f"its {plane} endplate")
        normal = to_normals @ np.asarray(disc[f"{plane}_normal"], dtype=float)
        if not np.linalg.norm(normal) > 1e-9:
            raise ValueError(f"its {plane} endplate normal has no length")
        out[f"{plane}_endplate"], out[f"{plane}_normal"] = centre.tolist(), (normal / np.linalg.norm(normal)).tolist()
    return out
