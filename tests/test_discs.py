"""Intervertebral discs: between their endplates, bending with the spine, carrying the psoas slips from the discs."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from viewer.anatomy.discs import DISC_LEVELS, DiscJoin, Plane, blend
from viewer.anatomy.kinematics import Pose, Skeleton, bone_transforms
from viewer.anatomy.muscle_paths import MuscleModel
from viewer.anatomy.pack_frame import apply

DISC_IDS = [level[0] for level in DISC_LEVELS]
# the ends of the lumbar ranges, alone and together (each shared by the five lumbar joints)
EXTREMES = {
    "rest": Pose(),
    "flexion 50": Pose(lumbar_flexion=50),
    "extension 30": Pose(lumbar_flexion=-30),
    "bending right 30": Pose(lumbar_bending=30),
    "bending left 30": Pose(lumbar_bending=-30),
    "rotation 12": Pose(lumbar_rotation=12),
    "flexion 50, bending 30, rotation -12": Pose(lumbar_flexion=50, lumbar_bending=30, lumbar_rotation=-12),
    "extension 30, bending -30, rotation 12": Pose(lumbar_flexion=-30, lumbar_bending=-30, lumbar_rotation=12),
}


@pytest.fixture(scope="module")
def skeleton(pack):
    return Skeleton.from_manifest(pack.manifest)


def posed_plane(plane: Plane, transform: np.ndarray) -> Plane:
    """A plane carried by a rigid 4x4 transform."""
    return Plane(transform[:3, :3] @ plane.centre + transform[:3, 3], transform[:3, :3] @ plane.normal)


def _posed_disc(pack, transforms, disc_id: str) -> np.ndarray:
    disc = pack.bones[disc_id]
    return blend(disc.vertices, disc.disc_weights, transforms[disc.disc.upper_bone], transforms[disc.parent])


def _posed_mid_plane(pack, transforms, disc_id: str):
    """The disc's mid-plane in a pose, from its two endplates carried by their own bones."""
    disc = pack.bones[disc_id]
    join = disc.disc
    return DiscJoin(join.upper_bone, posed_plane(join.upper, transforms[join.upper_bone]),
                    posed_plane(join.lower, transforms[disc.parent])).mid_plane


def _disc_origins(annotations) -> list:
    return [lm for lm in annotations.landmarks.values() if lm.id.startswith("psoas_origin_") and "_ivd_" in lm.id]


def test_a_disc_joins_each_pair_of_neighbours_from_t12_to_the_sacrum(pack, annotations):
    for disc_id, name, upper, lower, fma in DISC_LEVELS:
        disc = pack.bones[disc_id]
        assert (disc.name, disc.parent, disc.disc.upper_bone, disc.joint) == (name, lower, upper, "disc")
        assert annotations.document["bones"][[b["id"] for b in annotations.document["bones"]].index(disc_id)]["ontology"] == {"fma": int(fma)}
        assert disc.mesh.is_watertight and disc.mesh.is_winding_consistent and disc.mesh.volume > 0
        # every point of it lies between its two endplates: none is pushed beyond either
        join = disc.disc
        assert join.lower.height(disc.vertices).min() > -0.005 and join.upper.height(disc.vertices).max() < 0.005
        # it fills the space between the bodies: as tall as the endplates are apart, as wide as the bodies
        height = join.upper.height(join.lower.centre[None])[0] * -1
        assert 8 < height < 16, (disc_id, height)
        width = np.ptp(disc.vertices[:, 0])
        body = pack.bones[upper].vertices
        near_endplate = body[np.abs(join.upper.height(body)) < 3]
        near_endplate = near_endplate[np.linalg.norm(near_endplate - join.upper.centre, axis=1) < 30]
        assert abs(width - np.ptp(near_endplate[:, 0])) < 6, (disc_id, width, np.ptp(near_endplate[:, 0]))


def test_each_rim_of_a_disc_meets_its_bone(pack):
    """The top of a disc lies on the bone above, the bottom on the bone below: the rim follows the
    body's outline 1.5 mm inside the endplate. The L5/S1 disc has L5's outline at both ends, which
    overhangs the back of S1 by up to about 5 mm."""
    for disc_id, _, upper, lower, _ in DISC_LEVELS:
        disc = pack.bones[disc_id]
        for share, bone_id in ((1.0, upper), (0.0, lower)):
            rim = disc.vertices[disc.disc_weights == share]
            _, distance, _ = trimesh.proximity.closest_point(pack.bones[bone_id].mesh, rim)
            reach = 6.0 if bone_id == "sacrum" else 2.0
            assert np.median(distance) < 1.5 and distance.max() < reach, (disc_id, bone_id, np.median(distance), distance.max())


@pytest.mark.parametrize("label", list(EXTREMES))
def test_discs_bend_with_the_two_bones_they_join(pack, skeleton, label):
    transforms = bone_transforms(EXTREMES[label], skeleton)
    for disc_id in DISC_IDS:
        disc = pack.bones[disc_id]
        posed = _posed_disc(pack, transforms, disc_id)
        top, bottom = disc.disc_weights == 1.0, disc.disc_weights == 0.0
        assert top.sum() >= 48 and bottom.sum() >= 48
        np.testing.assert_allclose(posed[top], apply(transforms[disc.disc.upper_bone], disc.vertices[top]), atol=1e-9)
        np.testing.assert_allclose(posed[bottom], apply(transforms[disc.parent], disc.vertices[bottom]), atol=1e-9)
        # in between, no point strays from the straight blend of where the two bones would take it
        assert trimesh.Trimesh(posed, disc.faces).volume > 0.8 * disc.mesh.volume


def test_psoas_slips_from_the_discs_arise_from_the_discs(annotations, pack):
    origins = _disc_origins(annotations)
    assert len(origins) == 8  # L1/L2 to L4/L5, both sides
    for landmark in origins:
        upper, lower, side = landmark.id.removeprefix("psoas_origin_").split("_")[:2] + [landmark.id[-1]]
        assert landmark.bone == f"disc_{upper}_{lower}"
        point = landmark.position + pack.bones[landmark.bone].frame_origin
        middle = pack.bones[landmark.bone].disc.mid_plane.centre
        assert (point[0] - middle[0]) * (1 if side == "r" else -1) > 15  # on its side, not its front


@pytest.mark.parametrize("label", list(EXTREMES))
def test_disc_points_within_3_mm_of_their_disc_mid_plane(annotations, pack, skeleton, label):
    """At rest and at the ends of lumbar flexion, extension, bending and rotation; moved as the
    muscle model moves them, and within 0.5 mm of the bent disc's surface."""
    transforms = bone_transforms(EXTREMES[label], skeleton)
    model = MuscleModel(annotations, skeleton)
    states = model.evaluate(EXTREMES[label], transforms)
    for landmark in _disc_origins(annotations):
        neutral = landmark.position + skeleton.frame_origin(landmark.bone)
        point = apply(transforms[landmark.bone], neutral)
        plane = _posed_mid_plane(pack, transforms, landmark.bone)
        assert abs(plane.height(point[None])[0]) < 3.0, (landmark.id, label)
        posed = trimesh.Trimesh(_posed_disc(pack, transforms, landmark.bone), pack.bones[landmark.bone].faces, process=False)
        _, distance, _ = trimesh.proximity.closest_point(posed, point[None])
        assert distance[0] < 0.5, (landmark.id, label, distance[0])
        # the psoas fascicle starts there
        muscle = f"psoas_major_{landmark.id[-1]}"
        row = model.muscles[muscle].fascicle_ids.index(landmark.id.removeprefix("psoas_origin_")[:-2])
        np.testing.assert_allclose(states[muscle].fascicle_paths[row, 0], point, atol=1e-9)


def test_the_disc_origins_have_moved_down_onto_the_discs(annotations, pack):
    """Issue 21: before, they sat 3.8-8.4 mm above this mid-plane, on the body above (no disc to sit on)."""
    heights = []
    for landmark in _disc_origins(annotations):
        point = landmark.position + pack.bones[landmark.bone].frame_origin
        heights.append(pack.bones[landmark.bone].disc.mid_plane.height(point[None])[0])
    assert max(np.abs(heights)) < 0.5
