"""A pack's units, axes and transforms (``viewer.anatomy.pack_frame``) and the joint-angle sweep
(``viewer.anatomy.sweep``) against a stand-in model whose lengths are a known function of the
angle. Written to kill the mutants mutmut found surviving; no pack is loaded."""

from __future__ import annotations

import numpy as np
import pytest

from viewer.anatomy import pack_frame
from viewer.anatomy.kinematics import Pose, PoseError
from viewer.anatomy.sweep import STEP_DEG, check_coordinate, sweep


def test_axes_name_where_each_of_the_packs_axes_points():
    np.testing.assert_array_equal(pack_frame.axes_matrix("RAS"), np.eye(3))
    np.testing.assert_array_equal(pack_frame.axes_matrix("LPS"), np.diag([-1.0, -1, 1]))
    np.testing.assert_array_equal(pack_frame.axes_matrix("ASR"), [[0, 0, 1], [1, 0, 0], [0, 1, 0]])
    np.testing.assert_array_equal(pack_frame.axes_matrix("IRP"), [[0, 1, 0], [0, 0, -1], [-1, 0, 0]])
    for bad in ("RRS", "RLA", "AAS", "SIR"):
        with pytest.raises(ValueError) as caught:
            pack_frame.axes_matrix(bad)
        assert str(caught.value) == f"axes {bad!r} must name each direction once: one of R/L, one of A/P, one of S/I"


def test_a_transform_must_be_affine_and_invertible():
    rows = [[2, 0, 0, 1], [0, 1, 0, 2], [0, 0, 1, 3], [0, 0, 0, 1]]
    np.testing.assert_array_equal(pack_frame.affine(rows), rows)
    assert pack_frame.affine(rows).dtype == float
    with pytest.raises(ValueError, match=r"^the bottom row of a transform must be \[0, 0, 0, 1\]$"):
        pack_frame.affine([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 2]])
    with pytest.raises(ValueError, match=r"^the transform squashes space flat \(its 3x3 part is singular\)$"):
        pack_frame.affine([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1]])
    tiny = [[1e-5, 0, 0, 0], [0, 1e-5, 0, 0], [0, 0, 1e-3, 0], [0, 0, 0, 1]]  # determinant 1e-13
    with pytest.raises(ValueError, match="singular"):
        pack_frame.affine(tiny)
    pack_frame.affine([[-1e-4, 0, 0, 0], [0, 1e-4, 0, 0], [0, 0, 1e-3, 0], [0, 0, 0, 1]])  # determinant -1e-11: kept


def test_pack_to_viewer_scales_turns_then_moves():
    manifest = {"units": "cm", "axes": "LPS", "transform": [[1, 0, 0, 5], [0, 1, 0, 6], [0, 0, 1, 7], [0, 0, 0, 1]]}
    matrix = pack_frame.pack_to_viewer(manifest)
    np.testing.assert_allclose(pack_frame.apply(matrix, np.array([1.0, 2, 3])), [-10 + 5, -20 + 6, 30 + 7])
    np.testing.assert_allclose(pack_frame.pack_to_viewer({"units": "m"}), np.diag([1000.0, 1000, 1000, 1]))
    np.testing.assert_allclose(pack_frame.pack_to_viewer({"units": "mm", "axes": "ASR"})[:3, :3], pack_frame.axes_matrix("ASR"))
    points = np.arange(12.0).reshape(2, 2, 3)
    np.testing.assert_allclose(pack_frame.apply(matrix, points)[1, 1], [-90 + 5, -100 + 6, 110 + 7])


def test_coordinates_must_be_finite_and_near_a_body():
    pack_frame.check_bounded(np.array([[5000.0, -5000, 0]]), "femur")
    pack_frame.check_bounded(np.zeros((0, 3)), "empty")
    with pytest.raises(ValueError) as caught:
        pack_frame.check_bounded(np.array([[0, 0, 5000.5], [1, 2, 3]]), "femur")
    assert str(caught.value) == ("femur reaches 5e+03 mm from the origin, beyond the 5000 mm a body spans "
                                 "(check the units, axes and transform in the manifest)")
    with pytest.raises(ValueError) as caught:
        pack_frame.check_bounded(np.array([[0, 0, -7000.0]]), "tibia")
    assert str(caught.value).startswith("tibia reaches 7e+03 mm from the origin")
    with pytest.raises(ValueError) as caught:
        pack_frame.check_bounded(np.array([[np.nan, 0, 0], [1, np.inf, -np.inf], [1, 2, 3]]), "sacrum")
    assert str(caught.value) == "sacrum: 2 points have NaN or infinite coordinates"
    with pytest.raises(ValueError) as caught:
        pack_frame.check_bounded(np.array([[[np.nan, 0, 0], [np.inf, 2, 3]], [[4, 5, 6], [7, 8, 9]]]), "disc")
    assert str(caught.value) == "disc: 2 points have NaN or infinite coordinates"  # points, not columns of points


class LinearModel:
    """Lengths 300 - 2 mm per degree of the right hip's flexion (a moment arm of 2 mm per degree,
    114.59 mm), 100 + knee_flexion_r mm for a second muscle."""

    def __init__(self):
        self.asked = []

    def lengths_many(self, poses, muscle_ids):
        self.asked.append(list(poses))
        lengths = {"a": np.array([300 - 2 * p.hip_flexion_r for p in poses]), "b": np.array([100 + p.knee_flexion_r for p in poses])}
        return {m: lengths[m] for m in muscle_ids}  # only the muscles asked for


def test_a_sweep_gives_lengths_and_moment_arms_by_central_differences():
    model = LinearModel()
    result = sweep(model, Pose(knee_flexion_r=10), "hip_flexion_r", [0, 30, 60], ["a", "b"])
    np.testing.assert_array_equal(result["a"].angles, [0, 30, 60])
    np.testing.assert_allclose(result["a"].lengths, [300, 240, 180])
    np.testing.assert_allclose(result["a"].moment_arms, np.degrees(2.0))  # -(dL/dq) per radian
    np.testing.assert_allclose(result["b"].lengths, [110, 110, 110])
    np.testing.assert_allclose(result["b"].moment_arms, 0)
    [poses] = model.asked
    assert [p.hip_flexion_r for p in poses] == [0, 30, 60, -0.5, 29.5, 59.5, 0.5, 30.5, 60.5] and STEP_DEG == 0.5
    assert all(p.knee_flexion_r == 10 for p in poses)


def test_one_sided_differences_at_the_ends_of_the_range():
    model = LinearModel()
    low, high = -30.0, 120.0  # the hip's flexion range in the model
    result = sweep(model, Pose(), "hip_flexion_r", [low, high], ["a"])
    np.testing.assert_allclose(result["a"].moment_arms, np.degrees(2.0))
    assert [p.hip_flexion_r for p in model.asked[0]] == [low, high, low, high - 0.5, low + 0.5, high]
    with pytest.raises(PoseError):
        sweep(model, Pose(), "hip_flexion_r", [high + 1], ["a"])


def test_coordinates_are_named():
    assert check_coordinate("lumbar_flexion") == "lumbar_flexion"
    with pytest.raises(ValueError, match=r"^unknown coordinate 'hip'; choose one of hip_flexion_r, hip_flexion_l, "):
        check_coordinate("hip")
    with pytest.raises(ValueError, match="unknown coordinate"):
        sweep(LinearModel(), Pose(), "hip", [0], ["a"])
