"""Strain colours for a projector: the map's neutral apart from bone and background, ends apart for
colour-blind viewers too, the muscles drawn with that map, and the strain legend in figures and charts."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from viewer.scene import style

# Machado, Oliveira and Fernandes (2009, IEEE TVCG 15:1291), full dichromacy, on linear RGB
DICHROMACY = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
}
SRGB_TO_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750], [0.0193339, 0.1191920, 0.9503041]])
D65 = np.array([0.95047, 1.0, 1.08883])
CLEAR = 20.0  # CIELAB units: coolwarm's pale neutral was 11 from the bone colour


def rgb(colour) -> np.ndarray:
    if isinstance(colour, str):
        return np.array([int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    return np.asarray(colour, float)[:3]


def lab(colour, vision: str | None = None) -> np.ndarray:
    """CIELAB (D65) of an sRGB colour, as seen with normal vision or a dichromacy."""
    c = rgb(colour)
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    if vision is not None:
        linear = np.clip(np.array(DICHROMACY[vision]) @ linear, 0, 1)
    xyz = SRGB_TO_XYZ @ linear / D65
    f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def delta(a, b, vision=None) -> float:
    return float(np.linalg.norm(lab(a, vision) - lab(b, vision)))


def test_the_lab_conversion_matches_known_values():
    np.testing.assert_allclose(lab("#ffffff"), [100, 0, 0], atol=0.01)
    np.testing.assert_allclose(lab("#ff0000"), [53.24, 80.09, 67.20], atol=0.05)  # sRGB red, a textbook value
    np.testing.assert_allclose(lab("#777777", "deuteranopia"), lab("#777777"), atol=0.2)  # greys stay grey


@pytest.mark.parametrize("other", [style.BONE_COLOUR, style.DISC_COLOUR, style.BACKGROUND, style.PRESENTATION_BACKGROUND])
def test_unchanged_muscle_is_clearly_not_bone_nor_background(other):
    assert delta(style.STRAIN_NEUTRAL, other) > CLEAR
    np.testing.assert_allclose(rgb(style.strain_colour_map()(0.5)), rgb(style.STRAIN_NEUTRAL), atol=2 / 255)


def test_the_old_map_would_fail_the_bone_test():
    """The check has teeth: coolwarm's middle is within CLEAR of the bone colour."""
    from matplotlib import colormaps

    assert delta(colormaps["coolwarm"](0.5), style.BONE_COLOUR) < CLEAR


@pytest.mark.parametrize("vision", [None, *DICHROMACY])
def test_ends_strong_and_apart_for_colour_blind_viewers_too(vision):
    shorter, neutral, longer = style.STRAIN_SHORTER, style.STRAIN_NEUTRAL, style.STRAIN_LONGER
    assert delta(shorter, longer, vision) > 60
    assert delta(shorter, neutral, vision) > 30 and delta(longer, neutral, vision) > 30
    for end in (shorter, longer):
        assert delta(end, style.BACKGROUND, vision) > 30 and delta(end, style.PRESENTATION_BACKGROUND, vision) > 30
    if vision is None:
        assert all(np.hypot(*lab(end)[1:]) > 50 for end in (shorter, longer))  # strong: chroma over 50


def test_the_map_darkens_and_saturates_steadily_from_the_middle():
    cmap = style.strain_colour_map()
    for half in (np.linspace(0.5, 0, 40), np.linspace(0.5, 1, 40)):
        values = np.array([lab(cmap(t)) for t in half])
        lightness, chroma = values[:, 0], np.hypot(values[:, 1], values[:, 2])
        assert np.all(np.diff(lightness) < 0.05) and np.all(np.diff(chroma) > -0.05)


def test_muscles_are_drawn_with_the_style_map(content):
    from viewer.anatomy.view_file import PANEL_DEFAULTS
    from viewer.scene.export import offscreen_scene

    panel = {**PANEL_DEFAULTS, "camera": {"preset": "anterior"}, "pose": "standing", "strain": True}
    with offscreen_scene(*content, panel, (200, 150)) as scene:
        mapper = scene.muscle_actors.actors["psoas_major_r"].mapper
        assert mapper.scalar_visibility
        table = mapper.GetLookupTable()
        for value, colour in ((-style.STRAIN_RANGE_PERCENT, style.STRAIN_SHORTER), (0.0, style.STRAIN_NEUTRAL),
                              (style.STRAIN_RANGE_PERCENT, style.STRAIN_LONGER)):
            drawn = [0.0, 0.0, 0.0]
            table.GetColor(value, drawn)
            np.testing.assert_allclose(drawn, rgb(colour), atol=3 / 255)


def _pixels_like(image: np.ndarray, colour: str, tolerance: float = 40) -> np.ndarray:
    return np.abs(image[..., :3].astype(int) - (255 * rgb(colour)).astype(int)).sum(axis=2) < tolerance


@pytest.mark.parametrize("strain", [True, False])
def test_a_figure_has_the_strain_legend_exactly_when_it_shows_strain(tmp_path, content, strain):
    from viewer.scene.export import export_figure

    view = {"format_version": 1, "panels": [{"camera": {"preset": "right"}, "pose": "sitting", "labels": "auto", "strain": strain}]}
    out = tmp_path / "figure.png"
    layout = export_figure(*content, view, out, (1200, 800))
    image = np.asarray(Image.open(out).convert("RGB"))
    legend_names = [name for name, _ in layout.legend]
    if not strain:
        assert layout.strain_legend is None and "Psoas major" in legend_names
        assert _pixels_like(image[:200, 800:], style.STRAIN_SHORTER).sum() < 20  # no bar where the legend would be
        return
    assert layout.strain_legend is not None and legend_names == []
    x0, y0, x1, y1 = layout.strain_legend
    assert x1 > 1100 and y1 > 700  # top right
    box = image[800 - int(y1):800 - int(y0), int(x0):int(x1)]
    blue, red = _pixels_like(box, style.STRAIN_SHORTER), _pixels_like(box, style.STRAIN_LONGER)
    assert blue.sum() > 30 and red.sum() > 30
    assert np.nonzero(blue)[1].mean() < np.nonzero(red)[1].mean()  # blue on the left (shorter), red on the right
    assert ("strain legend", layout.strain_legend) in layout.kept_clear


def test_svg_figure_names_the_strain_range(tmp_path, content):
    from viewer.scene.export import export_figure

    view = {"format_version": 1, "panels": [{"camera": {"preset": "right"}, "pose": "sitting", "labels": "none", "strain": True}]}
    out = tmp_path / "figure.svg"
    export_figure(*content, view, out, (800, 500))
    text = out.read_text()
    _, shorter, longer = style.strain_end_texts()
    assert shorter in text and longer in text and "25%" in shorter


def test_stretch_chart_has_the_strain_legend(content):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from viewer.anatomy.kinematics import Skeleton
    from viewer.anatomy.muscle_paths import MuscleModel
    from viewer.anatomy.stretches import load_stretches, measure_all, ranked
    from viewer.scene.stretch_chart import chart_figure

    pack, annotations = content
    results = ranked(measure_all(load_stretches(), MuscleModel(annotations, Skeleton.from_manifest(pack.manifest), set(pack.bones))))[:3]
    grey = np.full((30, 30, 3), 128, np.uint8)
    figure = chart_figure(results, {r.stretch.id: grey for r in results})
    texts = [t.get_text() for t in figure.texts]
    _, shorter, longer = style.strain_end_texts()
    assert shorter in texts and longer in texts
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    image = np.asarray(canvas.buffer_rgba())
    top = image[: image.shape[0] // 4]  # the legend is under the title, above the rows
    assert _pixels_like(top, style.STRAIN_SHORTER).sum() > 30 and _pixels_like(top, style.STRAIN_LONGER).sum() > 30
    assert not any("red = longer" in t for t in texts)
