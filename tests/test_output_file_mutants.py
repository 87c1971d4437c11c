"""Where an output may be written (``viewer.anatomy.output_file``): each refusal with its exact
message, and the cases that are allowed. Written to kill the mutants mutmut found surviving."""

from __future__ import annotations

import json

import pytest

from viewer.anatomy.atomic_file import OutputError
from viewer.anatomy.json_input import read_json
from viewer.anatomy.output_file import check_output

FORMATS = {".svg", ".png", ".pdf"}


def _refusal(path, *args, **kwargs) -> str:
    with pytest.raises(OutputError) as caught:
        check_output(path, *args, **kwargs)
    assert caught.value.path == path
    return str(caught.value)


def test_the_suffix_names_a_format_in_any_case(tmp_path):
    assert check_output(tmp_path / "a.PNG", FORMATS) == tmp_path / "a.PNG"
    assert check_output(str(tmp_path / "b.Svg"), FORMATS) == tmp_path / "b.Svg"  # a string becomes a path
    assert _refusal(tmp_path / "a.json", FORMATS) == f"{tmp_path / 'a.json'}: unknown format '.json'; use .pdf, .png, .svg"
    assert _refusal(tmp_path / "plain", FORMATS) == f"{tmp_path / 'plain'}: unknown format '(no suffix)'; use .pdf, .png, .svg"


def test_an_input_file_and_pack_folders_are_refused(tmp_path):
    source = tmp_path / "layer.png"
    source.write_text(json.dumps({"format_version": 1}))
    read_json(source)
    assert _refusal(source, FORMATS) == f"{source}: is a file this program read as input; not written over, choose another name"
    link = tmp_path / "link.png"
    link.symlink_to(source)  # the real path is what counts
    assert "read as input" in _refusal(link, FORMATS)
    pack = tmp_path / "pack"
    (pack / "sub").mkdir(parents=True)
    inside = pack / "sub" / "x.png"
    assert _refusal(inside, FORMATS, [None, tmp_path / "elsewhere", pack]) == (
        f"{inside}: is inside the anatomy pack {pack}; not written there, choose another folder")
    # None stands for "no pack folder" and a sibling folder with a longer name is not inside
    assert check_output(tmp_path / "pack2.png", FORMATS, [None, pack]) == tmp_path / "pack2.png"
    (tmp_path / "package").mkdir()
    assert check_output(tmp_path / "package" / "a.png", FORMATS, [pack]) == tmp_path / "package" / "a.png"


def test_folders_devices_and_unreadable_places(tmp_path):
    (tmp_path / "shots.png").mkdir()
    assert _refusal(tmp_path / "shots.png", FORMATS) == f"{tmp_path / 'shots.png'}: is a folder; give a file name"
    device = tmp_path / "null.png"
    device.symlink_to("/dev/null")
    assert _refusal(device, FORMATS) == f"{device}: is not a regular file (a device, pipe or socket); not written"
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    under_a_file = a_file / "a.png"
    assert _refusal(under_a_file, FORMATS) == f"{under_a_file}: cannot be checked (Not a directory)"
    existing = tmp_path / "old.png"
    existing.write_bytes(b"old")
    assert check_output(existing, FORMATS) == existing  # a regular file may be replaced


def test_missing_folders_are_made_only_when_asked(tmp_path):
    deep = tmp_path / "a" / "b" / "c.png"
    assert _refusal(deep, FORMATS) == (
        f"{deep}: the folder {deep.parent} does not exist (ask for it to be made, or make it first)")
    assert check_output(deep, FORMATS, make_folders=True) == deep
    assert not (tmp_path / "a").exists()  # checking makes nothing
