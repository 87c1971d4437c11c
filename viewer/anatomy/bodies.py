"""One entry point for bodies of other shapes: the mean pack and annotations in, a shaped pack
and shaped annotations out, the same objects the window, the scene and the CLI already use.

A shape is refused (:class:`~viewer.anatomy.body_shape.ShapeError`) outside the sliders' range
(checked by :class:`BodyShape`) or when its bones would run into each other: a femoral head
bigger than its socket, or a sacrum reaching into the hip bones at the sacroiliac joints. (The
hip bones keep the mean body's gap at the symphysis, and the spine stands on S1 with its discs,
so those cannot meet.)
"""

from __future__ import annotations

import copy
from functools import cached_property

import numpy as np

from viewer.anatomy.annotations import Annotations
from viewer.anatomy.body_shape import BodyShape, BodyShaper, Region, ShapedBody, ShapeError, ShapeModel, vertex_normals
from viewer.anatomy.body_sites import SiteBinding
from viewer.anatomy.json_input import InputError
from viewer.anatomy.mesh_pack import MeshPack

# The linear model, pushed to 3 SD, brings bones a few millimetres into each other where they
# meet even in its own space (measured: up to 3 mm at the sacroiliac joints); beyond these the
# shape is refused.
OVERLAP_MM = 3.5  # how much deeper than in the mean body the sacrum may reach into a hip bone
SYMPHYSIS_OVERLAP_MM = 1.5  # how far the two pubic bones may overlap at the symphysis
HEAD_SOCKET_PLAY_MM = 0.5  # a femoral head may be at most this much bigger than its socket


class Bodies:
    """Bodies of other shapes for one mean pack and its annotations."""

    def __init__(self, pack: MeshPack, annotations: Annotations | None = None):
        self.pack = pack
        self.annotations = annotations
        self.problem = ""
        self._ties: dict = {}  # how each point is tied to its bone, shared with for_annotations' copies
        try:
            self.model = ShapeModel.load(pack)
            self.shaper = BodyShaper(pack, self.model) if self.model is not None else None
        except InputError as exc:  # a broken shape model costs the shapes, not the viewer
            self.model, self.shaper, self.problem = None, None, str(exc)

    @property
    def available(self) -> bool:
        return self.shaper is not None

    def for_annotations(self, annotations: Annotations) -> Bodies:
        """The same bodies for another annotations document (an edit, an opened file): what depends on
        the pack alone (the shaper and its mean fits, the sacroiliac joint) is kept, and every point
        the edit did not move keeps its tie to its bone (an edit moves one or two: a few milliseconds,
        where tying all of them again took a third of a second)."""
        other = copy.copy(self)
        other.__dict__.pop("binding", None)
        other.annotations = annotations
        return other

    @cached_property
    def binding(self) -> SiteBinding | None:
        if self.shaper is None or self.annotations is None:
            return None
        return SiteBinding(self.shaper, self.annotations, self._ties)

    def body(self, shape: BodyShape) -> ShapedBody:
        if self.shaper is None:
            raise ShapeError(self.problem or f"the anatomy pack in {self.pack.directory} has no shape model: only its own body is available")
        body = self.shaper.body(shape)
        self._check(body)
        return body

    def shaped(self, shape: BodyShape) -> tuple[MeshPack, Annotations | None]:
        """The pack and annotations of a body shape (the mean ones themselves for the mean body)."""
        if shape.is_mean:
            return self.pack, self.annotations
        body = self.body(shape)
        pack = self.shaper.shaped_pack(body)
        annotations = self.binding.shaped_annotations(body, pack) if self.binding is not None else None
        return pack, annotations

    @cached_property
    def _joint(self) -> tuple[np.ndarray, Region]:
        """The sacrum's vertices at the right sacroiliac joint, and the hip bone's joint surface with
        a margin (so its normals are whole where they are read), chosen on the mean body."""
        sacral, hip_part = self._joint_parts()
        hip = self.pack.bones["hip_bone_r"]
        keep = np.zeros(len(hip.vertices), bool)
        keep[hip_part] = True
        for _ in range(2):
            keep[hip.faces[keep[hip.faces].any(axis=1)]] = True
        return sacral, Region.where(hip, keep)

    @cached_property
    def mean_overlap(self) -> float:
        return self.overlap(self.shaper.body(BodyShape()))

    def _check(self, body: ShapedBody) -> None:
        radii = body.radii
        if radii["head"] > radii["socket"] + HEAD_SOCKET_PLAY_MM:
            raise ShapeError(f"{body.shape.describe()}: the femoral head (radius {radii['head']:.1f} mm) would not fit "
                             f"its socket (radius {radii['socket']:.1f} mm)")
        right, left = body.vertices["hip_bone_r"]["full"], body.vertices["hip_bone_l"]["full"]
        gap = float(right[:, 0].min() - left[:, 0].max())
        if gap < -SYMPHYSIS_OVERLAP_MM:
            raise ShapeError(f"{body.shape.describe()}: the pubic bones would overlap at the symphysis by {-gap:.1f} mm")
        overlap = self.overlap(body)
        if overlap > self.mean_overlap + OVERLAP_MM:
            raise ShapeError(f"{body.shape.describe()}: the sacrum would run {overlap:.1f} mm into a hip bone "
                             f"(the mean body's sacroiliac joints: {self.mean_overlap:.1f} mm)")

    def overlap(self, body: ShapedBody) -> float:
        """How deep the sacrum reaches into the right hip bone at the sacroiliac joint (mm): each
        sacral vertex there against its nearest hip-bone vertex in this body, along that vertex's
        outward normal (the left side is the mirror image)."""
        from scipy.spatial import cKDTree

        sacral, region = self._joint
        hip = region.surface({"hip_bone_r": body.vertices["hip_bone_r"]["full"]})
        near = hip.vertices
        normals = vertex_normals(near, hip.faces)
        points = body.vertices["sacrum"]["full"][sacral]
        _, nearest = cKDTree(near).query(points)
        offsets = ((points - near[nearest]) * normals[nearest]).sum(axis=1)
        return float(max(0.0, -offsets.min()))

    def _joint_parts(self) -> tuple[np.ndarray, np.ndarray]:
        """Vertices of the sacrum and of the right hip bone within 10 mm of each other on the mean body."""
        from scipy.spatial import cKDTree

        sacrum, hip = self.pack.bones["sacrum"].vertices, self.pack.bones["hip_bone_r"].vertices
        sacral = np.flatnonzero(cKDTree(hip).query(sacrum, distance_upper_bound=10.0)[0] < 10.0)
        return sacral, np.flatnonzero(cKDTree(sacrum[sacral]).query(hip, distance_upper_bound=10.0)[0] < 10.0)
