"""Attachment points said to come from myo-sim really are myo-sim's sites."""

from __future__ import annotations

import re

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
    from viewer.anatomy.pack_build import SourceModel

    return SourceModel()


def test_landmarks_from_myosim_sit_at_their_sites(source):
    annotations = load_annotations()
    skeleton = Skeleton.from_manifest(load_manifest(default_pack_dir()))
    checked = 0
    for item in annotations.document["landmarks"]:
        if item.get("source", "").startswith(PREFIX):
            site = source.site(item["source"][len(PREFIX):])
            here = np.asarray(item["position"]) + skeleton.frame_origin(item["bone"])
            assert np.linalg.norm(here - site) < SNAP_ALLOWANCE_MM, item["id"]
            checked += 1
    assert checked >= 2 * (11 + 3)  # psoas origins, insertions and the first iliacus origin, both sides


def test_via_points_from_myosim_are_exact(source):
    annotations = load_annotations()
    skeleton = Skeleton.from_manifest(load_manifest(default_pack_dir()))
    checked = 0
    for muscle in annotations.document["muscles"]:
        for step in muscle["path"]:
            if step.get("source", "").startswith(PREFIX):
                site = source.site(step["source"][len(PREFIX):])
                here = np.asarray(step["position"]) + skeleton.frame_origin(step["bone"])
                np.testing.assert_allclose(here, site, atol=0.01)
                checked += 1
            moved = re.match(r"([\d.]+) mm forwards of myo-sim site (\S+),", step.get("source", ""))
            if moved:  # moved forwards by tools/refit_muscle_paths.py: exactly that far, along y
                site = source.site(moved.group(2))
                here = np.asarray(step["position"]) + skeleton.frame_origin(step["bone"])
                np.testing.assert_allclose(here - site, [0, float(moved.group(1)), 0], atol=0.01)
                checked += 1
    assert checked == 8  # psoas and iliacus, brim and femoral vias, both sides
