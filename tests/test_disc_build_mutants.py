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


def test_an_endplate_centre_outside_the_bone_is_named_when_no_ray_meets_it():
    """No ray hits at all: trimesh answers with hits of shape (0,), which used to fail to broadcast."""
    with pytest.raises(ValueError) as caught:
        rim_radii(_body(15.0, 10.0, 2.0, 3.0), _frame(), +1.0)  # the rays start 1.5 mm up, below the body
    assert str(caught.value) == "48 rim rays leave no bone: is the endplate centre inside the body?"
