"""The naive baselines that run as their own process: what a plain pyvista script would do.

- ``first-frame OUT``: import pyvista, read the pack's full bone meshes (the same PLY files the
  viewer draws), add them to an off-screen plotter at 1280x800 and write the first frame;
- ``export OUT WxH``: the same scene at the figure's size with SSAA, the picture laid out by
  matplotlib (imshow, a title, savefig); prints the seconds from plotter to written file.

    python benchmarks/bare_pyvista.py first-frame out.png
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

MESHES = Path(__file__).resolve().parents[1] / "meshes"


def scene(size: tuple[int, int]):
    import pyvista as pv

    plotter = pv.Plotter(off_screen=True, window_size=list(size))
    for bone in json.loads((MESHES / "manifest.json").read_text())["bones"]:
        plotter.add_mesh(pv.read(MESHES / bone["file"]), color="ivory", smooth_shading=True)
    plotter.view_xz()
    return plotter


def main() -> None:
    os.environ.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkEGLRenderWindow")
    mode, out = sys.argv[1], sys.argv[2]
    if mode == "first-frame":
        scene((1280, 800)).screenshot(out)
        return
    width, height = (int(side) for side in sys.argv[3].split("x"))
    from matplotlib.figure import Figure

    start = time.perf_counter()
    plotter = scene((width, height))
    plotter.enable_anti_aliasing("ssaa")
    image = plotter.screenshot(return_img=True)
    figure = Figure(figsize=(width / 100, height / 100), dpi=100)
    axes = figure.add_axes([0, 0, 1, 1])
    axes.imshow(image, interpolation="none", aspect="auto")
    axes.set_axis_off()
    figure.text(0.5, 0.95, "Psoas major", ha="center", fontsize=30)
    figure.savefig(out, dpi=100)
    print(json.dumps({"export_s": time.perf_counter() - start}))


if __name__ == "__main__":
    main()
