"""The LLP26 atlas bones placed in the project frame: both hip bones and the sacrum, femurs,
tibiae with fibulae, and patellae, as closed surfaces at two resolutions.

Build-time only (``psoas-viewer build-meshes``): reads the JSON meshes of the PyPI package
``musculoskeletal-models`` (Auckland Bioengineering Institute, MPL-2.0). How each bone is placed:

- the files are in a CT frame (LPS, mm); x and y are negated to reach RAS;
- the pelvis is turned so that its anterior pelvic plane (both ASISs and the pubic tubercles) is
  vertical and faces forward, the usual reference for upright standing, then moved so that the
  midpoint of the two fitted acetabular centres is the origin;
- each femur is moved so that the centre of the sphere fitted to its head is the centre of the
  sphere fitted to its socket (as shipped the head sits several millimetres inside the socket),
  and its tibia, fibula and patella come with it unchanged, as the atlas aligned them;
- the atlas's "right" femur, tibia and patella are mirrored copies of the left ones lying where
  the left ones lie, mirrored in the CT frame, whose pelvis is tilted sideways: used as they are,
  the right knee would sit about 25 mm too far in. The right limb is therefore the placed left
  limb mirrored across the midsagittal plane. The left hip bone is likewise the right one
  mirrored (the two mean hip bones differ by a millimetre or two), so that the model's two sides
  are exact mirror images and any difference between left and right numbers comes from a pose.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from viewer.anatomy.bone_fitting import fit_spherical_patch, on_sphere
from viewer.anatomy.lagrange_mesh import LagrangeMesh

ATLAS_PACKAGE = "musculoskeletal-models"
ATLAS_VERSION = "0.2.4"
_LPS_TO_RAS = np.array([-1.0, -1.0, 1.0])

# bone file stem -> (node file, element files) in atlas_meshes/
_FILES = {
    "pelvis": ("pelvis_combined_cubic_mean_rigid_LLP26", "pelvis_combined_cubic_flat"),
    "femur_l": ("femur_left_mean_rigid_LLP26", "femur_left_quartic_flat"),
    "tibia_l": ("tibia_fibula_cubic_left_mean_rigid_LLP26", "tibia_fibula_left_cubic_flat"),
    "patella_l": ("patella_left_mean_rigid_LLP26", "patella_11_left"),
}
# Samples along each element edge: the full surface, and the lighter one drawn while the view moves.
STEPS = {"full": 10, "light": 5}


@dataclass
class Surface:
    """A closed triangle surface (mm, project frame)."""

    vertices: np.ndarray
    faces: np.ndarray

    def moved(self, matrix: np.ndarray) -> Surface:
        """The surface under a 4x4 transform; a mirror turns the faces round to keep them outward."""
        faces = self.faces if np.linalg.det(matrix[:3, :3]) > 0 else self.faces[:, ::-1]
        return Surface(self.vertices @ matrix[:3, :3].T + matrix[:3, 3], faces)

    def normals(self) -> np.ndarray:
        """Area-weighted vertex normals (outward for a closed surface with outward faces)."""
        a, b, c = (self.vertices[self.faces[:, k]] for k in range(3))
        face_normals = np.cross(b - a, c - a)
        out = np.zeros_like(self.vertices)
        for k in range(3):
            np.add.at(out, self.faces[:, k], face_normals)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)

    def volume(self) -> float:
        a, b, c = (self.vertices[self.faces[:, k]] for k in range(3))
        return float(np.einsum("ij,ij->i", a, np.cross(b, c)).sum() / 6.0)


def atlas_dir() -> Path:
    """The atlas meshes of the installed ``musculoskeletal-models`` package."""
    return Path(str(resources.files("musculoskeletal.models").joinpath("atlas_meshes")))


def read_surface(stem: str, steps: int, folder: Path | None = None) -> Surface:
    """One atlas file's surface in RAS (still at its CT position), faces oriented outwards."""
    folder = folder or atlas_dir()
    nodes, elements = _FILES[stem]
    vertices, faces = LagrangeMesh.read(folder / f"{nodes}.geof", folder / f"{elements}.mesh",
                                        folder / f"{elements}.ens").surface(steps)
    surface = Surface(vertices * _LPS_TO_RAS, faces)
    if surface.volume() < 0:  # negating two axes keeps handedness, but check the files' own orientation
        surface.faces = surface.faces[:, ::-1]
    return surface


def components(surface: Surface) -> list[Surface]:
    """Connected pieces of a surface (the pelvis file holds both hip bones and the sacrum), by x."""
    pieces = []
    for keep in component_masks(surface):
        index = np.cumsum(keep) - 1
        pieces.append(Surface(surface.vertices[keep], index[surface.faces[keep[surface.faces[:, 0]]]]))
    return pieces


def component_masks(surface: Surface) -> list[np.ndarray]:
    """Which vertices belong to each connected piece of a surface, pieces ordered by mean x."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    f = surface.faces
    n = len(surface.vertices)
    graph = coo_matrix((np.ones(2 * len(f)), (np.r_[f[:, 0], f[:, 1]], np.r_[f[:, 1], f[:, 2]])), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    masks = [label == value for value in np.unique(label)]
    return sorted(masks, key=lambda keep: surface.vertices[keep, 0].mean())


def _most(points: np.ndarray, direction) -> np.ndarray:
    return points[np.argmax(points @ np.asarray(direction, float))]


def anterior_pelvic_plane(hip_r: Surface, hip_l: Surface) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Both ASISs (most anterior points of the upper iliac blades) and the midpoint of the pubic
    tubercles (most anterior points of the pubic bones), in the surfaces' current frame."""
    points = []
    for hip in (hip_r, hip_l):
        v = hip.vertices
        middle = 0.5 * (v[:, 2].min() + v[:, 2].max())
        points.append((_most(v[v[:, 2] > middle + 10], [0, 1, 0]), _most(v[v[:, 2] < middle - 30], [0, 1, 0])))
    return points[0][0], points[1][0], 0.5 * (points[0][1] + points[1][1])


def standing_rotation(hip_r: Surface, hip_l: Surface) -> np.ndarray:
    """Rotation making the anterior pelvic plane vertical and frontal, ASIS line along x."""
    rotation = np.eye(3)
    for _ in range(4):  # the extreme points move as the pelvis turns: iterate to a fixed point
        right, left, pubis = anterior_pelvic_plane(*(s.moved(_homogeneous(rotation)) for s in (hip_r, hip_l)))
        x = (right - left) / np.linalg.norm(right - left)
        y = np.cross(right - left, pubis - left)
        y = y - x * (y @ x)
        y /= np.linalg.norm(y) * (1.0 if y[1] > 0 else -1.0)
        rotation = np.array([x, y, np.cross(x, y)]) @ rotation
    return rotation


def _homogeneous(rotation: np.ndarray, translation=(0.0, 0.0, 0.0)) -> np.ndarray:
    out = np.eye(4)
    out[:3, :3], out[:3, 3] = rotation, translation
    return out


def socket_centre(hip: Surface, guess: np.ndarray) -> tuple[np.ndarray, float]:
    centre, radius, _ = fit_spherical_patch(hip.vertices, hip.normals(), guess, 24.0, convex=False)
    return centre, radius


def head_centre(femur: Surface, side: str) -> tuple[np.ndarray, float]:
    """Centre and radius of the femoral head: seeded from the most medial point of the upper femur
    (``side`` "r" or "l": which way is medial)."""
    if side not in ("r", "l"):
        raise ValueError(f"head_centre: side must be 'r' or 'l', not {side!r}")
    v = femur.vertices
    top = v[v[:, 2] > v[:, 2].max() - 80]
    medial = -1.0 if side == "r" else 1.0
    seed = _most(top, [medial, 0, 0]) - medial * np.array([21.0, 0, 0])
    centre, radius, _ = fit_spherical_patch(v, femur.normals(), seed, 22.0, convex=True)
    return centre, radius


def knee_centre(femur: Surface) -> np.ndarray:
    """Middle of the knee's flexion axis: halfway between the centres of spheres fitted to the
    back of the medial and lateral femoral condyles (their posterior arcs are nearly circular)."""
    (a, _, _), (b, _, _) = condyle_spheres(femur)
    return 0.5 * (a + b)


def condyle_spheres(femur: Surface) -> list[tuple[np.ndarray, float, np.ndarray]]:
    """Centre, radius and the vertices fitted (indices into ``femur``) of the spheres of the
    medial and lateral femoral condyles' back (see :func:`knee_centre`)."""
    v, n = femur.vertices, femur.normals()
    low = v[:, 2] < v[:, 2].min() + 45
    split = np.median(v[low, 0])
    spheres = []
    for half in (v[:, 0] < split, v[:, 0] >= split):
        chosen = low & half & (n[:, 1] < -0.5)
        seed = v[chosen].mean(axis=0) + [0.0, 20.0, 0.0]
        part = np.flatnonzero(low & half)
        centre, radius, _ = fit_spherical_patch(v[part], n[part], seed, 20.0, convex=True)
        spheres.append((centre, radius, part[on_sphere(v[part], n[part], centre, radius, convex=True)]))
    return spheres


@dataclass
class AtlasPlacement:
    """Where the atlas bones go: one 4x4 matrix per bone from atlas RAS (left limb files for both
    sides) to the project frame, with the fitted figures that define it (project frame, mm)."""

    matrices: dict[str, np.ndarray]
    sockets: dict[str, np.ndarray]
    socket_radii: dict[str, float]
    head_radius: float


def place(folder: Path | None = None) -> AtlasPlacement:
    """Fit the pelvis frame, the sockets and the heads (on the full surfaces) and place every bone."""
    hip_l, sacrum, hip_r = components(read_surface("pelvis", STEPS["full"], folder))
    del sacrum
    rotation = standing_rotation(hip_r, hip_l)
    turned = {side: hip.moved(_homogeneous(rotation)) for side, hip in (("r", hip_r), ("l", hip_l))}
    # The atlas's left femur lies near its socket: its head seeds the left socket fit, and the
    # same point mirrored across the midline between the ASISs seeds the right one.
    femur = read_surface("femur_l", STEPS["full"], folder)
    seed, _ = head_centre(femur.moved(_homogeneous(rotation)), "l")
    asis_r, asis_l, _ = anterior_pelvic_plane(turned["r"], turned["l"])
    midline = 0.5 * (asis_r[0] + asis_l[0])
    sockets, radii = {}, {}
    for side, guess in (("l", seed), ("r", seed * [-1, 1, 1] + [2 * midline, 0, 0])):
        sockets[side], radii[side] = socket_centre(turned[side], guess)
    # A last turn of a fraction of a degree puts both socket centres on the x axis, so that
    # the hip joints are symmetric about the origin as the frame promises.
    middle = 0.5 * (sockets["r"] + sockets["l"])
    x = (sockets["r"] - sockets["l"]) / np.linalg.norm(sockets["r"] - sockets["l"])
    y = np.array([0.0, 1.0, 0.0]) - x[1] * x
    y /= np.linalg.norm(y)
    level = np.array([x, y, np.cross(x, y)])
    rotation = level @ rotation
    matrices = {"pelvis": _homogeneous(rotation, -level @ middle)}
    sockets = {side: level @ (centre - middle) for side, centre in sockets.items()}
    head, head_radius = head_centre(femur.moved(_homogeneous(rotation)), "l")
    left = _homogeneous(rotation, sockets["l"] - head)
    # The right lower limb is the left one mirrored across the midsagittal plane (x = 0, where
    # the sockets now lie symmetrically), so its head is centred in the right socket; the left
    # hip bone is the right one mirrored the same way (see the module notes).
    mirror = np.diag([-1.0, 1.0, 1.0, 1.0])
    for stem in ("femur", "tibia", "patella"):
        matrices[f"{stem}_l"], matrices[f"{stem}_r"] = left, mirror @ left
    matrices["hip_bone_r"] = matrices["sacrum"] = matrices["pelvis"]
    matrices["hip_bone_l"] = mirror @ matrices["pelvis"]
    del matrices["pelvis"]
    sockets["l"] = mirror[:3, :3] @ sockets["r"]
    radii["l"] = radii["r"]
    return AtlasPlacement(matrices, sockets, radii, head_radius)


