"""The Stretch lab's ranked chart for slides: a bar per side for each pose, with a picture of the pose."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

import numpy as np

from viewer.anatomy.annotations import Annotations
from viewer.anatomy.atomic_file import write_bytes_atomic
from viewer.anatomy.mesh_pack import MeshPack
from viewer.anatomy.output_file import check_output
from viewer.anatomy.stretches import StretchResult, largest_percent
from viewer.anatomy.view_file import PANEL_DEFAULTS
from viewer.scene import style
from viewer.scene.export import draw_strain_bar, offscreen_scene
from viewer.scene.literal_text import literal_text

THUMBNAIL_SIZE = (300, 300)
# Sides in greys, right darker: red and blue mean longer and shorter in the pictures, and only that.
SIDE_COLOURS = {"r": "#4a4f57", "l": "#a3a9b2"}
FORMATS = {".png": "png", ".svg": "svg"}
NAME_WIDTH = 30  # characters per line of a pose name
TOP_IN, BOTTOM_IN, ROW_IN = 0.95, 0.7, 0.75  # margins and row height, inches


def render_thumbnails(pack: MeshPack, annotations: Annotations, results: list[StretchResult],
                      size: tuple[int, int] = THUMBNAIL_SIZE) -> dict[str, np.ndarray]:
    """A side view of each pose from the right, muscles coloured by length change, on one off-screen scene."""
    panel = {**PANEL_DEFAULTS, "camera": {"preset": "right"}, "pose": "standing", "labels": "none", "strain": True}
    images = {}
    with offscreen_scene(pack, annotations, panel, size) as scene:
        plotter = scene.plotter
        scene.landmark_actors.actor.visibility = False
        plotter.enable_anti_aliasing("ssaa")
        for result in results:
            scene.state.set_pose(result.stretch.pose)
            scene.set_view("right")
            plotter.render()  # screenshot() alone may hand back the previous frame
            images[result.stretch.id] = plotter.screenshot(return_img=True)
    return images


@literal_text
def chart_figure(results: list[StretchResult], thumbnails: dict[str, np.ndarray]):
    """Matplotlib figure: ranked poses top to bottom, psoas major change per side as bars."""
    from matplotlib.figure import Figure

    rows = len(results)
    height = ROW_IN * rows + TOP_IN + BOTTOM_IN
    figure = Figure(figsize=(11, height), dpi=150)
    grid = figure.add_gridspec(rows, 3, width_ratios=[1.1, 2.6, 6.3], left=0.02, right=0.97, top=1 - TOP_IN / height,
                               bottom=BOTTOM_IN / height, hspace=0.15, wspace=0.02)
    figure.suptitle("Does this stretch lengthen the psoas major?  Change of length against standing, this model",
                    fontsize=12, x=0.02, y=1 - 0.12 / height, ha="left", va="top")
    strain_legend(figure, 0.02, 1 - 0.6 / height)
    limit = largest_percent(results) * 1.15
    for k, result in enumerate(results):
        picture = figure.add_subplot(grid[k, 0])
        picture.imshow(thumbnails[result.stretch.id])
        picture.set_axis_off()
        name = figure.add_subplot(grid[k, 1])
        name.set_axis_off()
        name.text(0.04, 0.5, textwrap.fill(f"{k + 1}. {result.stretch.name}", NAME_WIDTH), va="center", ha="left", fontsize=9)
        bars = figure.add_subplot(grid[k, 2])
        for offset, side in ((-0.2, "r"), (0.2, "l")):
            found = result.get("psoas_major", side)
            if found is None:
                continue
            change = found.percent
            stretched = result.stretch.side in (side, "both")
            bars.barh(offset, change, height=0.36, color=SIDE_COLOURS[side],
                      edgecolor="black" if stretched else "none", linewidth=0.8)
            bars.text(change + (0.012 * limit if change >= 0 else -0.012 * limit), offset, f"{change:+.1f}%".replace("-", "\u2212"),
                      va="center", ha="left" if change >= 0 else "right", fontsize=7)
        bars.set_xlim(-limit, limit)
        bars.set_ylim(0.55, -0.55)
        bars.axvline(0, color="#444444", linewidth=0.8)
        bars.set_yticks([])
        for spine in ("top", "right", "left"):
            bars.spines[spine].set_visible(False)
        if k < rows - 1:
            bars.set_xticklabels([])
        else:
            bars.set_xlabel("psoas major length change (%):  \u2190 shortens   |   lengthens \u2192", fontsize=9)
    figure.text(0.02, 0.01, "Dark bars: right psoas major; light bars: left; outlined: the side the stretch is meant for. "
                "Pictures from the right, coloured by length as the legend at the top says. Angles and their sources: stretches.json.",
                fontsize=7, color="#444444")
    return figure


def strain_legend(figure, left: float, bottom: float) -> tuple[float, float, float, float]:
    """What the pictures' colours mean, in one line from (left, bottom) in figure fractions: a title, then
    "shorter −25%", the colour bar and "+25% longer"; returns its box in figure fractions."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(figure).get_renderer()
    width, height = figure.bbox.width, figure.bbox.height
    title, shorter, longer = style.strain_end_texts()
    x, boxes = left * width, []
    for k, words in enumerate((f"Pictures: {title.lower()}", shorter, None, longer)):
        if words is None:  # the colour bar, 1.6 inches by 0.14
            bar = figure.add_axes([x / width, bottom, 1.6 * figure.dpi / width, 0.14 * figure.dpi / height])
            draw_strain_bar(bar)
            boxes.append(bar.get_window_extent(renderer))
        else:
            text = figure.text(x / width, bottom + 0.07 * figure.dpi / height, words, fontsize=9, va="center", ha="left",
                               weight="bold" if k == 0 else "normal")
            boxes.append(text.get_window_extent(renderer))
        x = boxes[-1].x1 + 0.12 * figure.dpi
    return (left, min(b.y0 for b in boxes) / height, x / width, max(b.y1 for b in boxes) / height)


def export_chart(pack: MeshPack, annotations: Annotations, results: list[StretchResult], out: Path,
                 make_folders: bool = False) -> Path:
    """Write the chart as PNG or SVG (vector bars and text, embedded pictures), atomically (``out`` checked first)."""
    out = check_output(out, FORMATS, [pack.directory], make_folders)
    figure = chart_figure(results, render_thumbnails(pack, annotations, results))
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        figure.savefig(buffer, format=FORMATS[out.suffix.lower()])
    write_bytes_atomic(out, buffer.getvalue(), make_folders)
    return out
