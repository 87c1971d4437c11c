"""Draw bodies of several shapes side by side, one camera for all (docs/images/body-shapes.png).

    python tools/body_shapes_figure.py OUT.png [SHAPE ...]   (default: size=-2 mean size=+2 pelvis=-2 pelvis=+2)

Each body is drawn by the window's own path (``AnatomyScene.set_body``, then the muscles fitted to
its bones as once it settles) from the same camera, framed on the biggest of them, so sizes
compare directly.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PANEL = (560, 900)


def main(out: Path, specs: list[str]) -> None:
    import pyvista as pv

    from viewer.anatomy.annotations import load_annotations
    from viewer.anatomy.bodies import Bodies
    from viewer.anatomy.body_shape import BodyShape
    from viewer.anatomy.mesh_pack import load_pack
    from viewer.scene.anatomy_scene import AnatomyScene
    from viewer.scene.offscreen import use_offscreen_backend
    from viewer.scene.views import VIEWS

    use_offscreen_backend()
    pack, annotations = load_pack(), load_annotations()
    bodies = Bodies(pack, annotations)
    shapes = [BodyShape.parse(spec) for spec in specs]
    plotter = pv.Plotter(off_screen=True, window_size=PANEL)
    scene = AnatomyScene(plotter, pack, annotations)
    state = scene.make_state()
    state.set_labels(False)
    plotter.show(auto_close=False)  # pyvista renders nothing before its first show()
    bodies_drawn = [bodies.shaped(shape) for shape in shapes]
    points = np.vstack([np.vstack([b.vertices for b in p.bones.values()]) for p, _ in bodies_drawn])
    scene.frame(points, VIEWS["anterior"])
    images = []
    for shape, (shaped_pack, shaped_annotations) in zip(shapes, bodies_drawn):
        scene.set_body(shaped_pack, shaped_annotations)
        scene.use_muscle_shapes(scene.body_fit()(), scene.body)  # as the window draws a settled body
        scene.set_still_quality(True)
        plotter.render_window.Render()
        image = Image.fromarray(plotter.screenshot(return_img=True))
        ImageDraw.Draw(image).text((16, 12), shape.describe(), fill=(235, 235, 235))
        images.append(image)
    figure = Image.new("RGB", (PANEL[0] * len(images), PANEL[1]))
    for k, image in enumerate(images):
        figure.paste(image, (PANEL[0] * k, 0))
    figure.save(out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2:] or ["size=-2", "mean", "size=+2", "pelvis=-2", "pelvis=+2"])
