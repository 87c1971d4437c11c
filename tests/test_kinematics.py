"""Poses and bone transforms."""

from __future__ import annotations

import numpy as np
import pytest

from viewer.anatomy.kinematics import LIMITS, Pose, PoseError, Skeleton, bone_transforms
from viewer.anatomy.mesh_pack import load_manifest, default_pack_dir
from viewer.anatomy.pack_frame import apply

DISCS = ("disc_t12_l1", "disc_l1_l2", "disc_l2_l3", "disc_l3_l4", "disc_l4_l5", "disc_l5_s1")


@pytest.fixture(scope="module")
def skeleton():
    return Skeleton.from_manifest(load_manifest(default_pack_dir()))


def test_standing_moves_nothing(skeleton):
    for transform in bone_transforms(Pose(), skeleton).values():
        np.testing.assert_allclose(transform, np.eye(4), atol=1e-12)


@pytest.mark.parametrize("side, other", [("r", "l"), ("l", "r")])
def test_hip_flexion_swings_the_knee_forward_about_the_hip_centre(skeleton, side, other):
    hip = skeleton.joint_centres[f"femur_{side}"]
    knee = hip + np.array([-20.0 if side == "r" else 20.0, 0.0, -430.0])
    transforms = bone_transforms(Pose(**{f"hip_flexion_{side}": 90}), skeleton)
    moved = apply(transforms[f"femur_{side}"], knee)
    assert moved[1] > 400  # now in front of the hip (y anterior)
    assert abs(moved[2] - hip[2]) < 30  # at hip height
    assert abs(moved[0] - knee[0]) < 1e-9  # flexion turns about the left-right axis only
    np.testing.assert_allclose(apply(transforms[f"femur_{side}"], hip), hip, atol=1e-9)
    np.testing.assert_allclose(transforms[f"femur_{other}"], np.eye(4), atol=1e-12)  # the other thigh stays


def test_adduction_and_internal_rotation_turn_towards_the_midline(skeleton):
    knee_r = skeleton.joint_centres["femur_r"] + np.array([0.0, 0.0, -400.0])
    knee_l = skeleton.joint_centres["femur_l"] + np.array([0.0, 0.0, -400.0])
    pose = Pose(hip_adduction_r=15, hip_adduction_l=15)
    transforms = bone_transforms(pose, skeleton)
    assert apply(transforms["femur_r"], knee_r)[0] < knee_r[0] - 50  # right knee moves left (medial)
    assert apply(transforms["femur_l"], knee_l)[0] > knee_l[0] + 50
    front_r = skeleton.joint_centres["femur_r"] + np.array([0.0, 30.0, -50.0])
    turned = apply(bone_transforms(Pose(hip_rotation_r=30), skeleton)["femur_r"], front_r)
    assert turned[0] < front_r[0] - 10  # the front of the right thigh turns inwards


def test_lumbar_flexion_bends_the_trunk_forward_and_is_shared_by_five_joints(skeleton):
    top = np.array([0.0, -60.0, 330.0])
    transforms = bone_transforms(Pose(lumbar_flexion=40), skeleton)
    assert apply(transforms["t12"], top)[1] > top[1] + 40
    # each lumbar joint turns 8 degrees: L1 relative to L2 is one fifth of the total
    relative = np.linalg.inv(transforms["l2"]) @ transforms["l1"]
    angle = np.degrees(np.arccos((np.trace(relative[:3, :3]) - 1) / 2))
    assert angle == pytest.approx(8.0, abs=1e-6)
    bent = apply(bone_transforms(Pose(lumbar_bending=20), skeleton)["t12"], top)
    assert bent[0] > 30  # bending to the right moves T12 to the right (+x)


def test_pelvic_tilt_carries_the_spine_and_changes_the_hip_joint_angle(skeleton):
    pose = Pose(pelvic_tilt=-10, hip_flexion_r=-20)
    assert pose.hip_joint_flexion("r") == -30
    transforms = bone_transforms(pose, skeleton)
    np.testing.assert_allclose(transforms["l3"], transforms["sacrum"], atol=1e-12)
    promontory = np.array([0.0, -40.0, 135.0])
    assert apply(transforms["sacrum"], promontory)[1] < promontory[1] - 15  # tuck: the top tips backwards


@pytest.mark.parametrize(
    "angles",
    [
        {"hip_flexion_r": 121},
        {"hip_flexion_l": -31},
        {"hip_flexion_r": -25, "pelvic_tilt": -10},  # the tuck takes the joint past -30
        {"hip_adduction_l": LIMITS["hip_adduction"][1] + 1},
        {"lumbar_bending": float("nan")},
        {"lumbar_rotation": LIMITS["lumbar_rotation"][1] + 1},
        {"knee_flexion_r": -5},
        {"hip_rotation_r": 20, "pelvic_rotation": 15},  # the pelvis turning right adds internal rotation
    ],
)
def test_poses_outside_the_limits_are_refused(angles):
    with pytest.raises(PoseError):
        Pose(**angles)


def test_mirrored_pose_swaps_sides():
    pose = Pose(hip_flexion_r=30, hip_adduction_l=10, lumbar_bending=12)
    mirrored = pose.mirrored()
    assert (mirrored.hip_flexion_l, mirrored.hip_adduction_r, mirrored.lumbar_bending) == (30, 10, -12)
    assert mirrored.mirrored() == pose
    turned = Pose(lumbar_rotation=8, pelvic_rotation=12, knee_flexion_r=40).mirrored()
    assert (turned.lumbar_rotation, turned.pelvic_rotation, turned.knee_flexion_l) == (-8, -12, 40)


def test_pelvic_rotation_turns_the_pelvis_and_the_femoral_heads_stay_in_their_sockets(skeleton):
    pose = Pose(pelvic_rotation=20)
    assert pose.hip_joint_rotation("r") == 20 and pose.hip_joint_rotation("l") == -20
    transforms = bone_transforms(pose, skeleton)
    front = np.array([0.0, 120.0, 60.0])  # in front of the pelvis
    assert apply(transforms["hip_bone_r"], front)[0] > 30  # its front turns to the right (+x)
    for side in "rl":
        centre = skeleton.frame_origin(f"femur_{side}")
        np.testing.assert_allclose(apply(transforms[f"femur_{side}"], centre), apply(transforms[f"hip_bone_{side}"], centre), atol=1e-9)
        # the thigh keeps its direction in the room
        np.testing.assert_allclose(transforms[f"femur_{side}"][:3, :3], np.eye(3), atol=1e-12)


def test_lumbar_rotation_turns_each_vertebra_a_fifth_more(skeleton):
    transforms = bone_transforms(Pose(lumbar_rotation=10), skeleton)
    angles = []
    for bone in ("l5", "l4", "l3", "l2", "l1"):
        rotation = transforms[bone][:3, :3]
        angles.append(np.degrees(np.arctan2(rotation[1, 0], rotation[0, 0])))
    np.testing.assert_allclose(angles, [-2, -4, -6, -8, -10], atol=1e-9)  # front turning right: clockwise from above


def test_the_skeleton_reads_joints_and_centres_from_the_manifest():
    skeleton = Skeleton.from_manifest(load_manifest(default_pack_dir()))  # built here, not in the shared fixture
    assert skeleton.joints == {"t12": None, **{f"l{k}": "lumbar" for k in range(1, 6)}, "sacrum": None,
                               "hip_bone_r": None, "hip_bone_l": None, "femur_r": "hip_r", "femur_l": "hip_l",
                               "tibia_r": "knee_r", "tibia_l": "knee_l", "patella_r": "patella_r", "patella_l": "patella_l",
                               **{disc: "disc" for disc in DISCS}}
    assert sorted(skeleton.joint_centres) == sorted(["femur_l", "femur_r", "l1", "l2", "l3", "l4", "l5", "patella_l", "patella_r",
                                                     "tibia_l", "tibia_r", *DISCS])
    assert skeleton.uppers == {"disc_t12_l1": "t12", "disc_l1_l2": "l1", "disc_l2_l3": "l2", "disc_l3_l4": "l3",
                               "disc_l4_l5": "l4", "disc_l5_s1": "l5"}
    assert skeleton.joint_centres["l3"].dtype == float
    np.testing.assert_array_equal(skeleton.frame_origin("l3"), skeleton.joint_centres["l3"])
    # a bone without a joint has the manifest's origin: the hip bone's is its socket, the femur's head centre
    np.testing.assert_array_equal(skeleton.frame_origin("hip_bone_r"), skeleton.joint_centres["femur_r"])
    assert skeleton.frame_origin("sacrum")[0] == 0.0 and skeleton.frame_origin("sacrum")[2] > 50  # the S1 endplate


@pytest.mark.parametrize("axis", ["x", "y", "z"])
def test_rotations_are_right_handed_and_proper(axis):
    from viewer.anatomy.kinematics import rotation

    matrix = rotation(axis, 30)
    np.testing.assert_allclose(matrix @ matrix.T, np.eye(3), atol=1e-12)
    assert np.linalg.det(matrix) == pytest.approx(1.0)
    unit = {"x": 0, "y": 1, "z": 2}[axis]
    following = np.eye(3)[(unit + 1) % 3]  # x -> y -> z -> x: a positive turn carries each axis towards the next
    np.testing.assert_allclose(matrix @ following, np.cos(np.radians(30)) * following + np.sin(np.radians(30)) * np.eye(3)[(unit + 2) % 3],
                               atol=1e-12)


@pytest.mark.parametrize("side", ["r", "l"])
def test_adduction_turns_the_thigh_by_exactly_its_angle(skeleton, side):
    axis = apply(bone_transforms(Pose(**{f"hip_adduction_{side}": 15}), skeleton)[f"femur_{side}"], np.array([[0, 0, 0], [0, 0, -1.0]]))
    down = axis[1] - axis[0]
    assert np.degrees(np.arccos(-down[2])) == pytest.approx(15)
    assert np.sign(down[0]) == (-1 if side == "r" else 1)  # the knee towards the midline


def test_lumbar_bending_and_rotation_are_shared_by_the_five_joints(skeleton):
    transforms = bone_transforms(Pose(lumbar_bending=20, lumbar_rotation=10), skeleton)
    relative = np.linalg.inv(transforms["l2"]) @ transforms["l1"]
    angle = np.degrees(np.arccos((np.trace(relative[:3, :3]) - 1) / 2))
    from viewer.anatomy.kinematics import rotation

    one_fifth = rotation("y", 20 / 5) @ rotation("z", -10 / 5)
    assert angle == pytest.approx(np.degrees(np.arccos((np.trace(one_fifth) - 1) / 2)))  # about 4.5 degrees a joint


@pytest.mark.parametrize(
    "angles, message",
    [
        ({"hip_flexion_r": 121}, "hip_flexion_r 121 degrees is outside -30 to 120"),
        ({"hip_adduction_l": 16}, "hip_adduction_l 16 degrees is outside -30 to 15"),
        ({"hip_rotation_r": 31}, "hip_rotation_r 31 degrees is outside -30 to 30"),
        ({"knee_flexion_l": 141}, "knee_flexion_l 141 degrees is outside 0 to 140"),
        ({"pelvic_tilt": 26}, "pelvic_tilt 26 degrees is outside -25 to 25"),
        ({"lumbar_bending": float("nan")}, "lumbar_bending is nan, not a number of degrees"),
    ],
)
def test_a_refused_pose_says_which_angle_and_the_range(angles, message):
    with pytest.raises(PoseError) as caught:
        Pose(**angles)
    assert str(caught.value) == message


def test_the_limits_themselves_are_allowed():
    Pose(hip_flexion_r=120, hip_flexion_l=-30, knee_flexion_r=0, knee_flexion_l=140)
    Pose(pelvic_tilt=25, hip_flexion_r=-25, hip_flexion_l=-25)


def test_each_vertebra_turns_about_its_own_joint_centre(skeleton):
    transforms = bone_transforms(Pose(lumbar_flexion=40, lumbar_bending=20), skeleton)
    for bone, parent in (("l1", "l2"), ("l2", "l3"), ("l3", "l4"), ("l4", "l5"), ("l5", "sacrum")):
        centre = skeleton.frame_origin(bone)
        np.testing.assert_allclose(apply(transforms[bone], centre), apply(transforms[parent], centre), atol=1e-9)


@pytest.mark.parametrize("side", ["r", "l"])
def test_knee_flexion_swings_the_foot_back_about_the_knee(skeleton, side):
    knee = skeleton.joint_centres[f"tibia_{side}"]
    bent = bone_transforms(Pose(**{f"knee_flexion_{side}": 90}), skeleton)
    moved = apply(bent[f"tibia_{side}"], np.array([knee, knee + [0, 0, -400.0]]))
    np.testing.assert_allclose(moved[0], knee, atol=1e-9)
    np.testing.assert_allclose(moved[1], knee + [0, -400.0, 0], atol=1e-9)  # the foot behind the knee
    # the patella turns two thirds as far about the same axis; the other leg does not move
    patella = bent[f"patella_{side}"][:3, :3]
    assert np.degrees(np.arccos(patella[1, 1])) == pytest.approx(60.0)
    other = "l" if side == "r" else "r"
    np.testing.assert_allclose(bent[f"tibia_{other}"], bone_transforms(Pose(), skeleton)[f"tibia_{other}"], atol=1e-12)