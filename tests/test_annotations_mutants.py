"""How an annotations document and a layer over it are merged and cross-checked
(``viewer.anatomy.annotations``), on small made-up documents whose every answer is written out.
Written to kill the mutants mutmut found surviving; no pack is loaded."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from viewer.anatomy import annotations as ann
from viewer.anatomy.json_input import TOO_DEEP, ProblemsError
from viewer.anatomy.mesh_pack import Bone


def test_records_and_ids_skip_what_a_broken_file_holds():
    assert ann._records({"a": [{"x": 1}, 3, None, {"y": 2}]}, "a") == [(0, {"x": 1}), (3, {"y": 2})]
    assert ann._records({"a": {"x": 1}}, "a") == [] and ann._records([1], "a") == [] and ann._records({}, "a") == []
    assert ann._id({"id": "p"}) == "p" and ann._id({"id": 3}) is None and ann._id({}) is None


def test_numbers_and_positions():
    assert ann._is_number(1) and ann._is_number(1.5) and not ann._is_number(True) and not ann._is_number("1")
    np.testing.assert_array_equal(ann._position([1, 2, 3.5]), [1, 2, 3.5])
    assert ann._position([1, 2, 3]).dtype == float
    for bad in ([1, 2], [1, 2, 3, 4], [1, "2", 3], [1, True, 3], (1, 2, 3), [1, 2, float("nan")], [1, float("inf"), 2], None):
        assert ann._position(bad) is None, bad


def test_a_layer_replaces_items_by_id_and_adds_the_rest_at_the_end():
    base = {"format_version": 1, "other": "kept", "bones": [{"id": "b1"}, {"id": "b2"}],
            "landmarks": [{"id": "p"}, {"id": "q", "name": "Q"}, 7, {"name": "no id"}]}
    layer = {"format_version": 1, "landmarks": [{"id": "q", "name": "mine"}, {"id": "r"}, {"id": "q", "name": "again"}],
             "poses": [{"id": "sit"}], "ignored": 1}
    merged, origin = ann._merge(base, layer)
    assert merged == {"format_version": 1, "other": "kept", "bones": [{"id": "b1"}, {"id": "b2"}],
                      "landmarks": [{"id": "p"}, {"id": "q", "name": "mine"}, {"name": "no id"}, {"id": "r"}, {"id": "q", "name": "again"}],
                      "poses": [{"id": "sit"}]}
    assert origin == {("bones", 0): (0, 0), ("bones", 1): (0, 1),
                      ("landmarks", 0): (0, 0), ("landmarks", 1): (1, 0), ("landmarks", 2): (0, 3), ("landmarks", 3): (1, 1),
                      ("landmarks", 4): (1, 2), ("poses", 0): (1, 0)}
    assert base["landmarks"][1] == {"id": "q", "name": "Q"}  # the base is not changed
    merged, origin = ann._merge(base, None)
    assert merged["landmarks"] == [{"id": "p"}, {"id": "q", "name": "Q"}, {"name": "no id"}] and "poses" not in merged
    assert origin[("landmarks", 2)] == (0, 3)


def test_references_that_the_schema_cannot_see():
    doc = {
        "bones": [{"id": "femur_r"}, {"id": "l3"}, {"id": "l3"}],
        "landmarks": [{"id": "p", "bone": "femur_r"}, {"id": "q", "bone": "tibia_x"}, {"id": "femur_r", "bone": 3}, {"bone": "nope"}],
        "muscles": [
            {"id": "m", "insertion": "p", "fascicles": [{"origin": "q"}, {"origin": "zz"}], "path": [{"bone": "l3"}, {"bone": "l9"}],
             "belly": [{"bone": "l8"}], "lane": [{"bone": "l7"}], "tube": "belly", "radius_profile": [[0, 1], [1, 2]]},
            {"id": "n", "insertion": "gone", "fascicles": [], "tube": "belly", "radius_profile": [[0, 1], [0.7, 1], [0.5, 1], [1, 1]]},
            {"id": "o", "insertion": "p", "fascicles": [], "radius_profile": [[0.1, 1], [1, 1]]},
            {"id": "p2", "insertion": "p", "fascicles": [], "radius_profile": [[0, 1], [0.9, 1]]},
            {"id": "p3", "insertion": "p", "fascicles": [], "radius_profile": [[0, 1], ["x", 1]], "tube": "fascicles"},
            {"id": "p4", "insertion": "p", "fascicles": [], "radius_profile": []},
        ],
        "poses": [{"id": "p", "angles": {"hip_flexion_r": 500}}, {"id": "ok", "angles": {"hip_flexion_r": 10}},
                  {"id": "bad", "angles": {"no_such_angle": 1}}, {"id": "str", "angles": {"hip_flexion_r": "10"}},
                  {"id": "cited", "angles": {"hip_flexion_r": 10}, "cited_ranges": {"hip_joint_flexion_r": [20, 30]}}],
    }
    found = ann._reference_problems(doc)
    assert found[:4] == [
        ("bones", 2, ".id", "id 'l3' is already used by bone 'l3'"),
        ("landmarks", 2, ".id", "id 'femur_r' is already used by bone 'femur_r'"),
        ("poses", 0, ".id", "id 'p' is already used by landmark 'p'"),
        ("landmarks", 1, ".bone", "bone 'tibia_x' is not defined"),
    ]
    assert found[4:14] == [
        ("landmarks", 3, ".bone", "bone 'nope' is not defined"),
        ("muscles", 0, ".fascicles[1].origin", "landmark 'zz' is not defined"),
        ("muscles", 0, ".path[1].bone", "bone 'l9' is not defined"),
        ("muscles", 0, ".belly[0].bone", "bone 'l8' is not defined"),
        ("muscles", 0, ".lane[0].bone", "bone 'l7' is not defined"),
        ("muscles", 1, ".insertion", "landmark 'gone' is not defined"),
        ("muscles", 1, ".belly", "a muscle drawn as one belly tube needs belly points"),
        ("muscles", 1, ".radius_profile", "fractions must rise from 0 to 1"),
        ("muscles", 2, ".radius_profile", "fractions must rise from 0 to 1"),
        ("muscles", 3, ".radius_profile", "fractions must rise from 0 to 1"),
    ]
    assert [(c, i, below) for c, i, below, _ in found[14:]] == [("poses", 0, ".angles"), ("poses", 2, ".angles"), ("poses", 4, ".cited_ranges")]
    assert "hip_flexion_r 500 degrees is outside" in found[14][3] and "no_such_angle" in found[15][3]
    assert found[16][3] == "hip_joint_flexion_r is 10 degrees, outside the 20 to 30 its source cites"
    assert len(found) == 17


def test_a_clean_document_has_no_reference_problems():
    doc = {"bones": [{"id": "b"}], "landmarks": [{"id": "p", "bone": "b"}],
           "muscles": [{"id": "m", "insertion": "p", "fascicles": [{"origin": "p"}], "path": [{"bone": "b"}], "tube": "belly",
                        "belly": [{"bone": "b"}], "radius_profile": [[0, 1], [0.5, 2], [1, 1]]}],
           "poses": [{"id": "s", "angles": {}}]}
    assert ann._reference_problems(doc) == []
    assert ann._reference_problems({}) == []


def test_problems_are_placed_in_the_file_that_holds_them(tmp_path):
    base_doc = json.loads(ann.default_annotations_path().read_text(encoding="utf-8"))
    layer_path = tmp_path / "layer.json"
    layer_path.write_text('{\n  "format_version": 1,\n  "landmarks": [\n    {"id": "mine", "name": "M", "bone": "l9", "position": [0, 0, 0], '
                          '"kind": "landmark"}\n  ]\n}\n')
    base = ann.Source(ann.default_annotations_path(), base_doc, None)
    with pytest.raises(ProblemsError) as caught:
        ann.check_annotations(base, ann.Source.read(layer_path))
    [problem] = caught.value.problems
    assert (problem.path, problem.where, problem.line, problem.message) == (layer_path, "$.landmarks[0].bone", 4, "bone 'l9' is not defined")
    with pytest.raises(ProblemsError) as caught:
        ann.Source.read(tmp_path / "none.json")
    assert caught.value.problems[0].message == "file not found"


# The shipped document read once (its schema check is kept by its Source), with small layers over it.
BASE = ann.Source.read(ann.default_annotations_path())
SHIPPED = json.loads(ann.default_annotations_path().read_text(encoding="utf-8"))


def layer(tmp_path, **parts):
    document = {"format_version": 1, **parts}
    text = json.dumps(document, indent=2)
    (tmp_path / "layer.json").write_text(text)
    return ann.Source(tmp_path / "layer.json", document, text)


def point(bone="l3", position=(0, 0, 0), id="mine", **more):
    return {"id": id, "name": id.title(), "bone": bone, "position": list(position), "kind": "landmark", **more}


def line_of(text, needle):
    [line] = [n for n, content in enumerate(text.splitlines(), 1) if needle in content]
    return line


def problems_of(*args, **kwargs):
    with pytest.raises(ProblemsError) as caught:
        ann.check_annotations(*args, **kwargs)
    return [(p.path.name, p.where, p.line, p.message) for p in caught.value.problems]


def test_the_shipped_document_is_found_and_typed():
    assert ann.default_annotations_path() == Path(ann.__file__).resolve().parents[2] / "annotations.json"
    assert ann.shipped_content_path("stretches.json") == Path(ann.__file__).resolve().parents[2] / "stretches.json"
    checked = ann.check_annotations(BASE)
    assert checked.path == BASE.path and checked.base is BASE and checked.layer is None and checked.layer_path is None
    assert checked.bone_ids == [bone["id"] for bone in SHIPPED["bones"]] and checked.bone_ids[0] == "t12"
    head = checked.landmarks["femoral_head_r"]
    assert (head.id, head.name, head.bone, head.kind) == ("femoral_head_r", "Head of right femur", "femur_r", "landmark")
    np.testing.assert_array_equal(head.position, [-6.93, 17.32, -13.85])
    assert head.position.dtype == float and head.description.startswith("The ball of the hip joint.")
    assert checked.shipped_landmarks == frozenset(item["id"] for item in SHIPPED["landmarks"])
    assert list(checked.muscles) == [m["id"] for m in SHIPPED["muscles"]] and checked.muscles["psoas_major_r"]["side"] == "r"
    standing = checked.poses["standing"]
    assert (standing.id, standing.name, standing.description) == ("standing", "Standing", "Upright, hips and spine neutral.")
    assert standing.pose == ann.Pose()
    assert checked.document["landmarks"] == SHIPPED["landmarks"]


def test_a_layer_adds_and_replaces_and_is_kept_as_written(tmp_path):
    mine = layer(tmp_path, landmarks=[point(), point(id="femoral_head_r", bone="femur_r", position=(1, 2, 3))],
                 poses=[{"id": "lift", "name": "Lift", "angles": {"hip_flexion_r": 30}}])
    checked = ann.check_annotations(BASE, mine)
    assert checked.layer is mine.document and checked.layer_path == tmp_path / "layer.json"
    assert checked.landmarks["mine"].description == "" and checked.landmarks["mine"].bone == "l3"
    np.testing.assert_array_equal(checked.landmarks["femoral_head_r"].position, [1, 2, 3])
    assert "mine" not in checked.shipped_landmarks and "femoral_head_r" in checked.shipped_landmarks
    assert checked.poses["lift"].pose == ann.Pose(hip_flexion_r=30) and checked.poses["lift"].description == ""
    loaded = ann.load_annotations(None, tmp_path / "layer.json")
    assert loaded.layer == mine.document and "mine" in loaded.landmarks and loaded.path == ann.default_annotations_path()
    assert "mine" not in ann.load_annotations(ann.default_annotations_path()).landmarks


def test_problems_name_their_file_and_line_base_first(tmp_path):
    base_doc = json.loads(json.dumps(SHIPPED))
    base_doc["landmarks"][1]["bone"] = "nowhere"
    base_text = json.dumps(base_doc, indent=2)
    (tmp_path / "base.json").write_text(base_text)
    base = ann.Source(tmp_path / "base.json", base_doc, base_text)
    mine = layer(tmp_path, landmarks=[point(bone="l9"), point(id="other", bone="l8")])
    found = problems_of(base, mine)
    line = base_text.splitlines().index('      "bone": "nowhere",') + 1
    assert found == [("base.json", "$.landmarks[1].bone", line, "bone 'nowhere' is not defined"),
                     ("layer.json", "$.landmarks[0].bone", 7, "bone 'l9' is not defined"),
                     ("layer.json", "$.landmarks[1].bone", 18, "bone 'l8' is not defined")]


def test_schema_and_unusable_values_are_reported_once_each(tmp_path):
    mine = layer(tmp_path, landmarks=[point(position=(0, float("nan"), 0)), {**point(id="b"), "kind": "attachment"}])
    found = problems_of(BASE, mine)
    assert [(where, line) for _, where, line, _ in found] == [("$.landmarks[0].position[1]", 10), ("$.landmarks[1].kind", 24)]
    assert "NaN" in found[0][3] and "'attachment' is not one of" in found[1][3]
    no_version = ann.Source(tmp_path / "v.json", {"landmarks": []}, None)
    assert problems_of(BASE, no_version) == [("v.json", "$", None, "'format_version' is a required property")]
    assert problems_of(ann.Source(tmp_path / "b.json", {"format_version": 1}, None)) == [
        ("b.json", "$", None, f"'{key}' is a required property") for key in ("bones", "landmarks", "muscles", "poses")]


def test_a_file_too_deep_is_not_shown_to_the_schema(tmp_path):
    deep: object = 1
    for _ in range(200):
        deep = [deep]
    source = ann.Source(tmp_path / "deep.json", {"format_version": 1, "landmarks": deep}, None)
    [problem] = ann._file_problems(source, ann.LAYER_REQUIRED)
    assert problem.message == TOO_DEEP and problem.where.startswith("$.landmarks[0][0]") and problem.path == tmp_path / "deep.json"
    first = ann._file_problems(source, ann.LAYER_REQUIRED)
    first.append("changed")
    assert len(ann._file_problems(source, ann.LAYER_REQUIRED)) == 1  # the memo hands out copies
    assert list(source.checked) == [("format_version",)]


def test_views_and_lessons_of_a_layer_are_checked_as_saved_views(tmp_path):
    view = json.loads(json.dumps(SHIPPED["views"][0]))
    lesson = json.loads(json.dumps(SHIPPED["lessons"][0]))
    bad_view = {**view, "id": "v2", "panels": [{**view["panels"][0], "pose": "flying"}]}
    bad_lesson = {**lesson, "id": "l2", "panel": {**lesson["panel"], "selection": "nothing_here"}}
    worded = {**lesson, "id": "l3", "text": ["fine", "{change:standing:psoas_major_r} and {change:flying:psoas_major_r}",
                                             "{arm:standing:no_muscle}"]}
    found = problems_of(BASE, layer(tmp_path, views=[view, bad_view], lessons=[bad_lesson, worded, lesson]))
    assert [(where, message) for _, where, _, message in found] == [
        ("$.views[1].panels[0].pose", "no pose named 'flying'"),
        ("$.lessons[0].panel", "unknown structure 'nothing_here'"),
        ("$.lessons[1].text[1]", "{change:flying:psoas_major_r} names an unknown pose or muscle"),
        ("$.lessons[1].text[2]", "{arm:standing:no_muscle} names an unknown pose or muscle"),
    ]
    assert all(name == "layer.json" for name, *_ in found) and all(line is not None for _, _, line, _ in found)
    bad_pose = {**lesson, "id": "l4", "panel": {**lesson["panel"], "pose": "flying"}}
    text = layer(tmp_path, lessons=[lesson, bad_pose]).text
    assert problems_of(BASE, layer(tmp_path, lessons=[lesson, bad_pose])) == [
        ("layer.json", "$.lessons[1].panel.pose", line_of(text, '"pose": "flying"'), "no pose named 'flying'")]


class FakePack:
    """A pack of one tetrahedron bone, 'l3' unless named, whose frame starts at (100, 0, 0)."""

    def __init__(self, name="l3"):
        vertices = np.array([[0, 0, 0], [40, 0, 0], [0, 40, 0], [0, 0, 40]], float) + [100, 0, 0]
        faces = np.array([[0, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 3]])
        self.bones = {name: Bone(name, "L3", None, "lumbar", np.array([100.0, 0, 0]), vertices, faces, Path("l3.ply"))}


def test_landmarks_are_held_to_their_bones_surface(tmp_path):
    pack = FakePack()
    doc = {"landmarks": [point(position=(10, 10, -5)), point(position=(10, 10, -5.25)), point(position=(10, 10, -7)),
                         point(bone="femur_r", position=(900, 0, 0)), point(position=(1, 2)), {"bone": "l3", "position": [0, 0, -99]}]}
    assert ann._surface_problems(doc, pack) == [
        ("landmarks", 1, ".position", "position is 5.2 mm from the surface of 'l3' (at most 5 mm allowed)"),
        ("landmarks", 2, ".position", "position is 7.0 mm from the surface of 'l3' (at most 5 mm allowed)"),
        ("landmarks", 5, ".position", "position is 99.0 mm from the surface of 'l3' (at most 5 mm allowed)"),
    ]
    assert ann._surface_problems({"landmarks": [point(position=(10, 10, 0)), point(bone=3)]}, pack) == []


def test_surface_distances_are_remembered_per_mesh():
    mesh = FakePack().bones["l3"].mesh
    points = np.array([[110.0, 10, -3], [110, 10, -4]])
    np.testing.assert_allclose(ann._surface_distances(mesh, points), [3, 4])
    assert ann._DISTANCES[mesh] == {points[0].tobytes(): pytest.approx(3), points[1].tobytes(): pytest.approx(4)}
    ann._DISTANCES[mesh][points[0].tobytes()] = 42.0  # a remembered answer is not measured again
    more = np.array([[110.0, 10, -3], [110, 10, -6]])
    np.testing.assert_allclose(ann._surface_distances(mesh, more), [42, 6])
    assert len(ann._DISTANCES[mesh]) == 3


def test_a_layer_is_checked_against_the_pack_when_one_is_given(tmp_path):
    mine = layer(tmp_path, bones=[{"id": "extra", "name": "Extra"}], landmarks=[point("extra", position=(10, 10, -7))])
    found = problems_of(BASE, mine, pack=FakePack("extra"))
    assert found == [("layer.json", "$.landmarks[0].position", line_of(mine.text, '"position": ['), "position is 7.0 mm from the surface of 'extra' (at most 5 mm allowed)")]
    assert "mine" in ann.check_annotations(BASE, mine).landmarks  # without a pack, positions are not measured


def test_odd_files_are_refused_with_their_own_name(tmp_path, monkeypatch):
    (tmp_path / "bad.json").write_text('{"format_version": 1,\n  "landmarks": [}\n')
    with pytest.raises(ProblemsError) as caught:
        ann.Source.read(tmp_path / "bad.json")
    [problem] = caught.value.problems
    assert problem.path == tmp_path / "bad.json" and problem.line == 2
    assert problems_of(ann.Source(tmp_path / "list.json", [], None)) == [("list.json", "$", None, "[] is not of type 'object'")]
    mine = layer(tmp_path, landmarks=[point()])
    assert ann.check_annotations(BASE, mine).landmarks["mine"].position.dtype == float  # given as whole numbers

    def too_deep(doc):
        raise RecursionError

    monkeypatch.setattr(ann, "_reference_problems", too_deep)
    assert problems_of(BASE, mine) == [("layer.json", None, None, "nested too deeply")]
    assert problems_of(BASE) == [("annotations.json", None, None, "nested too deeply")]


def test_load_annotations_passes_the_pack_on(tmp_path):
    layer(tmp_path, bones=[{"id": "extra", "name": "Extra"}], landmarks=[point("extra", position=(10, 10, -7))])
    with pytest.raises(ProblemsError, match="position is 7.0 mm from the surface of 'extra'"):
        ann.load_annotations(None, tmp_path / "layer.json", FakePack("extra"))
