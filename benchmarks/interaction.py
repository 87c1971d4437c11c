"""Interaction on the full scene at 1280x800, each figure beside a baseline in the same run.

- frame time while rotating: what dragging, pose animations and camera flights use (no
  anti-aliasing, light bones, the scene at half resolution, labels following their plan), the
  quick frame that first answers an action (the same at full resolution) and a still frame (full
  surfaces, SSAA);
- click to selection (pick, state change, highlight and label update; render excluded): VTK's
  cell picker with screen-space landmark matching against a naive pick that projects every
  bone and muscle vertex and takes the nearest.

Part of ``python benchmarks/run.py``.
"""

from __future__ import annotations

import statistics

import numpy as np

from viewer.anatomy.annotations import load_annotations
from viewer.anatomy.mesh_pack import load_pack
from viewer.anatomy.pack_frame import apply
from timing import time_calls
from viewer.scene.offscreen import use_offscreen_backend


def measure(frames: int, clicks: int) -> dict:
    """Milliseconds (median and min) per rotating frame at both qualities and per click, ours and naive."""
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
    for name, full, low_resolution in (("interactive", False, True), ("quick", False, False), ("full_quality", True, False)):
        scene.set_still_quality(full)
        scene.resolution.set(moving=low_resolution)
        window.Render()
        results[f"frame_{name}_ms"] = time_calls(rotate, range(frames))

    scene.set_still_quality(False)
    scene.set_view("anterior")
    window.Render()
    rng = np.random.default_rng(0)
    targets = scene.landmark_actors.points[rng.integers(0, len(scene.landmark_actors.ids), clicks)]
    positions = world_to_display(plotter.renderer, targets)[0] + rng.normal(0, 2, (clicks, 2))
    results["click_ms"] = time_calls(lambda k: state.select(scene.picker.pick(*positions[k])), range(clicks))

    meshes = {b: bone.mesh.vertices for b, bone in scene.pack.bones.items()}

    def naive_pick(k: int) -> None:
        best, best_id = np.inf, None
        for bone_id, vertices in meshes.items():
            screen = world_to_display(plotter.renderer, apply(scene.transforms[bone_id], vertices))[0]
            distance = np.linalg.norm(screen - positions[k], axis=1).min()
            if distance < best:
                best, best_id = distance, bone_id
        for muscle_id, mesh in scene.muscle_actors.meshes.items():
            distance = np.linalg.norm(world_to_display(plotter.renderer, np.asarray(mesh.points))[0] - positions[k], axis=1).min()
            if distance < best:
                best, best_id = distance, muscle_id
        state.select(best_id)

    results["click_naive_ms"] = time_calls(naive_pick, range(clicks))
    plotter.close()

    summary = {}
    for key, values in results.items():
        summary[key] = statistics.median(values)
        summary[key.replace("_ms", "_min_ms")] = min(values)
    return summary
