"""Bodies of different shape: the pack's bones moved along the first modes of the LLP26 shape model.

The pack built by :mod:`viewer.anatomy.shape_model_build` holds ``shape_model.npz``: for each atlas
bone (hip bones, sacrum, femurs, tibiae, patellae) and each resolution, how every vertex moves per
standard deviation (SD) of each mode, and the 26 measured people's scores. A :class:`BodyShape`
(scores in SD) then gives new vertex positions for the same triangles, and the placement steps
of the build that depend on shape are done again, each as a change from the mean body:

- the pelvis is turned back so that its anterior pelvic plane stays vertical and moved so that
  the midpoint of the hip sockets (each the centre of a sphere fitted to the acetabulum) stays
  the origin; the model aligned each hip bone on its own, so how far apart they stand is not
  its to give: they keep the mean body's gap at the pubic symphysis (3 mm);
- each femur, with its tibia and patella, is moved so that its fitted head centre is the socket
  centre, and turned about it so that its mechanical axis (head centre to knee centre) keeps the
  mean body's direction; the knee centre is fitted again on the condyles;
- the model aligned each bone on its own, so the tibia and patella are set on the femur as in
  the mean body: the tibial plateau as far from the condyles, the patella from the trochlear
  groove;
- the lumbar spine (myo-sim's vertebrae, which the model does not cover) is carried by the S1
  endplate of the shaped sacrum and scaled about its centre in proportion to the size mode: by
  the change in centroid size (root mean square distance from the centroid) that the size mode
  gives the pelvis the spine stands on, 2.6% per SD, the same for every vertebra, so vertebral
  bodies, disc heights and the whole column grow and shrink together and the lordosis angle stays.

Pure numpy; no pickle is read at run time (``numpy.load(..., allow_pickle=False)``).
"""

from __future__ import annotations

import dataclasses
import math
import re
import zipfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from viewer.anatomy.discs import DiscJoin, Plane
from viewer.anatomy.json_input import InputError
from viewer.anatomy.kinematics import Skeleton, about, rotation
from viewer.anatomy.mesh_pack import Bone, MeshPack
from viewer.anatomy.spine_placement import sagittal_tilt

SHAPE_MODEL_NAME = "shape_model.npz"
SD_LIMIT = 3.0  # the sliders' reach either side of the mean


@dataclass(frozen=True)
class Mode:
    """One mode of the shape model as the viewer names it."""

    key: str  # the name used on the command line
    name: str
    sign: float  # +1 or -1: the model's own direction, or turned round (see shape_model_build)
    change: str  # what a positive score does


MODES: tuple[Mode, ...] = (
    Mode("size", "body size", -1.0, "a bigger pelvis and longer, thicker lower limbs"),
    Mode("pelvis", "pelvis width / leg length", 1.0, "a wider pelvis with shorter legs"),
    Mode("robustness", "bone robustness", 1.0, "thicker, heavier bones at the same length"),
)


class ShapeError(ValueError):
    """A body shape the model cannot give: outside its range, or with bones into each other."""


@dataclass(frozen=True)
class BodyShape:
    """Scores on the model's first modes, in standard deviations; all zero is the mean body."""

    scores: tuple[float, ...] = (0.0,) * len(MODES)

    def __post_init__(self) -> None:
        if len(self.scores) != len(MODES):
            raise ShapeError(f"a body shape has {len(MODES)} scores, not {len(self.scores)}")
        for mode, value in zip(MODES, self.scores):
            if not math.isfinite(value):
                raise ShapeError(f"{mode.key} is {value}, not a number of standard deviations")
            if abs(value) > SD_LIMIT + 1e-9:
                raise ShapeError(f"{mode.name} {value:+g} SD is outside the model's range of -{SD_LIMIT:g} to +{SD_LIMIT:g} SD "
                                 "(the 26 people measured lie within about 2.1 SD of the mean)")

    @classmethod
    def parse(cls, text: str) -> BodyShape:
        """``size=+2,pelvis=-1``: mode keys (``size``, ``pelvis``, ``robustness``) with SD; or ``mean``."""
        scores = [0.0] * len(MODES)
        keys = [mode.key for mode in MODES]
        if text.strip() in ("", "mean"):
            return cls()
        for part in text.split(","):
            match = re.fullmatch(r"\s*([a-z]+)\s*=\s*([-+]?[0-9.]+)\s*", part)
            if match is None:
                raise ShapeError(f"{part.strip()!r}: write a shape as key=SD pairs, for example size=+2,pelvis=-1")
            if match[1] not in keys:
                raise ShapeError(f"{match[1]!r} is not a mode; the modes are {', '.join(keys)}")
            try:
                scores[keys.index(match[1])] = float(match[2])
            except ValueError:
                raise ShapeError(f"{match[2]!r} is not a number of standard deviations") from None
        return cls(tuple(scores))

    @property
    def is_mean(self) -> bool:
        return not any(self.scores)

    def describe(self) -> str:
        if self.is_mean:
            return "mean body"
        return ", ".join(f"{mode.name} {value:+.1f} SD" for mode, value in zip(MODES, self.scores) if value)


class ShapeModel:
    """The arrays of ``shape_model.npz``, checked against the pack they belong to."""

    def __init__(self, path: Path, arrays: dict[str, np.ndarray], pack: MeshPack):
        self.path = path
        k = len(MODES)
        self.people = np.asarray(arrays["people"], float)  # (people, modes) in SD
        self.variance_share = np.asarray(arrays["variance_share"], float)
        self.spine_scale_per_sd = float(arrays["spine_scale_per_sd"][0])
        if self.people.ndim != 2 or self.people.shape[1] != k or self.variance_share.shape != (k,):
            raise InputError(path, f"expected scores of {k} modes", "people")
        self.basis: dict[str, dict[str, np.ndarray]] = {}
        for name, value in arrays.items():
            if not name.startswith("basis/"):
                continue
            _, bone_id, level = name.split("/")
            bone = pack.bones.get(bone_id)
            if bone is None:
                continue  # a bone the pack left out keeps its problem; the rest still change shape
            count = len(bone.vertices) if level == "full" else len(bone.light[0]) if bone.light is not None else -1
            if value.shape != (k, count, 3) or not np.isfinite(value).all():
                raise InputError(path, f"{bone_id} ({level}) has {value.shape[1:2]} vertices of shape, the pack's surface {count}", name)
            self.basis.setdefault(bone_id, {})[level] = np.asarray(value, np.float64).reshape(k, -1)

    @classmethod
    def load(cls, pack: MeshPack) -> ShapeModel | None:
        """The pack's shape model, or None when the pack has none (a user's own pack)."""
        path = Path(pack.directory) / SHAPE_MODEL_NAME
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {name: data[name] for name in data.files}
        except (OSError, ValueError, zipfile.BadZipFile) as exc:
            raise InputError(path, f"not a readable shape model ({exc})") from None
        missing = {"people", "variance_share", "spine_scale_per_sd"} - set(arrays)
        if missing:
            raise InputError(path, f"lacks {', '.join(sorted(missing))}")
        return cls(path, arrays, pack)

    def data_range(self, mode: int) -> tuple[float, float]:
        """Lowest and highest score of the measured people on a mode (SD)."""
        return float(self.people[:, mode].min()), float(self.people[:, mode].max())

    def person(self, index: int) -> BodyShape:
        """Measured person ``index`` (0-25) as the first modes describe them, to a tenth of an SD
        (the sliders' step)."""
        return BodyShape(tuple(round(float(v), 1) for v in self.people[index]))


def vertex_normals(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Area-weighted unit vertex normals (bincount rather than add.at: a few times faster)."""
    face_normals = _face_normals(vertices, faces)
    out = np.zeros_like(vertices)
    for axis in range(3):
        weights = np.repeat(face_normals[:, axis], 3)
        out[:, axis] = np.bincount(faces.ravel(), weights, minlength=len(vertices))
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


def _face_normals(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Each triangle's normal, as long as twice its area (the cross product written out: np.cross
    costs several times as much on arrays this size)."""
    a, b, c = (vertices[faces[:, k]] for k in range(3))
    u, v = b - a, c - a
    return np.stack([u[:, 1] * v[:, 2] - u[:, 2] * v[:, 1], u[:, 2] * v[:, 0] - u[:, 0] * v[:, 2],
                     u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0]], axis=1)


class SurfaceNormals:
    """:func:`vertex_normals` of one triangle topology, for any vertex positions: the sum over each
    vertex's triangles is a sparse product set up once (half the time of the bincounts), for a
    surface whose points are written again and again (another body, at every slider step)."""

    def __init__(self, faces: np.ndarray, count: int):
        from scipy.sparse import csr_matrix

        self.faces = faces
        self._sum = csr_matrix((np.ones(faces.size), (faces.ravel(), np.repeat(np.arange(len(faces)), 3))), shape=(count, len(faces)))

    def __call__(self, vertices: np.ndarray) -> np.ndarray:
        out = self._sum @ _face_normals(vertices, self.faces)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


_MIRROR = np.diag([-1.0, 1.0, 1.0])


@dataclass
class Region:
    """The part of a bone's surface a fit looks at, chosen once on the mean body (vertex indices
    and the triangles among them), so each shape's fit reads a few hundred vertices, not all."""

    bone: str
    indices: np.ndarray
    faces: np.ndarray

    @classmethod
    def where(cls, bone: Bone, keep: np.ndarray) -> Region:
        inside = keep[bone.faces].all(axis=1)
        renumber = np.cumsum(keep) - 1
        return cls(bone.id, np.flatnonzero(keep), renumber[bone.faces[inside]])

    def surface(self, vertices: dict[str, np.ndarray]):
        from viewer.anatomy.atlas_bones import Surface

        return Surface(vertices[self.bone][self.indices], self.faces)


@dataclass
class Fits:
    """The fitted features a placement needs, for one set of bone surfaces (pack frame)."""

    standing: np.ndarray  # rotation making the anterior pelvic plane vertical
    socket_r: np.ndarray
    head_l: np.ndarray
    knee_l: np.ndarray
    s1: np.ndarray  # 4x4 frame of the S1 endplate, on the midline, its normal in the sagittal plane
    radii: dict[str, float]  # of the socket and the femoral head


def _regions(pack: MeshPack) -> dict[str, Region]:
    bones = pack.bones
    near = {name: np.linalg.norm(bones[bone].vertices - bones[centre].joint_centre, axis=1) < 45.0
            for name, bone, centre in (("socket", "hip_bone_r", "femur_r"), ("head", "femur_l", "femur_l"))}
    femur = bones["femur_l"].vertices
    hips = np.r_[bones["hip_bone_r"].vertices, bones["hip_bone_l"].vertices]
    front = hips[:, 1].max() - 40.0  # the ASISs and pubic tubercles, which set the anterior pelvic plane
    return {
        "socket": Region.where(bones["hip_bone_r"], near["socket"]),
        "head": Region.where(bones["femur_l"], near["head"]),
        "knee": Region.where(bones["femur_l"], femur[:, 2] < femur[:, 2].min() + 70.0),
        "sacrum": Region.where(bones["sacrum"], np.abs(bones["sacrum"].vertices[:, 0]) < 25.0),
        "front_r": Region.where(bones["hip_bone_r"], bones["hip_bone_r"].vertices[:, 1] > front),
        "front_l": Region.where(bones["hip_bone_l"], bones["hip_bone_l"].vertices[:, 1] > front),
    }


@dataclass
class Patches:
    """The vertices each sphere is fitted to, chosen once on the mean body by the build's iterative
    fits: the spherical part of the right socket, of the left femoral head and of the back of each
    femoral condyle (vertex indices of the full surfaces). A vertex is the same anatomical point in
    every body of the model, so another body's sphere is one least-squares fit to the same vertices."""

    socket: np.ndarray
    head: np.ndarray
    condyles: tuple[np.ndarray, np.ndarray]


def _patches(vertices: dict[str, np.ndarray], regions: dict[str, Region], socket_guess: np.ndarray) -> Patches:
    from viewer.anatomy.atlas_bones import condyle_spheres
    from viewer.anatomy.bone_fitting import fit_spherical_patch, on_sphere

    socket = regions["socket"].surface(vertices)
    normals = vertex_normals(socket.vertices, socket.faces)
    centre, radius, _ = fit_spherical_patch(socket.vertices, normals, socket_guess, 24.0, convex=False)
    socket_part = regions["socket"].indices[on_sphere(socket.vertices, normals, centre, radius, convex=False)]
    femur = regions["head"].surface(vertices)
    normals = vertex_normals(femur.vertices, femur.faces)
    top = femur.vertices[np.argmax(femur.vertices[:, 0])] - np.array([21.0, 0.0, 0.0])  # the most medial point, as atlas_bones seeds it
    centre, radius, _ = fit_spherical_patch(femur.vertices, normals, top, 22.0, convex=True)
    head_part = regions["head"].indices[on_sphere(femur.vertices, normals, centre, radius, convex=True)]
    knee = regions["knee"]
    medial, lateral = (knee.indices[part] for _, _, part in condyle_spheres(knee.surface(vertices)))
    return Patches(socket_part, head_part, (medial, lateral))


def _fits(vertices: dict[str, np.ndarray], regions: dict[str, Region], patches: Patches) -> Fits:
    from viewer.anatomy.atlas_bones import standing_rotation
    from viewer.anatomy.bone_fitting import fit_sphere
    from viewer.anatomy.spine_placement import endplate_frame, sacral_endplate

    standing = standing_rotation(regions["front_r"].surface(vertices), regions["front_l"].surface(vertices))
    centre, socket_radius = fit_sphere(vertices["hip_bone_r"][patches.socket])
    femur = vertices["femur_l"]
    head, head_radius = fit_sphere(femur[patches.head])
    knee = 0.5 * (fit_sphere(femur[patches.condyles[0]])[0] + fit_sphere(femur[patches.condyles[1]])[0])
    sacrum = regions["sacrum"].surface(vertices)
    s1 = sacral_endplate(sacrum.vertices, vertex_normals(sacrum.vertices, sacrum.faces))
    up = s1[:3, 2] * [0.0, 1.0, 1.0]  # the sacrum is not symmetric: keep the spine in the midsagittal plane
    s1 = endplate_frame(s1[:3, 3] * [0.0, 1.0, 1.0], up)
    radii = {"socket": socket_radius, "head": head_radius}
    return Fits(standing, centre, head, knee, s1, radii)


def _turn_onto(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The smallest rotation taking direction ``a`` onto direction ``b``."""
    a, b = a / np.linalg.norm(a), b / np.linalg.norm(b)
    axis, cosine = np.cross(a, b), float(a @ b)
    cross = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    return np.eye(3) + cross + cross @ cross / (1.0 + cosine)


def _rigid(rotation: np.ndarray, translation: np.ndarray) -> np.ndarray:
    out = np.eye(4)
    out[:3, :3], out[:3, 3] = rotation, translation
    return out


def _apply(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    return points @ matrix[:3, :3].T + matrix[:3, 3]


@dataclass
class ShapedBody:
    """A body shape placed: per bone its vertices at both resolutions and the 4x4 that carries
    points fixed to it (rigid for atlas bones, which also change shape; a similarity for the
    spine), the hip sockets and knees, and the shape's own figures."""

    shape: BodyShape
    vertices: dict[str, dict[str, np.ndarray]]
    carriers: dict[str, np.ndarray]
    centres: list[tuple[np.ndarray, np.ndarray]]  # (mean body point, this body's point) pairs
    spine_scale: float
    radii: dict[str, float]  # fitted radii of the hip socket and the femoral head (mm)


class BodyShaper:
    """Turns body shapes into shaped packs for one mean pack and its shape model."""

    def __init__(self, pack: MeshPack, model: ShapeModel):
        self.pack = pack
        self.model = model
        self.atlas = [bone_id for bone_id in model.basis if bone_id in pack.bones]
        needed = {"hip_bone_r", "hip_bone_l", "sacrum", "femur_r", "femur_l"}
        if not needed <= set(self.atlas):
            raise InputError(model.path, f"the shape model needs {', '.join(sorted(needed - set(self.atlas)))} in the pack")
        self._regions = _regions(pack)
        bones = pack.bones
        femur = bones["femur_l"].vertices
        self._knee_pairs: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        if "tibia_l" in self.atlas:
            tibia = bones["tibia_l"].vertices
            plateau = np.flatnonzero(tibia[:, 2] > tibia[:, 2].max() - 8.0)
            condyles = np.flatnonzero(femur[:, 2] < femur[:, 2].min() + 8.0)
            self._knee_pairs["tibia"] = (plateau, condyles)
        if "patella_l" in self.atlas:
            patella = bones["patella_l"].vertices
            groove = np.flatnonzero(np.linalg.norm(femur - patella.mean(axis=0), axis=1) < 30.0)
            self._knee_pairs["patella"] = (np.arange(len(patella)), groove)
        self._mean_gaps = {bone: bones[f"{bone}_l"].vertices[own].mean(axis=0) - femur[femoral].mean(axis=0)
                           for bone, (own, femoral) in self._knee_pairs.items()}

    @cached_property
    def patches(self) -> Patches:
        return _patches({b: self.pack.bones[b].vertices for b in self.atlas}, self._regions, self.pack.bones["femur_r"].joint_centre)

    @cached_property
    def mean_fits(self) -> Fits:
        return self._fits({b: self.pack.bones[b].vertices for b in self.atlas})

    def _fits(self, surfaces: dict[str, np.ndarray]) -> Fits:
        return _fits(surfaces, self._regions, self.patches)

    def body(self, shape: BodyShape) -> ShapedBody:
        """Vertices, carriers and centres of a body shape (see the module notes)."""
        scores = np.asarray(shape.scores, float)
        raw = {}
        for bone_id in self.atlas:
            bone = self.pack.bones[bone_id]
            levels = {"full": bone.vertices, "light": bone.light[0] if bone.light is not None else None}
            raw[bone_id] = {level: base + (scores @ self.model.basis[bone_id][level]).reshape(-1, 3)
                            for level, base in levels.items() if base is not None and level in self.model.basis[bone_id]}
        mean = self.mean_fits
        now = self._fits({b: raw[b]["full"] for b in self.atlas})
        # every fitted feature is used as its change from the mean body's fit, so the mean body
        # is the pack itself, to the last digit
        turn = mean.standing.T @ now.standing  # keeps the anterior pelvic plane as the mean's
        socket_r = turn @ now.socket_r
        middle = np.array([0.0, socket_r[1] - mean.socket_r[1], socket_r[2] - mean.socket_r[2]])
        # the midline is the sacrum's: the right hip bone keeps the model's place beside the
        # sacrum, and the left one, its mirror image, the same place on the other side
        sideways = np.array([(scores @ self.model.basis["sacrum"]["full"]).reshape(-1, 3)[:, 0].mean(), 0.0, 0.0])
        pelvis = _rigid(turn, -middle - sideways)
        hips = {"r": pelvis, "l": _rigid(_MIRROR @ turn @ _MIRROR, _MIRROR @ pelvis[:3, 3])}
        socket_shift_r = _apply(hips["r"], now.socket_r) - mean.socket_r
        socket_shift_l = _MIRROR @ socket_shift_r
        socket_l = self.pack.bones["femur_l"].joint_centre + socket_shift_l
        limb_l = _rigid(turn, socket_shift_l - (turn @ now.head_l - mean.head_l))
        # the femur stands as the mean one does: its mechanical axis (head centre to knee centre)
        # keeps the mean's direction, turned about the head centre; the tibia and patella follow
        axis = _apply(limb_l, now.knee_l) - _apply(limb_l, now.head_l)
        upright = _rigid(_turn_onto(axis, mean.knee_l - mean.head_l), np.zeros(3))
        upright[:3, 3] = socket_l - upright[:3, :3] @ socket_l
        limb_l = upright @ limb_l
        # the model aligned each bone on its own, so the lower leg is set on the femur as in the
        # mean body: the tibial plateau as far from the femoral condyles, the patella from the
        # trochlear groove (each the centroid of a patch chosen on the mean body)
        limbs_l = {"femur": limb_l}
        for stem, (own, femoral) in self._knee_pairs.items():
            if f"{stem}_l" in raw:
                gap = self._mean_gaps[stem] - (_apply(limb_l, raw[f"{stem}_l"]["full"][own].mean(axis=0))
                                               - _apply(limb_l, raw["femur_l"]["full"][femoral].mean(axis=0)))
                limbs_l[stem] = _rigid(np.eye(3), gap) @ limb_l
        limbs_r = {stem: _rigid(_MIRROR @ m[:3, :3] @ _MIRROR, _MIRROR @ m[:3, 3]) for stem, m in limbs_l.items()}
        knee_shift_l = _apply(limb_l, now.knee_l) - mean.knee_l
        spine_scale = 1.0 + self.model.spine_scale_per_sd * scores[0]
        s1_now = pelvis @ now.s1
        s1_now[0, 3] = 0.0
        grow = np.eye(4)
        grow[:3, :3] *= spine_scale
        grow[:3, 3] = (1.0 - spine_scale) * mean.s1[:3, 3]
        spine = s1_now @ np.linalg.inv(mean.s1) @ grow
        slope_change = sagittal_tilt(s1_now) - sagittal_tilt(mean.s1)
        carriers = self._spine(spine, slope_change)
        for bone_id in self.pack.bones:
            if bone_id in carriers:
                continue
            if bone_id in ("hip_bone_r", "hip_bone_l"):
                carriers[bone_id] = hips[bone_id[-1]]
            elif bone_id == "sacrum":
                carriers[bone_id] = pelvis
            else:
                carriers[bone_id] = (limbs_r if bone_id.endswith("_r") else limbs_l)[bone_id[:-2]]
        vertices = {}
        for bone_id, bone in self.pack.bones.items():
            if bone_id in raw:
                vertices[bone_id] = {level: _apply(carriers[bone_id], v) for level, v in raw[bone_id].items()}
            else:
                levels = {"full": bone.vertices} | ({"light": bone.light[0]} if bone.light is not None else {})
                vertices[bone_id] = {level: _apply(carriers[bone_id], v) for level, v in levels.items()}
        bones = self.pack.bones
        centres = [(bones["femur_r"].joint_centre, bones["femur_r"].joint_centre + socket_shift_r),
                   (bones["femur_l"].joint_centre, bones["femur_l"].joint_centre + socket_shift_l)]
        for side, shift in (("l", knee_shift_l), ("r", _MIRROR @ knee_shift_l)):
            if f"tibia_{side}" in bones:
                knee = bones[f"tibia_{side}"].joint_centre
                centres.append((knee, knee + shift))
        sacral = bones["sacrum"].frame_origin
        centres.append((sacral, _apply(spine, sacral)))
        return ShapedBody(shape, vertices, carriers, centres, spine_scale, now.radii)

    def _spine(self, base: np.ndarray, slope_change: float) -> dict[str, np.ndarray]:
        """Carriers of the bones outside the model (the vertebrae): ``base`` takes them with S1,
        and the lumbar joints, each by an equal share, turn back the change of sacral slope."""
        skeleton = Skeleton.from_manifest(self.pack.manifest)
        lumbar = [b for b in self.pack.bones if skeleton.joints.get(b) == "lumbar"]
        share = rotation("x", slope_change / max(1, len(lumbar)))
        carriers: dict[str, np.ndarray] = {}

        def carrier(bone_id: str) -> np.ndarray:
            if bone_id not in carriers:
                parent = skeleton.parents.get(bone_id)
                above = base if parent is None or parent in self.atlas else carrier(parent)
                if bone_id in lumbar:
                    above = above @ about(share, skeleton.joint_centres[bone_id])
                carriers[bone_id] = above
            return carriers[bone_id]

        for bone_id in self.pack.bones:
            if bone_id not in self.atlas:
                carrier(bone_id)
        return carriers

    def point(self, body: ShapedBody, bone_id: str, point: np.ndarray) -> np.ndarray:
        """Where a joint centre or frame origin of the mean pack lies in ``body``: a fitted centre
        when it is one (hip socket, knee, S1), else carried with its bone."""
        for before, after in body.centres:
            if np.abs(point - before).max() < 1e-6:
                return after
        return _apply(body.carriers[bone_id], point)

    @staticmethod
    def _carried_join(body: ShapedBody, disc: Bone) -> DiscJoin:
        """A disc's two endplates in ``body``, so that its blend weights are this body's, not the mean's:
        the upper one carried with the vertebra above, the lower one with the disc itself (the bone
        below, or for L5/S1 the spine as it stands on this body's S1); the two carriers differ by a
        lumbar joint's share of the lordosis change. When the vertebra above did not load, both go
        with the disc."""
        join = disc.disc

        def carried(plane: Plane, bone_id: str) -> Plane:
            matrix = body.carriers[bone_id]
            normal = matrix[:3, :3] @ plane.normal
            return Plane(_apply(matrix, plane.centre), normal / np.linalg.norm(normal))

        above = join.upper_bone if join.upper_bone in body.carriers else disc.id
        return DiscJoin(join.upper_bone, carried(join.upper, above), carried(join.lower, disc.id))

    def shaped_pack(self, body: ShapedBody) -> MeshPack:
        """A copy of the mean pack with this body's vertices, joint centres and frame origins
        (same triangles, same bones, same manifest otherwise)."""
        bones: dict[str, Bone] = {}
        entries = []
        for entry in self.pack.manifest["bones"]:
            bone_id = entry["id"]
            bone = self.pack.bones.get(bone_id)
            if bone is None:
                entries.append(entry)
                continue
            centre = None if bone.joint_centre is None else self.point(body, bone_id, bone.joint_centre)
            origin = None if bone.origin is None else self.point(body, bone_id, bone.origin)
            levels = body.vertices[bone_id]
            light = None if bone.light is None else (levels["light"], bone.light[1])
            disc = None if bone.disc is None else self._carried_join(body, bone)
            bones[bone_id] = dataclasses.replace(bone, vertices=levels["full"], light=light, joint_centre=centre, origin=origin, disc=disc)
            moved: dict[str, object] = {key: None if value is None else [float(c) for c in value]
                                        for key, value in (("joint_centre", centre), ("origin", origin)) if key in entry}
            if disc is not None and "disc" in entry:
                moved["disc"] = {**entry["disc"], **{f"{k}_{what}": [float(c) for c in getattr(plane, attr)]
                                                     for k, plane in (("upper", disc.upper), ("lower", disc.lower))
                                                     for what, attr in (("endplate", "centre"), ("normal", "normal"))}}
            entries.append({**entry, **moved})
        manifest = {**self.pack.manifest, "bones": entries}
        return dataclasses.replace(self.pack, manifest=manifest, bones=bones)
