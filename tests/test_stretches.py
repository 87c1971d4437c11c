"""The Stretch lab: what popular stretches do to the psoas, from the muscle model."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from viewer.anatomy.annotations import load_annotations
from viewer.anatomy.json_input import InputError
from viewer.anatomy.kinematics import Pose, Skeleton
from viewer.anatomy.mesh_pack import load_pack
from viewer.anatomy.muscle_paths import MuscleModel
from viewer.anatomy.stretches import Stretch, findings, load_stretches, measure, measure_all, ranked
from viewer.cli import main

SLIPS = 12  # T12 and L1-L5 bodies, discs L1/L2-L4/L5, transverse processes L1-L5


@pytest.fixture(scope="module")
def model():
    return MuscleModel(load_annotations(), Skeleton.from_manifest(load_pack().manifest))


@pytest.fixture(scope="module")
def library():
    return load_stretches()


@pytest.fixture(scope="module")
def results(library, model):
    return measure_all(library, model)


def test_library_has_the_popular_stretches_with_sources(library):
    ids = {s.id for s in library.stretches}
    assert {"kneeling_lunge_neutral", "kneeling_lunge_tucked", "runners_lunge", "standing_lunge", "half_kneeling_side_bend",
            "thomas_test", "seated_thigh_to_chest", "lying_prone", "bridge", "constructive_rest", "desk_sitting",
            "walking_late_stance", "walking_swing", "standing_twist_right", "standing_twist_left"} <= ids
    for stretch in library.stretches:
        # a cited source (an author and a year) or a stated assumption
        assert re.search(r"\b(19|20)\d\d\b", stretch.source) or "ssum" in stretch.source, stretch.id
        assert stretch.description.strip()


def test_hip_extension_lengthens_and_hip_flexion_shortens_the_moved_side(results):
    checked = 0
    for result in results:
        pose = result.stretch.pose
        for side in "rl":
            flexion = pose.hip_joint_flexion(side)
            for muscle in ("psoas_major", "iliacus"):
                change = result.get(muscle, side).percent
                if flexion <= -10:
                    assert change > 1.0, (result.stretch.id, side, muscle)
                    checked += 1
                elif flexion >= 30:
                    # 30 degrees at a moment arm of about 24 mm (OpenSim's psoas) shortens it by 3-4 %
                    assert change < -2.5, (result.stretch.id, side, muscle)
                    checked += 1
    assert checked >= 30


def test_tucking_the_pelvis_lengthens_more_than_a_neutral_pelvis(results):
    by_id = {r.stretch.id: r for r in results}
    for muscle in ("psoas_major", "iliacus"):
        tucked = by_id["kneeling_lunge_tucked"].get(muscle, "r").mm
        neutral = by_id["kneeling_lunge_neutral"].get(muscle, "r").mm
        # the tuck adds 5 degrees at the rear hip joint (15 to 20): about 3 mm at a 3.5 cm moment arm
        assert tucked > neutral + 2.0


def test_mirror_poses_give_mirrored_numbers(library, model):
    for stretch in library.stretches:
        result = measure(stretch, model)
        mirror = measure(Stretch(stretch.id, stretch.name, "l", stretch.pose.mirrored(), "", ""), model)
        for change in result.changes:
            other = mirror.get(change.muscle, "l" if change.side == "r" else "r", change.part)
            # the two sides' meshes are not exact mirror images: within a quarter of a millimetre
            assert other.mm == pytest.approx(change.mm, abs=0.25), (stretch.id, change)


def test_spine_motion_changes_each_slip_differently(results):
    bend = next(r for r in results if r.stretch.id == "half_kneeling_side_bend")
    tucked = next(r for r in results if r.stretch.id == "kneeling_lunge_tucked")
    added = {slip: bend.get("psoas_major", "r", slip).mm - tucked.get("psoas_major", "r", slip).mm for slip in ("l1_vb", "l5_vb")}
    assert added["l1_vb"] > added["l5_vb"] + 3.0  # bending away stretches the upper slips most
    twist = next(r for r in results if r.stretch.id == "standing_twist_right")
    assert abs(twist.get("psoas_major", "r").percent) < 2.0  # a twist barely changes the psoas


def test_ranking_puts_lengthening_stretches_first(results):
    order = ranked(results)
    scores = [r.score for r in order]
    assert scores == sorted(scores, reverse=True)
    assert order[0].score > 0 > order[-1].score
    assert order[-1].stretch.id == "seated_thigh_to_chest"


def test_findings_quote_the_models_numbers(library, results):
    texts = findings(library, results)
    assert len(texts) == len(library.findings) >= 5
    assert not any("{" in t for t in texts)
    tucked = next(r for r in results if r.stretch.id == "kneeling_lunge_tucked").get("psoas_major", "r").percent
    assert f"+{tucked:.1f}%" in " ".join(texts)


def test_a_bad_library_names_the_place(tmp_path):
    path = tmp_path / "stretches.json"
    path.write_text(json.dumps({"format_version": 1, "findings": [], "poses": [
        {"id": "x", "name": "X", "side": "r", "angles": {"hip_flexion_r": -80}, "source": "assumed", "description": "d"}]}))
    with pytest.raises(InputError) as error:
        load_stretches(path)
    assert str(path) in str(error.value) and "$.poses[0].angles" in str(error.value)


def test_stretches_command_prints_every_pose_ranked(capsys, library):
    assert main(["stretches", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    poses = document["poses"]
    assert [p["rank"] for p in poses] == list(range(1, len(library.stretches) + 1))
    assert {p["id"] for p in poses} == {s.id for s in library.stretches}
    for pose in poses:
        parts = {(c["muscle"], c["side"], c["part"]) for c in pose["changes"]}
        assert len(parts) == 3 * 2 + SLIPS * 2
    scores = [next(c["change_percent"] for c in p["changes"] if (c["muscle"], c["side"], c["part"]) ==
                   ("psoas_major", "l" if p["stretched_side"] == "l" else "r", "whole")) for p in poses]
    assert scores == sorted(scores, reverse=True)
    assert main(["stretches"]) == 0
    table = capsys.readouterr().out
    assert all(s.name in table for s in library.stretches) and "l3_tp" in table
    assert main(["stretches", "--format", "csv"]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 1 + len(library.stretches) * (3 * 2 + SLIPS * 2)


def test_chart_exports_as_png_and_svg_with_pose_pictures(tmp_path, capsys, library):
    from PIL import Image

    png, svg = tmp_path / "chart.png", tmp_path / "chart.svg"
    assert main(["stretches", "--chart", str(png)]) == 0
    assert main(["stretches", "--chart", str(svg)]) == 0
    image = np.asarray(Image.open(png).convert("RGB"))
    assert image.shape[0] > 1000 and image.shape[1] > 1000
    assert (np.abs(image.astype(int) - [74, 79, 87]).sum(axis=2) < 30).sum() > 2000  # the right-side bars, dark grey
    text = svg.read_text()
    assert text.count("<image") == len(library.stretches)  # one picture per pose
    assert all(" ".join(s.name.split()[:2]) in text for s in library.stretches)  # names as text (wrapped)
    assert main(["stretches", "--chart", str(tmp_path / "chart.gif")]) == 1  # an output that cannot be written: one line, status 1


def test_knee_flexion_changes_no_muscle(model):
    bent = model.evaluate(Pose(knee_flexion_r=120, knee_flexion_l=60))
    straight = model.evaluate(Pose())
    for muscle_id in bent:
        assert np.allclose(bent[muscle_id].fascicle_lengths, straight[muscle_id].fascicle_lengths)


def test_a_pack_without_a_femur_still_ranks_the_other_side(library):
    from viewer.anatomy.stretch_table import format_stretches

    pack = load_pack()
    model = MuscleModel(load_annotations(), Skeleton.from_manifest(pack.manifest), set(pack.bones) - {"femur_l"})
    results = ranked(measure_all(library, model))
    assert results[0].get("psoas_major", "l") is None and results[0].get("psoas_major", "r") is not None
    texts = findings(library, results)
    assert 0 < len(texts) < len(library.findings)  # findings quoting the left side are left out
    table = format_stretches(results, "table")
    assert " - " in table and all(s.name in table for s in library.stretches)
