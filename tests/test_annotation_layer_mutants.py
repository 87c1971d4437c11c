"""The annotations layer's edits, canonical text, saving and recovery (``viewer.anatomy.annotation_layer``),
each outcome checked exactly. Written to kill the mutants mutmut found surviving; no pack is loaded."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from pathlib import Path

import numpy as np
import pytest
import trimesh

from viewer.anatomy import annotation_layer as edits
from viewer.anatomy.json_input import InputError

MINE = {"id": "my_point", "name": "My point", "bone": "femur_r", "position": [0.0, 0.0, 0.0], "kind": "landmark"}


def test_with_landmark_replaces_by_id_or_appends_and_leaves_its_arguments_alone():
    layer = {"format_version": 1, "landmarks": [dict(MINE), {**MINE, "id": "b"}]}
    before = copy.deepcopy(layer)
    entry = {"extra": 1, "kind": "landmark", "id": "b", "name": "B"}
    out = edits.with_landmark(layer, entry)
    assert out["landmarks"] == [MINE, {"id": "b", "name": "B", "kind": "landmark"}]  # canonical order, unknown keys dropped
    assert list(out["landmarks"][1]) == ["id", "name", "kind"]
    assert layer == before and entry["extra"] == 1
    out = edits.with_landmark(layer, {**MINE, "id": "c"})
    assert [e["id"] for e in out["landmarks"]] == ["my_point", "b", "c"]
    assert edits.with_landmark({"format_version": 1}, MINE) == {"format_version": 1, "landmarks": [MINE]}
    out["landmarks"][0]["name"] = "changed"
    assert layer["landmarks"][0]["name"] == "My point"  # a deep copy
    assert edits.empty_layer() == {"format_version": 1, "landmarks": []}


def test_local_position_rounds_to_a_hundredth_as_plain_floats():
    position = edits.local_position(np.array([1.234, -2.345678, -0.001]))
    assert position == [1.23, -2.35, 0.0] and all(type(v) is float for v in position)
    assert str(position[2]) == "0.0"  # no "-0.0" in the file
    assert edits.local_position([3, 4, 5]) == [3.0, 4.0, 5.0]


def test_new_ids_skip_every_used_name(annotations):
    assert edits.new_landmark_id(annotations, "femur_r") == "femur_r_point_1"
    taken = {"femur_r_point_1": None, "femur_r_point_2": None}
    busy = dataclasses.replace(annotations, landmarks={**annotations.landmarks, **taken})
    assert edits.new_landmark_id(busy, "femur_r") == "femur_r_point_3"
    for field in ("muscles", "poses"):
        busy = dataclasses.replace(annotations, **{field: {**getattr(annotations, field), "femur_r_point_1": None}})
        assert edits.new_landmark_id(busy, "femur_r") == "femur_r_point_2"
    busy = dataclasses.replace(annotations, document={**annotations.document, "bones": [*annotations.document["bones"], {"id": "x_point_1", "name": "X"}]})
    assert edits.new_landmark_id(busy, "x") == "x_point_2"


def test_add_landmark_names_the_point_after_its_number_and_bone(annotations):
    layer, new_id = edits.add_landmark(edits.empty_layer(), annotations, "l3", [1, 2.005, 3])
    assert new_id == "l3_point_1"
    assert layer["landmarks"] == [{"id": "l3_point_1", "name": "New point 1 on L3 vertebra", "bone": "l3",
                                   "position": [1.0, 2.0, 3.0], "kind": "landmark"}]
    layer, _ = edits.add_landmark(layer, annotations, "femur_l", [0, 0, 0], name="Mine")
    assert layer["landmarks"][1]["name"] == "Mine" and layer["landmarks"][1]["id"] == "femur_l_point_1"
    with pytest.raises(edits.EditError, match=re.escape("there is no bone 'l9'")):
        edits.add_landmark(layer, annotations, "l9", [0, 0, 0])


def test_edit_landmark_copies_the_shipped_one_and_changes_only_what_is_asked(annotations):
    shipped = next(e for e in annotations.document["landmarks"] if e["id"] == "asis_r")
    layer = edits.edit_landmark(edits.empty_layer(), annotations, "asis_r", name="Spine", kind="landmark")
    assert layer["landmarks"] == [{**shipped, "name": "Spine"}]
    layer = edits.edit_landmark(edits.empty_layer(), annotations, "asis_r", description="", references=[])
    assert "description" not in layer["landmarks"][0] and "references" not in layer["landmarks"][0]
    assert shipped["description"] and shipped["references"]  # the shipped content is not touched
    layer = edits.edit_landmark(edits.empty_layer(), annotations, "asis_r", description="Mine", references=["R"])
    assert layer["landmarks"][0]["description"] == "Mine" and layer["landmarks"][0]["references"] == ["R"]
    layer = edits.move_landmark(edits.empty_layer(), annotations, "asis_r", [1.111, 2, 3])
    assert layer["landmarks"][0] == {**shipped, "position": [1.11, 2.0, 3.0]}
    with pytest.raises(edits.EditError, match=re.escape("cannot edit bone, id of a landmark")):
        edits.edit_landmark(edits.empty_layer(), annotations, "asis_r", id="x", bone="l1", name="n")
    with pytest.raises(edits.EditError, match=re.escape("there is no landmark 'nope'")):
        edits.edit_landmark(edits.empty_layer(), annotations, "nope", name="n")


def test_delete_refuses_shipped_points_and_attachments(annotations):
    layer = {"format_version": 1, "landmarks": [MINE, {**MINE, "id": "other"}]}
    assert edits.delete_landmark(layer, annotations, "other")["landmarks"] == [MINE]
    assert edits.delete_landmark(layer, annotations, "my_point")["landmarks"] == [{**MINE, "id": "other"}]
    assert len(layer["landmarks"]) == 2
    with pytest.raises(edits.EditError, match=re.escape("'asis_r' is a shipped landmark: it cannot be deleted (hide it instead)")):
        edits.delete_landmark(layer, annotations, "asis_r")
    # an edited shipped attachment may be deleted (the shipped one comes back)
    edited = {"format_version": 1, "landmarks": [{**MINE, "id": "psoas_insertion_r"}]}
    assert edits.delete_landmark(edited, annotations, "psoas_insertion_r")["landmarks"] == []
    # a user's point that a muscle of the user's needs may not
    muscles = copy.deepcopy(annotations.muscles)
    muscles["psoas_major_r"]["insertion"] = "my_point"
    muscles["iliacus_r"]["fascicles"][-1]["origin"] = "other"
    mine = dataclasses.replace(annotations, muscles=muscles)
    with pytest.raises(edits.EditError, match=re.escape("'my_point' is an attachment of psoas_major_r: it cannot be deleted")):
        edits.delete_landmark(layer, mine, "my_point")
    with pytest.raises(edits.EditError, match=re.escape("'other' is an attachment of iliacus_r: it cannot be deleted")):
        edits.delete_landmark(layer, mine, "other")


def test_canonical_text():
    document = {"z": 1, "format_version": 1, "landmarks": [{"kind": "landmark", "name": "Ä", "id": "a", "extra": 2}]}
    assert edits.dumps(document) == (
        '{\n  "z": 1,\n  "format_version": 1,\n  "landmarks": [\n    {\n      "id": "a",\n      "name": "Ä",\n'
        '      "kind": "landmark"\n    }\n  ]\n}\n')
    assert document["landmarks"][0]["extra"] == 2
    assert edits.dumps({"landmarks": "x"}) == '{\n  "landmarks": "x"\n}\n'
    with pytest.raises(ValueError):
        edits.dumps({"a": float("nan")})


def test_backups_are_numbered_and_an_unchanged_save_makes_none(tmp_path):
    path = tmp_path / "mine.json"
    layer = {"format_version": 1, "landmarks": [MINE]}
    edits.save_layer(path, layer)
    edits.save_layer(path, layer)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.json"]
    for name in ("A", "B", "C"):
        edits.save_layer(path, edits.with_landmark(layer, {**MINE, "name": name}))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.json", "mine.json.2.bak", "mine.json.3.bak", "mine.json.bak"]
    assert json.loads((tmp_path / "mine.json.bak").read_text())["landmarks"][0]["name"] == "My point"
    assert json.loads((tmp_path / "mine.json.3.bak").read_text())["landmarks"][0]["name"] == "B"
    assert edits.backup_path(path) == tmp_path / "mine.json.bak"


@pytest.mark.parametrize("text, where, words", [
    ('{"format_version": 1, "landmarks": [', None, "does not load as annotations"),
    ('{"format_version": 1, "landmarks": 3}', "$.landmarks", "does not load as annotations"),
    ('[1, 2]', "$", "does not load as annotations"),
])
def test_a_file_that_is_not_annotations_is_never_written_over(tmp_path, text, where, words):
    path = tmp_path / "theirs.json"
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        edits.save_layer(path, edits.empty_layer())
    assert caught.value.path == path and words in caught.value.detail and "save under another name" in caught.value.detail
    if where is not None:
        assert caught.value.where == where
    assert path.read_text() == text and sorted(p.name for p in tmp_path.iterdir()) == ["theirs.json"]


def test_recovery_keeps_the_layer_its_file_and_time(tmp_path):
    recovery = tmp_path / "deep" / "er" / "recovery.json"
    layer = {"format_version": 1, "landmarks": [{**MINE, "name": "Ä"}]}
    edits.write_recovery(recovery, layer, None)
    record = json.loads(recovery.read_text(encoding="utf-8"))
    assert record["kind"] == "psoas-viewer recovery" and record["format_version"] == 1 and record["layer_path"] is None
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", record["saved_at"])
    assert "Ä" in recovery.read_text(encoding="utf-8") and recovery.read_text().endswith("}\n")
    assert edits.read_recovery(recovery) == (layer, None, record["saved_at"])
    recovery.write_text(json.dumps({"kind": "psoas-viewer recovery", "layer": layer, "layer_path": None}))
    assert edits.read_recovery(recovery) == (layer, None, "")
    recovery.write_text(json.dumps({"kind": "psoas-viewer recovery", "layer": layer, "layer_path": "/a/b.json"}))
    assert edits.read_recovery(recovery) == (layer, Path("/a/b.json"), "")
    recovery.write_text(json.dumps({"kind": "psoas-viewer recovery", "layer": layer}))  # no file named: none (was a KeyError)
    assert edits.read_recovery(recovery) == (layer, None, "")
    for bad in ({"kind": "other", "layer": layer, "layer_path": None}, {"kind": "psoas-viewer recovery", "layer": [], "layer_path": None},
                {"kind": "psoas-viewer recovery", "layer": layer, "layer_path": 3}, [1]):
        recovery.write_text(json.dumps(bad))
        with pytest.raises(InputError) as caught:
            edits.read_recovery(recovery)
        assert caught.value.detail == "is not a psoas-viewer recovery file" and caught.value.path == recovery


def test_set_aside_keeps_every_earlier_recovery(tmp_path):
    recovery = tmp_path / "recovery.json"
    names = []
    for n in range(3):
        recovery.write_text(str(n))
        names.append(edits.set_aside(recovery).name)
    assert names == ["recovery.previous.json", "recovery.previous.2.json", "recovery.previous.3.json"]
    assert (tmp_path / "recovery.previous.3.json").read_text() == "2" and not recovery.exists()


def test_snap_to_bone_gives_the_nearest_surface_point_in_the_bones_frame():
    class Bone:
        mesh = trimesh.creation.box(extents=[10, 20, 30])
        frame_origin = np.array([100.0, 0, 0])

    assert edits.snap_to_bone(Bone(), [0, 0, 40]) == [-100.0, 0.0, 15.0]
    assert edits.snap_to_bone(Bone(), (20, 1.234, 0)) == [-95.0, 1.23, 0.0]


def test_edits_share_no_lists_with_their_inputs(annotations):
    entry = {**MINE, "position": [1.0, 2.0, 3.0], "references": ["R"]}
    out = edits.with_landmark(edits.empty_layer(), entry)
    out["landmarks"][0]["position"][0] = 99.0
    out["landmarks"][0]["references"].append("S")
    assert entry["position"] == [1.0, 2.0, 3.0] and entry["references"] == ["R"]
    shipped = next(e for e in annotations.document["landmarks"] if e["id"] == "asis_r")
    references = list(shipped["references"])
    layer = edits.edit_landmark(edits.empty_layer(), annotations, "asis_r", name="Mine")
    layer["landmarks"][0]["references"].append("changed")
    assert shipped["references"] == references


def test_clearing_a_field_the_landmark_never_had_is_fine(annotations):
    bare = {"id": "bare", "name": "Bare", "bone": "l3", "position": [0, 0, 0], "kind": "landmark"}
    document = {**annotations.document, "landmarks": [*annotations.document["landmarks"], bare]}
    mine = dataclasses.replace(annotations, document=document)
    assert edits.edit_landmark(edits.empty_layer(), mine, "bare", description="", references=[])["landmarks"] == [bare]


def test_deleting_from_a_layer_without_landmarks_and_a_point_two_muscles_need(annotations):
    with pytest.raises(edits.EditError, match="is a shipped landmark"):
        edits.delete_landmark({"format_version": 1}, annotations, "asis_r")
    muscles = copy.deepcopy(annotations.muscles)
    muscles["psoas_major_r"]["insertion"] = "my_point"
    muscles["iliacus_l"]["insertion"] = "my_point"
    with pytest.raises(edits.EditError, match=re.escape("'my_point' is an attachment of psoas_major_r, iliacus_l: it cannot be deleted")):
        edits.delete_landmark({"format_version": 1, "landmarks": [MINE]}, dataclasses.replace(annotations, muscles=muscles), "my_point")


def test_a_recovery_file_names_the_layers_file_and_is_indented(tmp_path):
    recovery = tmp_path / "recovery.json"
    layer = {"format_version": 1, "landmarks": [MINE]}
    edits.write_recovery(recovery, layer, tmp_path / "mine.json")
    text = recovery.read_text(encoding="utf-8")
    assert json.loads(text)["layer_path"] == str(tmp_path / "mine.json") and text.startswith('{\n  "kind": ')
    assert edits.read_recovery(recovery)[1] == tmp_path / "mine.json"
    with pytest.raises(ValueError):
        edits.write_recovery(recovery, {"format_version": 1, "x": float("nan")}, None)
    assert json.loads(recovery.read_text())["layer"] == layer  # the earlier one is kept
