"""Leader-line crossings and label priorities (``viewer.scene.label_layout``), case by case.
Written to kill the mutants mutmut found surviving (these two functions had no test of their own)."""

from __future__ import annotations

import numpy as np
import pytest

from viewer.scene.label_layout import segments_cross, spread_priority


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
