"""Plausibility checks of a pack (``viewer.anatomy.pack_checks``) and the ankle and floor
(``viewer.anatomy.lower_limb``) on made-up boxes of points whose answers are written out.
Written to kill the mutants mutmut found surviving; no pack is loaded."""

from __future__ import annotations

import numpy as np
import pytest

from viewer.anatomy import lower_limb
from viewer.anatomy.pack_checks import implausible


def box(centre, extent):
    """The 8 corners of an axis-aligned box (mm)."""
    corners = np.array([[x, y, z] for x in (-0.5, 0.5) for y in (-0.5, 0.5) for z in (-0.5, 0.5)])
    return np.asarray(centre, float) + corners * np.asarray(extent, float)


ADULT = {
    "sacrum": (box([0, -40, 60], [100, 60, 115]), None),
    "hip_bone_r": (box([90, 0, 30], [100, 120, 210]), None),
    "hip_bone_l": (box([-90, 0, 30], [100, 120, 210]), None),
    "femur_r": (box([90, 0, -250], [60, 60, 450]), "hip_r"),
    "femur_l": (box([-90, 0, -250], [60, 60, 450]), "hip_l"),
    "l3": (box([0, -30, 200], [70, 40, 30]), None),
    "t12": (box([0, -30, 300], [60, 40, 30]), None),
    "tibia_r": (box([90, 0, -650], [60, 60, 380]), None),
    "patella_l": (box([-90, 40, -470], [48, 20, 40]), None),
}


def test_an_adult_in_the_frame_has_no_findings():
    assert implausible(ADULT) == []


@pytest.mark.parametrize("bone, factor", [("femur_r", 0.499), ("femur_r", 2.01), ("hip_bone_l", 0.45), ("sacrum", 2.5), ("l3", 0.4),
                                          ("t12", 2.4), ("tibia_r", 0.3), ("patella_l", 2.2)])
def test_a_bone_more_than_twice_or_under_half_an_adults_size_is_named(bone, factor):
    vertices, joint = ADULT[bone]
    centre = vertices.mean(axis=0)
    bones = {**ADULT, bone: (centre + (vertices - centre) * factor, joint)}
    found = [f for f in implausible(bones) if "check the units" in f[1]]
    assert len(found) == 1 and found[0][0] == bone
    assert found[0][1].endswith("mm: check the units in the manifest") and " mm across where an adult's is about " in found[0][1]


def test_the_size_message_exactly_and_the_limits_themselves():
    femur, joint = ADULT["femur_r"]
    centre = femur.mean(axis=0)
    assert implausible({"femur_r": (centre + (femur - centre) * 2.5, joint)}) == [
        ("femur_r", "is 1.12e+03 mm across where an adult's is about 450 mm: check the units in the manifest")]
    for factor in (0.5, 2.0):  # exactly half and exactly twice are accepted
        assert implausible({"femur_r": (centre + (femur - centre) * factor, joint)}) == []
    assert implausible({"rib_r": (box([50, 0, 0], [900, 1, 1]), None)}) == []  # a bone of no known size


def test_a_side_bone_on_the_wrong_side_is_named():
    flipped = {**ADULT, "hip_bone_r": (ADULT["hip_bone_r"][0] * [-1, 1, 1], None)}
    assert implausible(flipped) == [("hip_bone_r", "lies at x = -90 mm, but x points to the subject's right and this is a right bone: "
                                                   "check the axes in the manifest")]
    flipped = {**ADULT, "patella_l": (ADULT["patella_l"][0] * [-1, 1, 1], None)}
    assert implausible(flipped) == [("patella_l", "lies at x = 90 mm, but x points to the subject's right and this is a left bone: "
                                                  "check the axes in the manifest")]
    on_midline = {**ADULT, "tibia_r": (ADULT["tibia_r"][0] * [0, 1, 1], None), "femur_l": (ADULT["femur_l"][0] * [0, 1, 1], "hip_l")}
    assert [bone for bone, message in implausible(on_midline)] == ["femur_l", "tibia_r"]  # x = 0 is neither side
    assert implausible({"l3": (box([-30, 0, 0], [70, 40, 30]), None), "t12": (box([30, 0, 0], [60, 40, 30]), None)}) == []  # midline bones


def test_a_femur_not_below_the_pelvis_is_named():
    high = {**ADULT, "femur_r": (box([90, 0, 30], [60, 60, 450]), "hip_r")}  # level with its hip bone
    assert implausible(high) == [("femur_r", "its centre is not below the pelvis (z = 30 mm against 30 mm; z points up): "
                                             "check the axes in the manifest")]
    # against the lower of its own hip bone and the sacrum, not the other side's hip bone
    low_sacrum = {**ADULT, "sacrum": (box([0, -40, -100], [100, 60, 115]), None)}
    assert [b for b, _ in implausible({**low_sacrum, "femur_r": (box([90, 0, -90], [60, 60, 450]), "hip_r")})] == ["femur_r"]
    own_side = {**ADULT, "hip_bone_l": (box([-90, 0, -300], [100, 120, 210]), None)}
    assert [b for b, _ in implausible({**own_side, "femur_r": (box([90, 0, -100], [60, 60, 450]), "hip_r")})] == ["femur_l"]
    alone = {"femur_r": (box([90, 0, 500], [60, 60, 450]), "hip_r")}  # no pelvis to compare with
    assert implausible(alone) == []


def test_a_femur_without_a_hip_joint_is_named():
    for joint in (None, "knee_r", "hip"):
        found = implausible({**ADULT, "femur_l": (ADULT["femur_l"][0], joint)})
        assert found == [("femur_l", "has no hip joint (joint hip_r or hip_l with a joint_centre), so it does not move with hip "
                                     "flexion and no hip-crossing muscle length can be measured")]
    assert implausible({**ADULT, "femur_l": (ADULT["femur_l"][0], "hip_r")}) == []


def test_the_ankle_is_the_middle_of_the_lowest_15_mm():
    vertices = np.array([[0, 0, 0], [10, 4, 14.9], [20, 8, 2], [100, 100, 15], [50, 50, 300]], float)
    np.testing.assert_allclose(lower_limb.ankle_centre(vertices), [10, 4, 16.9 / 3])
    np.testing.assert_allclose(lower_limb.ankle_centre(vertices + [0, 0, -500]), [10, 4, 16.9 / 3 - 500])


def test_the_supine_floor_is_under_the_back_of_the_posed_pelvis():
    shift = np.eye(4)
    shift[:3, 3] = [0, -20, 0]
    turn = np.array([[1, 0, 0, 0], [0, 0, -1, 0], [0, 1, 0, 0], [0, 0, 0, 1]], float)  # y' = -z
    pelvis = [box([0, -40, 60], [100, 60, 100]), box([90, 0, 30], [100, 120, 200])]
    assert lower_limb.supine_floor(pelvis, [np.eye(4), np.eye(4)]) == -70 - 15
    assert lower_limb.supine_floor(pelvis, [shift, np.eye(4)]) == -90 - 15
    assert lower_limb.supine_floor(pelvis, [np.eye(4), turn]) == -130 - 15  # the hip bone's top (z 130) turned to the back


def test_the_sole_lies_below_the_ankle_by_winters_proportion():
    assert lower_limb.sole_above_floor(np.array([0, 100.0, 0]), -50, 245) == pytest.approx(150 - 39)
    assert lower_limb.sole_above_floor(np.array([5, -10.0, 7]), -50, 490) == pytest.approx(40 - 78)


def test_half_a_millimetre_off_the_midline_is_on_its_side():
    assert implausible({"tibia_r": (box([0.5, 0, -650], [60, 60, 380]), None),
                        "tibia_l": (box([-0.5, 0, -650], [60, 60, 380]), None)}) == []


def test_a_femur_named_without_a_side_is_checked_against_the_sacrum():
    sacrum = {"sacrum": (box([0, -40, 60], [100, 60, 115]), None)}
    assert implausible({**sacrum, "femur": (box([0, 0, -250], [60, 60, 450]), "hip_r")}) == []
    assert [b for b, _ in implausible({**sacrum, "femur": (box([0, 0, 100], [60, 60, 450]), "hip_r")})] == ["femur"]
