"""Landmarks and bones where an anatomist expects them, on the default pack."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from viewer.anatomy.annotations import load_annotations
from viewer.anatomy.mesh_pack import load_pack


@pytest.fixture(scope="module")
def placed():
    pack, annotations = load_pack(), load_annotations()

    def where(landmark_id: str) -> np.ndarray:
        landmark = annotations.landmarks[landmark_id]
        return landmark.position + pack.bones[landmark.bone].frame_origin

    return pack, where


@pytest.mark.parametrize("side, lateral", [("r", 1.0), ("l", -1.0)])
def test_aiis_is_above_and_lateral_to_the_iliopubic_eminence(placed, side, lateral):
    _, where = placed
    aiis, eminence = where(f"aiis_{side}"), where(f"iliopubic_eminence_{side}")
    assert aiis[2] > eminence[2] + 5
    assert lateral * (aiis[0] - eminence[0]) > 15
    # and below the ASIS, on the same anterior border
    assert where(f"asis_{side}")[2] > aiis[2] + 15


@pytest.mark.parametrize("side", "rl")
def test_symphyseal_surface_lies_by_the_midline(placed, side):
    _, where = placed
    assert abs(where(f"pubic_symphysis_{side}")[0]) < 5


def _gap(pack, lower: str, upper: str) -> float:
    """Closest approach of two vertebrae's surfaces (mm): the disc space between them."""
    _, distance, _ = trimesh.proximity.closest_point(pack.bones[upper].mesh, pack.bones[lower].vertices[::4])
    return float(distance.min())


def test_t12_sits_on_l1_with_a_disc_space_like_the_lumbar_levels(placed):
    pack, _ = placed
    lumbar = [_gap(pack, lower, upper) for lower, upper in (("l2", "l1"), ("l3", "l2"), ("l4", "l3"), ("l5", "l4"))]
    t12 = _gap(pack, "l1", "t12")
    assert min(lumbar) - 1.0 <= t12 <= max(lumbar) + 1.0, (t12, lumbar)
    # front to back: T12's body is over L1's as L1's is over L2's, not 16 mm behind it
    def body_front(bone: str) -> float:
        return float(pack.bones[bone].vertices[:, 1].max())
    step_t12 = body_front("l1") - body_front("t12")
    step_l1 = body_front("l2") - body_front("l1")
    assert abs(step_t12 - step_l1) < 8, (step_t12, step_l1)
