"""Attachment points said to come from myo-sim really are myo-sim's sites, carried with their
vertebra onto the atlas sacrum as the pack build places the spine."""

from __future__ import annotations


import numpy as np
import pytest

from viewer.anatomy.annotations import load_annotations
from viewer.anatomy.kinematics import Skeleton
from viewer.anatomy.mesh_pack import default_pack_dir, load_manifest

pytest.importorskip("myo_sim", reason="myo-sim is not installed (pip install '.[build]'); sources not checked")
pytest.importorskip("mujoco", reason="MuJoCo is not installed (pip install '.[build]'); sources not checked")

PREFIX = "myo-sim site "
# Landmarks were moved onto the refined bone surface; the source meshes sit up to ~12 mm
# outside it at thin processes (the transverse process of L5), so that is the allowance.
SNAP_ALLOWANCE_MM = 12.0


@pytest.fixture(scope="module")
def source():
    """myo-sim's sites, moved by the matrices that put each vertebra on the pack's sacrum."""
    from viewer.anatomy.atlas_bones import Surface
    from viewer.anatomy.mesh_pack import load_pack
    from viewer.anatomy.pack_build import VERTEBRAE, SourceModel, spine_matrices

    model = SourceModel()
    sacrum = load_pack().bones["sacrum"]
    matrices, _ = spine_matrices(model, {b.bone_id: model.vertebra(b, "full") for b in VERTEBRAE}, Surface(sacrum.vertices, sacrum.faces))

    def site(name: str, bone: str) -> np.ndarray:
        point = model.to_frame(model.data.site_xpos[model.model.site(name).id])
        return matrices[bone][:3, :3] @ point + matrices[bone][:3, 3]

    return site


def test_landmarks_from_myosim_sit_at_their_sites(source):
    annotations = load_annotations()
    skeleton = Skeleton.from_manifest(load_manifest(default_pack_dir()))
    checked = 0
    for item in annotations.document["landmarks"]:
        if item.get("source", "").startswith(PREFIX):
            site = source(item["source"][len(PREFIX):], item["bone"])
            here = np.asarray(item["position"]) + skeleton.frame_origin(item["bone"])
            assert np.linalg.norm(here - site) < SNAP_ALLOWANCE_MM, item["id"]
            checked += 1
    assert checked >= 2 * 11  # the psoas origins on L1-L5, both sides
