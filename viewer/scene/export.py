"""Figures for print and slides: rendered panels plus vector annotations, as PNG, SVG or PDF.

Each panel is rendered off-screen by the same scene the window uses; matplotlib then lays the
panels out and draws the annotations on top (labels with leader lines placed by
:mod:`viewer.scene.label_layout` clear of everything else, title, caption, legend, strain legend,
scale bar, pose readout, credit line).
In SVG and PDF those annotations stay vector; the anatomy is the rendered image. A PNG is put
together without passing the rendered pixels through matplotlib: the annotations are drawn on a
transparent layer and laid over the panels as they came from the renderer (at 4K matplotlib's
image pipeline took seconds and several float copies of the picture). The command line and the
window's File > Export figure both call :func:`export_figure`.
"""

from __future__ import annotations

import io
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from viewer.anatomy.annotations import Annotations
from viewer.anatomy.atomic_file import write_bytes_atomic
from viewer.anatomy.mesh_pack import MeshPack
from viewer.anatomy.output_file import check_output
from viewer.anatomy.view_file import PANEL_DEFAULTS, normalised
from viewer.scene import style
from viewer.scene.label_layout import Box, layout_labels
from viewer.scene.literal_text import literal_text
from viewer.scene.offscreen import use_offscreen_backend
from viewer.scene.saved_views import apply_camera, state_for_panel
from viewer.scene.tiles import TILE, render_in_tiles

FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
MAX_SIDE = 7680
DPI = 100
LABEL_PT = 11.0
# Above this many pixels SSAA costs seconds, and the figure is drawn in tiles without it. (8x MSAA
# was used there: on this VTK build it changed no pixel in a figure, mean difference 0.04 of 255,
# and cost a third of the memory and half the render time.)
SSAA_PIXEL_LIMIT = 2_500_000
# SSAA draws five times the pixels: its tiles are a quarter of the size (a 1920x1080 figure drawn
# whole peaked 180 MB above the window's memory)
SSAA_TILE = (TILE[0] // 2, TILE[1] // 2)
NICE_LENGTHS_MM = (5, 10, 20, 25, 50, 100, 200)
# zlib level of figure PNGs: at 4K level 1 writes in 0.85 s what the default 6 writes in 1.4 s, 30% bigger
PNG_COMPRESSION = 1


@dataclass
class PanelRender:
    """One rendered panel: its image and what the annotations need to know about it."""

    image: np.ndarray  # (h, w, 3 or 4) uint8, top row first
    labels: list[tuple[str, tuple[float, float]]]  # text and anchor in panel pixels, origin bottom left
    mm_per_pixel: float
    readout: str
    caption: str = ""
    dashed: list[bool] = field(default_factory=list)  # per label: the landmark lies behind something
    priority: list[float] = field(default_factory=list)  # per label, for the layout's choice
    limit: int | None = None


@dataclass
class FigureLayout:
    """Where things went, in figure pixels with the origin bottom left (for checks and tests)."""

    size: tuple[int, int]
    panels: list[tuple[float, float, float, float]] = field(default_factory=list)
    label_boxes: list[tuple[str, tuple[float, float, float, float]]] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)
    scale_bars_mm: list[float] = field(default_factory=list)
    # what labels keep clear of: legend, strain legend, credit, each panel's scale bar and footer
    kept_clear: list[tuple[str, tuple[float, float, float, float]]] = field(default_factory=list)
    strain_legend: tuple[float, float, float, float] | None = None


def _configure(scene, panel: dict, annotations: Annotations) -> None:
    """Put a fresh scene into the state a panel describes; the figure draws its own labels."""
    state = state_for_panel(scene, panel, annotations)
    state.labels_on = False
    scene.bind(state)
    apply_camera(scene, panel["camera"])


def _label_plan(scene, panel: dict):
    """What a figure labels, by the window's rule: for "auto" the relevant landmarks in sight, else those named."""
    from viewer.scene.label_plan import plan_labels

    if scene.landmark_actors is None or panel["labels"] == "none":
        return None
    return plan_labels(scene, panel["selection"], only=None if panel["labels"] == "auto" else list(panel["labels"]))


def readout(scene) -> str:
    """Hip angles and the change of psoas major length from standing, in words for a figure."""
    pose = scene.pose
    # the thigh's angle in the room is what the sliders set; the hip joint's is that less the pelvic tilt
    parts = [f"thigh flexion R {pose.hip_flexion_r:.0f}°, L {pose.hip_flexion_l:.0f}°"]
    if pose.pelvic_tilt:
        parts.append(f"hip joint R {pose.hip_joint_flexion('r'):.0f}°, L {pose.hip_joint_flexion('l'):.0f}°")
    for side, word in (("r", "R"), ("l", "L")):
        muscle = f"psoas_major_{side}"
        if muscle in scene.muscle_states:
            change = 100 * (scene.muscle_states[muscle].length / scene.standing_lengths[muscle] - 1)
            parts.append(f"psoas major {word} {change:+.0f}%")
    return ", ".join(parts)


@contextmanager
def offscreen_scene(pack: MeshPack, annotations: Annotations | None, panel: dict, size: tuple[int, int]):
    """An off-screen scene set up as ``panel`` describes; closed on leaving the block."""
    use_offscreen_backend()
    import pyvista as pv

    from viewer.scene.anatomy_scene import AnatomyScene

    plotter = pv.Plotter(off_screen=True, window_size=list(size))
    try:
        scene = AnatomyScene(plotter, pack, annotations)
        if annotations is not None:
            _configure(scene, panel, annotations)
        else:
            apply_camera(scene, panel["camera"])
        yield scene
    finally:
        plotter.close()


def render_panel(pack: MeshPack, annotations: Annotations | None, panel: dict, size: tuple[int, int], transparent: bool = False) -> PanelRender:
    """Render one panel off-screen at full quality."""
    with offscreen_scene(pack, annotations, panel, size) as scene:
        plotter = scene.plotter
        labels, plan = [], None
        if annotations is not None:
            plan = _label_plan(scene, panel)
            landmarks = scene.landmark_actors
            # a figure shows the glyphs of what it labels (and the selection), not every dot
            keep = set(plan.ids if plan else ()) | {panel["selection"]}
            landmarks.set_visible(landmarks.visible & np.array([lid in keep for lid in landmarks.ids], dtype=bool))
            if plan is not None:
                labels = [(text, tuple(anchor)) for text, anchor in zip(plan.texts, plan.anchors)]
        ssaa = size[0] * size[1] <= SSAA_PIXEL_LIMIT
        plotter.render_window.SetMultiSamples(0)
        if ssaa:
            plotter.enable_anti_aliasing("ssaa")
            scene.resolution.set(supersampled=True)
        image = render_in_tiles(plotter, size, alpha=transparent, tile=SSAA_TILE if ssaa else TILE)
        camera = plotter.camera
        distance = np.linalg.norm(np.subtract(camera.position, camera.focal_point))
        mm_per_pixel = 2 * distance * np.tan(np.radians(camera.view_angle) / 2) / size[1]
        text = readout(scene) if annotations is not None else ""
    extra = {"dashed": list(plan.dashed), "priority": list(plan.priority), "limit": plan.limit} if plan is not None else {}
    return PanelRender(image, labels, float(mm_per_pixel), text, panel.get("caption", ""), **extra)


def _nice_length(mm_per_pixel: float, target_pixels: float) -> float:
    wanted = mm_per_pixel * target_pixels
    return min(NICE_LENGTHS_MM, key=lambda length: abs(length - wanted))


def _box(extent) -> Box:
    return (float(extent.x0), float(extent.y0), float(extent.x1), float(extent.y1))


def _union(*boxes: Box) -> Box:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def _text_box(text, renderer) -> Box:
    """A text's box in figure pixels, with the box drawn behind it if it has one."""
    box = _box(text.get_window_extent(renderer))
    if text.get_bbox_patch() is not None:
        text.update_bbox_position_size(renderer)
        box = _union(box, _box(text.get_bbox_patch().get_window_extent(renderer)))
    return box


def _scale_bar(figure, renderer, panel: PanelRender, rect, size, scale: float, ink: str) -> tuple[float, Box]:
    """A bar of a round length at the bottom right of a panel; returns its length in mm and its box."""
    from matplotlib.lines import Line2D

    x0, y0, panel_width, panel_height = rect
    width, height = size
    mm_per_figure_pixel = panel.mm_per_pixel * panel.image.shape[0] / panel_height
    length = _nice_length(mm_per_figure_pixel, 0.15 * panel_width)
    pixels = length / mm_per_figure_pixel
    bx, by = x0 + panel_width - 20 * scale - pixels, y0 + 40 * scale
    line = Line2D([bx / width, (bx + pixels) / width], [by / height, by / height], color=ink, linewidth=3 * scale)
    figure.add_artist(line)
    text = figure.text((bx + pixels / 2) / width, (by + 6 * scale) / height, f"{length:g} mm", fontsize=10 * scale, color=ink,
                       ha="center", va="bottom")
    return float(length), _union(_box(line.get_window_extent(renderer)), _text_box(text, renderer))


def _strain_bar(figure, renderer, right: float, top: float, size, scale: float, ink: str) -> Box:
    """The strain legend: a title, the colour bar and its two ends on a dark box whose top right
    corner is (right, top) in figure pixels; returns the box."""
    from matplotlib.patches import Rectangle

    width, height = size
    title, shorter, longer = (figure.text(0, 0, words, fontsize=(10 if k == 0 else 9) * scale, color=ink, va="bottom", ha="left")
                              for k, words in enumerate(style.strain_end_texts()))
    (_, _, tw, th), (_, _, sw, sh), (_, _, lw, _) = (_size(t, renderer) for t in (title, shorter, longer))
    pad, gap, bar_height = 7 * scale, 4 * scale, 12 * scale
    bar_width = max(tw, sw + lw + 24 * scale)
    box = (right - bar_width - 2 * pad, top - 2 * pad - th - bar_height - sh - 2 * gap, right, top)
    left, bottom = box[0] + pad, box[1] + pad
    figure.add_artist(Rectangle((box[0] / width, box[1] / height), (box[2] - box[0]) / width, (box[3] - box[1]) / height,
                                transform=figure.transFigure, facecolor="#15171c", edgecolor="none", alpha=0.8))
    shorter.set_position((left / width, bottom / height))
    longer.set_position(((left + bar_width - lw) / width, bottom / height))
    bar_bottom = bottom + sh + gap
    bar = figure.add_axes([left / width, bar_bottom / height, bar_width / width, bar_height / height])
    draw_strain_bar(bar)
    bar.set_zorder(2)  # over the dark box (a patch, zorder 1)
    title.set_position(((left + (bar_width - tw) / 2) / width, (bar_bottom + bar_height + gap) / height))
    for text in (title, shorter, longer):
        text.set_zorder(3)
    return box


def draw_strain_bar(axes, steps: int = 64) -> None:
    """The strain colour map, shorter (left) to longer (right), filling ``axes``; vector steps, so an
    SVG or PDF keeps it editable and holds no extra image."""
    axes.pcolormesh(np.linspace(-1, 1, steps + 1), [0, 1], np.linspace(-1, 1, steps)[None], cmap=style.strain_colour_map(),
                    vmin=-1, vmax=1, shading="flat", edgecolors="face", linewidth=0.3)
    axes.set_axis_off()


def _size(text, renderer) -> Box:
    extent = text.get_window_extent(renderer)
    return (0.0, 0.0, float(extent.width), float(extent.height))


def _place_labels(figure, renderer, panel: PanelRender, rect, size, scale: float, ink: str, keep_out: list[Box]) -> list:
    """Lay a panel's labels out clear of ``keep_out`` (figure pixels) and draw them with their leaders;
    returns (text, box in figure pixels) of each placed label."""
    from matplotlib.lines import Line2D

    x0, y0, panel_width, panel_height = rect
    width, height = size
    sx, sy = panel_width / panel.image.shape[1], panel_height / panel.image.shape[0]
    texts = [
        figure.text(0, 0, name, fontsize=LABEL_PT * scale, color=ink, va="bottom", ha="left",
                    bbox={"boxstyle": "square,pad=0.25", "facecolor": "#15171c", "edgecolor": "none", "alpha": 0.8})
        for name, _ in panel.labels
    ]
    extents = np.array([_size(t, renderer)[2:] for t in texts])
    pad = 0.5 * LABEL_PT * scale
    anchors = np.array([[a[0] * sx, a[1] * sy] for _, a in panel.labels])
    priority = np.asarray(panel.priority, float) if panel.priority else None
    # what is already drawn over this panel, in the panel's own pixels
    clear = [(bx0 - x0, by0 - y0, bx1 - x0, by1 - y0) for bx0, by0, bx1, by1 in keep_out
             if bx0 < x0 + panel_width and bx1 > x0 and by0 < y0 + panel_height and by1 > y0]
    placed = layout_labels(anchors, extents + pad, (panel_width, panel_height), priority,
                           margin=6 * scale, gap=4 * scale, limit=panel.limit, keep_out=clear)
    kept = {label.index for label in placed}
    for index, text in enumerate(texts):
        text.set_visible(index in kept)
    boxes = []
    for label in placed:
        bx0, by0, bx1, by1 = label.box
        texts[label.index].set_position(((x0 + bx0 + pad / 2) / width, (y0 + by0 + pad / 2) / height))
        ax, ay = anchors[label.index]
        figure.add_artist(Line2D([(x0 + ax) / width, (x0 + label.leader_end[0]) / width],
                                 [(y0 + ay) / height, (y0 + label.leader_end[1]) / height], color=ink, linewidth=0.8 * scale,
                                 linestyle="--" if panel.dashed and panel.dashed[label.index] else "-"))
        boxes.append((panel.labels[label.index][0], (x0 + bx0, y0 + by0, x0 + bx1, y0 + by1)))
    return boxes


@literal_text
def compose(view: dict, panels: list[PanelRender], size: tuple[int, int], credit_text: str, legend: list[tuple[str, str]],
            draw_images: bool = True, strain: bool = False):
    """Lay rendered panels out and draw the annotations; returns (matplotlib figure, layout).

    Legend, strain legend, credit, scale bars and pose readouts are drawn first and measured; the
    labels are then laid out clear of them. With ``strain`` the strain legend is drawn. With
    ``draw_images`` false the figure holds only the annotations, on a transparent background, for
    :func:`_composite_png` to lay over the panel images.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    width, height = size
    scale = max(0.6, min(width, 2 * height) / 1600)  # text grows with the picture
    figure = Figure(figsize=(width / DPI, height / DPI), dpi=DPI)
    renderer = FigureCanvasAgg(figure).get_renderer()
    transparent = view["background"] == "transparent"
    figure.patch.set_facecolor("none" if transparent or not draw_images else view["background"])
    ink = "#f4f4f4"
    top_band = 0.075 * height if view.get("title") else 0.0
    bottom_band = 0.06 * height if view.get("caption") else 0.0
    panel_width = width / len(panels)
    panel_height = height - top_band - bottom_band
    layout = FigureLayout(size=size, legend=legend)
    right, top = width - 0.01 * width, height - top_band - 10 * scale
    if view["legend"] and legend:
        handles = [Patch(facecolor=colour, label=name) for name, colour in legend]
        drawn = figure.legend(handles=handles, loc="upper right", bbox_to_anchor=(right / width, top / height),
                              fontsize=10 * scale, frameon=True, facecolor="#15171c", edgecolor="none", labelcolor=ink)
        layout.kept_clear.append(("legend", _box(drawn.get_window_extent(renderer))))
        top = layout.kept_clear[-1][1][1] - 8 * scale
    if view["legend"] and strain:
        layout.strain_legend = _strain_bar(figure, renderer, right, top, size, scale, ink)
        layout.kept_clear.append(("strain legend", layout.strain_legend))
    if view["credit"]:
        text = figure.text(1 - 8 * scale / width, 4 * scale / height, credit_text, fontsize=7 * scale, color="#b8bec8", ha="right", va="bottom")
        layout.kept_clear.append(("credit", _text_box(text, renderer)))
    rects = [(k * panel_width, bottom_band, panel_width, panel_height) for k in range(len(panels))]
    for panel, rect in zip(panels, rects):
        x0, y0 = rect[:2]
        if draw_images:
            axes = figure.add_axes([x0 / width, y0 / height, panel_width / width, panel_height / height])
            axes.imshow(panel.image, interpolation="none", aspect="auto")
            axes.set_axis_off()
        layout.panels.append((x0, y0, x0 + panel_width, y0 + panel_height))
        if view["scale_bar"]:
            length, box = _scale_bar(figure, renderer, panel, rect, size, scale, ink)
            layout.scale_bars_mm.append(length)
            layout.kept_clear.append(("scale bar", box))
        footer = "  ·  ".join(part for part in (panel.caption, panel.readout if view["pose_readout"] else "") if part)
        if footer:
            text = figure.text((x0 + 10 * scale) / width, (y0 + 10 * scale) / height, footer, fontsize=10 * scale, color=ink,
                               va="bottom", ha="left", bbox={"facecolor": "#15171c", "edgecolor": "none", "alpha": 0.7})
            layout.kept_clear.append(("footer", _text_box(text, renderer)))
    for panel, rect in zip(panels, rects):
        if panel.labels:
            layout.label_boxes += _place_labels(figure, renderer, panel, rect, size, scale, ink, [box for _, box in layout.kept_clear])
    if view.get("title"):
        figure.text(0.5, 1 - top_band / 2 / height, view["title"], fontsize=20 * scale, color=ink, ha="center", va="center", weight="bold")
    if view.get("caption"):
        figure.text(0.5, bottom_band / 2 / height, view["caption"], fontsize=12 * scale, color=ink, ha="center", va="center")
    return figure, layout


def credit(pack: MeshPack) -> str:
    source = pack.manifest.get("source", {})
    if source.get("package"):
        return f"Bones: {source['package']} {source.get('version', '')} ({source.get('licence', 'see NOTICE')}) · psoas viewer"
    return "psoas viewer"


def legend_entries(annotations: Annotations | None, view: dict) -> list[tuple[str, str]]:
    """Muscle colours shown in any panel, one entry per muscle name (sides merged); panels that
    colour muscles by length change have the strain legend instead (:func:`shows_strain`)."""
    if annotations is None:
        return []
    entries: dict[str, str] = {}
    plain = [panel for panel in view["panels"] if not panel.get("strain")]
    for muscle in annotations.muscles.values():
        default = {muscle["id"]} if muscle.get("hidden_by_default") else set()
        if any(muscle["id"] not in set(panel.get("hidden", default)) for panel in plain):
            entries.setdefault(muscle["name"].split(" (")[0], muscle["colour"])
    return list(entries.items())


def shows_strain(annotations: Annotations | None, view: dict) -> bool:
    """Whether any panel colours muscles by length change (and so the figure needs the strain legend)."""
    return annotations is not None and any(panel.get("strain") for panel in view["panels"])


def export_figure(pack: MeshPack, annotations: Annotations | None, view: dict, out: Path, size: tuple[int, int],
                  make_folders: bool = False) -> FigureLayout:
    """Render ``view`` at ``size`` and write it to ``out`` (PNG, SVG or PDF by its suffix), atomically.

    ``out`` is checked first (:func:`check_output`): a wrong suffix, an input file, a folder or a
    missing folder raises :class:`OutputError` before anything is rendered.
    """
    out = check_output(out, FORMATS, [pack.directory], make_folders)
    fmt = FORMATS[out.suffix.lower()]
    if not all(16 <= side <= MAX_SIDE for side in size):
        raise ValueError(f"figure size {size[0]}x{size[1]}: each side must be between 16 and {MAX_SIDE} pixels")
    view = normalised(view)
    transparent = view["background"] == "transparent"
    count = len(view["panels"])
    top = 0.075 * size[1] if view.get("title") else 0.0
    bottom = 0.06 * size[1] if view.get("caption") else 0.0
    panel_size = (max(16, int(size[0] / count)), max(16, int(size[1] - top - bottom)))
    panels = [render_panel(pack, annotations, panel, panel_size, transparent) for panel in view["panels"]]
    figure, layout = compose(view, panels, size, credit(pack), legend_entries(annotations, view), draw_images=fmt != "png",
                             strain=shows_strain(annotations, view))
    buffer = io.BytesIO()
    if fmt == "png":
        _composite_png(figure, layout, panels, view["background"]).save(buffer, format="PNG", compress_level=PNG_COMPRESSION)
    else:
        import matplotlib

        # text stays text in SVG and PDF, so a figure-maker can still edit the labels
        with matplotlib.rc_context({"svg.fonttype": "none", "pdf.fonttype": 42}):
            figure.savefig(buffer, format=fmt, dpi=DPI, transparent=transparent, facecolor=figure.get_facecolor())
    write_bytes_atomic(out, buffer.getvalue(), make_folders)
    return layout


def _composite_png(figure, layout: FigureLayout, panels: list[PanelRender], background: str):
    """The figure as a PIL image: background, then each panel's pixels, then the annotation layer."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    width, height = layout.size
    base = Image.new("RGBA", (width, height), (0, 0, 0, 0) if background == "transparent" else background)
    for panel, (x0, _, _, y1) in zip(panels, layout.panels):
        image = Image.fromarray(panel.image)
        base.alpha_composite(image.convert("RGBA"), dest=(round(x0), round(height - y1)))
    base.alpha_composite(Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1))
    return base if background == "transparent" else base.convert("RGB")


def save_screenshot(
    pack: MeshPack, annotations: Annotations | None, out: Path, view: str, size: tuple[int, int], pose, strain: bool = False,
    make_folders: bool = False,
) -> Path:
    """The plain picture of ``psoas-viewer screenshot``: one view, no annotations, PNG (``out`` checked first)."""
    from PIL import Image

    out = check_output(out, {".png"}, [pack.directory], make_folders)
    panel = {**PANEL_DEFAULTS, "camera": {"preset": view}, "pose": pose, "labels": "none", "strain": strain}
    image = render_panel(pack, annotations, panel, size).image
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    write_bytes_atomic(out, buffer.getvalue(), make_folders)
    return out
