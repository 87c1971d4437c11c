"""annotations.json: the shipped file is valid; broken files are refused with the place named."""

from __future__ import annotations

import copy
import json

import pytest

from viewer.anatomy.annotations import default_annotations_path, load_annotations
from viewer.anatomy.json_input import InputError
from viewer.anatomy.mesh_pack import load_manifest, default_pack_dir


@pytest.fixture(scope="module")
def document():
    return json.loads(default_annotations_path().read_text())


def write(tmp_path, document):
    path = tmp_path / "annotations.json"
    path.write_text(json.dumps(document, indent=2))
    return path


def test_shipped_annotations_load_and_name_the_pack_bones(document):
    annotations = load_annotations()
    pack_ids = [bone["id"] for bone in load_manifest(default_pack_dir())["bones"]]
    assert annotations.bone_ids == pack_ids
    assert len(annotations.landmarks) == len(document["landmarks"])
    assert all(landmark.bone in pack_ids for landmark in annotations.landmarks.values())


def broken(document, change):
    doc = copy.deepcopy(document)
    change(doc)
    return doc


CASES = [
    (lambda d: d["landmarks"][3].update(position="here"), "$.landmarks[3].position"),
    (lambda d: d["landmarks"][0].update(bone="fibula_r"), "$.landmarks[0].bone"),
    (lambda d: d["landmarks"][5].pop("kind"), "$.landmarks[5]"),
    (lambda d: d["landmarks"][2].update(kind="attachment"), "$.landmarks[2].kind"),
    (lambda d: d["landmarks"][1].update(id=d["landmarks"][0]["id"]), "$.landmarks[1].id"),
    (lambda d: d["muscles"][0].update(insertion="nowhere"), "$.muscles[0].insertion"),
    (lambda d: d["muscles"][1]["fascicles"][0].update(origin="nowhere"), "$.muscles[1].fascicles[0].origin"),
    (lambda d: d["muscles"][0]["path"][1].update(radius=-4), "$.muscles[0].path[1]"),
    (lambda d: d["muscles"][0].update(radius_profile=[[0.5, 3], [0.2, 4]]), "$.muscles[0].radius_profile"),
    (lambda d: d["poses"][1]["angles"].update(hip_flexion_r=170), "$.poses[1].angles"),
    (lambda d: d["poses"][1]["angles"].update(knee=10), "$.poses[1].angles"),
    (lambda d: d.update(format_version=7), "$.format_version"),
]


@pytest.mark.parametrize("change, where", CASES)
def test_broken_document_names_the_place(tmp_path, document, change, where):
    path = write(tmp_path, broken(document, change))
    with pytest.raises(InputError) as caught:
        load_annotations(path)
    message = str(caught.value)
    assert str(path) in message
    assert where in message


def test_syntax_error_names_line_and_column(tmp_path):
    path = tmp_path / "annotations.json"
    path.write_text('{\n  "format_version": 1,\n  "bones": [\n    {"id": "l1" "name": "L1"}\n  ]\n}')
    with pytest.raises(InputError, match=r"line 4, column 17"):
        load_annotations(path)


def test_nan_is_refused(tmp_path, document):
    text = json.dumps(document).replace('"position": [', '"position": [NaN, ', 1)
    path = tmp_path / "annotations.json"
    path.write_text(text)
    with pytest.raises(InputError, match="NaN"):
        load_annotations(path)
