"""Sphere wrapping (``viewer.anatomy.wrapping``) away from the origin, at other scales, with many
pairs at once and with degenerate lines. Written to kill the mutants mutmut found surviving."""

from __future__ import annotations

import numpy as np
import pytest

from viewer.anatomy.wrapping import wrap_sphere

CENTRE = np.array([30.0, -12.0, 7.0])


def path_length(a, b, wrap):
    return np.linalg.norm(wrap.first - a, axis=1) + wrap.between + np.linalg.norm(b - wrap.last, axis=1)


def _cases():
    """Pairs (relative to a unit sphere at the origin) with their side points: wrapped, clear, asymmetric."""
    a = np.array([[-2.0, 0, 0], [-2.0, 1.5, 0], [-1.2, 0.1, 0.3], [-3.0, 0.2, -0.4], [0.0, -2.5, 0.0]])
    b = np.array([[2.0, 0, 0], [2.0, 1.5, 0], [5.0, 0.5, -0.2], [2.5, -0.3, 0.6], [0.3, 2.5, 0.1]])
    side = np.array([[0, 1.0, 0], [0, 1.0, 0], [0, -1.0, 0.5], [0.2, 0.3, 1.0], [-1.0, 0.0, 0.0]])
    return a, b, side


@pytest.mark.parametrize("scale", [1.0, 0.01, 40.0])
def test_wrapping_moves_and_scales_with_the_sphere(scale):
    a, b, side = _cases()
    here = wrap_sphere(a, b, np.zeros(3), 1.0, side)
    there = wrap_sphere(CENTRE + scale * a, CENTRE + scale * b, CENTRE, scale, CENTRE + scale * side)
    assert (there.wrapped == here.wrapped).all() and here.wrapped.tolist() == [True, False, True, True, True]
    np.testing.assert_allclose(there.samples, CENTRE + scale * here.samples, atol=1e-9 * max(scale, 1) * 40)
    np.testing.assert_allclose(there.between, scale * here.between, rtol=1e-9)
    np.testing.assert_allclose(path_length(CENTRE + scale * a, CENTRE + scale * b, there), scale * path_length(a, b, here), rtol=1e-9)
    # wrapped samples lie on the sphere
    on = np.linalg.norm(there.samples[there.wrapped] - CENTRE, axis=2)
    np.testing.assert_allclose(on, scale, rtol=1e-9)


def test_many_pairs_at_once_match_one_at_a_time():
    a, b, side = _cases()
    radius = np.array([1.0, 1.0, 0.9, 1.1, 0.8])
    together = wrap_sphere(CENTRE + a, CENTRE + b, CENTRE, radius, CENTRE + side)
    for k in range(len(a)):
        alone = wrap_sphere(CENTRE + a[k], CENTRE + b[k], CENTRE, radius[k], CENTRE + side[k])
        np.testing.assert_allclose(together.samples[k], alone.samples[0], atol=1e-12)
        assert together.wrapped[k] == alone.wrapped[0]


def test_the_shortest_way_round_on_the_side_of_the_side_point():
    """An asymmetric pair: the path passes on the side point's side of the line, and is the shortest
    such path (tangent, arc, tangent) there."""
    a, b = np.array([-1.3, 0.2, 0.0]), np.array([4.0, -0.3, 0.0])
    for sign in (1.0, -1.0):
        for along in (-1.0, 0.5, 3.0):
            side = np.array([along, sign * 1.5, 0.0])
            wrap = wrap_sphere(CENTRE + a, CENTRE + b, CENTRE, 1.0, CENTRE + side)
            assert wrap.wrapped[0]
            middle = wrap.samples[0, 4] - CENTRE
            # which side of the line a->b the arc's middle lies on
            cross = (b - a)[0] * (middle - a)[1] - (b - a)[1] * (middle - a)[0]
            assert np.sign(cross) == sign
    # the short way is tangent-arc-tangent: check against the closed form
    wrap = wrap_sphere(CENTRE + a, CENTRE + b, CENTRE, 1.0, CENTRE + np.array([0.5, 1.0, 0]))  # the line passes above the centre
    da, db = np.linalg.norm(a), np.linalg.norm(b)
    angle = np.arccos(a @ b / (da * db))
    expected = np.sqrt(da**2 - 1) + np.sqrt(db**2 - 1) + (angle - np.arccos(1 / da) - np.arccos(1 / db))
    assert path_length(CENTRE + a, CENTRE + b, wrap)[0] == pytest.approx(expected, rel=1e-12)


def test_a_line_through_the_centre_goes_round_the_side_point():
    """A, B and the centre in one line (no plane of their own): the side point picks the plane,
    also when A and B are a hair off the line."""
    for up in (np.array([0, 0, 1.0]), np.array([0, 1.0, 0])):
        for hair in (0.0, 1e-10):
            a = CENTRE + np.array([-20.0, 0, 0])
            b = CENTRE + np.array([20.0, hair, hair])
            wrap = wrap_sphere(a, b, CENTRE, 5.0, CENTRE + 8 * up)
            assert wrap.wrapped[0]
            height = (wrap.samples[0] - CENTRE) @ up  # over the top, in the plane of the side point
            assert (height > -1e-6).all() and height.max() > 4.9
            assert np.abs((wrap.samples[0] - CENTRE) @ np.cross(up, [1.0, 0, 0])).max() < 1e-6


def test_an_end_inside_the_sphere_leaves_the_line_straight():
    wrap = wrap_sphere(CENTRE + [-0.5, 0, 0], CENTRE + [3.0, 0, 0], CENTRE, 1.0, CENTRE + [0, 1.0, 0])
    assert not wrap.wrapped[0]
    wrap = wrap_sphere(CENTRE + [-3.0, 0.1, 0], CENTRE + [0.2, 0.3, 0], CENTRE, 1.0, CENTRE + [0, 1.0, 0])
    assert not wrap.wrapped[0]


def test_a_straight_path_is_sampled_evenly_around_its_middle():
    a, b = np.array([[0.0, 5, 0]]), np.array([[8.0, 5, 0]])
    wrap = wrap_sphere(a, b, np.zeros(3), 1.0, np.array([0, 1.0, 0]), samples=5)
    assert not wrap.wrapped[0]
    np.testing.assert_allclose(wrap.samples[0, :, 0], [2, 3, 4, 5, 6])
    np.testing.assert_allclose([wrap.first[0], wrap.last[0]], [[2, 5, 0], [6, 5, 0]])
    assert wrap.between[0] == pytest.approx(4.0)
