"""The Stretch lab's ranking as text (``viewer.anatomy.stretch_table``), from results made up here,
every table, CSV and JSON written out. Written to kill the mutants mutmut found surviving; no pack
or model is used."""

from __future__ import annotations

import json

from viewer.anatomy.kinematics import Pose
from viewer.anatomy.stretch_table import CSV_COLUMNS, _angles, _signed, format_stretches, rows
from viewer.anatomy.stretches import Change, Stretch, StretchResult


def lunge():
    stretch = Stretch("lunge", "Lunge", "l", Pose(hip_flexion_l=-20, lumbar_flexion=-5), "a book", "d")
    return StretchResult(stretch, (
        Change("psoas_major", "l", "whole", 200.0, 220.126),
        Change("psoas_major", "l", "l1_vb", 100.0, 104.0),
        Change("psoas_major", "r", "whole", 200.0, 199.96),
        Change("psoas_major", "r", "l1_vb", 100.0, 99.0),
        Change("psoas_major", "r", "l3_tp", 50.0, 55.0),
        Change("iliacus", "r", "whole", 100.0, 100.0),
    ))


def stand():
    return StretchResult(Stretch("stand", "Stand tall", "both", Pose(), "", "d"), (Change("psoas_major", "r", "whole", 200.0, 201.0),))


def test_one_row_per_pose_muscle_side_and_part_rounded_to_a_hundredth():
    table = rows([lunge(), stand()])
    assert len(table) == 7 and [row["rank"] for row in table] == [1] * 6 + [2]
    assert table[0] == {"rank": 1, "pose": "lunge", "pose_name": "Lunge", "stretched_side": "l", "muscle": "psoas_major", "side": "l",
                        "part": "whole", "standing_mm": 200.0, "posed_mm": 220.13, "change_mm": 20.13, "change_percent": 10.06}
    assert table[2]["change_mm"] == -0.04 and table[2]["change_percent"] == -0.02
    assert list(table[0]) == CSV_COLUMNS
    assert table[6]["pose"] == "stand" and table[6]["stretched_side"] == "both"
    assert rows([]) == []


def test_json_names_the_angles_that_are_not_zero():
    document = json.loads(format_stretches([lunge(), stand()], "json"))
    assert document["reference_pose"] == "standing" and [p["rank"] for p in document["poses"]] == [1, 2]
    first = document["poses"][0]
    assert {k: first[k] for k in ("id", "name", "stretched_side", "source")} == {
        "id": "lunge", "name": "Lunge", "stretched_side": "l", "source": "a book"}
    assert first["angles"] == {"hip_flexion_l": -20.0, "lumbar_flexion": -5.0}
    assert first["changes"][0] == {"muscle": "psoas_major", "side": "l", "part": "whole", "standing_mm": 200.0, "posed_mm": 220.13,
                                   "change_mm": 20.13, "change_percent": 10.06}
    assert document["poses"][1]["angles"] == {} and len(first["changes"]) == 6
    assert _angles(Pose(pelvic_tilt=3)) == {"pelvic_tilt": 3.0}
    named = StretchResult(Stretch("s", "Étirement", "r", Pose(), "", "d"), ())
    text = format_stretches([named], "json")
    assert "Étirement" in text and '\n  "poses": [\n    {\n      "rank": 1,' in text


def test_csv_has_its_header_and_a_line_a_row():
    text = format_stretches([lunge()], "csv")
    lines = text.split("\n")
    assert lines[0] == ",".join(CSV_COLUMNS) and len(lines) == 7 and not text.endswith("\n")
    assert lines[1] == "1,lunge,Lunge,l,psoas_major,l,whole,200.0,220.13,20.13,10.06"
    assert format_stretches([], "csv") == ",".join(CSV_COLUMNS)


def test_signed_changes_never_read_minus_zero():
    assert [_signed(v) for v in (1.26, -1.26, 0.0, -0.0, -0.04, 0.04, 12.0)] == ["+1.3", "-1.3", "+0.0", "+0.0", "+0.0", "+0.0", "+12.0"]


def test_the_table_lines_up_muscles_and_slips_side_by_side():
    lines = format_stretches([lunge(), stand()], "table").split("\n")
    assert lines[:3] == ["Change of length against standing, mm (%), ranked by the psoas major of the stretched side",
                         "(side 'both': a symmetric pose, ranked by the right side)", ""]
    header = (" #  pose        side " + "".join(f"{name:>18}" for name in (
        "Psoas major R", "Psoas major L", "Iliacus R", "Iliacus L", "Psoas minor R", "Psoas minor L")))
    assert lines[3] == header and lines[4] == "-" * len(header)
    assert lines[5] == (" 1  Lunge       l    " + "".join(f"{cell:>18}" for cell in (
        "+0.0 (+0.0%)", "+20.1 (+10.1%)", "+0.0 (+0.0%)", "-", "-", "-")))
    assert lines[6] == (" 2  Stand tall  both " + "".join(f"{cell:>18}" for cell in ("+1.0 (+0.5%)", "-", "-", "-", "-", "-")))
    assert lines[7:11] == ["", "Psoas major slips, right side: change of length against standing, %",
                           " #  pose        " + "     l1_vb     l3_tp", "-" * 36]
    assert lines[11:13] == [" 1  Lunge       " + "      -1.0     +10.0", " 2  Stand tall  " + "         -         -"]
    assert lines[13:] == ["", "Psoas major slips, left side: change of length against standing, %",
                          " #  pose        " + "     l1_vb     l3_tp", "-" * 36,
                          " 1  Lunge       " + "      +4.0         -", " 2  Stand tall  " + "         -         -"]
    empty = format_stretches([], "table").split("\n")
    assert empty[3] == " #  pose        side " + "".join(f"{name:>18}" for name in (
        "Psoas major R", "Psoas major L", "Iliacus R", "Iliacus L", "Psoas minor R", "Psoas minor L"))
    assert empty[6] == "Psoas major slips, right side: change of length against standing, %" and empty[7] == " #  pose        "


def test_standing_lengths_round_to_a_hundredth_and_long_names_widen_the_table():
    odd = StretchResult(Stretch("s", "A very long pose", "r", Pose(), "", "d"), (Change("iliacus", "r", "whole", 100.0042, 101.0),))
    assert rows([odd])[0]["standing_mm"] == 100.0
    assert format_stretches([odd], "table").split("\n")[3].startswith(" #  pose" + " " * 12 + "  side ")
