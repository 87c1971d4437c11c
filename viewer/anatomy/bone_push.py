"""Pushes muscle surface points out of the bones at the hips, posed.

Each muscle's surface rides on the bones its sections are carried by (:mod:`viewer.anatomy.muscle_shapes`);
where the hip moves a bone into a section (the femur under the iliopsoas tendon in flexion, the
brim in extension), these depth fields move the points out again.
"""

from __future__ import annotations

import numpy as np

PUSH_VOXEL_MM, PUSH_REACH_MM, PUSH_CAP_MM = 2.0, 90.0, 18.0  # the depth fields at the hips (see HipPush)
PUSH_MARGIN_MM = 25.0  # how near a bone's surface a point must stand to be carried into it by a pose
PUSH_CLEAR_MM = 1.5  # a pushed point ends this far beyond where the field reads no depth (half a voxel, and a bit)
PUSH_ROUNDS = 3  # a point pushed out of one bone into its neighbour at a joint comes out of that one next round
PUSH_OFFSETS = 0.5 * PUSH_VOXEL_MM * np.concatenate([np.eye(3), -np.eye(3)])[:, None]  # the central differences' steps


def rigid_group(skeleton, bone_id: str) -> str:
    """The root of the bones joined to this one without a joint (the sacrum for a hip bone)."""
    while skeleton.joints.get(bone_id) is None and skeleton.parents.get(bone_id):
        bone_id = skeleton.parents[bone_id]
    return bone_id


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-12)


class HipPush:
    """Pushes surface points out of the hip bones, femurs and sacrum, where a moving hip brings
    bone into a muscle's section (the sections elsewhere ride on the bones they lie on).

    Each bone near a hip centre has a depth field in its own frame (:class:`DepthField`, built
    once); a point inside is moved out along the field's gradient by its depth.
    """

    def __init__(self, pack, skeleton):
        from viewer.anatomy.depth_field import DepthField, DepthFields

        self.fields = []
        around = [(f"{bone}_{side}", skeleton.joint_centres.get(f"femur_{side}")) for side in "rl" for bone in ("hip_bone", "femur")]
        if "sacrum" in pack.bones:  # the hip bones' neighbour: a point pushed out of an ilium may land in it
            around.append(("sacrum", pack.bones["sacrum"].vertices.mean(axis=0)))
        for bone_id, centre in around:
            if centre is not None and bone_id in pack.bones:
                bone = pack.bones[bone_id]
                self.fields.append((bone_id, DepthField.around(bone.vertices, bone.faces, np.asarray(centre, float), PUSH_REACH_MM,
                                                               PUSH_VOXEL_MM, PUSH_CAP_MM)))
        self._vertices = [pack.bones[bone_id].vertices for bone_id, _ in self.fields]
        self._groups = [rigid_group(skeleton, bone_id) for bone_id, _ in self.fields]
        self.near = [np.zeros(0, dtype=int) for _ in self.fields]
        self._stack = DepthFields([field for _, field in self.fields])

    def limit_to(self, rest: np.ndarray, transforms: dict[str, np.ndarray], riding: np.ndarray) -> None:
        """Test against each bone only the points that stand, at rest, within reach of its surface
        (no pose carries a muscle's surface further than that against a bone it does not ride on),
        and not those ``riding`` (n,) on its rigid group (they keep their place against it)."""
        from scipy.spatial import cKDTree

        for k, (bone_id, field) in enumerate(self.fields):
            transform = transforms[bone_id]
            local = (rest - transform[:3, 3]) @ transform[:3, :3]
            low, high = field.low - PUSH_MARGIN_MM, field.low + np.array(field.depths.shape) * field.voxel + PUSH_MARGIN_MM
            boxed = np.nonzero(np.all((local > low) & (local < high), axis=1))[0]
            distance = cKDTree(self._vertices[k]).query(local[boxed], distance_upper_bound=PUSH_MARGIN_MM)[0]
            near = boxed[np.isfinite(distance)]
            self.near[k] = near[riding[near] != self._groups[k]]

    def push(self, points: np.ndarray, centres: np.ndarray, transforms: dict[str, np.ndarray]) -> None:
        """Move the points (n, 3) that lie inside a bone out of it, in place; then again for the
        points moved, so that one pushed out of a bone into its neighbour at the joint comes out too.

        A point moves out along the field's gradient, but never past its ring's centre (n, 3): a
        section pressed by bone flattens and does not fold over itself. All fields are asked in one
        pass (:class:`DepthFields`); a point inside two bones leaves the deeper first."""
        if not self.fields:
            return
        rotations = np.stack([transforms[bone_id][:3, :3] for bone_id, _ in self.fields])
        shifts = np.stack([transforms[bone_id][:3, 3] for bone_id, _ in self.fields])
        # the first round asks each field about its near points (the bone's flagged cells pick the
        # few to interpolate); a later round, only the points just moved, about every field at once
        found = [near[self._stack.candidates(k, points[near], rotations[k], shifts[k])] for k, near in enumerate(self.near)]
        which = np.repeat(np.arange(len(found)), [len(r) for r in found])
        rows = np.concatenate(found).astype(np.int64)
        asks: np.ndarray | None = None  # (fields, points): which points each field asks about, once a point has moved
        for _ in range(PUSH_ROUNDS):
            local = np.einsum("mj,mjk->mk", points[rows] - shifts[which], rotations[which])  # into each bone's own frame
            depth = self._stack.interpolate(which, local)
            inside = np.nonzero(depth > 0.0)[0]
            if not len(inside):
                break
            # one push a point a round: out of the bone it is deepest in
            order = inside[np.lexsort((-depth[inside], rows[inside]))]
            first = np.concatenate([[True], rows[order][1:] != rows[order][:-1]])
            chosen = order[first]
            at, field, row = local[chosen], which[chosen], rows[chosen]
            step = depth[chosen] + PUSH_CLEAR_MM
            around = self._stack.interpolate(np.tile(field, 6), (at[None] + PUSH_OFFSETS).reshape(-1, 3)).reshape(6, -1)  # central differences
            pushed = at + step[:, None] * -_unit((around[:3] - around[3:]).T)
            # a point pushed past its ring's centre would fold the section: it stops at the centre
            # (unless the centre is in the bone too, as where a tendon ends on it)
            rotation, shift = rotations[field], shifts[field]
            centre = np.einsum("mj,mjk->mk", centres[row] - shift, rotation)
            past = np.nonzero(np.einsum("nk,nk->n", pushed - centre, at - centre) < 0.0)[0]
            if len(past):
                past = past[self._stack.interpolate(field[past], centre[past]) <= 0.0]
                pushed[past] = centre[past]
            points[row] = np.einsum("mk,mjk->mj", pushed, rotation) + shift
            if asks is None:
                asks = np.zeros((len(self.fields), len(points)), dtype=bool)
                for k, near in enumerate(self.near):
                    asks[k, near] = True
            which, at_row = np.nonzero(asks[:, row])
            rows = row[at_row]
