"""The user's annotations layer: every problem reported by place, edits, canonical text, safe saving, recovery."""

from __future__ import annotations

import json
import os

import numpy as np
import trimesh
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import examples
from viewer.anatomy import annotation_layer as edits
from viewer.anatomy.annotations import Source, check_annotations, default_annotations_path, load_annotations
from viewer.anatomy.json_input import InputError, ProblemsError, value_offsets
from viewer.anatomy.mesh_pack import load_pack
from viewer.cli import main


@pytest.fixture(scope="module")
def pack():
    return load_pack()


@pytest.fixture(scope="module")
def shipped():
    return load_annotations()


def write(path, document):
    path.write_text(json.dumps(document, indent=2))
    return path


LAYER = {"format_version": 1, "landmarks": [
    {"id": "my_point", "name": "My point", "bone": "femur_r", "position": [0, 0, 0], "kind": "landmark"}]}


def test_every_problem_is_listed_with_path_line_and_column(tmp_path, pack):
    text = ('{"format_version": 1,\n "landmarks": [\n'
            '  {"id": "a_point", "name": "", "bone": "tibia", "position": [0, 0, 1e999], "kind": "landmark"},\n'
            '  {"id": "a_point", "bone": "femur_r", "position": [300, 0, 0], "kind": "landmark", "description": "' + "x" * 5000 + '"}\n'
            ' ]\n}\n')
    path = tmp_path / "mine.json"
    path.write_text(text)
    with pytest.raises(ProblemsError) as caught:
        load_annotations(layer=path, pack=pack)
    found = {(p.where, p.line): p.message for p in caught.value.problems}
    assert found[("$.landmarks[0].name", 3)] == "'' should be non-empty"
    assert "not defined" in found[("$.landmarks[0].bone", 3)]
    assert "number 1e999 is too long, infinite" in found[("$.landmarks[0].position[2]", 3)]
    assert "already used" in found[("$.landmarks[1].id", 4)]
    assert "'name' is a required property" in found[("$.landmarks[1]", 4)]
    femur = pack.bones["femur_r"]
    _, distance, _ = trimesh.proximity.closest_point(femur.mesh, [np.array([300.0, 0, 0]) + femur.frame_origin])
    assert f"{distance[0]:.1f} mm from the surface" in found[("$.landmarks[1].position", 4)]
    assert "is too long" in found[("$.landmarks[1].description", 4)]
    assert all(p.path == path for p in caught.value.problems)
    bone = next(p for p in caught.value.problems if p.where == "$.landmarks[0].bone")
    assert (bone.line, bone.column) == (3, text.splitlines()[2].index('"tibia"') + 1)


def test_oversize_file_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr("viewer.anatomy.json_input.MAX_JSON_BYTES", 100)
    path = write(tmp_path / "big.json", {**LAYER, "landmarks": LAYER["landmarks"] * 3})
    with pytest.raises(ProblemsError, match="more than the 100 allowed"):
        load_annotations(layer=path)


def test_layer_adds_and_replaces_shipped_items(tmp_path, shipped):
    moved = dict(next(e for e in shipped.document["landmarks"] if e["id"] == "asis_r"), name="ASIS (mine)")
    path = write(tmp_path / "mine.json", {"format_version": 1, "landmarks": [moved, LAYER["landmarks"][0]]})
    annotations = load_annotations(layer=path)
    assert len(annotations.landmarks) == len(shipped.landmarks) + 1
    assert annotations.landmarks["asis_r"].name == "ASIS (mine)"
    assert annotations.layer_path == path and "my_point" not in annotations.shipped_landmarks


def test_value_offsets_find_every_value():
    text = default_annotations_path().read_text(encoding="utf-8")
    offsets = value_offsets(text)
    decoder = json.JSONDecoder()
    doc = json.loads(text)
    assert decoder.raw_decode(text, offsets["$.landmarks[7].position"])[0] == doc["landmarks"][7]["position"]
    assert decoder.raw_decode(text, offsets["$.muscles[0].fascicles[0].origin"])[0] == doc["muscles"][0]["fascicles"][0]["origin"]


def test_canonical_text_is_the_shipped_files_own_form():
    text = default_annotations_path().read_text(encoding="utf-8")
    assert edits.dumps(json.loads(text)) == text


def test_edits_add_move_edit_delete(shipped, pack):
    layer, new_id = edits.add_landmark(edits.empty_layer(), shipped, "femur_r", [1.234, 2, 3])
    assert layer["landmarks"][0]["position"] == [1.23, 2.0, 3.0] and new_id == "femur_r_point_1"
    layer = edits.edit_landmark(layer, shipped, "asis_r", name="Spine", references=["Gray"], description="")
    entry = layer["landmarks"][1]
    assert list(entry) == [k for k in edits.LANDMARK_KEYS if k in entry] and entry["references"] == ["Gray"]
    assert "description" not in entry
    with pytest.raises(edits.EditError, match="shipped landmark"):
        edits.delete_landmark(edits.empty_layer(), shipped, "asis_r")
    with pytest.raises(edits.EditError, match="cannot edit"):
        edits.edit_landmark(layer, shipped, "asis_r", bone="l1")
    assert edits.delete_landmark(layer, shipped, "asis_r")["landmarks"] == layer["landmarks"][:1]


def test_snap_to_bone_lands_on_the_surface(pack):
    import trimesh

    bone = pack.bones["femur_r"]
    local = edits.snap_to_bone(bone, bone.mesh.centroid + [40.0, 0, 0])
    _, distance, _ = trimesh.proximity.closest_point(bone.mesh, [np.array(local) + bone.joint_centre])
    assert distance[0] < 0.01


def test_save_keeps_a_backup_and_never_overwrites_a_broken_file(tmp_path):
    path = tmp_path / "mine.json"
    edits.save_layer(path, LAYER)
    assert path.read_text() == edits.dumps(LAYER)
    changed = edits.with_landmark(LAYER, {**LAYER["landmarks"][0], "name": "Renamed"})
    edits.save_layer(path, changed)
    assert json.loads(edits.backup_path(path).read_text()) == LAYER
    assert json.loads(path.read_text())["landmarks"][0]["name"] == "Renamed"
    broken = tmp_path / "broken.json"
    broken.write_text('{"format_version": 1, "landmarks": [')
    with pytest.raises(InputError, match="not written over"):
        edits.save_layer(broken, LAYER)
    assert broken.read_text() == '{"format_version": 1, "landmarks": ['


def test_save_interrupted_mid_write_leaves_the_original(tmp_path, monkeypatch):
    path = tmp_path / "mine.json"
    edits.save_layer(path, LAYER)
    original = path.read_bytes()

    real_fsync, calls = os.fsync, []

    def crash_on_the_new_file(fd):  # the backup is written first and survives; the new file dies half way
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(5, "simulated power cut")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", crash_on_the_new_file)
    with pytest.raises(OSError, match="power cut"):
        edits.save_layer(path, edits.with_landmark(LAYER, {**LAYER["landmarks"][0], "name": "Half written"}))
    assert path.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.json", "mine.json.bak"]  # no partial file left
    assert edits.backup_path(path).read_bytes() == original


def test_recovery_round_trip_and_refusal(tmp_path):
    recovery = tmp_path / "recovery.json"
    edits.write_recovery(recovery, LAYER, tmp_path / "mine.json")
    layer, layer_path, saved_at = edits.read_recovery(recovery)
    assert layer == LAYER and layer_path == tmp_path / "mine.json" and saved_at
    kept = edits.set_aside(recovery)
    assert not recovery.exists() and kept.exists()
    recovery.write_text('{"layer": 3}')
    with pytest.raises(InputError, match="not a psoas-viewer recovery file"):
        edits.read_recovery(recovery)


def test_validate_command_lists_every_problem(tmp_path, capsys):
    bad = write(tmp_path / "bad.json", {"format_version": 1, "landmarks": [
        {"id": "p", "name": "P", "bone": "tibia", "position": [0, 0, 0], "kind": "landmark"},
        {"id": "q", "name": "Q", "bone": "femur_r", "position": [-6.66, 16.64, -13.31], "kind": "spot"}]})
    assert main(["validate", str(bad)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2
    assert out[0].startswith(f"{bad}, line 7, column 15, at $.landmarks[0].bone: bone 'tibia'")
    assert "$.landmarks[1].kind" in out[1]
    assert main(["validate", str(default_annotations_path())]) == 0
    assert "valid (15 bones, 6 discs, 85 landmarks" in capsys.readouterr().out


# --- property-based: whatever the file holds, the loader answers with its own error or a result ------
SMALL = {
    "format_version": 1,
    "bones": [{"id": "femur_r", "name": "Right femur"}],
    "landmarks": [{"id": "p", "name": "P", "bone": "femur_r", "position": [1.0, 2.0, 3.0], "kind": "landmark",
                   "references": ["Gray"]}],
    "muscles": [],
    "poses": [{"id": "standing", "name": "Standing", "angles": {"hip_flexion_r": 10}}],
}
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, prefix + (key,))
    elif isinstance(value, list):
        for k, item in enumerate(value):
            yield from _paths(item, prefix + (k,))


@st.composite
def mutated_documents(draw):
    doc = json.loads(json.dumps(SMALL))
    for _ in range(draw(st.integers(1, 4))):
        paths = list(_paths(doc))
        path = draw(st.sampled_from(paths))
        if not path:
            doc = draw(json_values)
            continue
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "delete", "duplicate"]))
        if action == "replace":
            parent[path[-1]] = draw(json_values)
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent, list):
            parent.append(json.loads(json.dumps(parent[path[-1]])))
        else:
            parent[path[-1] + "_copy"] = parent[path[-1]]
    return doc


def _load_must_not_crash(tmp_path, text):
    """Load ``text`` as a whole document and as a layer over a small valid one: a result or ProblemsError only."""
    path = tmp_path / "mutated.json"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    for load in (lambda: load_annotations(path), lambda: check_annotations(Source(tmp_path / "base.json", SMALL), Source.read(path))):
        try:
            load()
        except ProblemsError as exc:
            assert exc.problems and all(p.path == path for p in exc.problems)


@settings(max_examples=examples(1500), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutated_documents())
def test_mutated_documents_give_only_validation_errors(tmp_path, document):
    _load_must_not_crash(tmp_path, json.dumps(document))


@settings(max_examples=examples(1000), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_damaged_text_gives_only_validation_errors(tmp_path, data):
    text = json.dumps(SMALL, indent=2)
    cut = data.draw(st.integers(0, len(text)))
    insert = data.draw(st.text(alphabet='{}[],:"\\0123456789.eE-+ntfaNI \n', max_size=5))
    _load_must_not_crash(tmp_path, text[:cut] + insert + text[cut + data.draw(st.integers(0, 5)):])
