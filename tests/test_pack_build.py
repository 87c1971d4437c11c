"""The default pack is exactly what the build script makes from the pinned myo-sim."""

from __future__ import annotations

import pytest

from viewer.anatomy.mesh_pack import default_pack_dir, load_manifest

pytest.importorskip("myo_sim", reason="myo-sim is not installed (pip install '.[build]'); rebuild not checked")
pytest.importorskip("mujoco", reason="MuJoCo is not installed (pip install '.[build]'); rebuild not checked")


def test_rebuild_gives_identical_checksums(tmp_path):
    from viewer.anatomy.pack_build import SOURCE_VERSION, build_pack

    import importlib.metadata

    if importlib.metadata.version("myo-sim") != SOURCE_VERSION:
        pytest.skip(f"myo-sim {SOURCE_VERSION} is the pinned source; another version is installed")
    built = build_pack(tmp_path, log=lambda *_: None)
    committed = load_manifest(default_pack_dir())
    assert [b["sha256"] for b in built["bones"]] == [b["sha256"] for b in committed["bones"]]
    assert built == committed
    for name in ("NOTICE", "LICENSE-myo-sim"):
        assert (tmp_path / name).read_text() == (default_pack_dir() / name).read_text()
