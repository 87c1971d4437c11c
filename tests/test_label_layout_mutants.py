"""Leader-line crossings and label priorities (``viewer.scene.label_layout``), case by case.
Written to kill the mutants mutmut found surviving (these two functions had no test of their own)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from viewer.scene.label_layout import (
    _covers_anchor,
    _stack,
    column_band,
    layout_labels,
    overlaps,
    segments_cross,
    spread_priority,
)


@pytest.mark.parametrize(
    "p1, p2, q1, q2, cross",
    [
        ((0, 0), (4, 4), (0, 4), (4, 0), True),  # an X
        ((0, 0), (4, 4), (4, 0), (0, 4), True),  # either direction
        ((4, 4), (0, 0), (0, 4), (4, 0), True),
        ((0, 0), (4, 0), (2, -1), (2, 3), True),  # a plus
        ((0, 0), (4, 4), (4, 4), (8, 0), False),  # touching ends
        ((0, 0), (4, 0), (2, 0), (2, 3), False),  # a T: one end on the other segment
        ((0, 0), (4, 0), (2, -3), (2, 0), False),  # the same from below
        ((0, 0), (4, 0), (2, 1), (2, 3), False),  # above it
        ((0, 0), (4, 0), (5, -1), (5, 1), False),  # past its end
        ((0, 0), (4, 0), (1, 0), (6, 0), False),  # along the same line
        ((0, 0), (4, 0), (0, 1), (4, 1), False),  # parallel
        ((0, 0), (1, 3), (0, 2), (3, 2.5), True),  # slanted, no symmetry
        ((0, 0), (1, 3), (0, 2), (-3, 2.5), False),
    ],
)
def test_segments_cross_only_when_each_separates_the_others_ends(p1, p2, q1, q2, cross):
    assert segments_cross(np.array(p1, float), np.array(p2, float), np.array(q1, float), np.array(q2, float)) is cross
    assert segments_cross(q1, q2, p1, p2) is cross  # symmetric, and plain tuples do


def test_one_level_is_ranked_from_the_centre_outwards_farthest_first():
    anchors = [[0, 0], [1, 0], [100, 0], [50, 0]]
    # 50 is nearest the mean (37.75); then 0 (50 away, first of the tie with 100); then 100; then 1
    np.testing.assert_allclose(spread_priority(anchors, [1, 1, 1, 1]), [1.375, 1.125, 1.25, 1.5])
    np.testing.assert_allclose(spread_priority(np.array(anchors, float).ravel(), np.full(4, 3)), [3.375, 3.125, 3.25, 3.5])
    assert spread_priority([[5, 5]], [2]).tolist() == [2.5]
    assert spread_priority(np.zeros((0, 2)), []).shape == (0,)


def test_the_least_relevant_spread_away_from_the_more_relevant():
    anchors = np.array([[0, 0], [1, 0], [10, 0], [5, 0]], float)
    priority = spread_priority(anchors, [2, 1, 1, 1])
    # 10 is farthest from the relevant label at 0; then 5 (5 from both); then 1
    np.testing.assert_allclose(priority[1:], [1 + 0.5 / 3, 1.5, 1 + 0.5 * 2 / 3])
    assert priority[0] == 2.5


def test_relevance_always_comes_first():
    rng = np.random.default_rng(11)
    anchors = rng.uniform(0, 1000, (40, 2))
    relevance = rng.integers(0, 4, 40).astype(float)
    priority = spread_priority(anchors, relevance)
    for level in np.unique(relevance):
        mine = priority[relevance == level]
        assert (mine > level).all() and (mine <= level + 0.5).all()
        assert len(set(mine.tolist())) == len(mine)  # a strict order within the level
    assert priority.dtype == float
    relevance_in = relevance.copy()
    spread_priority(anchors, relevance_in)
    assert (relevance_in == relevance).all()  # the caller's array is left alone


def test_the_most_relevant_labels_are_spread_too():
    anchors = [[0, 0], [1, 0], [100, 0], [50, 0], [0, 1]]
    # the four of relevance 2 as in the one-level case: 50, then 0, then 100, then 1
    np.testing.assert_allclose(spread_priority(anchors, [2, 2, 2, 2, 1])[:4], [2.375, 2.125, 2.25, 2.5])


# --- the column layout: each case worked out by hand, to kill the mutants of _columns, _stack,
# _uncross, _covers_anchor, layout_labels and overlaps that the property tests let through


def _placed(anchors, sizes, frame, **options):
    return {label.index: label for label in layout_labels(np.array(anchors, float), np.array(sizes, float), frame, **options)}


def test_stack_centres_boxes_on_their_anchors_then_pushes_down_then_slides_up():
    np.testing.assert_allclose(_stack(np.array([100.0, 50]), np.array([20.0, 10]), 200, 0, 4), [110, 55])
    # the second wants 40..30 but must stay 4 below the first's bottom 90
    np.testing.assert_allclose(_stack(np.array([100.0, 35]), np.array([20.0, 10]), 200, 0, 4), [110, 40])
    np.testing.assert_allclose(_stack(np.array([195.0, 100]), np.array([20.0, 10]), 200, 0, 4), [200, 105])  # capped at the top
    # the second would end at 7, one pixel under the bottom 8 (or half a pixel): the column slides up
    np.testing.assert_allclose(_stack(np.array([100.0, 12]), np.array([20.0, 10]), 200, 8, 4), [110, 18])
    np.testing.assert_allclose(_stack(np.array([100.0, 12.5]), np.array([20.0, 10]), 200, 8, 4), [110, 18])
    # sliding up pushes the one above too, keeping the gap
    np.testing.assert_allclose(_stack(np.array([20.0, 12]), np.array([20.0, 10]), 200, 8, 4), [42, 18])
    assert _stack(np.array([]), np.array([]), 200, 8, 4).shape == (0,)


def test_covers_anchor_is_the_box_grown_by_the_clearance_open_at_its_edges():
    box = (10, 20, 30, 40)
    assert _covers_anchor(box, np.array([20.0, 30]), 6)
    for x, y in [(4.5, 30), (5, 30), (35.5, 30), (29, 30), (20, 14.5), (20, 15), (20, 45.5), (20, 39)]:
        assert _covers_anchor(box, np.array([x, y]), 6), (x, y)
    for x, y in [(4, 30), (36, 30), (20, 14), (20, 46), (3, 30), (20, 50), (4.5, 14)]:
        assert not _covers_anchor(box, np.array([x, y]), 6), (x, y)
    assert not _covers_anchor(box, np.array([5.0, 30]), 0)


def test_default_layout_exactly():
    """Margin 8, gap 4, reach 40: left column ends 40 px left of its leftmost anchor, the right one
    starts 40 px right of its rightmost; boxes centred on their anchors; leaders end on the inner edge."""
    placed = _placed([[300, 300], [500, 200], [400, 400]], [[100, 20], [120, 30], [80, 10]], (800, 600))
    assert placed[0].box == (160, 290, 260, 310) and placed[0].leader_end == (260, 300)  # the median anchor goes left
    assert placed[2].box == (180, 395, 260, 405) and placed[2].leader_end == (260, 400)
    assert placed[1].box == (540, 185, 660, 215) and placed[1].leader_end == (540, 200)
    # near the frame: pushed in by the margin (8) and apart by the gap (4); 6 px clearance is kept
    placed = _placed([[60, 597], [60, 590], [700, 300]], [[30, 20], [30, 20], [30, 20]], (800, 600))
    assert placed[0].box == (8, 572, 38, 592)  # x1 = 60 - 40 clipped to margin + width; top capped at 600 - 8
    assert placed[1].box == (8, 548, 38, 568)  # 4 below
    assert placed[2].box == (740, 290, 770, 310)
    placed = _placed([[43, 300], [700, 300], [750, 100]], [[30, 20], [30, 20], [30, 20]], (800, 600))
    assert set(placed) == {1, 2}  # the box (8..38) comes within 6 px of its own point at 43, and there are others
    placed = _placed([[44, 300], [700, 300], [750, 100]], [[30, 20], [30, 20], [30, 20]], (800, 600))
    assert set(placed) == {0, 1, 2}  # 6 px off exactly is enough


def test_anchors_on_the_frame_edge_are_labelled_and_outside_are_not():
    placed = _placed([[0, 300], [800, 300], [400, 0], [400, 600], [-0.1, 300], [400, 600.1], [0.5, 200], [400, 0.5]],
                     np.full((8, 2), [40, 10]), (800, 600))
    assert set(placed) == {0, 1, 2, 3, 6, 7}


def test_a_limit_keeps_the_most_important_labels():
    anchors = [[100, 100], [100, 200], [100, 300], [700, 150], [700, 250]]
    sizes = np.full((5, 2), [40, 10])
    assert set(_placed(anchors, sizes, (800, 600), priority=np.array([1, 5, 2, 4, 3.0]), limit=2)) == {1, 3}
    assert set(_placed(anchors, sizes, (800, 600), priority=np.array([3, 1, 5, 2, 4.0]), limit=3)) == {0, 2, 4}
    assert set(_placed(anchors, sizes, (800, 600), limit=5)) == {0, 1, 2, 3, 4}
    assert set(_placed(anchors, sizes, (800, 600), limit=0)) == set()
    # off-frame anchors do not use up the limit; equal priorities keep the first ones
    assert set(_placed([[-50, 100], *anchors], np.full((6, 2), [40, 10]), (800, 600), limit=2)) == {1, 2}
    many = np.column_stack([np.where(np.arange(40) % 2, 700.0, 100.0), np.linspace(20, 580, 40)])
    assert set(_placed(many, np.full((40, 2), [40, 10]), (800, 600), limit=10)) == set(range(10))


def test_a_lone_label_is_kept_even_over_its_own_point():
    placed = _placed([[100, 300]], [[92, 20]], (800, 600))  # exactly the room left of the median: ends on its point
    assert placed[0].box == (8, 290, 100, 310)
    assert set(_placed([[100, 300], [700, 300]], [[92, 20], [30, 20]], (800, 600))) == {1}  # with others: dropped


def test_a_box_over_another_labelled_point_drops_the_less_important_of_the_two():
    anchors = [[200, 305], [30, 300], [700, 300], [750, 100]]
    sizes = [[60, 20], [10, 20], [30, 20], [30, 20]]  # 0's box (8..68) comes over 1's point, nothing else clashes
    assert set(_placed(anchors, sizes, (1000, 600), priority=np.array([1, 5, 0, 0.0]))) == {1, 2, 3}
    assert set(_placed(anchors, sizes, (1000, 600), priority=np.array([5, 1, 0, 0.0]))) == {0, 2, 3}
    assert set(_placed(anchors, sizes, (1000, 600))) == {1, 2, 3}  # equal: the first found


def test_the_median_anchor_and_the_sides():
    # the median is that of the visible anchors only (the one off the frame does not pull it)
    placed = _placed([[500, 100], [600, 200], [700, 300], [-400, 400]], np.full((4, 2), [40, 10]), (800, 600))
    assert set(placed) == {0, 1, 2}
    assert placed[0].box[2] == 460 and placed[1].box[2] == 460  # 500 and the median 600 go left, ending at 500 - 40
    assert placed[2].box[0] == 740
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no anchor visible: no median of nothing
        assert layout_labels(np.array([[-5.0, 5]]), np.array([[40.0, 10]]), (800, 600)) == []


def test_a_label_too_wide_for_its_side_goes_to_the_other_if_it_fits_there():
    anchors = [[100, 300], [150, 200], [900, 400]]  # median 150: 142 px of room left, 842 right
    placed = _placed(anchors, [[200, 20], [50, 20], [50, 20]], (1000, 600))
    assert placed[0].box == (792, 290, 992, 310) and placed[0].leader_end == (792, 300)
    assert placed[1].box == (60, 190, 110, 210) and placed[2].box == (940, 390, 990, 410)
    placed = _placed(anchors, [[842, 20], [50, 20], [50, 20]], (1000, 600))  # exactly the room on the right
    assert placed[0].box == (150, 290, 992, 310)
    assert set(_placed(anchors, [[843, 20], [50, 20], [50, 20]], (1000, 600))) == {1, 2}  # fits nowhere
    mirrored = [[900, 300], [850, 200], [100, 400]]  # median 850: 842 left, 142 right
    placed = _placed(mirrored, [[200, 20], [50, 20], [50, 20]], (1000, 600))
    assert placed[0].box == (8, 290, 208, 310) and placed[0].leader_end == (208, 300)
    assert placed[1].box == (10, 190, 60, 210) and placed[2].box == (10, 390, 60, 410)
    placed = _placed(mirrored, [[842, 20], [50, 20], [50, 20]], (1000, 600))
    assert placed[0].box == (8, 290, 850, 310)


def test_a_column_holds_what_fits_its_height_most_important_first():
    anchors = np.column_stack([np.full(5, 100.0), np.linspace(10, 120, 5)])
    # 5 x 20 + 4 gaps of 4 = 116 = 132 - 2 x 8: exactly full
    placed = _placed(anchors, np.full((5, 2), [40, 20]), (800, 132), priority=np.arange(5.0))
    assert [placed[i].box[1] for i in range(5)] == [8, 32, 56, 80, 104]
    assert set(_placed(anchors, np.full((5, 2), [40, 20.5]), (800, 132), priority=np.arange(5.0))) == {1, 2, 3, 4}
    assert set(_placed(anchors, np.full((5, 2), [40, 30]), (800, 132), priority=np.arange(5.0))) == {2, 3, 4}
    assert set(_placed(anchors, np.full((5, 2), [40, 30]), (800, 132), priority=-np.arange(5.0))) == {0, 1, 2}
    assert set(_placed(anchors, np.full((5, 2), [40, 60]), (800, 132), priority=np.arange(5.0))) == {4}
    # equal priorities keep the first ones
    many = np.column_stack([np.full(30, 100.0), np.linspace(10, 590, 30)])
    assert set(_placed(many, np.full((30, 2), [40, 30]), (800, 600))) == set(range(17))


def test_an_empty_left_column_still_leaves_the_right_one():
    placed = _placed([[100, 300], [900, 400]], [[990, 20], [50, 20]], (1000, 600))  # the left label fits nowhere
    assert list(placed) == [1] and placed[1].box == (940, 390, 990, 410)


def test_columns_stack_from_the_top_anchor_down_whatever_the_heights():
    placed = _placed([[100, 200], [120, 400], [110, 300], [700, 100]], [[40, 10], [40, 30], [40, 20], [40, 10]], (800, 600))
    assert placed[1].box[1] > placed[2].box[3] > placed[2].box[1] > placed[0].box[3]
    assert placed[1].box[1:4:2] == (385, 415) and placed[0].box[1:4:2] == (195, 205)


def test_without_reach_a_column_still_keeps_the_gap_off_the_middle():
    sizes = np.full((3, 2), [40, 10])
    placed = _placed([[400, 300], [400, 100], [500, 200]], sizes, (800, 600), reach=0, clearance=0)
    assert placed[0].box[2] == placed[1].box[2] == 396 and placed[0].leader_end == (396, 300)  # middle 400 - gap 4
    assert placed[2].box[0] == 500 and placed[2].leader_end == (500, 200)
    placed = _placed([[400, 300], [400, 100], [402, 200]], sizes, (800, 600), reach=0, clearance=0)
    assert placed[0].box[2] == 396 and placed[2].box[0] == 404 and placed[2].leader_end == (404, 200)


def test_crossing_leaders_swap_slots():
    # pushed down from the top, 0's slot would be below 1's: the leaders would cross, so they swap
    placed = _placed([[300, 590], [100, 585], [600, 100]], np.full((3, 2), [40, 20]), (800, 600))
    assert placed[1].box == (20, 572, 60, 592) and placed[0].box == (20, 548, 60, 568)
    assert not segments_cross(np.array([300, 590.0]), placed[0].leader_end, np.array([100, 585.0]), placed[1].leader_end)
    mirrored = _placed([[500, 590], [700, 585], [200, 100], [150, 50]], np.full((4, 2), [40, 20]), (800, 600))
    assert mirrored[1].box == (740, 572, 780, 592) and mirrored[0].box == (740, 548, 780, 568)


def test_leaders_of_equal_height_never_cross():
    rng = np.random.default_rng(2)  # (without the swaps, one pair among these layouts crosses)
    for _ in range(10):
        count = int(rng.integers(2, 25))
        anchors = rng.uniform([0, 0], [800, 600], (count, 2))
        sizes = np.column_stack([rng.uniform(20, 200, count), np.full(count, 18.0)])
        placed = layout_labels(anchors, sizes, (800, 600), rng.uniform(0, 1, count))
        for i, a in enumerate(placed):
            for b in placed[i + 1 :]:
                assert not segments_cross(anchors[a.index], a.leader_end, anchors[b.index], b.leader_end)


def test_overlaps_does_not_count_touching_edges_in_either_order():
    assert not overlaps([(10, 0, 20, 10), (0, 0, 10, 10)])
    assert not overlaps([(0, 10, 10, 20), (0, 0, 10, 10)])


def test_the_least_relevant_spread_away_from_every_more_relevant_level():
    # levels 3 (at 0) and 2 (at 100) are ranked first; of the last level, 60 (40 from both) comes before 10 (10 from 0)
    priority = spread_priority([[0, 0], [100, 0], [10, 0], [60, 0]], [3, 2, 1, 1])
    assert priority[3] > priority[2]


def test_a_tall_label_too_wide_for_its_side_still_moves():
    # the move looks at widths only: a label taller than the other side is wide still goes there
    placed = _placed([[100, 500], [150, 400], [700, 600]], [[200, 900], [50, 20], [50, 20]], (1000, 1000))
    assert placed[0].box[0] == 740 and set(placed) == {0, 1, 2}
    placed = _placed([[900, 500], [850, 400], [300, 600]], [[200, 900], [50, 20], [50, 20]], (1000, 1000))
    assert placed[0].box[2] == 260 and set(placed) == {0, 1, 2}


def test_crossings_are_judged_where_the_leaders_really_end():
    # ends on the right column's inner edge (x 740) cross; ends on its outer edge (780) would not
    placed = _placed([[500, 590], [700, 584], [200, 100], [150, 50]], np.full((4, 2), [40, 20]), (800, 600))
    assert placed[1].box == (740, 572, 780, 592) and placed[0].box == (740, 548, 780, 568)
    assert not segments_cross(np.array([500, 590.0]), placed[0].leader_end, np.array([700, 584.0]), placed[1].leader_end)


# --- keep_out boxes, column bands, ties: written to kill the mutants that survived once labels
# learnt to keep clear of boxes already drawn


def test_a_point_on_the_edge_of_a_kept_out_box_counts_as_under_it():
    # a legend in the top right corner; one point on each of its four edges, two just outside, two elsewhere
    anchors = [[600, 500], [800, 520], [700, 450], [700, 600], [599, 500], [700, 449], [100, 300], [200, 100]]
    placed = _placed(anchors, np.full((8, 2), [40, 20]), (800, 600), keep_out=[(600, 450, 800, 600)])
    assert set(placed) == {4, 5, 6, 7}


def test_a_kept_out_box_touching_a_column_only_at_its_side_leaves_it_alone():
    assert column_band([(0, 0, 400, 40)], (400, 800), 600, 8, 4) == (8, 592)  # ends where the right column starts
    assert column_band([(400, 0, 800, 40)], (0, 400), 600, 8, 4) == (8, 592)  # starts where the left column ends
    assert column_band([(0, 0, 401, 40)], (400, 800), 600, 8, 4) == (44, 592)  # one pixel over: it counts
    assert column_band([(399, 0, 800, 40)], (0, 400), 600, 8, 4) == (44, 592)


def test_a_kept_out_box_is_below_or_above_by_its_centre_against_the_frames_middle():
    assert column_band([(0, 280, 100, 310)], (0, 400), 600, 8, 4) == (314, 592)  # centre 295: the lower half
    assert column_band([(0, 290, 100, 310)], (0, 400), 600, 8, 4) == (8, 286)  # centre 300, the middle: the upper half
    assert column_band([(0, 340, 100, 380)], (0, 400), 600, 8, 4) == (8, 336)  # centre 360
    assert column_band([(0, 200, 100, 280)], (0, 400), 600, 8, 4) == (284, 592)  # centre 240


def test_a_kept_out_box_one_pixel_wide_at_the_left_edge_still_holds_the_left_column_up():
    anchors = [[350.0, 20], [360, 30], [370, 300]]
    placed = _placed(anchors, np.full((3, 2), [100, 20]), (800, 600), keep_out=[(0, 0, 1, 60)])
    assert placed[0].box == (210, 64, 310, 84) and placed[1].box == (210, 88, 310, 108)


def test_a_label_a_little_too_wide_for_its_side_goes_to_the_other():
    # median 150 and margin 8: 142 px of room on the left, so a label 150 wide goes right
    placed = _placed([[100, 300], [150, 200], [900, 400]], [[150, 20], [50, 20], [50, 20]], (1000, 600))
    assert placed[0].box == (842, 290, 992, 310)


def test_a_label_exactly_as_wide_as_its_sides_room_stays_on_its_side():
    # median 850: 142 px on the right; label 3 above pushes 0's box down off its own point
    anchors = [[900, 300], [850, 200], [100, 400], [900, 310], [100, 100]]
    sizes = [[142, 20], [50, 20], [50, 20], [40, 20], [50, 20]]
    placed = _placed(anchors, sizes, (1000, 600), clearance=0)
    assert placed[0].box == (850, 276, 992, 296) and placed[3].box == (940, 300, 980, 320)


def test_crossings_in_the_left_column_are_judged_where_the_leaders_really_end():
    # the mirror of the right-column case: ends on the inner edge (x 60) cross, on the outer one (20) they would not
    placed = _placed([[300, 590], [100, 584], [600, 100], [650, 50]], np.full((4, 2), [40, 20]), (800, 600))
    assert placed[1].box == (20, 572, 60, 592) and placed[0].box == (20, 548, 60, 568)
    assert not segments_cross(np.array([300, 590.0]), placed[0].leader_end, np.array([100, 584.0]), placed[1].leader_end)


def test_of_the_labels_that_clash_the_least_important_goes_first():
    """0's box covers 2's point and 1's box covers its own (pushed in from the frame's right edge).
    Dropping the least important first leaves the most important; dropping 1 first instead moves 0
    to the right, where its box covers its own point, and would leave only 2."""
    anchors, sizes = [[700, 550], [750, 100], [100, 550]], [[100, 20], [60, 20], [80, 20]]
    assert set(_placed(anchors, sizes, (800, 600), priority=np.array([2, 1, 0.0]))) == {0}
    assert set(_placed(anchors, sizes, (800, 600), priority=np.array([1, 2, 0.0]))) == {0}
    assert set(_placed(anchors, sizes, (800, 600), priority=np.array([0, 1, 2.0]))) == {2}


def test_priorities_may_be_a_mask():
    anchors = [[100, 100], [100, 200], [100, 300], [700, 150], [700, 250]]
    marked = [False, True, False, True, False]
    assert set(_placed(anchors, np.full((5, 2), [40, 10]), (800, 600), priority=marked, limit=2)) == {1, 3}
    assert set(_placed(anchors, np.full((5, 2), [40, 10]), (800, 600), priority=marked)) == {0, 1, 2, 3, 4}


def test_a_limit_keeps_the_first_of_equally_important_labels_among_many():
    many = np.column_stack([np.where(np.arange(40) % 2, 700.0, 100.0), np.linspace(20, 580, 40)])
    priority = (np.arange(40) % 3 == 0) * 1.0  # 14 important labels, then the first 6 of the others
    placed = _placed(many, np.full((40, 2), [40, 10]), (800, 600), priority=priority, limit=20)
    assert set(placed) == set(range(10)) | set(range(12, 40, 3))


def test_a_full_column_keeps_the_first_of_equally_important_labels_among_many():
    column = np.column_stack([np.full(20, 100.0), np.linspace(20, 280, 20)])
    priority = (np.arange(20) % 3 == 0) * 1.0  # 8 boxes of 30 fit the 300 px frame: the 7 important ones and label 1
    assert set(_placed(column, np.full((20, 2), [40, 30]), (800, 300), priority=priority)) == {0, 1, 3, 6, 9, 12, 15, 18}


def test_labels_of_points_at_the_same_height_stack_in_their_order():
    heights = 40 + 40 * ((np.arange(20) * 7) % 10)  # ten heights, each twice, not in order: k and k + 10 share one
    anchors = np.column_stack([np.full(20, 100.0), heights])
    sizes = np.column_stack([np.full(20, 40.0), np.where(np.arange(20) % 2, 10.0, 12.0)])
    placed = layout_labels(anchors, sizes, (800, 900))
    from_top = [label.index for label in sorted(placed, key=lambda label: -label.box[1])]
    assert from_top == [7, 17, 4, 14, 1, 11, 8, 18, 5, 15, 2, 12, 9, 19, 6, 16, 3, 13, 0, 10]
