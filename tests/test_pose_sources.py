"""Every named pose keeps the joint angles its source cites, and lying poses keep the feet on the floor."""

from __future__ import annotations

import json

import numpy as np
import pytest

from viewer.anatomy import lower_limb
from viewer.anatomy.pack_frame import apply
from viewer.anatomy.annotations import (
    default_annotations_path,
    load_annotations,
    shipped_content_path,
)
from viewer.anatomy.json_input import InputError
from viewer.anatomy.kinematics import Pose, Skeleton, angle, bone_transforms
from viewer.anatomy.mesh_pack import load_pack
from viewer.anatomy.stretches import load_stretches

FLOOR_TOLERANCE_MM = 20.0


def shipped_poses() -> list[tuple[str, dict]]:
    """(file and id, entry) for every pose in annotations.json and stretches.json."""
    out = []
    for path in (default_annotations_path(), shipped_content_path("stretches.json")):
        for entry in json.loads(path.read_text())["poses"]:
            out.append((f"{path.name}:{entry['id']}", entry))
    return out


@pytest.mark.parametrize("where,entry", shipped_poses(), ids=[w for w, _ in shipped_poses()])
def test_every_pose_has_its_hip_joints_inside_the_range_its_source_cites(where, entry):
    pose = Pose(**entry["angles"])
    ranges = entry["cited_ranges"]
    assert {"hip_joint_flexion_r", "hip_joint_flexion_l"} <= set(ranges), where
    for name, (low, high) in ranges.items():
        assert low <= high, (where, name)
        assert low - 1e-9 <= angle(pose, name) <= high + 1e-9, (where, name, angle(pose, name), (low, high))
    assert entry.get("source", "").strip(), where


def test_lunges_extend_the_rear_hip_joint_by_15_to_20_degrees_thigh_angle_plus_tuck():
    stretches = {s.id: s for s in load_stretches().stretches}
    lunges = [stretches[i].pose for i in ("kneeling_lunge_neutral", "kneeling_lunge_tucked", "standing_lunge", "half_kneeling_side_bend")]
    lunges.append(load_annotations().poses["lunge_stretch"].pose)
    for pose in lunges:
        extension = -(pose.hip_flexion_r + pose.pelvic_tilt)
        assert 15 <= extension <= 20, pose
        assert extension == -pose.hip_joint_flexion("r")


def test_thomas_test_normal_short_and_excessive_length():
    stretches = {s.id: s.pose for s in load_stretches().stretches}
    normal, short, long = stretches["thomas_test"], stretches["thomas_test_short"], stretches["thomas_test_long"]
    # Kendall: the low back flat, the pelvis tilted back about 10 degrees; normal: the thigh on the table
    for pose in (normal, short, long):
        assert pose.pelvic_tilt == -10 and pose.hip_joint_flexion("l") == 120
    assert normal.hip_flexion_r == 0 and normal.hip_joint_flexion("r") == -10 and normal.knee_flexion_r == 80
    assert short.hip_flexion_r > 0  # the thigh stays above the table
    assert long.hip_flexion_r < 0  # the thigh drops below it


def test_bridge_is_in_line_with_a_neutral_spine():
    bridge = {s.id: s.pose for s in load_stretches().stretches}["bridge"]
    assert bridge.hip_joint_flexion("r") == bridge.hip_joint_flexion("l") == 0
    assert bridge.pelvic_tilt == bridge.lumbar_flexion == 0


def test_walking_poses_are_single_instants_of_the_cycle():
    stretches = {s.id: s.pose for s in load_stretches().stretches}
    swing, stance = stretches["walking_swing"], stretches["walking_late_stance"]
    # Perry and Burnfield: the knee's 60 degree peak comes before the hip's peak, so not both at once
    assert not (swing.knee_flexion_r >= 55 and swing.hip_joint_flexion("r") >= 30)
    assert stance.hip_joint_flexion("r") <= -10 and stance.knee_flexion_r <= 10


@pytest.fixture(scope="module")
def body():
    pack = load_pack()
    skeleton = Skeleton.from_manifest(pack.manifest)
    return pack, skeleton


def sole_heights(pose: Pose, pack, skeleton) -> list[float]:
    """Each foot's sole above the floor a supine body lies on, in mm."""
    transforms = bone_transforms(pose, skeleton)
    floor = lower_limb.supine_floor([pack.bones[b].vertices for b in lower_limb.PELVIS], [transforms[b] for b in lower_limb.PELVIS])
    heights = []
    for side, tibia_id in lower_limb.TIBIAE.items():
        thigh = float(np.linalg.norm(skeleton.joint_centres[lower_limb.FEMURS[side]] - skeleton.joint_centres[tibia_id]))
        ankle = apply(transforms[tibia_id], lower_limb.ankle_centre(pack.bones[tibia_id].vertices))
        heights.append(lower_limb.sole_above_floor(ankle, floor, thigh))
    return heights


def test_constructive_rest_keeps_the_feet_on_the_floor(body):
    poses = [load_annotations().poses["constructive_rest"].pose, {s.id: s.pose for s in load_stretches().stretches}["constructive_rest"]]
    for pose in poses:
        heights = sole_heights(pose, *body)
        assert len(heights) == 2
        assert all(abs(h) <= FLOOR_TOLERANCE_MM for h in heights), heights


def test_the_old_constructive_rest_would_lift_the_feet_off_the_floor(body):
    # hips 60 and knees 100, as before: the check above would have failed
    heights = sole_heights(Pose(hip_flexion_r=60, hip_flexion_l=60, knee_flexion_r=100, knee_flexion_l=100), *body)
    assert all(h > 100 for h in heights), heights


def test_ankle_hangs_below_the_knee_standing_and_swings_back_with_knee_flexion(body):
    pack, skeleton = body
    knee = skeleton.joint_centres["tibia_r"]
    ankle = lower_limb.ankle_centre(pack.bones["tibia_r"].vertices)
    assert 330 < knee[2] - ankle[2] < 420  # an adult tibia, knee to ankle
    bent = apply(bone_transforms(Pose(knee_flexion_r=90), skeleton)["tibia_r"], ankle)
    assert bent[1] < knee[1] - 300 and abs(bent[2] - knee[2]) < 60  # the lower leg swings backwards


def test_a_pose_outside_its_cited_range_is_reported_with_its_place(tmp_path):
    doc = json.loads(shipped_content_path("stretches.json").read_text())
    doc["poses"][0]["angles"]["hip_flexion_r"] = -30
    path = tmp_path / "stretches.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError) as caught:
        load_stretches(path)
    assert "$.poses[0].cited_ranges" in str(caught.value) and "hip_joint_flexion_r is -30" in str(caught.value)

    annotations = json.loads(default_annotations_path().read_text())
    index = next(k for k, p in enumerate(annotations["poses"]) if p["id"] == "lunge_stretch")
    annotations["poses"][index]["angles"]["pelvic_tilt"] = -20
    path = tmp_path / "annotations.json"
    path.write_text(json.dumps(annotations))
    with pytest.raises(InputError) as caught:
        load_annotations(path)
    assert "cited_ranges" in str(caught.value) and "hip_joint_flexion_r is -30" in str(caught.value)
