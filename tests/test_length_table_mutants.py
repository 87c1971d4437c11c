"""Length tables (``viewer.anatomy.length_table``): each row against the muscle model asked
directly, the refusals with their words, and the three text formats written out. Written to kill
the mutants mutmut found surviving; the shipped annotations and manifest load once (0.1 s)."""

from __future__ import annotations

import copy
import functools
import json

import numpy as np
import pytest

from viewer.anatomy.annotations import load_annotations
from viewer.anatomy.kinematics import Pose, PoseError, Skeleton
from viewer.anatomy.length_table import coordinate_sweep, format_table, hip_flexion_sweep
from viewer.anatomy.mesh_pack import default_pack_dir, load_manifest
from viewer.anatomy.muscle_paths import MuscleModel
from viewer.anatomy.sweep import sweep


@functools.lru_cache(maxsize=1)
def content():
    return load_annotations(), load_manifest(default_pack_dir())


def model():
    annotations, manifest = content()
    return MuscleModel(annotations, Skeleton.from_manifest(manifest))


def test_each_row_is_the_models_length_change_and_moment_arm():
    annotations, manifest = content()
    rows = hip_flexion_sweep(annotations, manifest, "iliacus_l", -10, 20, 15)
    muscles = model()
    standing = muscles.length("iliacus_l", Pose())
    arms = sweep(muscles, Pose(), "hip_flexion_l", np.array([-10.0, 5, 20]), ["iliacus_l"])["iliacus_l"].moment_arms
    assert [list(row) for row in rows] == [["hip_flexion_deg", "length_mm", "change_from_standing_percent", "moment_arm_mm"]] * 3
    for row, angle, arm in zip(rows, (-10.0, 5.0, 20.0), arms):
        length = muscles.length("iliacus_l", Pose(hip_flexion_l=angle))
        assert row["hip_flexion_deg"] == angle and row["length_mm"] == round(length, 2)
        assert row["change_from_standing_percent"] == round(100 * (length / standing - 1), 2)
        assert row["moment_arm_mm"] == round(float(arm), 2) and type(row["moment_arm_mm"]) is float
    assert rows[0]["length_mm"] > rows[-1]["length_mm"]  # the iliacus shortens as the hip flexes


def test_a_sweep_of_any_coordinate_from_a_base_pose():
    annotations, manifest = content()
    base = Pose(hip_flexion_r=30)
    rows = coordinate_sweep(annotations, manifest, "psoas_major_r", "lumbar_bending", -10, 10, 10, base=base)
    muscles = model()
    assert [row["lumbar_bending_deg"] for row in rows] == [-10, 0, 10]
    assert [row["length_mm"] for row in rows] == [round(muscles.length("psoas_major_r", base.replace(lumbar_bending=a)), 2)
                                                  for a in (-10, 0, 10)]
    standing = muscles.length("psoas_major_r", Pose())
    assert rows[1]["change_from_standing_percent"] == round(100 * (muscles.length("psoas_major_r", base) / standing - 1), 2) < 0
    steps = coordinate_sweep(annotations, manifest, "psoas_major_r", "hip_flexion_r", 0, 1, 0.25)
    assert [row["hip_flexion_r_deg"] for row in steps] == [0, 0.25, 0.5, 0.75, 1]
    assert [row["hip_flexion_deg"] for row in coordinate_sweep(annotations, manifest, "psoas_major_r", "hip_flexion", 0, 0.9, 0.3)] == [
        0, 0.3, 0.6, 0.9]


def test_hip_angles_outside_the_model_are_refused_with_the_range():
    annotations, manifest = content()
    for start, stop in ((-31, 10), (0, 121)):
        with pytest.raises(PoseError) as caught:
            hip_flexion_sweep(annotations, manifest, "psoas_major_r", start, stop, 5)
        assert str(caught.value) == f"hip flexion {start} to {stop} degrees leaves the model's range -30 to 120"
    assert len(hip_flexion_sweep(annotations, manifest, "psoas_major_r", -30, 120, 150)) == 2  # the ends themselves are in range


def test_muscles_and_coordinates_the_pack_cannot_move_are_refused():
    annotations, manifest = content()
    with pytest.raises(ValueError) as caught:
        coordinate_sweep(annotations, manifest, "psoas_major_r", "hip_flexion", 0, 10, 5, available_bones={"l1"})
    assert str(caught.value).startswith("muscle psoas_major_r is left out: it attaches to ")
    no_hip = copy.deepcopy(manifest)
    for bone in no_hip["bones"]:
        if bone.get("joint") == "hip_l":
            bone["joint"] = None
    with pytest.raises(ValueError) as caught:
        coordinate_sweep(annotations, no_hip, "iliacus_l", "hip_flexion", 0, 10, 5)
    assert str(caught.value) == ("the pack has no bone with a hip_l joint, so hip flexion moves nothing and the length of iliacus_l "
                                 "would be the same at every angle; give the femur \"joint\": \"hip_l\" and its joint_centre")
    assert len(coordinate_sweep(annotations, no_hip, "iliacus_r", "hip_flexion", 0, 10, 5)) == 3  # the other side still moves
    with pytest.raises(ValueError, match="unknown coordinate 'spine'"):
        coordinate_sweep(annotations, manifest, "iliacus_r", "spine", 0, 10, 5)


ROWS = [{"hip_flexion_deg": 0.0, "length_mm": 250.123, "change_from_standing_percent": 0.0, "moment_arm_mm": 12.34},
        {"hip_flexion_deg": 15.0, "length_mm": 240.5, "change_from_standing_percent": -3.84, "moment_arm_mm": -0.04}]


def test_rows_as_json_csv_and_a_table():
    assert json.loads(format_table(ROWS, "iliacus_r", "json")) == {"muscle": "iliacus_r", "rows": ROWS}
    assert format_table(ROWS, "iliacus_r", "json").startswith('{\n  "muscle": "iliacus_r",\n  "rows": [\n    {\n')
    assert format_table(ROWS, "iliacus_r", "csv") == ("hip_flexion_deg,length_mm,change_from_standing_percent,moment_arm_mm\n"
                                                      "0.0,250.123,0.0,12.34\n15.0,240.5,-3.84,-0.04")
    assert format_table(ROWS, "iliacus_r", "table").split("\n") == [
        "iliacus_r: hip flexion (deg), length (mm), change from standing (%), moment arm about hip flexion (mm)",
        "     0.0     250.1      0.0     12.3",
        "    15.0     240.5     -3.8     -0.0"]
    bending = [{"lumbar_bending_deg": -5.0, "length_mm": 1.0, "change_from_standing_percent": 2.0, "moment_arm_mm": 3.0}]
    assert format_table(bending, "m", "table").split("\n")[0] == (
        "m: lumbar bending (deg), length (mm), change from standing (%), moment arm about lumbar bending (mm)")
    assert format_table(bending, "m", "csv").split("\n")[0] == "lumbar_bending_deg,length_mm,change_from_standing_percent,moment_arm_mm"
    assert format_table([], "m", "csv") == "hip_flexion_deg,length_mm,change_from_standing_percent,moment_arm_mm"
    assert format_table([], "m", "table") == (
        "m: hip flexion (deg), length (mm), change from standing (%), moment arm about hip flexion (mm)")


def test_a_sweep_stops_at_its_last_whole_step_within_the_range():
    annotations, manifest = content()
    assert [row["lumbar_bending_deg"] for row in coordinate_sweep(annotations, manifest, "psoas_major_r", "lumbar_bending", 0, 10, 6)] == [0, 6]
    assert [row["hip_flexion_deg"] for row in hip_flexion_sweep(annotations, manifest, "psoas_major_r", 100, 120, 12)] == [100, 112]
    assert [row["hip_flexion_deg"] for row in hip_flexion_sweep(annotations, manifest, "psoas_major_r", 0, 0.7, 0.1)] == [
        0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]
    assert [row["hip_flexion_deg"] for row in hip_flexion_sweep(annotations, manifest, "psoas_major_r", 5, 5, 1)] == [5]


def test_rows_keep_angles_to_a_thousandth_and_no_minus_zero():
    annotations, manifest = content()
    thirds = coordinate_sweep(annotations, manifest, "psoas_major_r", "lumbar_bending", 0, 1, 1 / 3)
    assert [row["lumbar_bending_deg"] for row in thirds] == [0, 0.333, 0.667, 1]
    [row] = coordinate_sweep(annotations, manifest, "iliacus_r", "lumbar_bending", 0, 0, 1)  # the iliacus crosses no spine joint
    assert row["moment_arm_mm"] == 0 and np.copysign(1.0, row["moment_arm_mm"]) == 1.0
    assert '"moment_arm_mm": 0.0' in format_table([row], "iliacus_r", "json")
    with pytest.raises(ValueError, match="^muscle psoas_major_r is left out"):
        hip_flexion_sweep(annotations, manifest, "psoas_major_r", 0, 10, 5, available_bones={"l1"})
