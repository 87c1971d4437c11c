"""Interaction on the full scene at 1280x800, each figure beside a baseline in the same run.

- frame time while rotating: interactive quality (no anti-aliasing, what dragging uses)
  against full quality (SSAA, what a still frame uses);
- click to selection (pick, state change, highlight and label update; render excluded): VTK's
  cell picker with screen-space landmark matching against a naive pick that projects every
  bone and muscle vertex and takes the nearest.

    python benchmarks/interaction.py [--frames 40] [--clicks 40]

Prints a table and writes benchmarks/results/interaction.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

from viewer.anatomy.annotations import load_annotations
from viewer.anatomy.mesh_pack import load_pack
from viewer.anatomy.muscle_paths import apply
from timing import machine, time_calls
from viewer.scene.offscreen import use_offscreen_backend


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=40)
    parser.add_argument("--clicks", type=int, default=40)
    args = parser.parse_args()
    use_offscreen_backend()
    import pyvista as pv

    from viewer.scene.anatomy_scene import AnatomyScene
    from viewer.scene.projection import world_to_display

    plotter = pv.Plotter(off_screen=True, window_size=(1280, 800))
    scene = AnatomyScene(plotter, load_pack(), load_annotations())
    state = scene.make_state()
    scene.set_view("anterior")
    window = plotter.render_window

    def rotate(_k: int) -> None:
        plotter.camera.Azimuth(3)
        window.Render()

    results = {}
    for name, full in (("interactive", False), ("full_quality", True)):
        scene.set_still_quality(full)
        window.Render()
        results[f"frame_{name}_ms"] = time_calls(rotate, range(args.frames))

    scene.set_still_quality(False)
    scene.set_view("anterior")
    window.Render()
    rng = np.random.default_rng(0)
    targets = scene.landmark_actors.points[rng.integers(0, len(scene.landmark_actors.ids), args.clicks)]
    clicks = world_to_display(plotter.renderer, targets)[0] + rng.normal(0, 2, (args.clicks, 2))
    results["click_ms"] = time_calls(lambda k: state.select(scene.picker.pick(*clicks[k])), range(args.clicks))

    meshes = {b: bone.mesh.vertices for b, bone in scene.pack.bones.items()}

    def naive_pick(k: int) -> None:
        best, best_id = np.inf, None
        for bone_id, vertices in meshes.items():
            screen = world_to_display(plotter.renderer, apply(scene.transforms[bone_id], vertices))[0]
            distance = np.linalg.norm(screen - clicks[k], axis=1).min()
            if distance < best:
                best, best_id = distance, bone_id
        for muscle_id, mesh in scene.muscle_actors.meshes.items():
            distance = np.linalg.norm(world_to_display(plotter.renderer, np.asarray(mesh.points))[0] - clicks[k], axis=1).min()
            if distance < best:
                best, best_id = distance, muscle_id
        state.select(best_id)

    results["click_naive_ms"] = time_calls(naive_pick, range(args.clicks))
    plotter.close()

    summary = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": machine(),
        "window": "1280x800",
    }
    for key, values in results.items():
        summary[key.replace("_ms", "_median_ms")] = statistics.median(values)
        summary[key.replace("_ms", "_min_ms")] = min(values)
    print("interaction at 1280x800, full scene (11 bones, 6 muscles, 73 landmarks, labels on)")
    print(f"{'figure':44s} {'median ms':>10s} {'min ms':>8s}")
    rows = [
        ("frame while rotating, interactive quality", "frame_interactive"),
        ("frame while rotating, full quality (SSAA)", "frame_full_quality"),
        ("click to selection (cell picker + screen)", "click"),
        ("click to selection, naive vertex projection", "click_naive"),
    ]
    for text, key in rows:
        print(f"{text:44s} {summary[key + '_median_ms']:10.1f} {summary[key + '_min_ms']:8.1f}")
    print(f"full quality / interactive: {summary['frame_full_quality_median_ms'] / summary['frame_interactive_median_ms']:.1f}x; "
          f"naive / our click: {summary['click_naive_median_ms'] / summary['click_median_ms']:.1f}x")
    out = Path(__file__).parent / "results" / "interaction.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
