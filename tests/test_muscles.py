"""Muscle paths and tubes: clear of bone, shortening with hip flexion, volume kept."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from viewer.anatomy.clearance import BoneContact, bone_solids, densify, penetrations, pose_grid, split
from viewer.anatomy.kinematics import (
    OVERLAP_MM,
    HipLimits,
    Pose,
    PoseError,
    Skeleton,
    bone_transforms,
    bone_transforms_many,
    hip_joint_turn,
)
from viewer.anatomy.muscle_paths import MuscleModel
from viewer.anatomy.pack_frame import apply
from viewer.anatomy.path_fit import hip_table, rms
from viewer.anatomy.stretches import load_stretches
from viewer.anatomy.sweep import sweep

# No sample of a fascicle line may lie deeper than this inside a bone.
MAX_DEPTH_MM = 1.0
HIP_FLEXORS = ["psoas_major_r", "psoas_major_l", "iliacus_r", "iliacus_l"]

@pytest.fixture(scope="module")
def model(pack, annotations):
    return MuscleModel(annotations, Skeleton.from_manifest(pack.manifest))


@pytest.fixture(scope="module")
def solids(pack):
    return bone_solids(pack)


@pytest.fixture(scope="module")
def limits(pack, model):
    return HipLimits.from_pack(pack, model.skeleton)


@pytest.fixture(scope="module")
def named(annotations):
    """Every named pose and every stretch."""
    return {k: v.pose for k, v in annotations.poses.items()} | {s.id: s.pose for s in load_stretches().stretches}


def test_no_fascicle_line_enters_a_bone_anywhere_in_the_range(model, solids, limits, named):
    """Every fascicle, sampled every mm, against every bone: each joint over its range, the
    joints together at their extremes, every named pose and every stretch on both sides.

    The grid leaves out only the poses the model itself refuses (a femur run into its hip bone:
    bony impingement at the hip's combined extremes, where the real joint stops)."""
    every = pose_grid(named)
    grid, refused = split(limits, every)
    assert len(grid) > 500
    print(f"\n{len(grid)} of {len(every)} poses; {len(refused)} refused by the hip limits")
    found = penetrations(model, solids, grid)
    worst = max(found, key=lambda p: p.depth, default=None)
    print(f"deepest sample inside a bone: {worst if worst else 'none'}")
    assert [str(p) for p in found if p.depth > MAX_DEPTH_MM] == []


def test_every_named_pose_and_stretch_is_inside_the_hip_limits(limits, named):
    refused = {name: limits.refusal(pose) or limits.refusal(pose.mirrored()) for name, pose in named.items()}
    assert {name: why for name, why in refused.items() if why} == {}


def test_hip_limits_refuse_what_the_exact_test_sees(pack, model, solids, limits, named):
    """The limits' depth field against ray parity and the exact distance to the triangles, on
    every pose of the grid: a pose refused has the femur deeper than the limit in the hip bone,
    one allowed has it no deeper, each to within a voxel of the field (1 mm)."""
    contact = BoneContact(pack, model.skeleton, solids)
    grid, refused = split(limits, pose_grid(named))
    assert len(refused) > 20  # the grid reaches the bones' limits
    exact = {label: contact.depth(bone_transforms(pose, model.skeleton)) for label, pose in (grid | refused).items()}
    print(f"\nrefused: exact overlap {min(exact[k] for k in refused):.1f} to {max(exact[k] for k in refused):.1f} mm;"
          f" allowed: up to {max(exact[k] for k in grid):.1f} mm")
    assert min(exact[k] for k in refused) > OVERLAP_MM - 1.0
    assert max(exact[k] for k in grid) <= OVERLAP_MM + 1.0


def test_hip_limits_see_the_femur_run_into_the_hip_bone(model, limits):
    """Standing is clear; full extension with adduction and external rotation drives the lesser
    trochanter into the ischium, on either side, and the reason names the side and the angles."""
    assert limits.overlaps(Pose()) == {"r": 0.0, "l": 0.0}
    right = Pose(hip_flexion_r=-30, hip_adduction_r=15, hip_rotation_r=-30)
    assert limits.overlaps(right)["r"] > 5.0 and limits.overlaps(right)["l"] == 0.0
    assert limits.overlaps(right.mirrored())["l"] > 5.0
    assert "right femur" in limits.refusal(right) and "flexion -30°, adduction 15°, internal rotation -30°" in limits.refusal(right)
    with pytest.raises(PoseError, match="right femur"):
        limits.check(right)


def test_hip_joint_turn_is_the_femur_seen_from_the_hip_bone(model):
    """The limits turn the femur by hip_joint_turn about the hip centre; bone_transforms agrees, with the pelvis tilted and turned."""
    pose = Pose(hip_flexion_r=40, hip_adduction_r=-10, hip_rotation_r=20, pelvic_tilt=15, pelvic_rotation=-20,
                hip_flexion_l=-10, hip_rotation_l=5)
    transforms = bone_transforms(pose, model.skeleton)
    for side in "rl":
        relative = np.linalg.inv(transforms[f"hip_bone_{side}"]) @ transforms[f"femur_{side}"]
        centre = model.skeleton.joint_centres[f"femur_{side}"]
        expected = np.eye(4)
        expected[:3, :3] = hip_joint_turn(pose, side)
        expected[:3, 3] = centre - expected[:3, :3] @ centre
        assert np.allclose(relative, expected, atol=1e-9)


def test_a_motion_into_the_bones_stops_where_they_meet(limits):
    start, end = Pose(), Pose(hip_flexion_r=-30, hip_adduction_r=15, hip_rotation_r=-30, lumbar_flexion=20)
    stop, why = limits.clamp(start, end)
    assert "right femur" in why
    assert limits.allows(stop)
    assert -30 < stop.hip_flexion_r < 0 and stop.lumbar_flexion > 0  # part of the way, every angle on the line
    assert stop.hip_adduction_r / 15 == pytest.approx(stop.hip_flexion_r / -30) == pytest.approx(stop.lumbar_flexion / 20)
    assert limits.overlaps(stop)["r"] > OVERLAP_MM - 0.5  # as far as the bones allow...
    further = Pose(**{f: 1.02 * getattr(stop, f) for f in ("hip_flexion_r", "hip_adduction_r", "hip_rotation_r")})
    assert not limits.allows(further)  # ...and not further
    assert limits.clamp(start, Pose(hip_flexion_r=90)) == (Pose(hip_flexion_r=90), None)


def test_a_motion_from_a_refused_pose_may_only_back_out(limits):
    """A pose set before the limits applied (another body): any motion that does not drive the femur deeper goes on."""
    inside = Pose(hip_flexion_r=120, hip_rotation_r=20)  # the neck 3 mm into the socket rim
    assert not limits.allows(inside)
    assert limits.clamp(inside, Pose(hip_flexion_r=100)) == (Pose(hip_flexion_r=100), None)  # backing out
    assert limits.clamp(inside, inside.replace(lumbar_flexion=10)) == (inside.replace(lumbar_flexion=10), None)  # no deeper
    stop, why = limits.clamp(inside, inside.replace(hip_rotation_r=30))  # deeper: refused
    assert stop == inside and "right femur" in why


def test_clearance_check_sees_a_straight_line_through_a_vertebra(model, solids):
    """The check itself: a straight line from the L1 origin to the brim cuts L3 when the spine bends away."""
    psoas = model.muscles["psoas_major_r"]
    transforms = bone_transforms(Pose(lumbar_bending=-30), model.skeleton)
    start = apply(transforms["l1"], psoas.origins[1])
    end = apply(transforms["hip_bone_r"], psoas.steps[0]["point"])
    points, _ = densify(np.array([[start, end]]))
    assert solids["l3"].depth(apply(np.linalg.inv(transforms["l3"]), points)).max() > 5.0


def test_inside_test_agrees_with_winding_numbers(pack, solids):
    """Ray parity against the generalized winding number, on random points in and around T12 and the sacrum."""
    rng = np.random.default_rng(3)
    for bone_id in ("t12", "sacrum"):
        solid = solids[bone_id]
        points = rng.uniform(solid.low - 3, solid.high + 3, (400, 3))
        corners = solid.triangles[None] - points[:, None, None]
        a, b, c = corners[..., 0, :], corners[..., 1, :], corners[..., 2, :]
        la, lb, lc = (np.linalg.norm(v, axis=-1) for v in (a, b, c))
        det = np.einsum("...i,...i", a, np.cross(b, c))
        dots = la * lb * lc + np.einsum("...i,...i", a, b) * lc + np.einsum("...i,...i", b, c) * la + np.einsum("...i,...i", c, a) * lb
        winding = (2 * np.arctan2(det, dots)).sum(axis=1) / (4 * np.pi)
        inside = solid.contains(points)
        assert 20 < inside.sum() < 380
        assert (inside == (winding > 0.5)).all()


@pytest.mark.parametrize("muscle_id", HIP_FLEXORS)
def test_length_falls_smoothly_as_the_hip_flexes(model, muscle_id):
    side = muscle_id[-1]
    angles = np.arange(-30, 91, 5)
    lengths = np.array([model.length(muscle_id, Pose(**{f"hip_flexion_{side}": float(a)})) for a in angles])
    steps = np.diff(lengths)
    assert (steps < 0).all(), "length must fall at every step"
    # smooth: no step more than twice as large as its neighbour (no jumps from the wrapping)
    assert (np.abs(steps[1:]) < 2 * np.abs(steps[:-1]) + 0.5).all()
    assert (np.abs(steps[:-1]) < 2 * np.abs(steps[1:]) + 0.5).all()


@pytest.mark.parametrize("muscle_id", HIP_FLEXORS)
def test_hip_flexion_moment_arms_are_a_few_centimetres(model, muscle_id):
    side = muscle_id[-1]
    for angle in range(-30, 91, 10):
        arm = model.hip_flexion_moment_arm(muscle_id, Pose(**{f"hip_flexion_{side}": float(angle)}))
        assert 5.0 < arm < 60.0, f"{muscle_id} at {angle} degrees: {arm:.1f} mm"


def test_psoas_minor_does_not_cross_the_hip(model):
    lengths = [model.length("psoas_minor_r", Pose(hip_flexion_r=float(a))) for a in (-30, 0, 90, 120)]
    assert max(lengths) - min(lengths) < 1e-6
    assert abs(model.hip_flexion_moment_arm("psoas_minor_r", Pose())) < 1e-6
    assert model.length("psoas_minor_r", Pose(lumbar_flexion=40)) != pytest.approx(lengths[0])


@pytest.mark.parametrize(
    "pose",
    [Pose(), Pose(hip_flexion_r=90, hip_flexion_l=90), Pose(lumbar_flexion=30, pelvic_tilt=-10), Pose(hip_flexion_r=45, hip_flexion_l=45, hip_adduction_r=10, hip_adduction_l=10)],
)
def test_left_and_right_match_in_symmetric_poses(model, pose):
    for name in ("psoas_major", "iliacus", "psoas_minor"):
        assert model.length(f"{name}_r", pose) == pytest.approx(model.length(f"{name}_l", pose), abs=0.5)


def test_mirrored_poses_give_mirrored_lengths(model):
    pose = Pose(hip_flexion_r=70, hip_flexion_l=-20, lumbar_bending=15, hip_rotation_r=10)
    for name in ("psoas_major", "iliacus"):
        assert model.length(f"{name}_r", pose) == pytest.approx(model.length(f"{name}_l", pose.mirrored()), abs=0.5)


def test_sitting_shortens_and_lunge_lengthens_the_psoas(model, annotations):
    standing = model.length("psoas_major_r", Pose())
    sitting = model.length("psoas_major_r", annotations.poses["sitting"].pose)
    lunge = model.length("psoas_major_r", annotations.poses["lunge_stretch"].pose)
    assert sitting < 0.9 * standing
    assert lunge > standing


def test_every_landmark_lies_on_its_bone(annotations, pack):
    skeleton = Skeleton.from_manifest(pack.manifest)
    for landmark in annotations.landmarks.values():
        point = landmark.position + skeleton.frame_origin(landmark.bone)
        _, distance, _ = trimesh.proximity.closest_point(pack.bones[landmark.bone].mesh, [point])
        assert distance[0] < 0.5, f"{landmark.id} is {distance[0]:.1f} mm off {landmark.bone}"


def test_content_covers_what_a_student_needs(annotations):
    ids = set(annotations.landmarks)
    needed = {"lesser_trochanter", "greater_trochanter", "femoral_head", "asis", "aiis", "iliac_crest", "iliac_fossa", "iliopubic_eminence", "pubic_symphysis"}
    for side in "rl":
        assert {f"{n}_{side}" for n in needed} <= ids
        assert {f"l{k}_tp_{side}" for k in range(1, 6)} <= ids
        origins = [f["origin"] for f in annotations.muscles[f"psoas_major_{side}"]["fascicles"]]
        assert len(origins) == 12 and origins[0] == f"psoas_origin_t12_vb_{side}"  # T12 and L1-L5
    assert {"sacral_promontory", "t12_body"} | {f"l{k}_body" for k in range(1, 6)} <= ids
    assert annotations.muscles["psoas_minor_r"]["hidden_by_default"] is True
    assert set(annotations.poses) >= {"standing", "sitting", "knee_lift", "lunge_stretch", "constructive_rest"}


@pytest.mark.parametrize("muscle_id, reference", [("psoas_major_r", "psoas"), ("iliacus_r", "iliacus"), ("psoas_major_l", "psoas"), ("iliacus_l", "iliacus")])
def test_hip_flexion_moment_arms_and_length_changes_match_opensim_and_myoleg(model, muscle_id, reference):
    table = hip_table(model, muscle_id, reference)
    assert rms(table["arm"], table["arm_opensim"]) < 3.0
    assert rms(table["change"], table["change_opensim"]) < 5.0
    assert rms(table["change"], table["change_myoleg"]) < 5.0


@pytest.mark.parametrize("muscle_id", HIP_FLEXORS)
def test_no_jump_or_kink_over_the_hip_range_in_tenth_degree_steps(model, muscle_id):
    side = muscle_id[-1]
    # half a degree inside the range, where every moment arm is a central difference
    curve = sweep(model, Pose(), f"hip_flexion_{side}", np.arange(-29.5, 119.51, 0.1), [muscle_id])[muscle_id]
    # a jump in length, or a kink (a jump in moment arm) where a wrap engages or lets go
    assert np.abs(np.diff(curve.lengths)).max() < 0.1
    assert np.abs(np.diff(curve.moment_arms)).max() < 0.3
    assert np.abs(np.diff(curve.moment_arms, 2)).max() < 0.02


def test_many_poses_at_once_match_one_at_a_time(model, pack):
    rng = np.random.default_rng(5)
    poses = [Pose(hip_flexion_r=rng.uniform(-20, 100), hip_adduction_l=rng.uniform(-20, 10), lumbar_flexion=rng.uniform(-30, 50),
                  lumbar_bending=rng.uniform(-30, 30), lumbar_rotation=rng.uniform(-12, 12), pelvic_tilt=rng.uniform(-10, 10),
                  pelvic_rotation=rng.uniform(-20, 20)) for _ in range(20)]
    stacks = bone_transforms_many(poses, model.skeleton)
    lengths = model.lengths_many(poses)
    for k, pose in enumerate(poses):
        single = bone_transforms(pose, model.skeleton)
        assert np.allclose(stacks[k], np.stack([single[b] for b in model.skeleton.parents]))
        for muscle_id in model.muscles:
            assert lengths[muscle_id][k] == pytest.approx(model.length(muscle_id, pose))


def test_tube_centrelines_follow_each_muscles_own_line(model, annotations):
    """The centrelines gathered for all tubes at once (an index fixed per topology) are those of
    each muscle on its own: a belly muscle's line runs through its belly points, then along its
    first fascicle from below the lane to the insertion; any other muscle's tubes are its fascicles."""
    from viewer.anatomy.muscle_paths import CENTRELINE_POINTS, resample, smooth

    pose = Pose(hip_flexion_r=70, hip_flexion_l=-10, lumbar_bending=20, pelvic_tilt=-10)
    transforms = bone_transforms(pose, model.skeleton)
    states = model.evaluate(pose, transforms)
    for muscle_id, muscle in model.muscles.items():
        paths = states[muscle_id].fascicle_paths
        if muscle.tube == "belly":
            belly = np.array([apply(transforms[b], p) for b, p in zip(muscle.belly_bones, muscle.belly)])
            lines = np.concatenate([belly, paths[0, 1 + muscle.lane.shape[1]:]])[None]
        else:
            lines = paths
        expected, lengths = resample(lines, CENTRELINE_POINTS)
        assert np.allclose(states[muscle_id].centrelines, smooth(expected), atol=1e-9), muscle_id
        assert np.allclose(states[muscle_id].centreline_lengths, lengths)


def test_smoothing_is_three_passes_of_a_quarter_half_quarter_average():
    from viewer.anatomy.muscle_paths import smooth

    lines = np.random.default_rng(2).normal(size=(3, 12, 3))
    expected = lines.copy()
    for _ in range(3):
        expected[:, 1:-1] = 0.25 * expected[:, :-2] + 0.5 * expected[:, 1:-1] + 0.25 * expected[:, 2:]
    assert np.allclose(smooth(lines), expected)


def test_sweep_moment_arm_is_the_hip_moment_arm(model):
    curve = sweep(model, Pose(lumbar_flexion=20), "hip_flexion_r", [0.0, 45.0, 120.0], ["psoas_major_r"])["psoas_major_r"]
    for angle, arm in zip(curve.angles, curve.moment_arms):
        assert arm == pytest.approx(model.hip_flexion_moment_arm("psoas_major_r", Pose(lumbar_flexion=20, hip_flexion_r=angle)))
