"""A picture drawn in tiles is the picture drawn whole: same pixel centres, no seams, dots whole."""

from __future__ import annotations

import numpy as np
import pytest

from viewer.anatomy.view_file import PANEL_DEFAULTS
from viewer.scene.export import offscreen_scene
from viewer.scene.tiles import render_in_tiles, tile_projection

SIZE = (360, 240)


def pixel_centre_ndc(pixel: np.ndarray, size) -> np.ndarray:
    return 2 * (pixel + 0.5) / np.asarray(size) - 1


@pytest.mark.parametrize("window", [(0, 0, 120, 80), (100, 40, 90, 70), (-16, -16, 152, 112), (300, 200, 80, 60)])
def test_tile_projection_puts_every_pixel_centre_of_the_tile_where_the_tile_draws_it(window):
    rng = np.random.default_rng(1)
    projection = rng.normal(size=(4, 4))
    x0, y0, w, h = window
    tile = tile_projection(projection, SIZE, window)
    for px, py in [(x0, y0), (x0 + w - 1, y0 + h - 1), (x0 + 7, y0 + 3)]:
        point = np.append(rng.normal(size=3), 1.0)
        clip = projection @ point
        # move the point so that the whole picture draws it at pixel (px, py)'s centre
        want = pixel_centre_ndc(np.array([px, py]), SIZE)
        clip[:2] = want * clip[3]
        point = np.linalg.solve(projection, clip)
        drawn = tile @ point
        assert np.allclose(drawn[:2] / drawn[3], pixel_centre_ndc(np.array([px - x0, py - y0]), (w, h)))
        assert np.isclose(drawn[2] / drawn[3], clip[2] / clip[3])  # depth untouched


@pytest.fixture(scope="module")
def whole_and_tiled(content):
    panel = {**PANEL_DEFAULTS, "camera": {"preset": "anterior"}, "pose": "standing", "labels": "none"}
    with offscreen_scene(*content, panel, SIZE) as scene:
        plotter = scene.plotter
        plotter.render_window.SetMultiSamples(0)
        scene.landmark_actors.set_visible(np.ones(len(scene.landmark_actors.ids), dtype=bool))
        whole = plotter.screenshot(return_img=True)
        tiled = render_in_tiles(plotter, SIZE, tile=(100, 70), margin=12)
        transparent = render_in_tiles(plotter, SIZE, alpha=True, tile=(100, 70), margin=12)
        assert tuple(plotter.window_size) == SIZE
    return whole, tiled, transparent


def test_a_picture_in_tiles_matches_the_picture_drawn_whole(whole_and_tiled):
    whole, tiled, _ = whole_and_tiled
    assert tiled.shape == whole.shape == (SIZE[1], SIZE[0], 3)
    difference = np.abs(whole.astype(int) - tiled.astype(int)).max(axis=2)
    # half a pixel off would change every edge (mean difference about 1 of 255 on this scene)
    assert difference.mean() < 0.2
    assert (difference > 40).mean() < 0.002


def test_landmark_dots_across_tile_seams_are_whole(whole_and_tiled):
    whole, tiled, _ = whole_and_tiled
    yellow = lambda image: (image[..., 0] > 180) & (image[..., 1] > 140) & (image[..., 2] < 110)  # noqa: E731
    assert yellow(whole).sum() > 20
    assert abs(int(yellow(tiled).sum()) - int(yellow(whole).sum())) <= 0.05 * yellow(whole).sum()


def test_tiles_keep_a_transparent_background(whole_and_tiled):
    whole, _, transparent = whole_and_tiled
    assert transparent.shape == (SIZE[1], SIZE[0], 4)
    assert transparent[2, 2, 3] == 0 and transparent[..., 3].max() == 255
    assert np.abs(transparent[..., :3].astype(int) - whole.astype(int))[transparent[..., 3] == 255].mean() < 1
