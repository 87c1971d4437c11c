"""The muscle sections fitted once and kept beside the pack (``viewer.anatomy.fitted_sections``):
the shipped file is the fit of today's content, reading it gives the surfaces a fit gives, and a
file for other content, or a damaged one, is passed over for a fit."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest

from viewer.anatomy import fitted_sections, muscle_shapes
from viewer.anatomy.fitted_sections import FITTED_FILE
from viewer.anatomy.kinematics import Pose, Skeleton, bone_transforms
from viewer.anatomy.mesh_pack import default_pack_dir, load_pack
from viewer.anatomy.muscle_paths import MuscleModel
from viewer.anatomy.muscle_shapes import MuscleShapes, content_key


def _content(pack, annotations):
    skeleton = Skeleton.from_manifest(pack.manifest)
    model = MuscleModel(annotations, skeleton, set(pack.bones))
    transforms = bone_transforms(Pose(), skeleton)
    return model, model.evaluate(Pose(), transforms), transforms


@pytest.fixture(scope="module")
def fitted(pack, annotations):
    """A fresh fit of the default content (not read back from any file)."""
    model, standing, transforms = _content(pack, annotations)
    return MuscleShapes.fit(model, standing, transforms, pack, annotations)


def _posed(shapes, model, pose):
    transforms = bone_transforms(pose, model.skeleton)
    vertices, normals = np.zeros((shapes.n_vertices, 3)), np.zeros((shapes.n_vertices, 3))
    shapes.pose(model.evaluate(pose, transforms), transforms, vertices, normals=normals)
    return vertices, normals


def test_the_shipped_fit_is_the_fit_of_todays_content(pack, annotations, fitted):
    """If this fails, the muscle records, the bones or the fitting code changed: run `psoas-viewer fit-muscles`."""
    model, standing, transforms = _content(pack, annotations)
    kept = fitted_sections.load(default_pack_dir() / FITTED_FILE, content_key(standing, transforms, pack, annotations))
    assert kept is not None, "meshes/fitted_muscles.npz is missing or was fitted to other content: run `psoas-viewer fit-muscles`"
    leads, sweeps = kept
    assert sorted(leads) == sorted(fitted.leads) and len(sweeps) == len(fitted.sweeps) > 6
    for mid, (bones, points) in fitted.leads.items():
        assert leads[mid][0] == bones
        np.testing.assert_allclose(leads[mid][1], points, atol=1e-9)
    for read, made in zip(sweeps, fitted.sweeps):
        assert (read.muscle, read.rings, read.sides, read.slip) == (made.muscle, made.rings, made.sides, made.slip)
        for name in ("carriers", "blend", "width_local", "tangent_local", "local", "free"):
            np.testing.assert_allclose(getattr(read, name), getattr(made, name), atol=1e-9, err_msg=name)


def test_a_scene_reads_the_fit_and_draws_what_a_fit_draws(pack, annotations, fitted, monkeypatch):
    model, standing, transforms = _content(pack, annotations)
    monkeypatch.setattr(muscle_shapes, "_FITTED", {})
    monkeypatch.setattr(MuscleShapes, "fit", classmethod(lambda *args: pytest.fail("fitted although the pack keeps the fit")))
    read = MuscleShapes.standing(model, standing, transforms, pack, annotations)
    assert read.sweeps is not fitted.sweeps and read._bone_surfaces == {}  # read back: no bone was looked at
    for pose in (Pose(), Pose(hip_flexion_r=100.0, hip_flexion_l=-10.0, lumbar_bending=15.0)):
        for a, b in zip(_posed(read, model, pose), _posed(fitted, model, pose)):
            np.testing.assert_allclose(a, b, atol=1e-9)


def _fits_made(monkeypatch) -> list:
    made: list = []
    real = MuscleShapes.fit.__func__

    def fit(cls, *args):
        made.append(args)
        return real(cls, *args)

    monkeypatch.setattr(muscle_shapes, "_FITTED", {})
    monkeypatch.setattr(MuscleShapes, "fit", classmethod(fit))
    return made


def test_a_fit_kept_for_other_content_is_passed_over(pack_copy, annotations, monkeypatch):
    """The same file beside bones moved by 1 mm: its digest no longer matches, so the sections are fitted."""
    from viewer.anatomy.mesh_pack import load_pack as load

    copy = load(pack_copy)
    copy.bones["l3"].vertices = copy.bones["l3"].vertices + [0.0, 1.0, 0.0]
    made = _fits_made(monkeypatch)
    model, standing, transforms = _content(copy, annotations)
    shapes = MuscleShapes.standing(model, standing, transforms, copy, annotations)
    assert len(made) == 1 and shapes.n_vertices > 0
    made.clear()
    model, standing, transforms = _content(load(pack_copy), annotations)  # the bones as they were: the file is read
    MuscleShapes.standing(model, standing, transforms, load(pack_copy), annotations)
    assert made == []


def _damaged(path, change):
    with np.load(path, allow_pickle=False) as data:
        arrays = {name: np.array(data[name]) for name in data.files}
    change(arrays)
    np.savez(path, **arrays)


@pytest.mark.parametrize("damage", ["truncated", "not a zip", "format", "a sweep's shape", "a carrier beyond the bones",
                                    "not finite", "a muscle missing", "a lead's bone unknown"])
def test_a_damaged_fit_is_passed_over_and_the_sections_are_fitted(pack_copy, annotations, monkeypatch, damage):
    path = pack_copy / FITTED_FILE
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[:5000])
    elif damage == "not a zip":
        path.write_text("not numbers")
    elif damage == "format":
        _damaged(path, lambda a: a.update(format=np.array(fitted_sections.FORMAT + 1)))
    elif damage == "a sweep's shape":
        _damaged(path, lambda a: a.update({"sweep/0/local": a["sweep/0/local"][:, :-1]}))
    elif damage == "a carrier beyond the bones":
        _damaged(path, lambda a: a.update({"sweep/0/carriers": a["sweep/0/carriers"] + 1000}))
    elif damage == "not finite":
        _damaged(path, lambda a: a["sweep/1/blend"].__setitem__(0, np.nan))
    elif damage == "a muscle missing":
        _damaged(path, lambda a: a.update(sweeps=np.array(int(a["sweeps"]) - 1)))
    else:
        _damaged(path, lambda a: a.update({f"lead/{a['leads'][0]}/bones": np.array(["femur_x"] * len(a[f"lead/{a['leads'][0]}/bones"]))}))
    if damage == "truncated":
        with pytest.raises((zipfile.BadZipFile, OSError, ValueError, EOFError)):
            np.load(path, allow_pickle=False)["key"]
    made = _fits_made(monkeypatch)
    pack = load_pack(pack_copy)
    model, standing, transforms = _content(pack, annotations)
    shapes = MuscleShapes.standing(model, standing, transforms, pack, annotations)
    assert len(made) == 1 and shapes.n_vertices > 0


def test_fit_muscles_writes_the_fit_into_the_pack_folder(pack_copy, capsys):
    from viewer.cli import main

    path = pack_copy / FITTED_FILE
    path.unlink()
    assert main(["--pack", str(pack_copy), "fit-muscles"]) == 0
    assert f"wrote {path}" in capsys.readouterr().out
    shipped, written = np.load(default_pack_dir() / FITTED_FILE), np.load(path)
    assert sorted(shipped.files) == sorted(written.files)
    for name in shipped.files:  # the same fit; its last bits differ between CPUs (5e-15 mm measured on another machine)
        if shipped[name].dtype.kind == "f":
            np.testing.assert_allclose(written[name], shipped[name], rtol=0, atol=1e-9, err_msg=name)
        else:
            np.testing.assert_array_equal(shipped[name], written[name], err_msg=name)
