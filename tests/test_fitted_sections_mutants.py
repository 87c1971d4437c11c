"""``viewer.anatomy.fitted_sections`` on small made-up sweeps (no fit, no bones): what is written,
what reads back, and each kind of file that is passed over."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest

from viewer.anatomy import fitted_sections
from viewer.anatomy.fitted_sections import FORMAT, _sound, load, save, to_arrays
from viewer.anatomy.fixed_npz import npz_bytes
from viewer.anatomy.muscle_shapes import _Sweep

KEY = "digest-1"


def _sweep(muscle="psoas_r", rings=3, sides=4, slip=None, seed=0) -> _Sweep:
    rng = np.random.default_rng(seed)
    return _Sweep(muscle, rings, sides,
                  carriers=rng.integers(0, 5, (rings, 2)), blend=rng.random(rings),
                  width_local=rng.normal(size=(rings, 2, 3)), tangent_local=rng.normal(size=(rings, 2, 3)),
                  local=rng.normal(size=(rings, sides, 2)), free=rng.integers(0, 2, (rings, sides)).astype(float), slip=slip)


def _leads():
    return {"iliacus_r": (["pelvis_r", "sacrum"], np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])),
            "iliacus_l": (["pelvis_l"], np.array([[-1.0, 2.5, 3.0]]))}


def _arrays(sweep: _Sweep) -> dict[str, np.ndarray]:
    return {name: np.array(getattr(sweep, name)) for name in ("carriers", "blend", "width_local", "tangent_local", "local", "free")}


def test_to_arrays_names_every_number():
    sweeps = [_sweep(), _sweep("iliacus_r", rings=2, sides=3, slip=(4, 1), seed=1)]
    out = to_arrays(KEY, _leads(), sweeps)
    assert int(out["format"]) == FORMAT == 1 and out["format"].shape == ()
    assert str(out["key"]) == KEY and out["key"].shape == ()
    assert list(out["leads"]) == ["iliacus_l", "iliacus_r"]
    assert list(out["lead/iliacus_r/bones"]) == ["pelvis_r", "sacrum"]
    np.testing.assert_array_equal(out["lead/iliacus_l/points"], [[-1.0, 2.5, 3.0]])
    assert out["lead/iliacus_l/points"].dtype == float
    assert int(out["sweeps"]) == 2
    assert str(out["sweep/1/muscle"]) == "iliacus_r"
    np.testing.assert_array_equal(out["sweep/0/size"], [3, 4])
    np.testing.assert_array_equal(out["sweep/1/size"], [2, 3])
    assert out["sweep/0/slip"].shape == (0,) and out["sweep/0/slip"].dtype == np.int64
    np.testing.assert_array_equal(out["sweep/1/slip"], [4, 1])
    for name, value in _arrays(sweeps[1]).items():
        np.testing.assert_array_equal(out[f"sweep/1/{name}"], value)
    assert len(out) == 3 + 2 * 2 + 1 + 2 * 9


def test_what_is_saved_reads_back(tmp_path):
    path = tmp_path / "fit.npz"
    sweeps = [_sweep(), _sweep("iliacus_r", rings=2, sides=3, slip=(4, 1), seed=1)]
    save(str(path), KEY, _leads(), sweeps)
    assert path.read_bytes() == npz_bytes(to_arrays(KEY, _leads(), sweeps))
    leads, read = load(str(path), KEY)
    assert sorted(leads) == ["iliacus_l", "iliacus_r"]
    assert leads["iliacus_r"][0] == ["pelvis_r", "sacrum"] and all(type(b) is str for b in leads["iliacus_r"][0])
    np.testing.assert_array_equal(leads["iliacus_r"][1], _leads()["iliacus_r"][1])
    assert [type(s) for s in read] == [_Sweep, _Sweep]
    for got, made in zip(read, sweeps):
        assert (got.muscle, got.rings, got.sides, got.slip) == (made.muscle, made.rings, made.sides, made.slip)
        assert type(got.muscle) is str and type(got.rings) is int and type(got.sides) is int
        for name, value in _arrays(made).items():
            np.testing.assert_array_equal(getattr(got, name), value, err_msg=name)
    assert read[1].slip == (4, 1) and all(type(n) is int for n in read[1].slip)


def test_no_sweeps_and_no_leads_read_back_empty(tmp_path):
    path = tmp_path / "fit.npz"
    save(path, KEY, {}, [])
    assert load(path, KEY) == ({}, [])


def _write(path, change):
    arrays = to_arrays(KEY, _leads(), [_sweep(), _sweep("iliacus_r", slip=(4, 1), seed=1)])
    change(arrays)
    path.write_bytes(npz_bytes(arrays))


@pytest.mark.parametrize("damage", [
    "another format", "another key", "a slip of one number", "a slip of three numbers", "a sweep's shape", "a nan",
    "a member missing", "a sweep count too many", "a size of three numbers", "a format of two numbers",
    "a lead's bones one short", "a lead's points in 2D", "a lead's point infinite", "float carriers",
])
def test_a_file_for_other_content_or_damaged_is_passed_over(tmp_path, damage):
    path = tmp_path / "fit.npz"
    change = {
        "another format": lambda a: a.update(format=np.array(FORMAT + 1)),
        "another key": lambda a: a.update(key=np.array("digest-2")),
        "a slip of one number": lambda a: a.update({"sweep/1/slip": np.array([4])}),
        "a slip of three numbers": lambda a: a.update({"sweep/1/slip": np.array([4, 1, 2])}),
        "a sweep's shape": lambda a: a.update({"sweep/1/local": a["sweep/1/local"][:, :-1]}),
        "a nan": lambda a: a["sweep/1/blend"].__setitem__(2, np.nan),
        "a member missing": lambda a: a.pop("sweep/1/free"),
        "a sweep count too many": lambda a: a.update(sweeps=np.array(3)),
        "a size of three numbers": lambda a: a.update({"sweep/0/size": np.array([3, 4, 1])}),
        "a format of two numbers": lambda a: a.update(format=np.array([FORMAT, FORMAT])),
        "a lead's bones one short": lambda a: a.update({"lead/iliacus_r/bones": np.array(["pelvis_r"])}),
        "a lead's points in 2D": lambda a: a.update({"lead/iliacus_l/points": np.array([[-1.0, 2.5]])}),
        "a lead's point infinite": lambda a: a["lead/iliacus_r/points"].__setitem__((1, 2), np.inf),
        "float carriers": lambda a: a.update({"sweep/0/carriers": a["sweep/0/carriers"].astype(float)}),
    }[damage]
    _write(path, lambda a: None)
    assert load(path, KEY) is not None  # the undamaged file reads
    _write(path, change)
    assert load(path, KEY) is None


@pytest.mark.parametrize("content", [b"", b"not numbers", "truncated", "object member"])
def test_a_file_that_cannot_be_read_is_passed_over(tmp_path, content):
    path = tmp_path / "fit.npz"
    if content == "truncated":
        content = npz_bytes(to_arrays(KEY, _leads(), [_sweep()]))[:300]
    elif content == "object member":
        with zipfile.ZipFile(path, "w") as archive, archive.open("format.npy", "w") as member:
            np.lib.format.write_array(member, np.array([{"a": 1}], dtype=object), allow_pickle=True)
        content = path.read_bytes()
    path.write_bytes(content)
    assert load(path, KEY) is None


def test_no_file_or_a_folder_is_passed_over(tmp_path):
    assert load(tmp_path / "none.npz", KEY) is None
    (tmp_path / "folder.npz").mkdir()
    assert load(tmp_path / "folder.npz", KEY) is None


def test_the_file_name_and_what_a_sweep_holds():
    assert fitted_sections.FITTED_FILE == "fitted_muscles.npz"
    assert fitted_sections._SWEEP_ARRAYS == ("carriers", "blend", "width_local", "tangent_local", "local", "free")


def _shapes(rings=3, sides=4):
    return rings, sides, _arrays(_sweep(rings=rings, sides=sides))


def test_sound_takes_the_least_sweep_and_no_less():
    assert _sound(*_shapes(2, 3))
    assert not _sound(*_shapes(1, 3))
    assert not _sound(*_shapes(2, 2))
    assert not _sound(*_shapes(0, 3))


@pytest.mark.parametrize("name", ["carriers", "blend", "width_local", "tangent_local", "local", "free"])
def test_sound_checks_each_array_shape(name):
    rings, sides, arrays = _shapes()
    assert _sound(rings, sides, arrays)
    arrays[name] = arrays[name][..., :-1] if arrays[name].ndim > 1 else arrays[name][:-1]
    assert not _sound(rings, sides, arrays)
    rings, sides, arrays = _shapes()
    arrays[name] = arrays[name][None]
    assert not _sound(rings, sides, arrays)


@pytest.mark.parametrize("name", ["blend", "width_local", "tangent_local", "local", "free"])
def test_sound_wants_finite_numbers(name):
    rings, sides, arrays = _shapes()
    arrays[name] = arrays[name].copy()
    arrays[name].flat[-1] = np.inf
    assert not _sound(rings, sides, arrays)


@pytest.mark.parametrize("dtype, sound", [(np.int64, True), (np.uint16, True), (np.int8, True), (float, False), (bool, False)])
def test_sound_wants_whole_numbers_for_the_carriers(dtype, sound):
    rings, sides, arrays = _shapes()
    arrays["carriers"] = arrays["carriers"].astype(dtype)
    assert _sound(rings, sides, arrays) is sound


def test_names_are_kept_as_text_and_points_as_floats_even_when_empty_or_whole(tmp_path):
    out = to_arrays(KEY, {"iliacus_r": ([], np.zeros((0, 3), int)), "iliacus_l": (["pelvis_l"], np.array([[1, 2, 3]]))}, [])
    assert out["lead/iliacus_r/bones"].dtype.kind == "U" and out["lead/iliacus_r/points"].dtype == float
    assert out["lead/iliacus_l/points"].dtype == float
    assert to_arrays(KEY, {}, [])["leads"].dtype.kind == "U"  # text, even with no fans
    arrays = to_arrays(KEY, _leads(), [])
    arrays["lead/iliacus_l/points"] = np.array([[-1, 2, 3]])  # whole numbers in the file read as floats
    path = tmp_path / "fit.npz"
    path.write_bytes(npz_bytes(arrays))
    leads, _ = load(path, KEY)
    assert leads["iliacus_l"][1].dtype == float


@pytest.mark.parametrize("missing", [None, "femur_l"])
def test_write_for_fits_the_standing_content_and_keeps_it_in_the_packs_folder(pack, annotations, tmp_path, monkeypatch, missing):
    """The fit itself is replaced (it takes seconds): what it is given and what is written under
    which digest is what a scene standing in that pack fits and looks for (with a pack short of a
    bone, the muscles on that bone are left out)."""
    from types import SimpleNamespace

    from viewer.anatomy.kinematics import Pose, Skeleton, bone_transforms
    from viewer.anatomy.muscle_paths import MuscleModel
    from viewer.anatomy.muscle_shapes import MuscleShapes, content_key

    asked = []

    def fit(cls, *args):
        asked.append(args)
        return SimpleNamespace(leads=_leads(), sweeps=[_sweep(), _sweep("iliacus_r", slip=(2, 1), seed=2)])

    monkeypatch.setattr(MuscleShapes, "fit", classmethod(fit))
    bones = {bone_id: bone for bone_id, bone in pack.bones.items() if bone_id != missing}
    folder = SimpleNamespace(manifest=pack.manifest, bones=bones, directory=str(tmp_path))
    path = fitted_sections.write_for(folder, annotations)
    assert path == tmp_path / "fitted_muscles.npz" and path.is_file()
    skeleton = Skeleton.from_manifest(pack.manifest)
    transforms = bone_transforms(Pose(), skeleton)
    fresh = MuscleModel(annotations, skeleton, set(bones))
    assert bool(fresh.skipped) is (missing is not None)
    standing = fresh.evaluate(Pose(), transforms)
    [(model, got_standing, got_transforms, got_pack, got_annotations)] = asked
    assert got_pack is folder and got_annotations is annotations
    assert isinstance(model, MuscleModel) and sorted(model.muscles) == sorted(fresh.muscles) and model.skipped == fresh.skipped
    assert model.skeleton.parents == skeleton.parents
    assert sorted(got_transforms) == sorted(transforms)
    for bone_id, transform in transforms.items():
        np.testing.assert_allclose(got_transforms[bone_id], transform, atol=1e-12)
    assert sorted(got_standing) == sorted(standing)
    for mid, state in standing.items():
        np.testing.assert_allclose(got_standing[mid].knots, state.knots, atol=1e-12)
    leads, sweeps = load(path, content_key(standing, transforms, folder, annotations))
    assert sorted(leads) == sorted(_leads()) and [s.slip for s in sweeps] == [None, (2, 1)]
