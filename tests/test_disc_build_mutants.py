"""Discs lofted between endplates (``viewer.anatomy.disc_build``) on box-shaped vertebral bodies,
whose outlines are known exactly. Written to kill the mutants mutmut found surviving; no pack is
built."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from viewer.anatomy import disc_build
from viewer.anatomy.atlas_bones import Surface
from viewer.anatomy.disc_build import RIM_POINTS, RINGS, build_disc, loft, rim_radii

ANGLES = 2 * np.pi * np.arange(48) / 48


def _body(half_x, half_y, low, high, centre=(0.0, 0.0, 0.0)):
    """A box-shaped vertebral body from height ``low`` to ``high`` over the endplate at ``centre``."""
    box = trimesh.creation.box((2 * half_x, 2 * half_y, high - low))
    box.apply_translation(np.asarray(centre) + [0.0, 0.0, (low + high) / 2])
    return Surface(box.vertices, box.faces)


def _frame(centre=(0.0, 0.0, 0.0)):
    frame = np.eye(4)
    frame[:3, 3] = centre
    return frame


def _box_radii(half_x, half_y):
    """Distance from the centre to a box's wall along each rim direction (0 to the right, 90 forwards)."""
    with np.errstate(divide="ignore"):
        return np.minimum(half_x / np.abs(np.cos(ANGLES)), half_y / np.abs(np.sin(ANGLES)))


def test_the_constants_are_the_documented_ones():
    assert (RIM_POINTS, RINGS, disc_build.RIM_INSET_MM, disc_build.RIM_GROWTH, disc_build.BULGE_MM) == (48, 9, 1.5, 1.15, 1.2)


def test_rim_radii_are_the_bodys_outline_just_inside_the_endplate():
    centre = (3.0, -2.0, 50.0)
    above = rim_radii(_body(15.0, 10.0, 0.0, 20.0, centre), _frame(centre), +1.0)
    np.testing.assert_allclose(above, _box_radii(15.0, 10.0), atol=1e-6)
    below = rim_radii(_body(12.0, 9.0, -20.0, 0.0, centre), _frame(centre), -1.0)
    np.testing.assert_allclose(below, _box_radii(12.0, 9.0), atol=1e-6)
    # the rays start 1.5 mm into the bone: a body from 1 to 2 mm above is met, one from 2 to 3 is not
    np.testing.assert_allclose(rim_radii(_body(15.0, 10.0, 1.0, 2.0), _frame(), +1.0), _box_radii(15.0, 10.0), atol=1e-6)
    with pytest.raises(ValueError) as caught:
        rim_radii(_body(15.0, 10.0, 2.0, 3.0), _frame(), +1.0)
    assert str(caught.value) == "48 rim rays leave no bone: is the endplate centre inside the body?"
    with pytest.raises(ValueError, match="^48 rim rays leave no bone"):
        rim_radii(_body(15.0, 10.0, 1.0, 2.0), _frame(), -1.0)  # the bone is above, not below
    # the nearest crossing counts: a second wall further out is not the outline
    inner, outer = _body(15.0, 10.0, 0.0, 20.0), _body(25.0, 25.0, 0.0, 20.0)
    both = Surface(np.r_[inner.vertices, outer.vertices], np.r_[inner.faces, outer.faces + len(inner.vertices)])
    np.testing.assert_allclose(rim_radii(both, _frame(), +1.0), _box_radii(15.0, 10.0), atol=1e-6)


def test_rim_directions_follow_the_endplates_frame():
    frame = np.eye(4)
    frame[:3, :3] = [[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]  # x along +y, y along -x
    np.testing.assert_allclose(rim_radii(_body(15.0, 10.0, 0.0, 20.0), frame, +1.0), _box_radii(10.0, 15.0), atol=1e-6)


def test_a_lofted_disc_is_closed_outward_and_bulges_at_mid_height():
    upper, lower = _frame((0.0, 0.0, 10.0)), _frame()
    upper_radii, lower_radii = np.full(48, 14.0), _box_radii(15.0, 10.0)
    disc = loft(upper, lower, upper_radii, lower_radii)
    assert disc.vertices.shape == (RINGS * RIM_POINTS + 2, 3) and disc.faces.dtype == np.int64
    assert disc.faces.shape == (2 * RIM_POINTS * (RINGS - 1) + 2 * RIM_POINTS, 3)
    mesh = trimesh.Trimesh(disc.vertices, disc.faces, process=False)
    assert mesh.is_watertight and mesh.is_winding_consistent and mesh.volume > 0
    directions = np.c_[np.cos(ANGLES), np.sin(ANGLES), np.zeros(48)]
    np.testing.assert_allclose(disc.vertices[:48], lower_radii[:, None] * directions, atol=1e-9)
    np.testing.assert_allclose(disc.vertices[8 * 48:9 * 48], 14.0 * directions + [0.0, 0.0, 10.0], atol=1e-9)
    middle = disc.vertices[4 * 48:5 * 48]
    expected = 0.5 * (lower_radii[:, None] * directions + 14.0 * directions + [0.0, 0.0, 10.0]) + 1.2 * directions
    np.testing.assert_allclose(middle, expected, atol=1e-9)
    quarter = disc.vertices[2 * 48:3 * 48]
    t = 0.25
    expected = (1 - t) * lower_radii[:, None] * directions + t * (14.0 * directions + [0.0, 0.0, 10.0]) + 1.2 * np.sin(np.pi * t) * directions
    np.testing.assert_allclose(quarter, expected, atol=1e-9)
    np.testing.assert_allclose(disc.vertices[-2:], [[0.0, 0.0, 0.0], [0.0, 0.0, 10.0]])


def test_a_lofted_disc_between_tilted_endplates_blends_their_directions():
    upper = np.eye(4)
    tilt = np.radians(20.0)
    upper[:3, :3] = [[1.0, 0.0, 0.0], [0.0, np.cos(tilt), -np.sin(tilt)], [0.0, np.sin(tilt), np.cos(tilt)]]
    upper[:3, 3] = [0.0, 0.0, 12.0]
    disc = loft(upper, _frame(), np.full(48, 10.0), np.full(48, 10.0))
    mesh = trimesh.Trimesh(disc.vertices, disc.faces, process=False)
    assert mesh.is_watertight and mesh.volume > 0
    out_upper = np.cos(ANGLES)[:, None] * upper[:3, 0] + np.sin(ANGLES)[:, None] * upper[:3, 1]
    out_lower = np.c_[np.cos(ANGLES), np.sin(ANGLES), np.zeros(48)]
    outward = 0.5 * (out_upper + out_lower)
    outward /= np.linalg.norm(outward, axis=1, keepdims=True)
    expected = 0.5 * (10.0 * out_lower + 10.0 * out_upper + upper[:3, 3]) + 1.2 * outward
    np.testing.assert_allclose(disc.vertices[4 * 48:5 * 48], expected, atol=1e-9)


def test_a_disc_takes_the_lower_outline_held_to_the_upper_one():
    upper, lower = _frame((0.0, 0.0, 10.0)), _frame()
    above = _body(15.0, 10.0, 10.0, 30.0)
    wide_below = _body(30.0, 10.0, -20.0, 0.0)  # reaches twice as far sideways: held to 1.15 times the upper
    disc = build_disc(above, upper, wide_below, lower)
    upper_radii = _box_radii(15.0, 10.0)
    np.testing.assert_allclose(np.linalg.norm(disc.vertices[8 * 48:9 * 48, :2], axis=1), upper_radii, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(disc.vertices[:48, :2], axis=1),
                               np.minimum(_box_radii(30.0, 10.0), 1.15 * upper_radii), atol=1e-6)
    # on the sacrum the upper outline is taken at both ends
    sacral = build_disc(above, upper, None, lower)
    np.testing.assert_allclose(np.linalg.norm(sacral.vertices[:48, :2], axis=1), upper_radii, atol=1e-6)


def test_rim_directions_go_round_anticlockwise_from_the_right():
    """A body set 3 mm forward of the endplate centre: the backward rays are the short ones."""
    radii = rim_radii(_body(15.0, 10.0, 0.0, 20.0, (0.0, 3.0, 0.0)), _frame(), +1.0)
    with np.errstate(divide="ignore"):
        forward = np.where(np.sin(ANGLES) > 0, 13.0 / np.abs(np.sin(ANGLES)), 7.0 / np.abs(np.sin(ANGLES)))
    np.testing.assert_allclose(radii, np.minimum(15.0 / np.abs(np.cos(ANGLES)), forward), atol=1e-6)


def test_every_vertex_of_a_disc_is_used_and_each_cap_fans_from_its_centre():
    disc = loft(_frame((0.0, 0.0, 10.0)), _frame(), np.full(48, 14.0), np.full(48, 12.0))
    assert set(np.unique(disc.faces)) == set(range(len(disc.vertices)))
    bottom_centre, top_centre = RINGS * RIM_POINTS, RINGS * RIM_POINTS + 1
    assert (disc.faces == bottom_centre).any(axis=1).sum() == RIM_POINTS
    assert (disc.faces == top_centre).any(axis=1).sum() == RIM_POINTS


def test_a_disc_between_thin_bodies_starts_its_rays_just_inside_each():
    upper, lower = _frame((0.0, 0.0, 10.0)), _frame()
    disc = build_disc(_body(15.0, 10.0, 11.0, 12.0), upper, _body(15.0, 10.0, -2.0, -1.0), lower)
    np.testing.assert_allclose(np.linalg.norm(disc.vertices[:48, :2], axis=1), _box_radii(15.0, 10.0), atol=1e-6)
