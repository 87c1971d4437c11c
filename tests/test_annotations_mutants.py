"""How an annotations document and a layer over it are merged and cross-checked
(``viewer.anatomy.annotations``), on small made-up documents whose every answer is written out.
Written to kill the mutants mutmut found surviving; no pack is loaded."""

from __future__ import annotations

import numpy as np
import pytest

from viewer.anatomy import annotations as ann


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
    import json

    from viewer.anatomy.json_input import ProblemsError

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
