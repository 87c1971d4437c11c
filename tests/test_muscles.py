"""Muscle paths and tubes: clear of bone, shortening with hip flexion, volume kept."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import pyvista as pv
import trimesh
import vtk

from viewer.anatomy.annotations import load_annotations
from viewer.anatomy.kinematics import Pose, Skeleton, bone_transforms
from viewer.anatomy.mesh_pack import load_pack
from viewer.anatomy.muscle_paths import MuscleModel
from viewer.anatomy.pack_frame import apply
from viewer.anatomy.tube import TubeTopology, radius_profile, tube_surface, volume_keeping_scale

# Bone surfaces are refined from coarse source meshes; a point counts as inside a bone only
# when it is deeper than this (the same allowance as for landmarks on surfaces).
DEPTH_TOLERANCE_MM = 2.0
HIP_FLEXORS = ["psoas_major_r", "psoas_major_l", "iliacus_r", "iliacus_l"]


@pytest.fixture(scope="module")
def pack():
    return load_pack()


@pytest.fixture(scope="module")
def annotations():
    return load_annotations()


@pytest.fixture(scope="module")
def model(pack, annotations):
    return MuscleModel(annotations, Skeleton.from_manifest(pack.manifest))


@pytest.fixture(scope="module")
def signed_distance(pack):
    """Signed distance to each bone in its standing position (negative inside), via VTK."""
    functions = {}
    for bone_id, bone in pack.bones.items():
        function = vtk.vtkImplicitPolyDataDistance()
        function.SetInput(pv.PolyData(bone.mesh.vertices, np.hstack([np.full((len(bone.mesh.faces), 1), 3), bone.mesh.faces])))
        functions[bone_id] = function

    def distance(bone_id, points):
        function = functions[bone_id]
        return np.array([function.EvaluateFunction(p) for p in points])

    return distance


def _penetrations(pose, model, pack, signed_distance):
    transforms = bone_transforms(pose, model.skeleton)
    found = []
    for muscle_id, state in model.evaluate(pose, transforms).items():
        for kind, lines in (("tube centreline", state.centrelines), ("fascicle", state.fascicle_paths)):
            points = lines.reshape(-1, 3)
            for bone_id, bone in pack.bones.items():
                local = apply(np.linalg.inv(transforms[bone_id]), points)
                low, high = bone.mesh.bounds
                near = np.all((local > low - 3) & (local < high + 3), axis=1)
                if near.any():
                    depth = -signed_distance(bone_id, local[near]).min()
                    if depth > DEPTH_TOLERANCE_MM:
                        found.append(f"{muscle_id} {kind} {depth:.1f} mm inside {bone_id}")
    return found


HIP_GRID = [
    Pose(hip_flexion_r=f, hip_flexion_l=f, hip_adduction_r=a, hip_adduction_l=a, hip_rotation_r=r, hip_rotation_l=-r)
    for f, a, r in itertools.product([-30, -15, 0, 30, 60, 90, 120], [-30, 0, 15], [-30, 0, 30])
]
SPINE_GRID = [
    Pose(hip_flexion_r=h, hip_flexion_l=5, lumbar_flexion=lf, lumbar_bending=lb, pelvic_tilt=t)
    for h, lf, lb, t in itertools.product([0, 60], [-30, 0, 50], [-30, 0, 30], [-25, 0, 25])
]


def test_no_muscle_passes_through_bone_over_the_hip_range(model, pack, signed_distance):
    problems = [f"{pose}: {p}" for pose in HIP_GRID for p in _penetrations(pose, model, pack, signed_distance)]
    assert problems == []


def test_no_muscle_passes_through_bone_as_spine_and_pelvis_move(model, pack, signed_distance):
    problems = [f"{pose}: {p}" for pose in SPINE_GRID for p in _penetrations(pose, model, pack, signed_distance)]
    assert problems == []


def test_no_muscle_passes_through_bone_in_any_stretch(model, pack, signed_distance):
    from viewer.anatomy.stretches import load_stretches

    stretches = load_stretches().stretches
    problems = [f"{s.id}: {p}" for s in stretches for pose in (s.pose, s.pose.mirrored())
                for p in _penetrations(pose, model, pack, signed_distance)]
    assert problems == []


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


def _tube_volumes(model, pose):
    topology = TubeTopology(64, 20)
    standing = model.evaluate(Pose())
    volumes = {}
    for muscle_id, state in model.evaluate(pose).items():
        radii = radius_profile(model.muscles[muscle_id].radius_profile, 64)[None] * volume_keeping_scale(
            state.centreline_lengths, standing[muscle_id].centreline_lengths
        )[:, None]
        vertices, _ = tube_surface(state.centrelines, radii, 20, np.tile([1.0, 0, 0], (len(radii), 1)))
        volumes[muscle_id] = sum(trimesh.Trimesh(v, topology.faces(), process=False).volume for v in vertices)
    return volumes


@pytest.mark.parametrize("pose_id", ["sitting", "knee_lift", "lunge_stretch", "constructive_rest"])
def test_tubes_keep_their_volume_within_five_percent(model, annotations, pose_id):
    standing = _tube_volumes(model, Pose())
    posed = _tube_volumes(model, annotations.poses[pose_id].pose)
    for muscle_id, volume in posed.items():
        assert volume == pytest.approx(standing[muscle_id], rel=0.05), muscle_id
        assert volume > 0


def test_tubes_are_broad_at_the_belly_and_narrow_at_the_tendon(model):
    profile = radius_profile(model.muscles["psoas_major_r"].radius_profile, 64)
    assert profile.max() > 3 * profile[-1]
    assert profile[0] < profile.max() and 10 < profile.argmax() < 50


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
