"""psoas-viewer lengths: per-angle length and moment arm, in three formats."""

from __future__ import annotations

import csv
import io
import json

import pytest

from viewer.cli import main


def run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_json_rows_cover_the_range(capsys):
    code, out, _ = run(capsys, "lengths", "--muscle", "psoas_major_r", "--hip-flexion", "-30:100:10", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["muscle"] == "psoas_major_r"
    angles = [row["hip_flexion_deg"] for row in data["rows"]]
    assert angles == list(range(-30, 101, 10))
    lengths = [row["length_mm"] for row in data["rows"]]
    assert lengths == sorted(lengths, reverse=True)
    standing = data["rows"][3]
    assert standing["hip_flexion_deg"] == 0 and standing["change_from_standing_percent"] == 0
    assert all(5 < row["moment_arm_mm"] < 60 for row in data["rows"][:13])


def test_csv_for_the_left_iliacus(capsys):
    code, out, _ = run(capsys, "lengths", "--muscle", "iliacus_l", "--hip-flexion", "0:90:45", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [float(r["hip_flexion_deg"]) for r in rows] == [0, 45, 90]
    assert float(rows[2]["length_mm"]) < float(rows[0]["length_mm"])


def test_table_is_readable(capsys):
    code, out, _ = run(capsys, "lengths", "--muscle", "psoas_minor_l")
    assert code == 0
    assert out.splitlines()[0].startswith("psoas_minor_l: hip flexion (deg)")
    assert len(out.splitlines()) == 1 + 16


@pytest.mark.parametrize(
    "args, message",
    [
        (["--muscle", "gluteus_r"], "no muscle 'gluteus_r'"),
        (["--muscle", "psoas_major_r", "--hip-flexion", "0:150:10"], "leaves the model's range"),
    ],
)
def test_bad_requests_get_one_clear_line(capsys, args, message):
    code, out, err = run(capsys, "lengths", *args)
    assert code == 2
    assert message in err and out == ""


def test_malformed_range_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["lengths", "--muscle", "psoas_major_r", "--hip-flexion", "ten:twenty"])
    assert caught.value.code == 2
    assert "FROM:TO:STEP" in capsys.readouterr().err


def test_any_coordinate_sweeps_with_its_moment_arm(capsys):
    code, out, _ = run(capsys, "lengths", "--muscle", "psoas_major_r", "--sweep", "lumbar_bending=-30:30:5", "--format", "json")
    assert code == 0
    rows = json.loads(out)["rows"]
    assert [r["lumbar_bending_deg"] for r in rows] == list(range(-30, 31, 5))
    # bending to its own (right) side shortens the right psoas: a positive moment arm about bending
    assert rows[-1]["length_mm"] < rows[0]["length_mm"]
    assert all(r["moment_arm_mm"] > 5 for r in rows)


def test_sweep_starts_from_a_named_pose(capsys):
    _, sitting, _ = run(capsys, "lengths", "--muscle", "psoas_major_l", "--sweep", "lumbar_flexion=0:0:1", "--pose", "sitting", "--format", "json")
    _, standing, _ = run(capsys, "lengths", "--muscle", "psoas_major_l", "--sweep", "lumbar_flexion=0:0:1", "--format", "json")
    assert json.loads(sitting)["rows"][0]["length_mm"] < json.loads(standing)["rows"][0]["length_mm"] - 20


def test_unknown_coordinate_and_angles_out_of_range_are_refused(capsys):
    with pytest.raises(SystemExit):
        run(capsys, "lengths", "--muscle", "psoas_major_r", "--sweep", "spine=0:10:5")
    code, _, err = run(capsys, "lengths", "--muscle", "psoas_major_r", "--sweep", "lumbar_rotation=-20:0:5")
    assert code != 0 and "lumbar_rotation" in err
