"""A body shape change to its first updated frame, against rebuilding the scene for the new body.

    python benchmarks/body_shape.py [repeats]

Off-screen at 1280x800, interactive quality (light bones, no anti-aliasing), as while a shape
slider is dragged. Ours: the shaped pack and annotations (:mod:`viewer.anatomy.bodies`), their
vertices written into the existing surfaces and the muscles recompiled in place
(``AnatomyScene.set_body``), one frame. Baseline: a new scene built on the shaped pack and
annotations, one frame. The one-time cost of tying the sites to the bones is printed apart, and
the floor: a frame of the same scene with nothing changed.
Prints JSON: medians and p95s in milliseconds.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def measure(repeats: int) -> dict:
    import pyvista as pv

    from viewer.anatomy.annotations import load_annotations
    from viewer.anatomy.bodies import Bodies
    from viewer.anatomy.body_shape import BodyShape
    from viewer.anatomy.mesh_pack import load_pack
    from viewer.scene.anatomy_scene import AnatomyScene
    from viewer.scene.offscreen import use_offscreen_backend

    use_offscreen_backend()

    def drawn_scene(pack, annotations) -> AnatomyScene:
        """A scene at interactive quality with its first frame drawn."""
        plotter = pv.Plotter(off_screen=True, window_size=(1280, 800))
        scene = AnatomyScene(plotter, pack, annotations)
        scene.make_state()
        scene.set_still_quality(False)
        plotter.show(auto_close=False)
        plotter.render_window.Render()
        return scene

    pack, annotations = load_pack(), load_annotations()
    scene = drawn_scene(pack, annotations)
    plotter = scene.plotter
    bodies = Bodies(pack, annotations)
    start = time.perf_counter()
    _ = (bodies.binding, bodies.shaper.mean_fits, bodies.mean_overlap)  # the one-time work, timed apart
    first = 1000 * (time.perf_counter() - start)
    shapes = [BodyShape((0.1 * (k % 20) - 1.0, 0.05 * (k % 7), 0.0)) for k in range(repeats)]
    ours, parts, rebuilt, plain = [], [], [], []
    for _ in range(repeats):  # the floor: a frame of the same scene with nothing changed
        start = time.perf_counter()
        plotter.render_window.Render()
        plain.append(1000 * (time.perf_counter() - start))
    for shape in shapes:
        start = time.perf_counter()
        shaped_pack, shaped_annotations = bodies.shaped(shape)
        middle = time.perf_counter()
        scene.set_body(shaped_pack, shaped_annotations)
        plotter.render_window.Render()
        end = time.perf_counter()
        ours.append(1000 * (end - start))
        parts.append((1000 * (middle - start), 1000 * (end - middle)))
    for shape in shapes[: max(3, repeats // 4)]:
        shaped_pack, shaped_annotations = bodies.shaped(shape)
        start = time.perf_counter()
        fresh = drawn_scene(shaped_pack, shaped_annotations)
        rebuilt.append(1000 * (time.perf_counter() - start))
        fresh.plotter.close()
    plotter.close()
    return {
        "body_change_median_ms": float(np.median(ours)), "body_change_p95_ms": float(np.percentile(ours, 95)),
        "of_which_shape_ms": float(np.median([p[0] for p in parts])), "of_which_scene_and_frame_ms": float(np.median([p[1] for p in parts])),
        "rebuild_baseline_median_ms": float(np.median(rebuilt)), "first_binding_ms": first,
        "plain_frame_median_ms": float(np.median(plain)),
    }


if __name__ == "__main__":
    print(json.dumps(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 20), indent=1))
