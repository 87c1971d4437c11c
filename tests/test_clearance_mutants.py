"""How deep muscle lines go into bones (``viewer.anatomy.clearance``), on made-up bones, lines and
poses whose answers are written out: a cube for a bone, a few points for a femur. Written to kill
the mutants mutmut found surviving; no pack is loaded."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from viewer.anatomy import clearance
from viewer.anatomy.annotations import Landmark
from viewer.anatomy.inside import Solid
from viewer.anatomy.kinematics import LIMITS, Pose, Skeleton
from viewer.anatomy.mesh_pack import Bone
from viewer.anatomy.muscle_paths import MuscleModel

CUBE_V = np.array(list(itertools.product([-1.0, 1], repeat=3)))
CUBE_F = np.array([[0, 1, 3], [0, 3, 2], [4, 6, 7], [4, 7, 5], [0, 4, 5], [0, 5, 1],
                   [2, 3, 7], [2, 7, 6], [0, 2, 6], [0, 6, 4], [1, 5, 7], [1, 7, 3]])


def cube(centre, half):
    return Solid(CUBE_V * half + centre, CUBE_F)


def test_a_penetration_says_what_went_how_deep_where():
    found = clearance.Penetration("sit", "psoas_major_r", "l1_vb", "l2", 1.25)
    assert str(found) == "psoas_major_r l1_vb 1.2 mm inside l2 (sit)"


def test_densify_puts_points_no_further_apart_than_the_step():
    paths = np.array([[[0.0, 0, 0], [2.5, 0, 0], [2.5, 0, 0.5]], [[0.0, 0, 0], [0, 0, 0], [0, 3, 0]]])
    points, line = clearance.densify(paths)
    np.testing.assert_allclose(points, [
        [0, 0, 0], [2.5 / 3, 0, 0], [5 / 3, 0, 0], [2.5, 0, 0],        # 2.5 mm in three pieces
        [0, 0, 0], [0, 0, 0], [0, 1, 0], [0, 2, 0],                    # a segment of no length still gives its start
        [2.5, 0, 0.5], [0, 3, 0]])                                      # and each line's last point
    assert line.tolist() == [0, 0, 0, 0, 1, 1, 1, 1, 0, 1]
    points, line = clearance.densify(paths[:1], step=0.5)
    assert len(points) == 5 + 1 + 1 and line.tolist() == [0] * 7
    np.testing.assert_allclose(points[:5, 0], [0, 0.5, 1, 1.5, 2])


def fake_bone(name, vertices, faces=CUBE_F, disc=None):
    return Bone(name, name, None, None, None, vertices, faces, Path(f"{name}.ply"), disc=disc)


class FakePack:
    def __init__(self, bones):
        self.bones = {bone.id: bone for bone in bones}


def test_bones_and_discs_are_made_solid_apart():
    pack = FakePack([fake_bone("l1", CUBE_V), fake_bone("disc", CUBE_V * 2, disc=object()), fake_bone("l2", CUBE_V * 3)])
    bones, discs = clearance.bone_solids(pack), clearance.disc_solids(pack)
    assert list(bones) == ["l1", "l2"] and list(discs) == ["disc"]
    assert bones["l2"].contains(np.array([[2.5, 0, 0]])).tolist() == [True]
    assert discs["disc"].contains(np.array([[1.5, 0, 0], [2.5, 0, 0]])).tolist() == [True, False]


class FemurSkeleton:
    """Hip centres: the right one at the origin, the left at x = 100."""

    def frame_origin(self, bone):
        return {"femur_r": np.zeros(3), "femur_l": np.array([100.0, 0, 0])}[bone]


def femur(centre):
    """A head of radius 20 about ``centre`` and points down its 'neck' at 22, 24, 50, 89 and 91 mm."""
    head = np.array([[20.0, 0, 0], [-20, 0, 0], [0, 20, 0], [0, -20, 0], [0, 0, 20], [0, 0, -20]] * 2)
    neck = np.array([[0.0, 0, -d] for d in (22, 24, 50, 89, 91)])
    return np.r_[head, neck] + centre


def eye(**moves):
    out = {name: np.eye(4) for name in ("femur_r", "femur_l", "hip_bone_r", "hip_bone_l")}
    for name, shift in moves.items():
        out[name][:3, 3] = shift
    return out


def test_bone_contact_measures_the_femur_beyond_its_head_inside_its_hip_bone():
    pack = FakePack([fake_bone("femur_r", femur(np.zeros(3))), fake_bone("femur_l", femur(np.array([100.0, 0, 0])))])
    solids = {"hip_bone_r": cube(np.array([0.0, 0, -50]), 10), "hip_bone_l": cube(np.array([100.0, 0, -80]), 5)}
    contact = clearance.BoneContact(pack, FemurSkeleton(), solids)
    np.testing.assert_array_equal(contact.parts["r"], [[0, 0, -24], [0, 0, -50], [0, 0, -89]])  # not the head, not beyond reach
    np.testing.assert_array_equal(contact.parts["l"], [[100, 0, -24], [100, 0, -50], [100, 0, -89]])
    assert contact.depth(eye()) == pytest.approx(10)  # the right neck point at the middle of its cube
    assert contact.depth(eye(femur_r=[0, 0, 4])) == pytest.approx(6)
    assert contact.depth(eye(femur_r=[0, 0, 4], hip_bone_r=[0, 0, 4])) == pytest.approx(10)  # moved together
    assert contact.depth(eye(femur_r=[0, 30, 0])) == pytest.approx(0)
    assert contact.depth(eye(femur_r=[0, 30, 0], femur_l=[0, 0, -29])) == pytest.approx(4)  # the left one alone
    assert contact.depth(eye(femur_l=[0, 0, -27])) == pytest.approx(10)  # the deeper of the two
    narrow = clearance.BoneContact(pack, FemurSkeleton(), solids, reach=60)
    np.testing.assert_array_equal(narrow.parts["r"], [[0, 0, -24], [0, 0, -50]])


class Limits:
    def allows(self, pose):
        return pose.hip_flexion_r < 100


def test_split_keeps_the_order_of_what_each_side_gets():
    poses = {"a": Pose(hip_flexion_r=110), "b": Pose(), "c": Pose(hip_flexion_r=100), "d": Pose(hip_flexion_r=99)}
    allowed, refused = clearance.split(Limits(), poses)
    assert list(allowed) == ["b", "d"] and list(refused) == ["a", "c"] and refused["a"] is poses["a"]


def test_pose_grid_covers_each_joint_pairs_and_corners_and_the_named_poses():
    sit = Pose(hip_flexion_r=90, hip_flexion_l=80, lumbar_bending=5)
    grid = clearance.pose_grid({"sit": sit})
    kinds = [label.split(" ")[0].split("=")[0] for label in grid]
    singles = [name for name in LIMITS if name != "knee_flexion"]
    assert [kinds.count(name) for name in singles] == [7] * len(singles) and "knee_flexion" not in kinds
    assert (kinds.count("hip"), kinds.count("spine"), kinds.count("corner"), len(grid)) == (36, 486, 32, 7 * 8 + 36 + 486 + 32 + 2)
    assert [label for label in grid if label.startswith("hip_flexion")] == [
        "hip_flexion=-30", "hip_flexion=-5", "hip_flexion=20", "hip_flexion=45", "hip_flexion=70", "hip_flexion=95", "hip_flexion=120"]
    assert grid["hip_rotation=-10"] == Pose(hip_rotation_r=-10, hip_rotation_l=10)
    assert grid["hip_adduction=15"] == Pose(hip_adduction_r=15, hip_adduction_l=15)
    assert grid["hip_flexion=95"] == Pose(hip_flexion_r=95, hip_flexion_l=95)
    assert grid["pelvic_tilt=-25"] == Pose(pelvic_tilt=-25) and grid["lumbar_rotation=12"] == Pose(lumbar_rotation=12)
    assert grid["hip 120/15/30"] == Pose(hip_flexion_r=120, hip_flexion_l=120, hip_adduction_r=15, hip_adduction_l=15,
                                          hip_rotation_r=30, hip_rotation_l=-30)
    assert grid["spine 50/-30/12 pelvis 25/-30 hips 60"] == Pose(
        hip_flexion_r=35, hip_flexion_l=35, lumbar_flexion=50, lumbar_bending=-30, lumbar_rotation=12, pelvic_tilt=25, pelvic_rotation=-30)
    assert grid["spine -30/0/0 pelvis -25/0 hips 0"] == Pose(lumbar_flexion=-30, pelvic_tilt=-25)
    assert grid["spine 0/30/-12 pelvis 0/0 hips 60"] == Pose(hip_flexion_r=60, hip_flexion_l=60, lumbar_bending=30, lumbar_rotation=-12)
    assert grid["corner hip 120/15/30 bend 30 tilt 25"] == Pose(
        hip_flexion_r=95, hip_flexion_l=95, hip_adduction_r=15, hip_adduction_l=15, hip_rotation_r=30, hip_rotation_l=-30,
        lumbar_bending=30, pelvic_tilt=25, lumbar_flexion=50)
    assert grid["corner hip -30/-30/-30 bend -30 tilt -25"] == Pose(
        hip_flexion_r=-5, hip_flexion_l=-5, hip_adduction_r=-30, hip_adduction_l=-30, hip_rotation_r=-30, hip_rotation_l=30,
        lumbar_bending=-30, pelvic_tilt=-25, lumbar_flexion=-30)
    assert grid["corner hip -30/15/30 bend 30 tilt 25"].hip_flexion_r == -30
    assert grid["sit"] is sit and grid["sit (mirrored)"] == sit.mirrored() and list(grid)[-2:] == ["sit", "sit (mirrored)"]
    assert clearance._valid(hip_flexion_r=500) is None and clearance._valid(pelvic_tilt=5) == Pose(pelvic_tilt=5)


class Content:
    def __init__(self, landmarks, muscles):
        self.landmarks = {lm.id: lm for lm in landmarks}
        self.muscles = {m["id"]: m for m in muscles}
        self.bone_ids = ["pelvis", "spine", "femur_r"]


def line_model():
    """Two muscles of straight vertical lines from the spine to the right femur, which turns at the hip (0, 0, -100)."""
    skeleton = Skeleton(parents={"pelvis": None, "spine": "pelvis", "femur_r": "pelvis"},
                        joints={"pelvis": None, "spine": None, "femur_r": "hip_r"},
                        joint_centres={"femur_r": np.array([0.0, 0, -100])})
    landmarks = [Landmark("top1", "T", "spine", np.array([0.0, 0, 100]), "landmark"),
                 Landmark("top2", "T", "spine", np.array([30.0, 0, 100]), "landmark"),
                 Landmark("low1", "L", "femur_r", np.array([0.0, 0, -100]), "landmark"),
                 Landmark("low2", "L", "femur_r", np.array([30.0, 0, -100]), "landmark")]
    muscles = [{"id": f"m{k}", "name": "M", "side": "r", "colour": "#fff", "tube": "fascicles", "radius_profile": [[0, 1], [1, 1]],
                "fascicles": [{"id": f"f{k}", "origin": f"top{k}"}], "path": [], "insertion": f"low{k}"} for k in (1, 2)]
    return MuscleModel(Content(landmarks, muscles), skeleton)


def test_penetrations_finds_each_line_inside_each_bone_at_its_deepest():
    model = line_model()
    solids = {"pelvis": cube(np.array([3.0, 0, 0]), 10), "spine": cube(np.array([30.0, 0, 50]), 8)}
    found = clearance.penetrations(model, solids, {"stand": Pose(), "lift": Pose(hip_flexion_r=90)})
    got = [(p.pose, p.muscle, p.fascicle, p.bone, round(p.depth, 6)) for p in found]
    # lifted, the thigh swings both insertions forwards and the lines pass in front of both cubes
    assert got == [("stand", "m1", "f1", "pelvis", 7.0), ("stand", "m2", "f2", "spine", 8.0)]
    at_insertion = {"femur_r": cube(np.array([0.0, 0, -200]), 5)}  # measured in the femur's frame, so it goes with it
    found = clearance.penetrations(model, at_insertion, {"stand": Pose(), "lift": Pose(hip_flexion_r=90)})
    assert [(p.pose, p.muscle, p.bone, round(p.depth, 6)) for p in found] == [("stand", "m1", "femur_r", 5), ("lift", "m1", "femur_r", 5)]
    assert clearance.penetrations(model, {"pelvis": cube(np.array([0.0, 0, -260]), 20)}, {"stand": Pose()}) == []
    below = {"pelvis": cube(np.array([0.0, 0, -130]), 20)}  # the femur's end of the line goes in standing, out when lifted
    assert [(p.pose, p.muscle) for p in clearance.penetrations(model, below, {"stand": Pose(), "lift": Pose(hip_flexion_r=90)})] == [
        ("stand", "m1")]
    coarse = clearance.penetrations(model, {"pelvis": cube(np.array([0.0, 0, 2.5]), 0.6)}, {"stand": Pose()}, step=5.0)
    assert coarse == []  # samples at z = 5 and 0 step over a bone 1.2 mm thick at z = 2.5
    fine = clearance.penetrations(model, {"pelvis": cube(np.array([0.0, 0, 2.5]), 0.6)}, {"stand": Pose()})
    assert [(p.muscle, round(p.depth, 6)) for p in fine] == [("m1", 0.1)]  # z = 2 and 3, 0.1 mm inside


def test_deepest_vertex_names_the_deepest_point_in_each_bones_own_frame():
    """Two cubes, each moved by its transform: the deepest point of any surface inside any bone,
    by its depth, its surface and its bone; points near a box but outside count 0; none inside, 0."""
    solids = {"a": cube(np.zeros(3), 10.0), "b": cube(np.zeros(3), 5.0)}
    to_b = np.eye(4)
    to_b[:3, 3] = [100.0, 0, 0]  # bone b stands 100 mm along x
    transforms = {"a": np.eye(4), "b": to_b}
    surfaces = {"psoas": np.array([[7.0, 0, 0], [0, 0, 10.5]]),       # 3 mm deep in a; just outside a, inside its grown box
                "iliacus": np.array([[101.0, 0, 0], [50.0, 0, 0]])}  # 4 mm deep in b, and far from both
    assert clearance.deepest_vertex(surfaces, solids, transforms) == pytest.approx((4.0, "iliacus", "b"))
    assert clearance.deepest_vertex({"psoas": surfaces["psoas"]}, solids, transforms) == pytest.approx((3.0, "psoas", "a"))
    assert clearance.deepest_vertex({"psoas": np.array([[0.0, 0, 10.5], [60.0, 0, 0]])}, solids, transforms) == (0.0, "", "")
    # just inside a face, on the low side and on the high side: counted (the box is only where to look)
    assert clearance.deepest_vertex({"psoas": np.array([[-9.5, 0, 0]])}, solids, transforms) == pytest.approx((0.5, "psoas", "a"))
    assert clearance.deepest_vertex({"psoas": np.array([[0, 9.6, 0]])}, solids, transforms) == pytest.approx((0.4, "psoas", "a"))
    # b's points are taken into b's frame: left standing at the origin, they would read inside a
    moved = {"a": np.eye(4), "b": np.eye(4)}
    assert clearance.deepest_vertex({"psoas": np.array([[101.0, 0, 0]])}, solids, moved) == (0.0, "", "")
