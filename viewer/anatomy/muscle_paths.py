"""Muscle paths for any pose: fascicle lines, their lengths, hip moment arms, tube centrelines.

Each fascicle runs from its own origin down the muscle's lane (one point on each bone below
its origin, carried by that bone, so the line follows the spine as it bends and never cuts
across a vertebra), then through the muscle's shared path (via points fixed to bones, spheres
it wraps around) to the insertion. A muscle's length is the mean length of its
fascicles, as in multi-line musculoskeletal models. The centrelines the tubes are drawn along
have a fixed number of points, so the drawn surface keeps its topology in every pose.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from viewer.anatomy.annotations import Annotations
from viewer.anatomy.kinematics import LIMITS, Pose, Skeleton, bone_transforms, bone_transforms_many
from viewer.anatomy.wrapping import wrap_sphere

CENTRELINE_POINTS = 64
WRAP_SAMPLES = 8
MOMENT_ARM_STEP_DEG = 0.5
LANE_BELOW_MM = 4.0  # a fascicle joins the lane at levels at least this far below its origin


@dataclass
class MuscleGeometry:
    """One muscle's attachments and path, in neutral scene coordinates, ready to pose."""

    id: str
    name: str
    side: str
    colour: str
    hidden_by_default: bool
    tube: str
    fascicle_ids: list[str]
    origin_bones: list[str]
    origins: np.ndarray
    lane_bones: list[list[str]]  # per fascicle, one bone per lane level (its origin bone where unused)
    lane: np.ndarray  # (fascicles, levels, 3) lane points, the origin itself where a level is unused
    steps: list[dict]
    insertion_bone: str
    insertion: np.ndarray
    belly_bones: list[str]
    belly: np.ndarray
    radius_profile: np.ndarray

    @property
    def bones(self) -> set[str]:
        used = set(self.origin_bones) | set(self.belly_bones) | {self.insertion_bone}
        used |= {b for bones in self.lane_bones for b in bones}
        return used | {step["bone"] for step in self.steps}


@dataclass
class MuscleState:
    """A muscle in one pose."""

    fascicle_lengths: np.ndarray  # (n,) mm
    fascicle_paths: np.ndarray  # (n, P, 3)
    centrelines: np.ndarray  # (tubes, CENTRELINE_POINTS, 3)
    centreline_lengths: np.ndarray  # (tubes,) mm
    knots: np.ndarray | None = None  # (tubes, K, 3) the polylines the centrelines were resampled from, padded with their last point

    @property
    def length(self) -> float:
        return float(self.fascicle_lengths.mean())


def _compile(muscle: dict, annotations: Annotations, skeleton: Skeleton) -> MuscleGeometry:
    def neutral(bone: str, local) -> np.ndarray:
        return np.asarray(local, float) + skeleton.frame_origin(bone)

    landmarks = annotations.landmarks
    origins = [landmarks[f["origin"]] for f in muscle["fascicles"]]
    steps = []
    for step in muscle["path"]:
        compiled = {"type": step["type"], "bone": step["bone"]}
        if step["type"] == "via":
            compiled["point"] = neutral(step["bone"], step["position"])
        else:
            compiled["centre"] = neutral(step["bone"], step["centre"])
            compiled["radius"] = float(step["radius"])
            compiled["side"] = neutral(step["bone"], step["side"])
        steps.append(compiled)
    insertion = landmarks[muscle["insertion"]]
    belly = muscle.get("belly", [])
    start = np.array([neutral(o.bone, o.position) for o in origins]).reshape(-1, 3)
    lane_bones, lane = _lane(muscle.get("lane", []), [o.bone for o in origins], start, neutral)
    return MuscleGeometry(
        id=muscle["id"],
        name=muscle["name"],
        side=muscle["side"],
        colour=muscle["colour"],
        hidden_by_default=muscle.get("hidden_by_default", False),
        tube=muscle["tube"],
        fascicle_ids=[f["id"] for f in muscle["fascicles"]],
        origin_bones=[o.bone for o in origins],
        origins=start,
        lane_bones=lane_bones,
        lane=lane,
        steps=steps,
        insertion_bone=insertion.bone,
        insertion=neutral(insertion.bone, insertion.position),
        belly_bones=[p["bone"] for p in belly],
        belly=np.array([neutral(p["bone"], p["position"]) for p in belly]).reshape(-1, 3),
        radius_profile=np.asarray(muscle["radius_profile"], float),
    )


def _lane(levels: list[dict], origin_bones: list[str], origins: np.ndarray, neutral) -> tuple[list[list[str]], np.ndarray]:
    """Each fascicle's point at every lane level: below its origin, between the level's medial and
    lateral points as its origin lies between them at its first level; above it, the origin itself
    (a segment of no length), so that every fascicle of a muscle has as many points."""
    bones: list[list[str]] = [[] for _ in origins]
    points = np.repeat(origins[:, None, :], len(levels), axis=1)
    joined = np.zeros(len(origins), dtype=bool)
    fraction = np.zeros(len(origins))
    for k, level in enumerate(levels):
        medial, lateral = neutral(level["bone"], level["medial"]), neutral(level["bone"], level["lateral"])
        below = (medial[2] + lateral[2]) / 2 < origins[:, 2] - LANE_BELOW_MM
        across = lateral - medial
        first = below & ~joined
        fraction[first] = np.clip((origins[first] - medial) @ across / max(across @ across, 1e-9), 0.0, 1.0)
        joined |= below
        points[below, k] = medial + fraction[below, None] * across
        for row in range(len(origins)):
            bones[row].append(level["bone"] if below[row] else origin_bones[row])
    return bones, points


@functools.lru_cache(maxsize=8)
def _fractions(count: int) -> np.ndarray:
    return np.linspace(0.0, 1.0, count)


def resample(polylines: np.ndarray, count: int, last_segment: np.ndarray | None = None,
             fractions: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Resample each polyline (t, P, 3) to ``count`` points evenly spaced along its length, or at
    the ``fractions`` (t, count) of its length given for each line.

    Linear interpolation on arc length, as ``np.interp`` does it, for all lines and axes at once.
    Lines padded with copies of their last point say where their real segments end in
    ``last_segment`` (t,), so that no zero-length padding segment is interpolated on.
    """
    t, p = polylines.shape[:2]
    steps = np.diff(polylines, axis=1)
    arc = np.zeros((t, p))
    np.cumsum(np.sqrt(np.einsum("tpk,tpk->tp", steps, steps)), axis=1, out=arc[:, 1:])
    total = arc[:, -1]
    targets = total[:, None] * (_fractions(count) if fractions is None else fractions)  # (t, count)
    last = np.full(t, p - 2) if last_segment is None else last_segment
    # one search over all lines at once: each line's arc lengths lifted above the previous line's
    lift = np.arange(t)[:, None] * (2.0 * total.max() + 1.0)
    found = np.searchsorted((arc + lift).ravel(), (targets + lift).ravel(), side="right").reshape(t, count)
    segment = np.clip(found - np.arange(t)[:, None] * p - 1, 0, last[:, None])
    rows = np.arange(t)[:, None]
    x0, x1 = arc[rows, segment], arc[rows, segment + 1]
    y0 = polylines[rows, segment]
    out = (polylines[rows, segment + 1] - y0) * ((targets - x0) / (x1 - x0))[..., None] + y0
    out[:, -1] = polylines[:, -1]
    return out, total


@functools.lru_cache(maxsize=8)
def _smoothing(points: int, passes: int) -> np.ndarray:
    """The matrix (points, points) of :func:`smooth`'s passes, ends held."""
    matrix = np.eye(points)
    for _ in range(passes):
        step = np.eye(points)
        for k in range(1, points - 1):
            step[k, k - 1:k + 2] = 0.25, 0.5, 0.25
        matrix = step @ matrix
    return matrix


def smooth(polylines: np.ndarray, passes: int = 3) -> np.ndarray:
    """Round off the corners at via points, keeping both ends in place: ``passes`` of a (1/4, 1/2, 1/4)
    average of neighbours, as one product with their precomputed matrix."""
    return np.matmul(_smoothing(polylines.shape[1], passes), polylines)


class _Anchors:
    """Points fixed to bones, posed together with one gather and one matrix product."""

    def __init__(self, bone_index: dict[str, int], bones: list[str], points: list[np.ndarray]):
        self.bones = np.array([bone_index[b] for b in bones], dtype=int)
        self.points = np.array(points, dtype=float).reshape(-1, 3)

    @classmethod
    def joined(cls, parts: list[_Anchors]) -> _Anchors:
        """One set of the anchors of ``parts``, in order."""
        out = cls({}, [], [])
        out.bones = np.concatenate([part.bones for part in parts]).astype(int)
        out.points = np.concatenate([part.points for part in parts]).reshape(-1, 3)
        return out

    def posed(self, stack: np.ndarray) -> np.ndarray:
        """The points moved by their bones' transforms, ``stack`` (bones, 4, 4) or (poses, bones, 4, 4)."""
        if stack.ndim == 3:
            chosen = stack[self.bones]
            return np.einsum("nij,nj->ni", chosen[:, :3, :3], self.points) + chosen[:, :3, 3]
        out = np.empty((len(stack), len(self.points), 3))
        for bone in np.unique(self.bones):  # one matrix product per bone for all poses
            mine = self.bones == bone
            out[:, mine] = self.points[mine] @ stack[:, bone, :3, :3].transpose(0, 2, 1) + stack[:, None, bone, :3, 3]
        return out


class _FascicleBatch:
    """The fascicles of muscles whose paths have the same sequence of steps, posed in one pass.

    Rows are fascicles. Every anchor (origin, via point, sphere centre and side point,
    insertion) is stored anchor-major, so one matrix product poses them all and each step of
    the path is a handful of array operations over every row, whatever the number of muscles.
    """

    def __init__(self, muscles: list[MuscleGeometry], bone_index: dict[str, int]):
        self.muscles = [m.id for m in muscles]
        counts = [len(m.origins) for m in muscles]
        self.rows = np.cumsum([0] + counts)
        # as many lane levels as the muscle with most; the others repeat their origins there
        self.levels = max(m.lane.shape[1] for m in muscles)
        self.types = ["via"] * self.levels + [s["type"] for s in muscles[0].steps]
        bones: list[str] = [b for m in muscles for b in m.origin_bones]
        points: list[np.ndarray] = [o for m in muscles for o in m.origins]
        for level in range(self.levels):  # one anchor per fascicle
            for m in muscles:
                if level < m.lane.shape[1]:
                    bones.extend(b[level] for b in m.lane_bones)
                    points.extend(m.lane[:, level])
                else:
                    bones.extend(m.origin_bones)
                    points.extend(m.origins)

        def add(anchor) -> None:
            """One anchor per row: ``anchor(m)`` gives the bone and point of muscle ``m``."""
            for m, n in zip(muscles, counts):
                bone, point = anchor(m)
                bones.extend([bone] * n)
                points.extend([point] * n)

        for step in range(len(muscles[0].steps)):
            for key in ("point",) if muscles[0].steps[step]["type"] == "via" else ("centre", "side"):
                add(lambda m, step=step, key=key: (m.steps[step]["bone"], m.steps[step][key]))
        add(lambda m: (m.insertion_bone, m.insertion))
        self.anchors = _Anchors(bone_index, bones, points)
        self.radii = [np.zeros(self.rows[-1])] * self.levels + [
            np.repeat([step["radius"] if step["type"] != "via" else 0.0 for step in (m.steps[k] for m in muscles)], counts)
            for k in range(len(muscles[0].steps))
        ]
        # anchor slot where each step's points start, and for a sphere the slot it heads for:
        # the next via point after it, or the insertion (the last slot)
        sizes = [1 if kind == "via" else 2 for kind in self.types]
        self.slots = list(np.cumsum([1] + sizes[:-1]))
        last = 1 + sum(sizes)
        self.following = [
            next((self.slots[j] for j in range(k + 1, len(self.types)) if self.types[j] == "via"), last) for k in range(len(self.types))
        ]

    def points(self, wrap_samples: int = WRAP_SAMPLES) -> int:
        """How many points each fascicle's polyline has: origin, one per via point, the wrap's samples, insertion."""
        return 2 + sum(1 if kind == "via" else wrap_samples for kind in self.types)

    def evaluate(self, stack: np.ndarray, wrap_samples: int = WRAP_SAMPLES) -> tuple[np.ndarray, np.ndarray]:
        """Fascicle polylines (rows, P, 3) and their exact lengths (rows,).

        With a stack of poses (poses, bones, 4, 4) the rows are pose-major: (poses * rows, ...).
        The length is the polyline's, with each wrap's chords replaced by its exact arc.
        """
        poses = stack.shape[0] if stack.ndim == 4 else 1
        posed = self.anchors.posed(stack).reshape(poses, -1, self.rows[-1], 3)
        posed = posed.transpose(1, 0, 2, 3).reshape(posed.shape[1], poses * self.rows[-1], 3)
        return self.follow(posed, poses, wrap_samples)

    def follow(self, posed: np.ndarray, poses: int = 1, wrap_samples: int = WRAP_SAMPLES) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`evaluate` from the posed anchors (slots, rows, 3)."""
        current = posed[0]
        pieces = [current[:, None, :]]
        arcs: list[tuple[int, np.ndarray]] = []  # (index of the wrap's first sample, its exact length)
        at = 0
        radii = self.radii if poses == 1 else [np.tile(r, poses) for r in self.radii]
        for kind, slot, following, radius in zip(self.types, self.slots, self.following, radii):
            if kind == "via":
                current = posed[slot]
                pieces.append(current[:, None, :])
                at += 1
                continue
            wrap = wrap_sphere(current, posed[following], posed[slot], radius, posed[slot + 1], wrap_samples)
            pieces.append(wrap.samples)
            arcs.append((at + 1, wrap.between))
            at += wrap_samples
            current = wrap.last
        pieces.append(posed[-1][:, None, :])
        paths = np.concatenate(pieces, axis=1)
        steps = np.diff(paths, axis=1)
        chords = np.sqrt(np.einsum("rpk,rpk->rp", steps, steps))
        lengths = chords.sum(axis=1)
        for first, between in arcs:
            lengths += between - chords[:, first:first + wrap_samples - 1].sum(axis=1)
        return paths, lengths


class MuscleModel:
    """The muscles of an annotations document on the skeleton of a mesh pack.

    Muscles with the same kind of path are evaluated together (see :class:`_FascicleBatch`),
    and the tube centrelines of all muscles are resampled together, so a pose change costs a
    fixed number of array operations rather than dozens per muscle.
    """

    def __init__(self, annotations: Annotations, skeleton: Skeleton, available_bones: set[str] | None = None):
        self.skeleton = skeleton
        self.muscles: dict[str, MuscleGeometry] = {}
        self.skipped: dict[str, set[str]] = {}
        for muscle in annotations.muscles.values():
            geometry = _compile(muscle, annotations, skeleton)
            missing = geometry.bones - (available_bones if available_bones is not None else set(skeleton.parents))
            if missing:
                self.skipped[geometry.id] = missing
            else:
                self.muscles[geometry.id] = geometry
        self._unknown_bones = sorted(set(skeleton.parents) - set(annotations.bone_ids))
        self.bone_order = list(skeleton.parents)
        self._bone_index = {b: k for k, b in enumerate(self.bone_order)}
        kinds: dict[tuple, list[MuscleGeometry]] = {}
        for m in self.muscles.values():
            kinds.setdefault(tuple(s["type"] for s in m.steps), []).append(m)
        self._batches = [_FascicleBatch(group, self._bone_index) for group in kinds.values()]
        self._lane_levels = {mid: batch.levels for batch in self._batches for mid in batch.muscles}
        self._single = {mid: _FascicleBatch([m], self._bone_index) for mid, m in self.muscles.items()}
        bellies = [m for m in self.muscles.values() if m.tube == "belly"]
        self._belly_rows = np.cumsum([0] + [len(m.belly) for m in bellies])
        self._belly_ids = [m.id for m in bellies]
        self._belly = _Anchors(self._bone_index, [b for m in bellies for b in m.belly_bones], [p for m in bellies for p in m.belly])
        # every anchor of every batch and the belly points, posed by one gather and one product
        parts = [batch.anchors for batch in self._batches] + [self._belly]
        self._anchors = _Anchors.joined(parts)
        self._anchor_rows = np.cumsum([0] + [len(part.points) for part in parts])
        self._tubes()

    def _tubes(self) -> None:
        """Where each tube's centreline comes from, fixed by the muscles' topology: an index into the
        posed points of every batch (fascicle-major) followed by the belly points, padded with its
        last point to the longest line; so a pose gathers all lines in one step."""
        offsets, start = {}, 0
        for batch in self._batches:
            offsets[id(batch)] = start
            start += batch.rows[-1] * batch.points()
        belly_start = start
        index: list[list[int]] = []
        self._tube_counts = []
        for mid in self.muscles:
            batch = next(b for b in self._batches if mid in b.muscles)
            k, points = batch.muscles.index(mid), batch.points()
            rows = range(batch.rows[k], batch.rows[k + 1])
            lines = [list(range(offsets[id(batch)] + row * points, offsets[id(batch)] + (row + 1) * points)) for row in rows]
            if mid in self._belly_ids:
                j = self._belly_ids.index(mid)
                after_lane = 1 + self._lane_levels[mid]  # the belly points stand in for the lane
                lines = [list(range(belly_start + self._belly_rows[j], belly_start + self._belly_rows[j + 1])) + lines[0][after_lane:]]
            index += lines
            self._tube_counts.append(len(lines))
        longest = max((len(line) for line in index), default=2)
        self._last_segment = np.array([len(line) - 2 for line in index], dtype=int)
        self._tube_index = np.array([line + [line[-1]] * (longest - len(line)) for line in index], dtype=int).reshape(-1, longest)

    @property
    def left_out(self) -> list[str]:
        """One line for each muscle left out, naming the bones it needs that the pack lacks."""
        lines = [self.why_left_out(mid, hint=False) for mid in self.skipped]
        return lines + [self._naming_hint()] if lines and self._unknown_bones else lines

    def why_left_out(self, muscle_id: str, hint: bool = True) -> str:
        """Why a muscle is not in the model, with a hint when the pack names its bones differently."""
        line = f"muscle {muscle_id} is left out: it attaches to {', '.join(sorted(self.skipped[muscle_id]))}, which the pack lacks"
        return f"{line}; {self._naming_hint()}" if hint and self._unknown_bones else line

    def _naming_hint(self) -> str:
        shown = ", ".join(self._unknown_bones[:4]) + (", ..." if len(self._unknown_bones) > 4 else "")
        return f"the pack's bones {shown} are not bones of the annotations: name each bone with the annotations' id"

    def _stack(self, transforms: dict[str, np.ndarray]) -> np.ndarray:
        return np.stack([transforms[b] for b in self.bone_order])

    def evaluate(self, pose: Pose, transforms: dict[str, np.ndarray] | None = None) -> dict[str, MuscleState]:
        """Every muscle in ``pose``."""
        if not self.muscles:
            return {}
        transforms = transforms if transforms is not None else bone_transforms(pose, self.skeleton)
        posed = self._anchors.posed(self._stack(transforms))
        bounds = self._anchor_rows
        evaluated = [batch.follow(posed[bounds[k]:bounds[k + 1]].reshape(-1, batch.rows[-1], 3)) for k, batch in enumerate(self._batches)]
        source = np.concatenate([paths.reshape(-1, 3) for paths, _ in evaluated] + [posed[bounds[-2]:]])
        knots = source[self._tube_index]
        centrelines, totals = resample(knots, CENTRELINE_POINTS, self._last_segment)
        centrelines = smooth(centrelines)
        fascicles = {}
        for batch, (paths, lengths) in zip(self._batches, evaluated):
            for k, mid in enumerate(batch.muscles):
                rows = slice(batch.rows[k], batch.rows[k + 1])
                fascicles[mid] = (paths[rows], lengths[rows])
        states, start = {}, 0
        for mid, n in zip(self.muscles, self._tube_counts):
            paths, lengths = fascicles[mid]
            states[mid] = MuscleState(lengths, paths, centrelines[start:start + n], totals[start:start + n], knots[start:start + n])
            start += n
        return states

    def lengths_many(self, poses: list[Pose], muscle_ids: list[str] | None = None) -> dict[str, np.ndarray]:
        """Length (mm) of each muscle in every pose at once: {muscle id: (poses,)}."""
        stacks = bone_transforms_many(poses, self.skeleton)
        wanted = set(self.muscles if muscle_ids is None else muscle_ids)
        out = {}
        for batch in self._batches:
            if wanted.isdisjoint(batch.muscles):
                continue
            lengths = batch.evaluate(stacks, wrap_samples=2)[1].reshape(len(poses), -1)  # lengths are exact
            for k, mid in enumerate(batch.muscles):
                if mid in wanted:
                    out[mid] = lengths[:, batch.rows[k]:batch.rows[k + 1]].mean(axis=1)
        return out

    def length(self, muscle_id: str, pose: Pose) -> float:
        """Mean fascicle length of one muscle in mm."""
        stack = self._stack(bone_transforms(pose, self.skeleton))
        return float(self._single[muscle_id].evaluate(stack)[1].mean())

    def hip_flexion_moment_arm(self, muscle_id: str, pose: Pose) -> float:
        """Hip-flexion moment arm in mm: minus the change of length per radian of hip flexion.

        Positive for a hip flexor. Taken by a central difference at the muscle's own hip (a
        one-sided one at the ends of the range), the virtual-work definition used by OpenSim.
        """
        side = self.muscles[muscle_id].side
        field = f"hip_flexion_{side}"
        angle = getattr(pose, field)
        low, high = angle - MOMENT_ARM_STEP_DEG, angle + MOMENT_ARM_STEP_DEG
        joint_low, joint_high = LIMITS["hip_flexion"]
        low, high = max(low, joint_low - pose.pelvic_tilt), min(high, joint_high - pose.pelvic_tilt)
        change = self.length(muscle_id, pose.replace(**{field: high})) - self.length(muscle_id, pose.replace(**{field: low}))
        return float(-change / np.radians(high - low))
