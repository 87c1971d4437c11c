"""The default pack is exactly what the build script makes from the pinned myo-sim and
musculoskeletal-models."""

from __future__ import annotations

import numpy as np
import pytest

from viewer.anatomy.mesh_pack import MANIFEST_NAME, default_pack_dir, load_manifest

pytest.importorskip("myo_sim", reason="myo-sim is not installed (pip install '.[build]'); rebuild not checked")
pytest.importorskip("mujoco", reason="MuJoCo is not installed (pip install '.[build]'); rebuild not checked")
pytest.importorskip("musculoskeletal.models", reason="musculoskeletal-models is not installed (pip install '.[build]'); rebuild not checked")


def test_rebuild_gives_identical_checksums(tmp_path):
    import importlib.metadata

    from viewer.anatomy.pack_build import ATLAS_PACKAGE, ATLAS_VERSION, SOURCE_PACKAGE, SOURCE_VERSION, build_pack

    for package, pinned in ((SOURCE_PACKAGE, SOURCE_VERSION), (ATLAS_PACKAGE, ATLAS_VERSION)):
        if importlib.metadata.version(package) != pinned:
            pytest.skip(f"{package} {pinned} is the pinned source; another version is installed")
    out = tmp_path / "new" / "pack"  # folders that do not exist yet are made
    built = build_pack(out, log=lambda *_: None)
    committed = load_manifest(default_pack_dir())
    assert [b["sha256"] for b in built["bones"]] == [b["sha256"] for b in committed["bones"]]
    assert built == committed
    for name in ("NOTICE", "LICENSE-myo-sim", "LICENSE-MPL-2.0", MANIFEST_NAME):
        assert (out / name).read_text() == (default_pack_dir() / name).read_text()
    assert (out / "shape_model.npz").read_bytes() == (default_pack_dir() / "shape_model.npz").read_bytes()
    with np.load(out / "fitted_muscles.npz") as built_fit, np.load(default_pack_dir() / "fitted_muscles.npz") as shipped_fit:
        assert sorted(built_fit.files) == sorted(shipped_fit.files)
        for name in shipped_fit.files:  # the fit is numbers from a search over rays: equal to rounding, not byte for byte
            if shipped_fit[name].dtype.kind == "f":
                np.testing.assert_allclose(built_fit[name], shipped_fit[name], atol=1e-9, err_msg=name)
            else:
                np.testing.assert_array_equal(built_fit[name], shipped_fit[name], err_msg=name)
