"""Label layout: inside the frame, never overlapping, whatever the anchors."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings, strategies as st

from conftest import examples
from viewer.scene.label_layout import layout_labels, overlaps


def test_overlaps_finds_shared_area_only():
    assert not overlaps([])
    assert not overlaps([(0, 0, 10, 10)])
    assert not overlaps([(0, 0, 10, 10), (10, 0, 20, 10)])  # touching edges share no area
    assert not overlaps([(0, 0, 10, 10), (0, 10, 10, 20)])
    assert not overlaps([(0, 0, 10, 10), (11, 11, 20, 20)])
    assert not overlaps([(0, 0, 10, 10), (5, 20, 15, 30)])  # overlapping in x only
    assert not overlaps([(0, 0, 10, 10), (20, 5, 30, 8)])  # overlapping in y only
    assert overlaps([(0, 0, 10, 10), (9, 9, 20, 20)])
    assert overlaps([(9, 9, 20, 20), (0, 0, 10, 10)])
    assert overlaps([(0, 0, 10, 10), (2, 2, 4, 4)])  # one inside the other
    assert overlaps([(2, 2, 4, 4), (0, 0, 10, 10)])
    assert overlaps([(0, 0, 10, 10), (-5, 4, 15, 6)])  # a cross
    assert overlaps([(0, 0, 1, 1), (5, 5, 6, 6), (30, 30, 40, 40), (39, 0, 50, 31)])  # the last pair


@settings(max_examples=examples(300), deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    count=st.integers(0, 80),
    width=st.integers(120, 3840),
    height=st.integers(90, 2160),
)
def test_boxes_inside_frame_and_apart(seed, count, width, height):
    rng = np.random.default_rng(seed)
    anchors = rng.uniform([-100, -100], [width + 100, height + 100], size=(count, 2))
    sizes = rng.uniform([10, 8], [400, 60], size=(count, 2))
    placed = layout_labels(anchors, sizes, (width, height), rng.uniform(0, 1, count))
    boxes = [label.box for label in placed]
    assert not overlaps(boxes)
    for x0, y0, x1, y1 in boxes:
        assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height
    for label in placed:
        np.testing.assert_allclose(np.subtract(label.box[2:], label.box[:2]), sizes[label.index])
        x0, y0, x1, y1 = label.box
        assert label.leader_end[0] in (x0, x1) and label.leader_end[1] == (y0 + y1) / 2  # the leader meets the box
        assert 0 <= anchors[label.index, 0] <= width and 0 <= anchors[label.index, 1] <= height  # only visible anchors


@settings(max_examples=examples(100), deadline=None)
@given(seed=st.integers(0, 2**31 - 1), count=st.integers(1, 12), width=st.integers(600, 3840), height=st.integers(400, 2160))
def test_every_label_is_placed_when_there_is_room(seed, count, width, height):
    """Anchors in the middle third, labels narrow and short enough to fit: none may be dropped."""
    rng = np.random.default_rng(seed)
    anchors = rng.uniform([width / 3, 0], [2 * width / 3, height], size=(count, 2))
    sizes = rng.uniform([10, 8], [width / 3 - 10, (height - 16) / count - 4], size=(count, 2))
    placed = layout_labels(anchors, sizes, (width, height), rng.uniform(0, 1, count))
    assert sorted(label.index for label in placed) == list(range(count))
    assert not overlaps([label.box for label in placed])


def test_columns_keep_the_vertical_order_of_their_anchors():
    anchors = np.array([[100, 500], [110, 300], [120, 400], [700, 200], [650, 600]], float)
    sizes = np.full((5, 2), [80, 20.0])
    placed = {label.index: label for label in layout_labels(anchors, sizes, (800, 700))}
    assert len(placed) == 5
    left = sorted((0, 1, 2), key=lambda i: -placed[i].box[1])
    assert left == [0, 2, 1]
    assert placed[0].box[2] <= anchors[:3, 0].min()  # left column ends left of its anchors
    assert placed[3].box[0] >= anchors[3:, 0].max()


def test_most_important_labels_survive_when_space_runs_out():
    anchors = np.column_stack([np.full(30, 100.0), np.linspace(10, 190, 30)])
    sizes = np.full((30, 2), [60, 20.0])
    priority = np.zeros(30)
    priority[17] = 5
    placed = layout_labels(anchors, sizes, (400, 200), priority)
    assert 0 < len(placed) < 30
    assert 17 in {label.index for label in placed}


def _crosses(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@settings(max_examples=examples(200), deadline=None)
@given(seed=st.integers(0, 2**31 - 1), count=st.integers(0, 60), width=st.integers(300, 3840), height=st.integers(200, 2160))
def test_labels_keep_clear_of_boxes_already_drawn(seed, count, width, height):
    """A footer at the bottom left, a scale bar at the bottom right and a legend at the top right, of
    random sizes: no label box overlaps them, and no label names a point that lies under one."""
    rng = np.random.default_rng(seed)
    anchors = rng.uniform([0, 0], [width, height], size=(count, 2))
    sizes = rng.uniform([10, 8], [300, 50], size=(count, 2))
    footer = (0.0, 0.0, rng.uniform(0.1, 0.9) * width, rng.uniform(0.02, 0.2) * height)
    scale_bar = (rng.uniform(0.5, 0.95) * width, 0.0, float(width), rng.uniform(0.02, 0.15) * height)
    legend = (rng.uniform(0.5, 0.95) * width, rng.uniform(0.6, 0.98) * height, float(width), float(height))
    keep_out = [footer, scale_bar, legend]
    placed = layout_labels(anchors, sizes, (width, height), rng.uniform(0, 1, count), keep_out=keep_out)
    assert not overlaps([label.box for label in placed])
    for label in placed:
        assert not any(_crosses(label.box, box) for box in keep_out), (label, keep_out)
        x, y = anchors[label.index]
        assert not any(x0 <= x <= x1 and y0 <= y <= y1 for x0, y0, x1, y1 in keep_out)


def test_a_column_stops_short_of_a_box_on_its_own_side_only():
    from viewer.scene.label_layout import column_band

    footer, legend = (0, 0, 300, 40), (700, 550, 800, 600)
    assert column_band([footer, legend], (0, 400), 600, 8, 4) == (44, 592)  # the left column: above the footer
    assert column_band([footer, legend], (400, 800), 600, 8, 4) == (8, 546)  # the right one: under the legend
    assert column_band([], (0, 400), 600, 8, 4) == (8, 592)
    # labels anchored low on the left go up over the footer, not onto it
    anchors = np.array([[350.0, 20], [360, 30], [370, 300]])
    placed = layout_labels(anchors, np.full((3, 2), [100, 20.0]), (800, 600), keep_out=[(0, 0, 300, 60)])
    assert {label.index for label in placed} == {0, 1, 2}
    assert min(label.box[1] for label in placed if label.box[2] <= 400) >= 64
