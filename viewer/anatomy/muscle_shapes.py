"""Muscle-shaped surfaces carried by the lines of action, with a fixed topology.

Each muscle is drawn as one closed surface of rings around a centreline (its belly line, or
for a fan the middle of its fascicles), and the psoas major adds one slip from each origin into
its belly. The rest shape is made once, standing:

- each ring is an ellipse whose area follows the muscle's cross-section profile and whose
  width runs across the muscle's flat side (front to back beside the spine); a fan (the
  iliacus) is as wide as the bone under it reaches, its deep face on that bone;
- each ring vertex is then pulled in along its ray from the centreline to where that ray first
  meets bone, so the psoas lies flat against the vertebral bodies and the iliacus's deep face
  on the iliac fossa; the rest of the muscle keeps the bulk.

In any pose a ring is the same section in the centreline's moving frame: the tangent, and a
width direction carried by the bones next to that ring (blended along the muscle), so a section
turns with the vertebra or the femur beside it. Where the muscle is free its sections grow as
it shortens to keep its volume; where it lies on bone they stay, so as not to sink into it. What
a moving hip still brings into bone is pushed out (:mod:`viewer.anatomy.bone_push`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from viewer.anatomy.bone_push import HipPush, _unit, rigid_group
from viewer.anatomy.kinematics import Pose, Skeleton, bone_transforms
from viewer.anatomy.muscle_paths import CENTRELINE_POINTS, WRAP_SAMPLES, MuscleGeometry, MuscleModel, MuscleState, resample, smooth
from viewer.anatomy.tube import TubeTopology

RING_SIDES = 24
FRONT = np.array([0.0, 1.0, 0.0])  # the scene's front (RAS: +y anterior)
END_TAPER = (0.6, 0.3, 0.1)  # the last rings' share of their section: a tendon narrows to where it inserts
BULGE = (0.7, 1.6)  # the most a section narrows as its muscle lengthens, and widens as it shortens
SOLID_REACH_MM = 80.0  # bones within this of a muscle's line are the ones it is shaped against
FAN_LOOK_MM, FAN_COLUMNS, FAN_DEPTH_MM = 80.0, 32, 35.0  # how far across and down a fan looks for the bone under it
FAN_STEP_MM = 8.0  # a jump in the depth to the bone this big between columns is the bone's rim
FAN_MIN_HALF_MM, FAN_MIN_THICK_MM, FAN_MAX_THICK_MM = 6.0, 3.0, 14.0  # the iliacus is at most about 2 cm thick
FAN_FACING = 0.3  # bone under a fan faces it at least this squarely (cosine)
FAN_SMOOTH = 3  # rings either side over which a fan's edges are smoothed
TENDON_BLEND = 0.06  # the share of the length over which muscle turns into tendon
FIBRE_STRIPES = 6  # light-dark stripes round each ring, along the fibres
LEAD_OFFSET_MM = 3.0  # a fan's fibres start this far in front of the bone
LEAD_FACING, LEAD_TRIES = 0.6, 6  # a fibre is led on only where the bone faces as at its origin (cosine), tried at shorter reaches
SLIP_RINGS, SLIP_SIDES = 6, 10
CLEARANCE_MM = 1.0  # a cut-back vertex stops this far in front of the bone
MIN_SPOKE_MM = 0.3  # a section cut back to its centre keeps this much, so its triangles keep a direction
RAY_SAMPLES = 64  # samples along each vertex's ray when finding where it meets bone
SLIP_DROP_MM = 25.0  # a slip joins the belly this far below its origin
_NEXT, _AFTER = [1, 2, 0], [2, 0, 1]  # the axes after each axis, for the cross product
SETTLE_ROUNDS = 3  # times the rest sections are settled against the push's depth fields
_FRAME = 5  # rows of a ring's frame in the vertex product: centre, width, thickness, and the last two times its bulge
SLIP_AXES_MM = ((5.0, 1.6), (6.0, 3.0))  # a slip's half width and half thickness at its origin and where it joins


@dataclass(frozen=True)
class ShapeSpec:
    """How one muscle's section is shaped (from its ``shape`` record in the annotations)."""

    area: np.ndarray  # (k, 2): fraction of the length from the origin, fraction of the peak area
    aspect: np.ndarray  # (k, 2): fraction of the length, width over thickness
    volume_mm3: float | None  # sets the peak area; None: the area profile is the tube's
    fan: bool  # the width follows the spread of the fascicles (the iliacus)
    fan_reach: float  # a fan's fibres go on beyond their origins, along the bone, by this fraction of their first segment
    slips: bool  # a slip from each fascicle's origin into the belly (the psoas major)
    tendon: float  # the fraction of the length from the origin where the tendon begins (1: none)

    @classmethod
    def from_record(cls, muscle: dict) -> ShapeSpec:
        """The muscle's ``shape`` record; without an area profile, the areas of its tube's radii."""
        shape = muscle.get("shape", {})
        aspect = np.asarray(shape.get("aspect", [[0.0, 1.0], [1.0, 1.0]]), float)
        if "area_profile" in shape:
            area, volume = np.asarray(shape["area_profile"], float), 1000.0 * shape["volume_cm3"]
        else:
            tube = np.asarray(muscle["radius_profile"], float)
            area, volume = np.stack([tube[:, 0], np.pi * tube[:, 1] ** 2], axis=1), None
        return cls(area, aspect, volume, bool(shape.get("fan", False)), float(shape.get("fan_reach", 0.0)), bool(shape.get("slips", False)),
                   float(shape.get("tendon_from", 1.0)))


def _profile(table: np.ndarray, count: int) -> np.ndarray:
    return np.interp(np.linspace(0.0, 1.0, count), table[:, 0], table[:, 1])


def _front_to_back(tangent: np.ndarray) -> np.ndarray:
    """The direction front to back across each unit tangent (N, 3): a section's width, as beside the spine."""
    return _unit(FRONT - (tangent @ FRONT)[:, None] * tangent)


def _tangents(lines: np.ndarray) -> np.ndarray:
    """Unit tangents of polylines (..., N, 3): central differences, one-sided at the ends."""
    out = np.empty_like(lines)
    out[..., 1:-1, :] = lines[..., 2:, :] - lines[..., :-2, :]
    out[..., 0, :] = lines[..., 1, :] - lines[..., 0, :]
    out[..., -1, :] = lines[..., -1, :] - lines[..., -2, :]
    return _unit(out)


def _wrap_knot(geometry: MuscleGeometry, knots: np.ndarray) -> tuple[int, int]:
    """Where a muscle's lines leave the points fixed to bones for its wraps: the knot just before
    the first wrap (or the last knot but one, without a wrap), and how many knots the lines really
    have (the rest pad them). Points from there on are spread evenly along the rest of the line in
    every pose, since a wrap's samples crowd together when it lets go (points fixed to them would
    crowd, and the rings on them fold)."""
    count = knots.shape[1] - int(np.all(np.isclose(knots, knots[:, -1:]), axis=(0, 2))[::-1].argmin()) + 1
    kinds = [step["type"] for step in geometry.steps]
    if "wrap_sphere" not in kinds:
        return count - 2, count
    first = kinds.index("wrap_sphere")
    tail = sum(WRAP_SAMPLES if kind == "wrap_sphere" else 1 for kind in kinds[first:]) + 1
    return count - tail - 1, count


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The cross product along the last axis, as ``np.cross`` gives it but at a third of its cost on
    the small arrays of a pose (``np.cross`` moves axes about on every call)."""
    return a[..., _NEXT] * b[..., _AFTER] - a[..., _AFTER] * b[..., _NEXT]


def _turned(vectors: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """``vectors`` (..., 3) turned by the least rotation that takes the unit ``start`` to the unit ``end``
    (Rodrigues' formula; the two are never opposite here: a line turns by less than half a turn)."""
    axis = _cross(start, end)
    cosine = np.einsum("...k,...k->...", start, end)[..., None]
    twist = np.einsum("...k,...k->...", axis, vectors)[..., None]
    return vectors * cosine + _cross(axis, vectors) + axis * twist / np.maximum(1.0 + cosine, 1e-6)


def _material(knots: np.ndarray, count: int, fan: bool, shared_from: int) -> tuple[np.ndarray, np.ndarray]:
    """Where ``count`` points lie on each polyline (t, K, 3) standing, as (segment, fraction
    along it) (t, count): evenly along one line; along a fan's fascicles, evenly along each one's
    own part as far as knot ``shared_from`` (where they meet), then evenly along the part they share.
    Posed by these, a point stays on the same piece of its line: on a part fixed to one bone it
    moves with that bone and no other."""
    steps = np.linalg.norm(np.diff(knots, axis=1), axis=2)
    arc = np.concatenate([np.zeros((len(knots), 1)), np.cumsum(steps, axis=1)], axis=1)
    total = arc[:, -1]
    fraction = np.linspace(0.0, 1.0, count)[None]
    if fan:
        own = arc[:, min(shared_from, knots.shape[1] - 1)]
        shared = total - own
        meet = int(np.clip(round((count - 1) * own.mean() / max(total.mean(), 1e-9)), 1, count - 2))
        ring = np.arange(count)[None]
        wanted = np.where(ring <= meet, own[:, None] * ring / meet, own[:, None] + shared[:, None] * (ring - meet) / (count - 1 - meet))
    else:
        wanted = fraction * total[:, None]
    wanted = np.clip(wanted, 0.0, total[:, None])
    segment = np.stack([np.clip(np.searchsorted(a, w, side="right") - 1, 0, len(a) - 2) for a, w in zip(arc, wanted)])
    rows = np.arange(len(knots))[:, None]
    span = np.maximum(arc[rows, segment + 1] - arc[rows, segment], 1e-12)
    return segment, np.clip((wanted - arc[rows, segment]) / span, 0.0, 1.0)


_FITTED: dict[str, MuscleShapes] = {}
FITTED_KEPT = 2


def _fits(kept, standing: dict[str, MuscleState], transforms: dict[str, np.ndarray]) -> bool:
    """Whether sections read back belong to these muscles and bones: every muscle has its sweeps,
    every carrier and lead is a bone there is."""
    leads, sweeps = kept
    return {sweep.muscle for sweep in sweeps} == set(standing) and all(sweep.carriers.min() >= 0 and sweep.carriers.max() < len(transforms) for sweep in sweeps) \
        and all(mid in standing and set(bones) <= set(transforms) for mid, (bones, _) in leads.items())


def content_key(standing: dict[str, MuscleState], transforms: dict[str, np.ndarray], pack, annotations) -> str:
    """A digest of everything a fit depends on: the muscle records, their standing lines, the
    bones' surfaces and standing transforms."""
    import hashlib
    import json

    digest = hashlib.sha256(json.dumps([annotations.muscles[mid] for mid in standing], sort_keys=True).encode())
    for state in standing.values():
        digest.update(np.ascontiguousarray(state.knots).tobytes())
    for bone_id in sorted(pack.bones):
        bone = pack.bones[bone_id]
        digest.update(bone_id.encode() + np.ascontiguousarray(bone.vertices).tobytes() + np.ascontiguousarray(bone.faces).tobytes())
        if bone_id in transforms:
            digest.update(np.ascontiguousarray(transforms[bone_id]).tobytes())
    return digest.hexdigest()


def _inside_any(points: np.ndarray, solids: dict) -> np.ndarray:
    """Whether each point (n, 3) is inside any of the solids (each tested only near its box)."""
    inside = np.zeros(len(points), dtype=bool)
    for solid in solids.values():
        near = np.all((points > solid.low - 1.0) & (points < solid.high + 1.0), axis=1)
        if near.any():
            inside[near] |= solid.contains(points[near])
    return inside


def _spacing(lines: np.ndarray) -> np.ndarray:
    """How far apart the points of lines (m, N, 3) are, about each point (the mean of its two
    segments, smoothed over a few neighbours so that a bend does not pinch one ring)."""
    steps = np.linalg.norm(np.diff(lines, axis=1), axis=2)
    at = np.concatenate([steps[:, :1], (steps[:, 1:] + steps[:, :-1]) / 2, steps[:, -1:]], axis=1)
    padded = at[:, np.clip(np.arange(-2, at.shape[1] + 2), 0, at.shape[1] - 1)]  # the ends repeated twice
    return np.lib.stride_tricks.sliding_window_view(padded, 5, axis=1).mean(axis=-1)


class _BoneSurface:
    """A bone's vertices with their normals and a tree to find the nearest (its own frame)."""

    def __init__(self, vertices: np.ndarray, faces: np.ndarray):
        from scipy.spatial import cKDTree

        from viewer.anatomy.body_shape import vertex_normals

        self.vertices = np.asarray(vertices, float)
        self.normals = vertex_normals(self.vertices, np.asarray(faces))
        self.tree = cKDTree(self.vertices)

    def normal_near(self, point: np.ndarray) -> np.ndarray:
        return self.normals[self.tree.query(point)[1]]


@dataclass
class _Sweep:
    """One surface: ``rings`` rings of ``sides`` vertices round a centreline, with its rest section."""

    muscle: str
    rings: int
    sides: int
    carriers: np.ndarray  # (rings, 2) bone indices carrying each ring's width direction
    blend: np.ndarray  # (rings,) weight of the first carrier
    width_local: np.ndarray  # (rings, 2, 3) the rest width direction in each carrier's frame
    tangent_local: np.ndarray  # (rings, 2, 3) the rest tangent in each carrier's frame
    local: np.ndarray  # (rings, sides, 2) each vertex in (width, thickness) coordinates, rest
    free: np.ndarray  # (rings, sides) 1 where the vertex is free to bulge, 0 where it lies on bone
    slip: tuple[int, int] | None = None  # a slip's fascicle and the belly ring it joins
    fleshy: np.ndarray | None = None  # (rings,) 1 where muscle, 0 where tendon


class _Group:
    """Sweeps of one size (rings, sides), their rest data stacked so one pass poses them all."""

    def __init__(self, sweeps: list[_Sweep], starts: list[int], order: list[str]):
        self.rings, self.sides = sweeps[0].rings, sweeps[0].sides
        self.muscle = np.array([order.index(s.muscle) for s in sweeps])
        self.slips = [s.slip for s in sweeps] if sweeps[0].slip is not None else None
        self.carriers = np.stack([s.carriers for s in sweeps])
        self.blend = np.stack([s.blend for s in sweeps])[..., None]
        self.width_local = np.stack([s.width_local for s in sweeps])
        self.tangent_local = np.stack([s.tangent_local for s in sweeps])
        self.local = np.stack([s.local for s in sweeps])
        self.free = np.stack([s.free for s in sweeps])
        self.fleshy = np.stack([s.fleshy for s in sweeps])[..., None]  # tendon does not bulge
        ring = self.rings * self.sides
        self.index = np.concatenate([np.arange(start, start + ring + 2) for start in starts])  # where each vertex goes
        self.first_ring = 0  # the number of its first ring among all groups' rings


class MuscleShapes:
    """The surfaces of every muscle of a model, posed in one pass from the muscles' states.

    ``solids`` are the bones to shape against, standing ({bone id: object with ``contains``}),
    in scene coordinates; ``transforms`` the standing bone transforms.
    """

    def __init__(self, model, standing: dict[str, MuscleState], transforms: dict[str, np.ndarray], solids: dict, records: dict[str, dict],
                 push: HipPush | None = None, bone_surfaces: dict[str, _BoneSurface] | None = None, fitted=None):
        self.model = model
        self._push = push
        self._bone_surfaces = bone_surfaces or {}  # the bones' vertices and normals, in their own frames
        self._standing = transforms
        self.order = list(standing)
        self.bone_order = list(transforms)
        self._bone_index = {b: k for k, b in enumerate(self.bone_order)}
        stack = np.stack([transforms[b] for b in self.bone_order])
        self.sweeps: list[_Sweep] = []
        self.faces: dict[str, np.ndarray] = {}
        self.vertex_ranges: dict[str, tuple[int, int]] = {}
        self.n_vertices = 0
        if not self.order:  # a pack that carries no muscle
            self.tendon, self.fibres, self._groups = np.zeros(0), np.zeros(0), []
            return
        specs = {mid: ShapeSpec.from_record(records[mid]) for mid in self.order}
        self._fan_normal: dict[str, np.ndarray] = {}
        if fitted is None:
            self.leads = {mid: self._lead(model.muscles[mid], standing[mid], transforms, specs[mid].fan_reach)
                           for mid in self.order if specs[mid].fan and specs[mid].fan_reach > 0}
        else:  # read back (fitted_sections): the leads and sweeps a fit to the same content made
            self.leads = fitted[0]
        self._material, self._free_from = {}, {}
        for mid in self.order:
            knots = self._knots(mid, standing[mid], transforms)
            start, count = _wrap_knot(model.muscles[mid], knots)
            self._material[mid] = _material(knots, CENTRELINE_POINTS, specs[mid].fan, start)
            segment = self._material[mid][0][0]
            self._free_from[mid] = (int(np.argmax(segment >= start)) if (segment >= start).any() else CENTRELINE_POINTS, start, count)
        centrelines = self._centrelines(standing, transforms)
        self._rest_spacing = _spacing(centrelines)
        start = 0
        for mid in self.order:
            geometry: MuscleGeometry = model.muscles[mid]
            spec = specs[mid]
            if fitted is None:
                sweeps = [self._main(geometry, spec, standing[mid], transforms, stack, solids)]
                if spec.slips:
                    sweeps += self._slips(geometry, standing[mid], transforms, stack, solids)
            else:
                sweeps = [sweep for sweep in fitted[1] if sweep.muscle == mid]
            faces, count = [], 0
            for sweep in sweeps:
                topology = TubeTopology(sweep.rings, sweep.sides)
                faces.append(topology.faces() + count)
                count += topology.n_vertices
            self.sweeps += sweeps
            self.faces[mid] = np.vstack(faces)
            self.vertex_ranges[mid] = (start, start + count)
            start += count
        self.n_vertices = start
        self.tendon, self.fibres = self._tissue(specs)
        starts = np.cumsum([0] + [s.rings * s.sides + 2 for s in self.sweeps])
        sizes = sorted({(s.rings, s.sides, s.slip is not None) for s in self.sweeps})
        self._groups = [_Group([s for s in self.sweeps if (s.rings, s.sides, s.slip is not None) == size],
                               [int(starts[k]) for k, s in enumerate(self.sweeps) if (s.rings, s.sides, s.slip is not None) == size], self.order)
                        for size in sizes]
        self._n_rings = self._number_rings()
        self._make = self._vertex_product()
        self._turn = None  # the normals' product: from the rest surface's normals, below
        rest = np.zeros((self.n_vertices, 3))
        self.pose(standing, transforms, rest, push=False)
        frames = [self._frames(group, centrelines, standing, stack) for group in self._groups]  # each group's, standing
        if self._push is not None:
            self._push.limit_to(rest, transforms, self._riding(model))
            self._settle(rest, standing, transforms, frames)
        self._rest_normals(rest, frames)

    def _settle(self, rest: np.ndarray, standing: dict[str, MuscleState], transforms: dict[str, np.ndarray], frames: list) -> None:
        """Moves the rest sections where the push's coarse depth fields read them inside bone
        standing (cut back 1 mm from the exact surface, a vertex can still sit in a 2 mm voxel
        that is inside): each such vertex takes its pushed place in its ring's plane. Standing
        then asks for no push, and a pose pushes only what it presses into bone (here about 600
        vertices fewer a pose, pushed to the same places as before). ``frames`` are each group's
        line and ring frames standing (:meth:`_frames`)."""
        pushed = np.zeros_like(rest)
        for _ in range(SETTLE_ROUNDS):  # a vertex moved within its ring's plane may still read a little depth
            self.pose(standing, transforms, pushed)
            if np.array_equal(pushed, rest):
                break
            for group, (line, _, width, thickness) in zip(self._groups, frames):
                body, _, _, _ = self._rows(group)
                moved = np.any(pushed[body] != rest[body], axis=-1)
                offset = pushed[body] - line[:, :, None]
                settled = np.stack([np.einsum("srvk,srk->srv", offset, width), np.einsum("srvk,srk->srv", offset, thickness)], axis=-1)
                group.local = np.where(moved[..., None], settled, group.local)
            self._make = self._vertex_product()
            self.pose(standing, transforms, rest, push=False)

    def _number_rings(self) -> int:
        """Numbers every ring of every group, group after group, and notes each vertex's ring (its
        centre is what the push does not fold a section past); returns how many rings there are."""
        count = 0
        self._ring_of = np.zeros(self.n_vertices, dtype=np.int64)
        for group in self._groups:
            group.first_ring = count
            count += len(group.muscle) * group.rings
            body, first, last, ring = self._rows(group)
            self._ring_of[body] = ring[..., None]
            self._ring_of[first], self._ring_of[last] = ring[:, 0], ring[:, -1]
        return count

    def _rows(self, group: _Group) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Where a group's ring vertices (sweeps, rings, sides) and its two cap centres (sweeps,)
        are in the surface, and the global number of each ring (sweeps, rings)."""
        count, rings, sides = len(group.muscle), group.rings, group.sides
        where = group.index.reshape(count, -1)
        ring = group.first_ring + np.arange(count * rings).reshape(count, rings)
        return where[:, : rings * sides].reshape(count, rings, sides), where[:, -2], where[:, -1], ring

    def _vertex_product(self):
        """The sparse matrix that makes every vertex from its ring's frame: a ring vertex is its
        centre plus its rest section along the ring's width and thickness, plus, where it is free
        to bulge, that section again times the ring's bulge (``_FRAME`` rows a ring, filled by
        :meth:`pose`); a cap is its ring's centre. One product a pose instead of a pass over every
        vertex for each group (about 0.4 ms less a pose here)."""
        from scipy import sparse

        rows, columns, values = [], [], []
        for group in self._groups:
            body, first, last, ring = self._rows(group)
            frame = _FRAME * ring[..., None]  # (sweeps, rings, 1): where each ring's frame rows begin
            a, b = group.local[..., 0], group.local[..., 1]
            free = group.free
            shape = body.shape
            for offset, value in ((0, np.ones(shape)), (1, a), (2, b), (3, a * free), (4, b * free)):
                rows.append(body.ravel())
                columns.append(np.broadcast_to(frame + offset, shape).ravel())
                values.append(value.ravel())
            rows += [first, last]
            columns += [_FRAME * ring[:, 0], _FRAME * ring[:, -1]]
            values += [np.ones(len(first)), np.ones(len(last))]
        return sparse.csr_matrix((np.concatenate(values), (np.concatenate(rows), np.concatenate(columns))),
                                 shape=(self.n_vertices, _FRAME * self._n_rings))

    def _frames(self, group: _Group, lines: np.ndarray, states: dict[str, MuscleState], stack: np.ndarray):
        """A group's lines (sweeps, rings, 3) and each ring's frame: tangent, width and thickness."""
        if group.slips is None:
            line = lines[group.muscle]
        else:
            origin = np.stack([states[self.order[m]].fascicle_paths[k, 0] for m, (k, _) in zip(group.muscle, group.slips)])
            join = lines[group.muscle, [j for _, j in group.slips]]
            line = origin[:, None] + np.linspace(0.0, 1.0, group.rings)[None, :, None] * (join - origin)[:, None]
        tangent = _tangents(line)
        rotations = stack[group.carriers][..., :3, :3]  # (sweeps, rings, 2, 3, 3)
        carried = np.einsum("srcij,srcj->srci", rotations, group.width_local)
        width = group.blend * carried[:, :, 0] + (1 - group.blend) * carried[:, :, 1]
        carried = np.einsum("srcij,srcj->srci", rotations, group.tangent_local)
        was = _unit(group.blend * carried[:, :, 0] + (1 - group.blend) * carried[:, :, 1])
        # the carried width turned with the line: by the least rotation that takes the tangent the
        # carriers give to the line's own (a width simply projected across a line that has turned
        # towards it would swing round and fold the surface)
        width = _turned(width, was, tangent)
        width = _unit(width - np.einsum("srk,srk->sr", width, tangent)[..., None] * tangent)
        return line, tangent, width, _cross(tangent, width)

    def _rest_normals(self, rest: np.ndarray, frames: list) -> None:
        """Each vertex's normal on the rest surface ``rest`` (unpushed), in its ring's frame (width,
        thickness, tangent; ``frames`` each group's standing, from :meth:`_frames`), as the sparse
        matrix that turns them with the frames of a pose (three rows a ring)."""
        from scipy import sparse

        from viewer.anatomy.body_shape import vertex_normals

        faces = np.vstack([self.faces[mid] + self.vertex_ranges[mid][0] for mid in self.order])
        normals = vertex_normals(rest, faces)
        rows, columns, values = [], [], []
        for group, (_, tangent, width, thickness) in zip(self._groups, frames):
            body, first, last, ring = self._rows(group)
            normal_local = np.stack([np.einsum("srvk,srk->srv", normals[body], axis) for axis in (width, thickness, tangent)], axis=-1)
            for axis in range(3):
                rows.append(body.ravel())
                columns.append(np.broadcast_to(3 * ring[..., None] + axis, body.shape).ravel())
                values.append(normal_local[..., axis].ravel())
            rows += [first, last]  # a cap's normal: its ring's tangent, backwards at the start
            columns += [3 * ring[:, 0] + 2, 3 * ring[:, -1] + 2]
            values += [-np.ones(len(first)), np.ones(len(last))]
        self._turn = sparse.csr_matrix((np.concatenate(values), (np.concatenate(rows), np.concatenate(columns))),
                                       shape=(self.n_vertices, 3 * self._n_rings))

    def _riding(self, model) -> np.ndarray:
        """For each vertex, the bone it rides on rigidly, as the root of that bone's rigid group
        (bones joined without a joint, as the hip bones to the sacrum), or "" if none: the rings of a
        muscle whose line, as far as they go, is fixed to one such group (the iliacus on its fossa)."""
        out = np.full(self.n_vertices, "", dtype=object)
        at = 0
        for sweep in self.sweeps:
            geometry = model.muscles[sweep.muscle]
            fixed = {rigid_group(model.skeleton, b) for b in geometry.origin_bones + [geometry.steps[0]["bone"]]} if geometry.steps else {""}
            ring, _, _ = self._free_from[sweep.muscle]
            if sweep.slip is None and len(fixed) == 1 and not geometry.belly_bones:
                out[at:at + ring * sweep.sides] = fixed.pop()
            at += sweep.rings * sweep.sides + 2
        return out

    @classmethod
    def standing(cls, model, standing: dict[str, MuscleState], transforms: dict[str, np.ndarray], pack, annotations) -> MuscleShapes:
        """The shapes of a model's muscles, cut back against the pack's bones standing (those the
        muscles come within reach of; discs are soft and do not count).

        Fitting them costs a second or two, so the shapes of the last few (muscle records, bones)
        are kept: a second scene on the same content (a figure, a preview) takes them as they are.
        """
        if not standing:
            return cls(model, standing, transforms, {}, annotations.muscles)
        key = content_key(standing, transforms, pack, annotations)
        if key not in _FITTED:
            _FITTED[key] = cls._fit_to(model, standing, transforms, pack, annotations, key)
            while len(_FITTED) > FITTED_KEPT:
                _FITTED.pop(next(iter(_FITTED)), None)  # None: a fit on another thread may have dropped it first
        return _FITTED[key]

    @classmethod
    def of_body(cls, pack, annotations) -> MuscleShapes:
        """The shapes of a body's muscles (a pack and its annotations, as :mod:`viewer.anatomy.bodies`
        shapes them), fitted to that body's bones standing. It builds its own model and shares no
        state with the caller's, so the window runs it off the GUI thread while the body is shown."""
        skeleton = Skeleton.from_manifest(pack.manifest)
        model = MuscleModel(annotations, skeleton, set(pack.bones))
        rest = bone_transforms(Pose(), skeleton)
        return cls.standing(model, model.evaluate(Pose(), rest), rest, pack, annotations)

    @classmethod
    def _fit_to(cls, model, standing, transforms, pack, annotations, key: str) -> MuscleShapes:
        """The shapes fitted to the pack's bones, or read back from the fit kept in the pack's folder
        for the same content (:mod:`viewer.anatomy.fitted_sections`)."""
        from viewer.anatomy import fitted_sections

        kept = fitted_sections.load(Path(pack.directory) / fitted_sections.FITTED_FILE, key)
        if kept is not None and _fits(kept, standing, transforms):
            return cls(model, standing, transforms, {}, annotations.muscles, HipPush(pack, model.skeleton), fitted=kept)
        return cls.fit(model, standing, transforms, pack, annotations)

    @classmethod
    def fit(cls, model, standing, transforms, pack, annotations) -> MuscleShapes:
        """The shapes fitted to the pack's bones (a second or two)."""
        from viewer.anatomy.inside import Solid
        from viewer.anatomy.pack_frame import apply

        points = np.concatenate([s.centrelines.reshape(-1, 3) for s in standing.values()] + [np.zeros((0, 3))])
        low, high = points.min(axis=0) - SOLID_REACH_MM, points.max(axis=0) + SOLID_REACH_MM
        solids, surfaces = {}, {}
        for bone_id, bone in pack.bones.items():
            if bone.disc is not None or bone_id not in transforms:
                continue
            vertices = apply(transforms[bone_id], bone.vertices)
            if np.all(vertices.max(axis=0) >= low) and np.all(vertices.min(axis=0) <= high):
                solids[bone_id] = Solid(vertices, bone.faces)
                surfaces[bone_id] = _BoneSurface(bone.vertices, bone.faces)
        return cls(model, standing, transforms, solids, annotations.muscles, HipPush(pack, model.skeleton), surfaces)

    def _tissue(self, specs: dict[str, ShapeSpec]) -> tuple[np.ndarray, np.ndarray]:
        """Per vertex: how much it is tendon (0 muscle, 1 tendon: from the spec's fraction of the
        length on, blended over a few rings) and a light-dark pattern that runs along the sweep
        lines, so a surface shows stripes the way its fibres run."""
        tendon, fibres = [], []
        for sweep in self.sweeps:
            rings = np.linspace(0.0, 1.0, sweep.rings)
            start = specs[sweep.muscle].tendon if sweep.slip is None else 1.0
            weight = np.clip((rings - start) / TENDON_BLEND + 0.5, 0.0, 1.0)
            sweep.fleshy = 1.0 - weight
            tendon += [np.repeat(weight, sweep.sides), weight[[0, -1]]]
            stripes = np.cos(FIBRE_STRIPES * np.linspace(0.0, 2 * np.pi, sweep.sides, endpoint=False))
            fibres += [np.tile(stripes, sweep.rings), np.zeros(2)]
        return np.concatenate(tendon), np.concatenate(fibres)

    # -- the rest shape -------------------------------------------------------------------

    def _knots(self, mid: str, state: MuscleState, transforms: dict[str, np.ndarray]) -> np.ndarray:
        """The polylines a muscle's surface follows: its tube lines, a fan's fibres led on from
        their origins to where they start on the bone (points carried by the origin bones)."""
        lead = self.leads.get(mid)
        if lead is None:
            return state.knots
        bones, points = lead
        posed = np.stack([transforms[b][:3, :3] @ p + transforms[b][:3, 3] for b, p in zip(bones, points)])
        return np.concatenate([posed[:, None], state.knots], axis=1)

    def lines(self, mid: str, state: MuscleState, transforms: dict[str, np.ndarray]) -> np.ndarray:
        """A muscle's tube lines (t, N, 3): through the points fixed on them standing as far as the
        line runs on bones, evenly along the rest; smoothed."""
        return self._lines_of([mid], {mid: state}, transforms)[0]

    def centreline(self, mid: str, state: MuscleState, transforms: dict[str, np.ndarray]) -> np.ndarray:
        """The line a muscle's surface is built round: its one tube's line, or the middle of its fascicles'."""
        return self.lines(mid, state, transforms).mean(axis=0)

    def _centrelines(self, states: dict[str, MuscleState], transforms: dict[str, np.ndarray]) -> np.ndarray:
        """Every muscle's centreline (muscles, N, 3), in the order of ``self.order``, in one pass."""
        return np.stack([lines.mean(axis=0) for lines in self._lines_of(self.order, states, transforms)])

    def _lines_of(self, mids: list[str], states: dict[str, MuscleState], transforms: dict[str, np.ndarray]) -> list[np.ndarray]:
        """The tube lines of several muscles, all their fascicles in one pass (a pose asks for all
        its muscles: one pass instead of one a muscle).

        Each line's points lie on its knots where they were standing (its ``_material`` segments
        and fractions) as far as it runs on bones; from its first free ring on they are spread
        evenly along the rest of its knots (one resampling for all lines, each to its own count)."""
        each = [self._knots(mid, states[mid], transforms) for mid in mids]
        width = max(k.shape[1] for k in each)
        knots = np.concatenate([k[:, np.minimum(np.arange(width), k.shape[1] - 1)] for k in each])  # padded with their last knot
        segment = np.concatenate([self._material[mid][0] for mid in mids])
        t = np.concatenate([self._material[mid][1] for mid in mids])[..., None]
        rows = np.arange(len(knots))[:, None]
        lines = knots[rows, segment] * (1.0 - t) + knots[rows, segment + 1] * t
        points = lines.shape[1]
        free = np.array([self._free_from[mid] for mid in mids for _ in range(len(self._material[mid][0]))]).reshape(-1, 3)
        spread = np.nonzero(free[:, 0] < points - 1)[0]  # the lines with free rings
        if len(spread):
            ring, start, count = free[spread].T
            # each line's rest: its first free ring, then its knots past the wrap, padded with its last knot
            length = count - start
            rest = knots[spread[:, None], np.minimum(start[:, None] + np.arange(length.max()), count[:, None] - 1)]
            rest[:, 0] = lines[spread, ring]
            wanted = points - ring  # the points each line needs from its first free ring on
            fractions = np.minimum(np.arange(wanted.max()) / np.maximum(wanted - 1, 1)[:, None], 1.0)
            evenly = resample(rest, wanted.max(), last_segment=np.maximum(length - 2, 0), fractions=fractions)[0]
            line, at = np.nonzero(np.arange(wanted.max()) < wanted[:, None])
            lines[spread[line], ring[line] + at] = evenly[line, at]
        return np.split(smooth(lines), np.cumsum([len(self._material[mid][0]) for mid in mids])[:-1])

    def _carriers(self, geometry: MuscleGeometry, line: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each ring, the two bones whose anchors lie either side of it along the line, and the
        weight of the first: the bones that carry the ring's width direction.

        The bone a muscle inserts on carries none: its parent does (the femur turns through 150
        degrees under the iliopsoas tendon, and a width direction blended between two frames that
        far apart would swing through the tendon's length and twist it over)."""
        parents = self.model.skeleton.parents

        def carrier(bone_id: str) -> str:
            return parents.get(bone_id) or bone_id if bone_id == geometry.insertion_bone and bone_id not in geometry.origin_bones else bone_id

        anchors = [(b, p) for b, p in zip(geometry.belly_bones, geometry.belly)]
        anchors += [(b, p) for b, p in zip(geometry.origin_bones, geometry.origins)] if not geometry.belly_bones else []
        anchors += [(carrier(s["bone"]), s["point"] if "point" in s else s["centre"]) for s in geometry.steps]
        anchors += [(carrier(geometry.insertion_bone), geometry.insertion)]
        where = np.array([np.argmin(np.linalg.norm(line - p, axis=1)) for _, p in anchors], float)
        order = np.argsort(where, kind="stable")
        where, bones = where[order], [self._bone_index[anchors[k][0]] for k in order]
        ring = np.arange(len(line))
        after = np.clip(np.searchsorted(where, ring, side="right"), 1, len(where) - 1)
        before = after - 1
        span = np.maximum(where[after] - where[before], 1e-9)
        weight = np.clip((where[after] - ring) / span, 0.0, 1.0)
        return np.stack([np.asarray(bones)[before], np.asarray(bones)[after]], 1), weight

    def _lead(self, geometry: MuscleGeometry, state: MuscleState, transforms: dict[str, np.ndarray], reach: float):
        """Where a fan's fibres start on their origin bone: each fascicle's first segment led on
        beyond the origin by ``reach`` of its length, then set on the bone's surface and a little in
        front of it (in the bone's own frame), so the fan covers the bone up to its rim."""
        bones, points, normals = [], [], []
        for k, bone_id in enumerate(geometry.origin_bones):
            line = state.knots[k]
            origin = line[0]
            onward = next(p for p in line[1:] if np.linalg.norm(p - origin) > 1e-6)
            transform = transforms[bone_id]
            bone = self._bone_surfaces[bone_id]
            on_origin = bone.normal_near((origin - transform[:3, 3]) @ transform[:3, :3])
            for share in reach * np.linspace(1.0, 0.0, LEAD_TRIES, endpoint=False):  # no further than the bone faces the same way
                local = ((origin + share * (origin - onward)) - transform[:3, 3]) @ transform[:3, :3]
                vertex = bone.tree.query(local)[1]
                if bone.normals[vertex] @ on_origin > LEAD_FACING:
                    points.append(bone.vertices[vertex] + LEAD_OFFSET_MM * bone.normals[vertex])
                    break
            else:
                points.append((origin - transform[:3, 3]) @ transform[:3, :3])
            bones.append(bone_id)
            normals.append(transform[:3, :3] @ on_origin)
        self._fan_normal[geometry.id] = _unit(np.mean(normals, axis=0))  # the way the bone under the fan faces
        return bones, np.array(points)

    def _main(self, geometry: MuscleGeometry, spec: ShapeSpec, state: MuscleState, transforms, stack: np.ndarray, solids: dict) -> _Sweep:
        line = self.centreline(geometry.id, state, transforms)
        n = len(line)
        tangent = _tangents(line)
        along = _profile(spec.area, n)
        if spec.volume_mm3 is not None:
            steps = np.linalg.norm(np.diff(line, axis=0), axis=1)
            mean_fraction = float(np.sum((along[1:] + along[:-1]) / 2 * steps))
            along = along * spec.volume_mm3 / mean_fraction
        aspect = _profile(spec.aspect, n)
        width = _front_to_back(tangent)
        half_width = np.sqrt(along * aspect / np.pi)
        if spec.fan:  # across the fan: along the bone it lies on, square to its fibres, as far as they spread
            fascicles = self.lines(geometry.id, state, transforms)
            offsets = fascicles - line[None]
            facing = self._fan_normal.get(geometry.id)
            if facing is not None:
                across = _unit(np.cross(facing, tangent))
                across *= np.sign(across @ FRONT + 1e-9)[:, None]
            else:
                across = width
            reach = np.abs(np.einsum("fnk,nk->fn", offsets, across)).max(axis=0)
            width = _unit(across - np.einsum("nk,nk->n", across, tangent)[:, None] * tangent)
            half_width = np.maximum(half_width, 1.15 * reach + 6.0)
            deep = np.clip((reach - 10.0) / 20.0, 0.0, 1.0)  # where the fan spreads over the bone
        half_thickness = along / (np.pi * half_width)
        angle = np.linspace(0.0, 2 * np.pi, RING_SIDES, endpoint=False)
        local = np.stack([half_width[:, None] * np.cos(angle), half_thickness[:, None] * np.sin(angle)], axis=-1)
        local[-len(END_TAPER):] *= np.array(END_TAPER)[:, None, None]  # the tendon ends in a point on its bone
        if spec.fan:
            width, fan = self._over_bone(line, tangent, width, along, angle, solids)
            local = deep[:, None, None] * fan + (1 - deep[:, None, None]) * local
            # a fan's rings that lie on the bone are placed on it already: a ray from the centre line
            # to an edge would graze the bone's rim and notch the edge
            return self._fit(geometry, line, tangent, width, local, stack, solids, placed=deep > 0.5)
        return self._fit(geometry, line, tangent, width, local, stack, solids)

    def _surface_normals(self, points: np.ndarray) -> np.ndarray:
        """The outward normal at the bone vertex nearest each point (n, 3), standing."""
        best, normals = np.full(len(points), np.inf), np.zeros((len(points), 3))
        for bone_id, bone in self._bone_surfaces.items():
            transform = self._standing[bone_id]
            distance, vertex = bone.tree.query((points - transform[:3, 3]) @ transform[:3, :3])
            closer = distance < best
            best[closer] = distance[closer]
            normals[closer] = bone.normals[vertex[closer]] @ transform[:3, :3].T
        return normals

    def _over_bone(self, line, tangent, width, along, angle, solids) -> tuple[np.ndarray, np.ndarray]:
        """A fan's sections where it lies on bone: each ring as wide as the bone beneath it reaches
        (looking straight down on the bone from the ring's centre line, as far as the bone goes on
        without a step), its deep face on the bone and its free face above, holding the area.
        Returns the width directions, turned so that the bone lies on the deep side, and the sections."""
        across = np.linspace(-FAN_LOOK_MM, FAN_LOOK_MM, 2 * FAN_COLUMNS + 1)
        down = np.arange(0.5, FAN_DEPTH_MM, 1.0)
        thickness = np.cross(tangent, width)
        depths = {}
        for sign in (1.0, -1.0):  # which side the bone is on, for the muscle as a whole
            points = (line[:, None, None] + across[None, :, None, None] * width[:, None, None]
                      - sign * down[None, None, :, None] * thickness[:, None, None])
            inside = _inside_any(points.reshape(-1, 3), solids).reshape(points.shape[:3])
            depths[sign] = np.where(inside.any(axis=2), down[inside.argmax(axis=2)], np.inf)  # (rings, columns)
        sign = 1.0 if np.isfinite(depths[1.0]).sum() >= np.isfinite(depths[-1.0]).sum() else -1.0
        depth = depths[sign]
        # only bone that faces the fan counts, not the top of a rim the look glances over
        found = np.isfinite(depth)
        hits = (line[:, None] + across[None, :, None] * width[:, None] - sign * np.where(found, depth, 0.0)[..., None] * thickness[:, None])[found]
        look = sign * np.broadcast_to(thickness[:, None], depth.shape + (3,))[found]
        facing = np.full(depth.shape, -1.0)
        facing[found] = np.einsum("nk,nk->n", self._surface_normals(hits), look)
        depth = np.where(facing >= FAN_FACING, depth, np.inf)
        width = width * sign  # the deep side is then -thickness, as for every ring
        centre = FAN_COLUMNS
        spans = np.full((len(line), 2), np.nan)  # each ring's stretch of bone across, (first, last) column
        for r in range(len(line)):
            covered = np.isfinite(depth[r])
            if covered.any():
                low = high = int(np.argmin(np.where(covered, np.abs(np.arange(len(across)) - centre), np.inf)))
                while low > 0 and covered[low - 1] and abs(depth[r, low - 1] - depth[r, low]) < FAN_STEP_MM:
                    low -= 1
                while high < len(across) - 1 and covered[high + 1] and abs(depth[r, high + 1] - depth[r, high]) < FAN_STEP_MM:
                    high += 1
                spans[r] = across[low], across[high]
        known = np.isfinite(spans[:, 0])
        spans = np.stack([np.interp(np.arange(len(line)), np.nonzero(known)[0], spans[known, k]) for k in range(2)], axis=1) if known.any() \
            else np.tile([-FAN_MIN_HALF_MM, FAN_MIN_HALF_MM], (len(line), 1))
        # the edges as smooth lines from ring to ring (a median, then a mean over neighbouring rings)
        padded = np.pad(spans, ((FAN_SMOOTH, FAN_SMOOTH), (0, 0)), mode="edge")
        windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * FAN_SMOOTH + 1, axis=0)
        spans = np.median(windows, axis=-1)
        padded = np.pad(spans, ((FAN_SMOOTH, FAN_SMOOTH), (0, 0)), mode="edge")
        spans = np.lib.stride_tricks.sliding_window_view(padded, 2 * FAN_SMOOTH + 1, axis=0).mean(axis=-1)
        fan = np.zeros((len(line), len(angle), 2))
        for r in range(len(line)):
            middle, half = spans[r].mean(), max((spans[r, 1] - spans[r, 0]) / 2, FAN_MIN_HALF_MM)
            x = middle + half * np.cos(angle)
            finite = np.isfinite(depth[r])
            bone = np.interp(x, across[finite], depth[r, finite]) if finite.any() else np.full_like(x, FAN_MIN_THICK_MM)
            lift = np.clip(along[r] / (np.pi * half), FAN_MIN_THICK_MM, FAN_MAX_THICK_MM)  # the free face, above the line the fan spans
            y = np.where(np.sin(angle) > 1e-9, lift * np.sin(angle), -(bone - CLEARANCE_MM))
            fan[r] = np.stack([x, y], -1)
        return width, fan

    def _slips(self, geometry: MuscleGeometry, state: MuscleState, transforms, stack: np.ndarray, solids: dict) -> list[_Sweep]:
        """One short flat slip from each fascicle's origin down into the belly."""
        belly = self.centreline(geometry.id, state, transforms)
        out = []
        t = np.linspace(0.0, 1.0, SLIP_RINGS)[:, None]
        (w0, h0), (w1, h1) = SLIP_AXES_MM
        for k, origin in enumerate(state.fascicle_paths[:, 0]):
            join = int(np.argmin(np.linalg.norm(belly - (origin - [0.0, 0.0, SLIP_DROP_MM]), axis=1)))
            line = origin + t * (belly[join] - origin)
            tangent = _tangents(line)
            width = _front_to_back(tangent)
            angle = np.linspace(0.0, 2 * np.pi, SLIP_SIDES, endpoint=False)
            half = np.stack([w0 + (w1 - w0) * t[:, 0], h0 + (h1 - h0) * t[:, 0]], axis=-1)
            local = half[:, None] * np.stack([np.cos(angle), np.sin(angle)], -1)[None]
            sweep = self._fit(geometry, line, tangent, width, local, stack, solids,
                              carriers=np.full((SLIP_RINGS, 2), self._bone_index[geometry.origin_bones[k]]))
            sweep.slip = (k, join)
            out.append(sweep)
        return out

    def _fit(self, geometry, line, tangent, width, local, stack, solids, carriers=None, placed=None) -> _Sweep:
        """A sweep's rest section ``local`` (rings, sides, 2) cut back where its rays from the centre
        line meet bone (except in rings ``placed`` on the bone already)."""
        thickness = np.cross(tangent, width)
        rays = local[..., :1] * width[:, None] + local[..., 1:] * thickness[:, None]
        fractions = np.linspace(0.0, 1.0, RAY_SAMPLES + 1)[1:]
        samples = line[:, None, None] + fractions[None, None, :, None] * rays[:, :, None]
        blocked = _inside_any(samples.reshape(-1, 3), solids).reshape(samples.shape[:3])
        if placed is not None:  # there only a vertex that is itself inside bone is cut back
            blocked[placed] &= blocked[placed][..., -1:]
        first = np.where(blocked.any(axis=2), blocked.argmax(axis=2), RAY_SAMPLES)  # first sample in bone
        reach = np.linalg.norm(rays, axis=-1)
        kept = np.where(first < RAY_SAMPLES, np.maximum(first / RAY_SAMPLES * reach - CLEARANCE_MM, MIN_SPOKE_MM) / np.maximum(reach, 1e-9), 1.0)
        kept = np.minimum(kept, 1.0)
        free = (first == RAY_SAMPLES).astype(float)
        if placed is not None:
            free[placed] = 0.0  # on the bone: not to bulge into it
        local = local * kept[..., None]
        if carriers is None:
            carriers, blend = self._carriers(geometry, line)
        else:
            blend = np.ones(len(line))
        rotations = stack[carriers][..., :3, :3]  # (rings, 2, 3, 3)
        width_local = np.einsum("rcji,rj->rci", rotations, width)  # into each carrier's frame
        tangent_local = np.einsum("rcji,rj->rci", rotations, tangent)
        return _Sweep(geometry.id, len(line), local.shape[1], carriers, blend, width_local, tangent_local, local, free)

    # -- posing ---------------------------------------------------------------------------

    def pose(self, states: dict[str, MuscleState], transforms: dict[str, np.ndarray], out: np.ndarray, push: bool = True,
             normals: np.ndarray | None = None) -> None:
        """Write every surface's vertices for ``states`` into ``out`` (n_vertices, 3), and their
        normals into ``normals`` if given; ``push`` False leaves out the push off the bones at the
        hips (to see what it changes).

        A normal is the rest surface's normal in its ring's frame, turned with that frame: a few
        multiplications a vertex instead of the normals of every triangle again (about 1 ms a pose
        here); a section flattened by the push keeps its rest shading there."""
        if not self.order:  # a pack that carries no muscle
            return
        stack = np.stack([transforms[b] for b in self.bone_order])
        lines = self._centrelines(states, transforms)
        # (muscles, rings): each slab of muscle keeps its volume, within bounds (a sharp bend crowds a
        # smoothed line's points without the muscle shortening there)
        scale = np.clip(np.sqrt(self._rest_spacing / np.maximum(_spacing(lines), 1e-9)), *BULGE)
        frames = np.empty((self._n_rings, _FRAME, 3))
        turns = np.empty((self._n_rings, 3, 3)) if normals is not None and self._turn is not None else None
        for group in self._groups:
            line, tangent, width, thickness = self._frames(group, lines, states, stack)
            ring_scale = scale[group.muscle] if group.slips is None else scale[group.muscle, [j for _, j in group.slips]][:, None]
            bulge = ((ring_scale - 1.0) * group.fleshy[..., 0])[..., None]  # (sweeps, rings, 1)
            rings = slice(group.first_ring, group.first_ring + line.shape[0] * line.shape[1])
            frames[rings] = np.stack([line, width, thickness, bulge * width, bulge * thickness], axis=2).reshape(-1, _FRAME, 3)
            if turns is not None:
                turns[rings] = np.stack([width, thickness, tangent], axis=2).reshape(-1, 3, 3)
        out[:] = self._make @ frames.reshape(-1, 3)
        if turns is not None:
            normals[:] = self._turn @ turns.reshape(-1, 3)
        if self._push is not None and push:
            self._push.push(out, frames[self._ring_of, 0], transforms)
