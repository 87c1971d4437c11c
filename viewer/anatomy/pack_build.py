"""Build the default anatomy pack (``meshes/``) from the myo-sim model library.

Build-time only: needs the ``build`` extra (myo-sim and MuJoCo), which the viewer itself
never imports. The myofullbody model is compiled at its reference pose (all joints at zero:
upright standing), every bone mesh is placed in world space, moved into the project frame,
repaired and refined, and written as binary PLY with a manifest and a licence notice.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import trimesh

from viewer.anatomy.frame import FRAME_DESCRIPTION, UNITS
from viewer.anatomy.mesh_pack import MANIFEST_NAME, MANIFEST_VERSION
from viewer.anatomy.mesh_repair import refine

SOURCE_PACKAGE = "myo-sim"
SOURCE_MODEL = "myofullbody"
# The pinned source version: meshes/ is rebuilt from exactly this release.
SOURCE_VERSION = "0.2.3"
LICENCE_NAME = "LICENSE-myo-sim"


@dataclass(frozen=True)
class SourceBone:
    """Where one bone of the pack comes from in the myo-sim model."""

    bone_id: str
    name: str
    geom: str
    parent: str | None
    joint: str | None
    source_joint: str | None
    subdivisions: int


# Parents follow the kinematic chain used by the viewer: the sacrum carries the pelvis,
# each lumbar vertebra rests on the one below, T12 moves with L1, each femur hangs from its
# hip bone. The source joint is the myo-sim joint whose anchor is the bone's joint centre.
SOURCE_BONES: tuple[SourceBone, ...] = (
    SourceBone("t12", "T12 vertebra", "torso_geom_1", "l1", None, None, 2),
    SourceBone("l1", "L1 vertebra", "lumbar1_geom_1", "l2", "lumbar", "L1_L2_FE", 2),
    SourceBone("l2", "L2 vertebra", "lumbar2_geom_1", "l3", "lumbar", "L2_L3_FE", 2),
    SourceBone("l3", "L3 vertebra", "lumbar3_geom_1", "l4", "lumbar", "L3_L4_FE", 2),
    SourceBone("l4", "L4 vertebra", "lumbar4_geom_1", "l5", "lumbar", "L4_L5_FE", 2),
    SourceBone("l5", "L5 vertebra", "lumbar5_geom_1", "sacrum", "lumbar", "flex_extension", 2),
    SourceBone("sacrum", "Sacrum", "sacrum_geom_1", None, None, None, 2),
    SourceBone("hip_bone_r", "Right hip bone", "pelvis_r", "sacrum", None, None, 3),
    SourceBone("hip_bone_l", "Left hip bone", "pelvis_l", "sacrum", None, None, 3),
    SourceBone("femur_r", "Right femur", "femur_r", "hip_bone_r", "hip_r", "hip_flexion_r", 2),
    SourceBone("femur_l", "Left femur", "femur_l", "hip_bone_l", "hip_l", "hip_flexion_l", 2),
)

# myo-sim's world has x to the subject's left, y posterior, z up, in metres. Turning it half
# a turn about z gives the project frame (x right, y anterior, z up).
_SOURCE_TO_FRAME = np.diag([-1.0, -1.0, 1.0])


class SourceModel:
    """The compiled myo-sim model at its reference pose, in the project frame (mm)."""

    def __init__(self) -> None:
        import mujoco
        from myo_sim.build.compose import build_spec

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.model = build_spec(SOURCE_MODEL).compile()
        self.data = mujoco.MjData(self.model)
        mujoco.mj_forward(self.model, self.data)
        hips = [self.data.xanchor[self.model.joint(f"hip_flexion_{s}").id] for s in "rl"]
        self.origin = (hips[0] + hips[1]) / 2.0

    def to_frame(self, points: np.ndarray) -> np.ndarray:
        """Source world coordinates (m) to the project frame (mm)."""
        return 1000.0 * (np.asarray(points) - self.origin) @ _SOURCE_TO_FRAME.T

    def joint_centre(self, joint: str) -> np.ndarray:
        return self.to_frame(self.data.xanchor[self.model.joint(joint).id])

    def site(self, name: str) -> np.ndarray:
        """A site (attachment or via point) at the reference pose, in the project frame."""
        return self.to_frame(self.data.site_xpos[self.model.site(name).id])

    def bone_mesh(self, geom: str) -> trimesh.Trimesh:
        """The geom's mesh as placed at the reference pose, in the project frame."""
        g = self.model.geom(geom)
        mesh_id = int(g.dataid[0])
        v0, nv = self.model.mesh_vertadr[mesh_id], self.model.mesh_vertnum[mesh_id]
        f0, nf = self.model.mesh_faceadr[mesh_id], self.model.mesh_facenum[mesh_id]
        local = self.model.mesh_vert[v0 : v0 + nv].astype(float)
        rotation = self.data.geom_xmat[g.id].reshape(3, 3)
        world = local @ rotation.T + self.data.geom_xpos[g.id]
        return trimesh.Trimesh(self.to_frame(world), self.model.mesh_face[f0 : f0 + nf], process=False)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _triangles(path: Path) -> int:
    return int(len(trimesh.load(path, process=False).faces))


def _write_mesh(source: SourceModel, bone: SourceBone, subdivisions: int, path: Path) -> Path:
    """Refine one bone at a subdivision level and write it as binary PLY (coordinates to 1 um)."""
    mesh = refine(source.bone_mesh(bone.geom), bone.bone_id, subdivisions=subdivisions)
    mesh.vertices = np.round(mesh.vertices, 3)
    path.write_bytes(mesh.export(file_type="ply"))
    return path


def _notice(version: str) -> str:
    return f"""Default anatomy pack of the psoas viewer
========================================

The bone surfaces in this folder are derived from the bone meshes of the myo-sim package
(the model library of MyoSuite), version {version}, distributed on PyPI under the
Apache License, Version 2.0. Those meshes derive in turn from OpenSim musculoskeletal models.

Changes made by the psoas viewer's build script (`psoas-viewer build-meshes`):
placed at the reference pose of the myofullbody model, converted to millimetres in the
project frame, repaired (duplicate and stray faces removed, holes closed, normals made
consistent and outward), Loop-subdivided, Taubin-smoothed and written as binary PLY.

Copyright of the source meshes: the MyoSuite authors. Licensed under the Apache License,
Version 2.0 (the "License"); you may not use these files except in compliance with the
License. You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software distributed under the
License is distributed on an "AS IS" BASIS, WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND,
either express or implied. See the License for the specific language governing permissions
and limitations under the License.
"""


def build_pack(out_dir: Path, log=print) -> dict:
    """Write the default pack into ``out_dir`` and return its manifest."""
    version = importlib.metadata.version(SOURCE_PACKAGE)
    if version != SOURCE_VERSION:
        log(f"warning: {SOURCE_PACKAGE} {version} installed, the pack is pinned to {SOURCE_VERSION}")
    out_dir.mkdir(parents=True, exist_ok=True)
    source = SourceModel()
    entries = []
    for bone in SOURCE_BONES:
        path = _write_mesh(source, bone, bone.subdivisions, out_dir / f"{bone.bone_id}.ply")
        light = _write_mesh(source, bone, bone.subdivisions - 1, out_dir / f"{bone.bone_id}.light.ply")
        centre = None if bone.source_joint is None else np.round(source.joint_centre(bone.source_joint), 3).tolist()
        entries.append(
            {
                "id": bone.bone_id,
                "name": bone.name,
                "file": path.name,
                "parent": bone.parent,
                "joint": bone.joint,
                "joint_centre": centre,
                "sha256": _sha256(path),
                "triangles": _triangles(path),
                "light": {"file": light.name, "sha256": _sha256(light), "triangles": _triangles(light)},
            }
        )
        log(f"{bone.bone_id:11s} {_triangles(path):6d} triangles  {path.name} (light: {_triangles(light)})")
    manifest = {
        "format_version": MANIFEST_VERSION,
        "units": UNITS,
        "frame": FRAME_DESCRIPTION,
        "source": {
            "package": SOURCE_PACKAGE,
            "version": version,
            "model": SOURCE_MODEL,
            "licence": "Apache-2.0",
        },
        "bones": entries,
    }
    (out_dir / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    (out_dir / "NOTICE").write_text(_notice(version), encoding="utf-8")
    (out_dir / LICENCE_NAME).write_text(_source_licence(), encoding="utf-8")
    return manifest


def _source_licence() -> str:
    """The licence text that ships with the installed myo-sim distribution."""
    distribution = importlib.metadata.distribution(SOURCE_PACKAGE)
    for file in distribution.files or ():
        if file.name.upper().startswith("LICENSE"):
            return file.read_text(encoding="utf-8")
    raise FileNotFoundError(f"{SOURCE_PACKAGE} ships no LICENSE file")
