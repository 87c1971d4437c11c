"""Landmarks, muscle sites, wrap spheres and lane points that follow their bone into another body.

Each point is tied to its bone once, on the mean body, in one of three ways:

- a landmark of an atlas bone (hip bone, sacrum, femur, ...) by the triangle nearest to it, its
  barycentric coordinates there and its distance off the surface along the triangle's normal:
  in any body it sits at the same place on the same triangle, as far off the surface as before;
- any other point of an atlas bone (a via point, a wrap sphere's centre, a lane point) by a local
  affine map fitted, in each body, to the 64 surface vertices nearest to it, so a point inside
  a socket or in front of a trochanter moves, turns and grows with that part of the bone; a
  wrap sphere's radius keeps the tendon's cone of tangents from the path point before it (see
  :meth:`SiteBinding._cone_radius`), or else grows with the cube root of that map's determinant;
  a sphere on a hip bone also keeps its clearance of the femoral head (:meth:`SiteBinding._clear_the_head`);
  a point at a fitted joint centre (hip socket, knee) goes to that body's fitted centre;
- a point of a vertebra (which keeps its shape) with the vertebra's own carrier.

The result is a copy of the annotations with every position rewritten in the new body's bone
frames, which the muscle model, the landmark actors and the labels use as they are.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from viewer.anatomy.annotations import Annotations
from viewer.anatomy.body_shape import BodyShaper, ShapedBody
from viewer.anatomy.mesh_pack import MeshPack

NEIGHBOURS = 64
HIP_BONES = ("hip_bone_r", "hip_bone_l")
HEAD_CLEARANCE_MM = 1.0  # a sphere over the femoral head keeps the mean body's clearance of it, up to this


@dataclass
class _Tie:
    """How one point is tied to its bone (see the module notes)."""

    bone: str
    kind: str  # "surface", "local" or "carried"
    triangle: np.ndarray | None = None  # (3,) vertex indices
    weights: np.ndarray | None = None  # (3,) barycentric
    offset: float = 0.0
    neighbours: np.ndarray | None = None  # (NEIGHBOURS,) vertex indices
    solve: np.ndarray | None = None  # (4, NEIGHBOURS) least-squares solver of the local affine map


def _places(annotations: Annotations) -> list[tuple[tuple, str, np.ndarray, bool]]:
    """Every point of the document as (where, bone, local position, is a landmark)."""
    places: list[tuple[tuple, str, np.ndarray, bool]] = [
        (("landmark", lid), lm.bone, lm.position, True) for lid, lm in annotations.landmarks.items()]
    for mid, muscle in annotations.muscles.items():
        for k, step in enumerate(muscle.get("path", [])):
            for key in ("position", "centre", "side"):
                if key in step:
                    places.append((("path", mid, k, key), step["bone"], np.asarray(step[key], float), False))
        for k, item in enumerate(muscle.get("belly", [])):
            places.append((("belly", mid, k, "position"), item["bone"], np.asarray(item["position"], float), False))
        for k, item in enumerate(muscle.get("lane", [])):
            for key in ("medial", "lateral"):
                places.append((("lane", mid, k, key), item["bone"], np.asarray(item[key], float), False))
    return places


def _nearest_on_surface(vertices: np.ndarray, faces: np.ndarray, point: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """The triangle nearest to ``point`` (its corners), the barycentric coordinates of the nearest
    point on it, and the signed distance of ``point`` from it along its normal.

    Exact point-triangle distances (trimesh's), for the few dozen triangles whose corners are
    nearest; the nearest triangle is always among them on meshes as even as these."""
    import trimesh  # only when a body is first shaped: start-up does without it

    close = np.argsort(np.linalg.norm(vertices - point, axis=1))[:12]
    candidates = np.flatnonzero(np.isin(faces, close).any(axis=1))
    triangles = vertices[faces[candidates]]
    nearest = trimesh.triangles.closest_point(triangles, np.repeat(point[None], len(candidates), axis=0))
    k = int(np.argmin(np.linalg.norm(nearest - point, axis=1)))
    a, b, c = triangles[k]
    weights = trimesh.triangles.points_to_barycentric(triangles[k:k + 1], nearest[k:k + 1])[0]
    normal = np.cross(b - a, c - a)
    normal /= np.linalg.norm(normal)
    return faces[candidates[k]], weights, float((point - nearest[k]) @ normal)


class SiteBinding:
    """The points of one annotations document tied to the bones of the mean pack."""

    def __init__(self, shaper: BodyShaper, annotations: Annotations, known: dict | None = None):
        """``known``: ties made before for this pack, by (bone, point, is a landmark); those of
        points that are still where they were are taken from it, new ones are added to it."""
        self.shaper = shaper
        self.annotations = annotations
        pack = shaper.pack
        self.places = [p for p in _places(annotations) if p[1] in pack.bones]
        self.neutral = [local + pack.bones[bone].frame_origin for _, bone, local, _ in self.places]
        known = {} if known is None else known
        self.ties = []
        for (_, bone, _, landmark), point in zip(self.places, self.neutral):
            key = (bone, tuple(np.round(point, 6)), landmark)
            if key not in known:
                known[key] = self._tie(pack, bone, point, landmark)
            self.ties.append(known[key])
        self._groups: dict[tuple[str, str], list[int]] = {}
        for k, tie in enumerate(self.ties):
            self._groups.setdefault((tie.bone, tie.kind), []).append(k)

    def _tie(self, pack: MeshPack, bone_id: str, point: np.ndarray, landmark: bool) -> _Tie:
        if bone_id not in self.shaper.atlas:
            return _Tie(bone_id, "carried")
        bone = pack.bones[bone_id]
        if landmark:
            corners, weights, offset = _nearest_on_surface(bone.vertices, bone.faces, point)
            return _Tie(bone_id, "surface", corners, weights, offset)
        nearest = np.argsort(np.linalg.norm(bone.vertices - point, axis=1))[:NEIGHBOURS]
        design = np.c_[bone.vertices[nearest] - point, np.ones(NEIGHBOURS)]
        return _Tie(bone_id, "local", neighbours=nearest, solve=np.linalg.pinv(design))

    def follow(self, body: ShapedBody) -> list[tuple[np.ndarray, float]]:
        """Each point's neutral position in ``body`` and how much its neighbourhood grew."""
        moved = np.zeros((len(self.ties), 3))
        growth = np.ones(len(self.ties))
        for (bone_id, kind), rows in self._groups.items():
            if kind == "carried":
                matrix = body.carriers[bone_id]
                moved[rows] = np.stack([self.neutral[k] for k in rows]) @ matrix[:3, :3].T + matrix[:3, 3]
                growth[rows] = np.cbrt(np.linalg.det(matrix[:3, :3]))
                continue
            vertices = body.vertices[bone_id]["full"]
            ties = [self.ties[k] for k in rows]
            if kind == "surface":
                corners = vertices[np.stack([t.triangle for t in ties])]  # (n, 3 corners, 3)
                normal = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
                normal /= np.linalg.norm(normal, axis=1, keepdims=True)
                weights = np.stack([t.weights for t in ties])
                offsets = np.array([t.offset for t in ties])
                moved[rows] = np.einsum("nk,nkd->nd", weights, corners) + offsets[:, None] * normal
                continue
            fitted = np.einsum("nkj,njd->nkd", np.stack([t.solve for t in ties]), vertices[np.stack([t.neighbours for t in ties])])
            moved[rows] = fitted[:, 3]  # rows 0-2: the local linear map; row 3: where the point goes
            growth[rows] = np.cbrt(np.abs(np.linalg.det(fitted[:, :3])))
            for k in rows:
                for before, after in body.centres:
                    if np.abs(self.neutral[k] - before).max() < 1e-3:
                        moved[k] = after
        return list(zip(moved, growth))

    def shaped_annotations(self, body: ShapedBody, pack: MeshPack) -> Annotations:
        """The annotations with every point moved into ``body`` (``pack``: its shaped pack)."""
        landmarks = dict(self.annotations.landmarks)
        muscles = {mid: {**muscle, **{key: [dict(item) for item in muscle[key]] for key in ("path", "belly", "lane") if key in muscle}}
                   for mid, muscle in self.annotations.muscles.items()}
        for (where, bone, _, _), (moved, growth) in zip(self.places, self.follow(body)):
            local = [round(float(c), 3) for c in moved - pack.bones[bone].frame_origin]
            if where[0] == "landmark":
                landmarks[where[1]] = dataclasses.replace(landmarks[where[1]], position=np.asarray(local))
            else:
                kind, mid, k, key = where
                item = muscles[mid]["path" if kind == "path" else kind][k]
                item[key] = local
                if key == "centre" and "radius" in item:
                    item["radius"] = round(float(self.annotations.muscles[mid]["path"][k]["radius"]) * growth, 3)
        for mid, muscle in muscles.items():
            for k, step in enumerate(muscle.get("path", [])):
                before = muscle["path"][k - 1] if k else None
                if step["type"] == "wrap_sphere" and before is not None and before["bone"] == step["bone"] and "position" in before:
                    step["radius"] = round(self._cone_radius(self.annotations.muscles[mid]["path"], k, step, before), 3)
                    if step["bone"] in HIP_BONES:
                        self._clear_the_head(self.annotations.muscles[mid]["path"], k, step, before, body.radii["head"])
        return dataclasses.replace(self.annotations, landmarks=landmarks, muscles=muscles)

    def _clear_the_head(self, mean_path: list[dict], k: int, step: dict, before: dict, head: float) -> None:
        """A wrap sphere on a hip bone (whose frame starts at the hip centre) passes in front of the
        femoral head, nearest to it at its radius less its centre's distance from the hip centre.
        A bigger head (pelvis width +3 SD: 24.0 mm against 22.8) would reach through it, so where the
        sphere clears the head by less than in the mean body (up to :data:`HEAD_CLEARANCE_MM`), its
        centre is moved towards the hip centre, the radius still keeping the cone of tangents from
        the point before it, until it does (bisection on the distance moved)."""
        mean_centre, mean_radius = np.asarray(mean_path[k]["centre"], float), float(mean_path[k]["radius"])
        share = mean_radius / np.linalg.norm(mean_centre - np.asarray(mean_path[k - 1]["position"], float))
        wanted = min(mean_radius - np.linalg.norm(mean_centre) - self.shaper.mean_fits.radii["head"], HEAD_CLEARANCE_MM)
        centre, point = np.asarray(step["centre"], float), np.asarray(before["position"], float)
        inwards = centre / np.linalg.norm(centre)

        def clearance(moved: float) -> float:
            there = centre - moved * inwards
            return share * float(np.linalg.norm(point - there)) - float(np.linalg.norm(there)) - head

        if clearance(0.0) >= wanted:
            return
        low, high = 0.0, 20.0
        for _ in range(30):
            middle = (low + high) / 2
            low, high = (middle, high) if clearance(middle) < wanted else (low, middle)
        there = centre - high * inwards
        step["centre"] = [round(float(c), 3) for c in there]
        step["radius"] = round(share * float(np.linalg.norm(point - there)), 3)

    @staticmethod
    def _cone_radius(mean_path: list[dict], k: int, step: dict, before: dict) -> float:
        """A wrap sphere's radius in another body: the mean body's share of the distance from the
        path point before it to its centre. The tendon leaves that point along the cone of
        tangents to the sphere; the share is the sine of the cone's half-angle, so whether and how
        the tendon wraps stays as fitted (tools/refit_muscle_paths.py puts the pelvic brim via
        point on the sphere, share 1). Tied separately, centre and point can change that share: at
        pelvis width +3 SD the brim point fell inside the sphere, the tendon did not wrap and ran
        5.7 mm through the femoral neck."""
        mean_before = np.asarray(mean_path[k - 1]["position"], float)
        share = float(mean_path[k]["radius"]) / np.linalg.norm(np.asarray(mean_path[k]["centre"], float) - mean_before)
        return share * float(np.linalg.norm(np.asarray(step["centre"], float) - np.asarray(before["position"], float)))
