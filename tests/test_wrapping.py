"""Sphere wrapping against closed-form answers."""

from __future__ import annotations

import numpy as np
import pytest

from viewer.anatomy.wrapping import wrap_sphere


def path_length(a, b, wrap):
    return np.linalg.norm(wrap.first - a, axis=1) + wrap.between + np.linalg.norm(b - wrap.last, axis=1)


def test_path_across_a_sphere_is_tangents_plus_arc():
    a, b = np.array([[-2.0, 0, 0]]), np.array([[2.0, 0, 0]])
    wrap = wrap_sphere(a, b, np.zeros(3), 1.0, np.array([0, 1.0, 0]))
    expected = 2 * np.sqrt(3) + (np.pi - 2 * np.arccos(0.5))
    assert wrap.wrapped[0]
    assert path_length(a, b, wrap)[0] == pytest.approx(expected)
    assert np.linalg.norm(wrap.samples[0], axis=1) == pytest.approx(np.ones(8))
    assert wrap.samples[0, :, 1].min() > 0  # on the side of the side point


def test_side_point_chooses_the_way_round():
    a, b = np.array([[-2.0, 0.1, 0]]), np.array([[2.0, 0.1, 0]])
    below = wrap_sphere(a, b, np.zeros(3), 1.0, np.array([0, -1.0, 0]))
    assert below.samples[0, 4, 1] < -0.9


def test_clear_line_is_left_straight():
    a, b = np.array([[-2.0, 1.5, 0]]), np.array([[2.0, 1.5, 0]])
    wrap = wrap_sphere(a, b, np.zeros(3), 1.0, np.array([0, 1.0, 0]))
    assert not wrap.wrapped[0]
    assert path_length(a, b, wrap)[0] == pytest.approx(4.0)


def test_length_is_continuous_where_contact_begins():
    heights = np.linspace(0.8, 1.2, 81)
    a = np.stack([np.full_like(heights, -3.0), heights, np.zeros_like(heights)], axis=1)
    b = a * np.array([-1, 1, 1])
    wrap = wrap_sphere(a, b, np.zeros(3), 1.0, np.array([0, 2.0, 0]))
    lengths = path_length(a, b, wrap)
    assert wrap.wrapped.any() and not wrap.wrapped.all()
    assert np.abs(np.diff(lengths)).max() < 0.01
