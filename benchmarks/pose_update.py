"""Pose update of all muscles on both sides, render excluded: in place versus a naive rebuild.

Both run in the same process on the same poses, so their ratio is meaningful even on a noisy
machine. Prints a table and writes JSON to benchmarks/results/pose_update.json.

    python benchmarks/pose_update.py [--repeats 40]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

from viewer.anatomy.annotations import load_annotations
from viewer.anatomy.kinematics import Pose
from viewer.anatomy.mesh_pack import load_pack
from timing import machine, time_calls
from viewer.scene.offscreen import use_offscreen_backend


def poses(count: int) -> list[Pose]:
    """A walk through hip flexion on both sides, out of phase, as in a gait animation."""
    phase = np.linspace(0, 2 * np.pi, count, endpoint=False)
    return [Pose(hip_flexion_r=float(30 + 40 * np.sin(p)), hip_flexion_l=float(30 - 40 * np.sin(p))) for p in phase]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=40)
    args = parser.parse_args()
    use_offscreen_backend()
    import pyvista as pv

    from viewer.scene.anatomy_scene import AnatomyScene

    annotations = load_annotations()
    plotter = pv.Plotter(off_screen=True, window_size=(1280, 800))
    scene = AnatomyScene(plotter, load_pack(), annotations)
    sequence = poses(args.repeats)
    scene.set_pose(sequence[-1])  # warm caches
    in_place = time_calls(scene.set_pose, sequence)

    model = scene.muscle_model
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

    tubes = sum(len(s.centrelines) for s in model.evaluate(Pose()).values())
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": machine(),
        "muscles": len(model.muscles),
        "tubes": tubes,
        "repeats": args.repeats,
        "in_place_ms_median": statistics.median(in_place),
        "in_place_ms_min": min(in_place),
        "naive_rebuild_ms_median": statistics.median(rebuild),
        "naive_rebuild_ms_min": min(rebuild),
    }
    result["speedup"] = result["naive_rebuild_ms_median"] / result["in_place_ms_median"]
    print(f"pose update, {result['muscles']} muscles in {tubes} tubes, both sides, render excluded ({args.repeats} poses)")
    print(f"{'method':36s} {'median ms':>10s} {'min ms':>8s}")
    print(f"{'in place (this viewer)':36s} {result['in_place_ms_median']:10.2f} {result['in_place_ms_min']:8.2f}")
    print(f"{'naive: spline + tube + new actors':36s} {result['naive_rebuild_ms_median']:10.2f} {result['naive_rebuild_ms_min']:8.2f}")
    print(f"speed-up: {result['speedup']:.1f}x")
    out = Path(__file__).parent / "results" / "pose_update.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
