"""Pose update of all muscles on both sides, render excluded: in place versus a naive rebuild.

Both run in the same process on the same poses, so their ratio is meaningful even on a noisy
machine. Part of ``python benchmarks/run.py``.
"""

from __future__ import annotations

import statistics

import numpy as np

from viewer.anatomy.annotations import load_annotations
from viewer.anatomy.kinematics import HipLimits, Pose, Skeleton, bone_transforms
from viewer.anatomy.mesh_pack import load_pack
from timing import time_calls
from viewer.scene.offscreen import use_offscreen_backend


def poses(count: int) -> list[Pose]:
    """A walk through hip flexion on both sides, out of phase, as in a gait animation."""
    phase = np.linspace(0, 2 * np.pi, count, endpoint=False)
    return [Pose(hip_flexion_r=float(30 + 40 * np.sin(p)), hip_flexion_l=float(30 - 40 * np.sin(p))) for p in phase]


def measure(repeats: int) -> dict:
    """Milliseconds per pose change of all muscles (median and min), ours and naive, and the counts."""
    use_offscreen_backend()
    import pyvista as pv

    from viewer.scene.anatomy_scene import AnatomyScene

    annotations = load_annotations()
    plotter = pv.Plotter(off_screen=True, window_size=(1280, 800))
    scene = AnatomyScene(plotter, load_pack(), annotations)
    sequence = poses(repeats)
    scene.set_pose(sequence[-1])  # warm caches
    in_place = time_calls(scene.set_pose, sequence)

    model = scene.muscle_model
    transforms = [bone_transforms(p, scene.skeleton) for p in sequence]
    paths = time_calls(lambda t: model.evaluate(None, t), transforms)  # fascicle paths and the surfaces' centrelines
    radii = {mid: float(np.asarray(m.radius_profile)[:, 1].max()) for mid, m in model.muscles.items()}
    naive_actors: list = []

    def naive(pose: Pose) -> None:
        """What a first version would do: spline and tube filter per tube, new actors each time."""
        for actor in naive_actors:
            plotter.remove_actor(actor, render=False)
        naive_actors.clear()
        for mid, state in model.evaluate(pose).items():
            for line in state.centrelines:
                tube = pv.Spline(line, 64).tube(radius=radii[mid], n_sides=20)
                naive_actors.append(plotter.add_mesh(tube, color=model.muscles[mid].colour, render=False))

    naive(sequence[-1])
    rebuild = time_calls(naive, sequence)
    plotter.close()

    return {
        "muscles": len(model.muscles),
        "surfaces": len(scene.muscle_actors.shapes.sweeps),
        "pose_update_ms": statistics.median(in_place),
        "pose_update_min_ms": min(in_place),
        "pose_update_naive_ms": statistics.median(rebuild),
        "pose_update_naive_min_ms": min(rebuild),
        "pose_paths_ms": statistics.median(paths),
        "pose_paths_min_ms": min(paths),
    }


def measure_many(count: int, repeats: int) -> dict:
    """Seconds for the lengths of all muscles in ``count`` poses: in one batched call, and one pose at a time."""
    from viewer.anatomy.muscle_paths import MuscleModel

    pack = load_pack()
    model = MuscleModel(load_annotations(), Skeleton.from_manifest(pack.manifest))
    sequence = poses(count)
    batched = time_calls(lambda _: model.lengths_many(sequence), range(repeats))
    single = time_calls(lambda _: [model.evaluate(p) for p in sequence], range(max(1, repeats // 3)))
    return {"poses_batch_s": statistics.median(batched) / 1000, "poses_one_by_one_s": statistics.median(single) / 1000, "batch_poses": count}


def measure_hip_limits(repeats: int) -> dict:
    """Milliseconds to ask whether the bones allow a pose (both hips): the hip limits' depth grid,
    against the exact test (ray parity and the distance to the triangles) on the same poses."""
    from viewer.anatomy.clearance import BoneContact
    from viewer.anatomy.inside import Solid

    pack = load_pack()
    skeleton = Skeleton.from_manifest(pack.manifest)
    limits = HipLimits.from_pack(pack, skeleton)
    sequence = poses(repeats)
    limits.allows(sequence[-1])  # builds the grids, as the first pose change in the window does
    ours = time_calls(limits.allows, sequence)
    solids = {b: Solid(pack.bones[b].vertices, pack.bones[b].faces) for b in ("hip_bone_r", "hip_bone_l")}
    contact = BoneContact(pack, skeleton, solids)
    exact = time_calls(lambda p: contact.depth(bone_transforms(p, skeleton)), sequence)
    start, end = Pose(hip_flexion_r=-30, hip_adduction_r=10), Pose(hip_flexion_r=-30, hip_adduction_r=10, hip_rotation_r=-30)
    stop = time_calls(lambda _: limits.clamp(start, end), range(max(3, repeats // 4)))
    return {"hip_limits_ms": statistics.median(ours), "hip_limits_exact_ms": statistics.median(exact),
            "hip_limits_clamp_ms": statistics.median(stop)}
