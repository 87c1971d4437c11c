"""Build the default anatomy pack (``meshes/``) from two model libraries on PyPI.

Build-time only: needs the ``build`` extra, which the viewer itself never imports.

- T12 to L5 come from myo-sim (Apache-2.0, the model library of MyoSuite): its myofullbody model
  compiled at its reference pose, each vertebra repaired and refined (no registry package has
  better lumbar vertebrae).
- Both hip bones, the sacrum, the femurs, tibiae with fibulae and patellae are the LLP26 mean
  shapes of musculoskeletal-models (MPL-2.0), evaluated by :mod:`viewer.anatomy.lagrange_mesh`
  and placed by :mod:`viewer.anatomy.atlas_bones`.
- The lumbar spine is set on the atlas sacrum by :mod:`viewer.anatomy.spine_placement`.

Every surface is written as binary PLY (coordinates rounded to 1 um) with a manifest, a notice
naming both sources, and both licences; the same inputs give byte-identical files.
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

from viewer.anatomy import atlas_bones
from viewer.anatomy.atlas_bones import ATLAS_PACKAGE, ATLAS_VERSION, Surface
from viewer.anatomy.disc_build import build_disc
from viewer.anatomy.discs import DISC_LEVELS, DiscJoin, Plane
from viewer.anatomy.frame import FRAME_DESCRIPTION, UNITS
from viewer.anatomy.mesh_pack import MANIFEST_NAME, MANIFEST_VERSION
from viewer.anatomy.mesh_repair import refine
from viewer.anatomy.spine_placement import place_spine, sacral_endplate, vertebral_endplates

SOURCE_PACKAGE = "myo-sim"
SOURCE_MODEL = "myofullbody"
# The pinned source versions: meshes/ is rebuilt from exactly these releases.
SOURCE_VERSION = "0.2.3"
LICENCE_NAME = "LICENSE-myo-sim"
ATLAS_LICENCE_NAME = "LICENSE-MPL-2.0"


@dataclass(frozen=True)
class SourceBone:
    """A vertebra of the pack and where it comes from in the myo-sim model."""

    bone_id: str
    name: str
    geom: str
    parent: str | None
    joint: str | None
    source_joint: str | None


# Parents follow the kinematic chain used by the viewer: each lumbar vertebra rests on the one
# below, T12 moves with L1, L5 on the sacrum. The source joint is the myo-sim joint whose anchor
# is the vertebra's joint centre.
VERTEBRAE: tuple[SourceBone, ...] = (
    SourceBone("t12", "T12 vertebra", "torso_geom_1", "l1", None, None),
    SourceBone("l1", "L1 vertebra", "lumbar1_geom_1", "l2", "lumbar", "L1_L2_FE"),
    SourceBone("l2", "L2 vertebra", "lumbar2_geom_1", "l3", "lumbar", "L2_L3_FE"),
    SourceBone("l3", "L3 vertebra", "lumbar3_geom_1", "l4", "lumbar", "L3_L4_FE"),
    SourceBone("l4", "L4 vertebra", "lumbar4_geom_1", "l5", "lumbar", "L4_L5_FE"),
    SourceBone("l5", "L5 vertebra", "lumbar5_geom_1", "sacrum", "lumbar", "flex_extension"),
)
VERTEBRA_SUBDIVISIONS = {"full": 2, "light": 1}

# The atlas bones: id, name, parent, joint. The sacrum carries the pelvis; each femur hangs from
# its hip bone; the tibia (with the fibula) turns at the knee; the patella rides with the femur.
ATLAS_BONES: tuple[tuple[str, str, str | None, str | None], ...] = (
    ("sacrum", "Sacrum", None, None),
    ("hip_bone_r", "Right hip bone", "sacrum", None),
    ("hip_bone_l", "Left hip bone", "sacrum", None),
    ("femur_r", "Right femur", "hip_bone_r", "hip_r"),
    ("femur_l", "Left femur", "hip_bone_l", "hip_l"),
    ("tibia_r", "Right tibia and fibula", "femur_r", "knee_r"),
    ("tibia_l", "Left tibia and fibula", "femur_l", "knee_l"),
    ("patella_r", "Right patella", "femur_r", "patella_r"),
    ("patella_l", "Left patella", "femur_l", "patella_l"),
)

# myo-sim's world has x to the subject's left, y posterior, z up, in metres. Turning it half
# a turn about z gives the project frame (x right, y anterior, z up).
_SOURCE_TO_FRAME = np.diag([-1.0, -1.0, 1.0])


class SourceModel:
    """The compiled myo-sim model at its reference pose, in its own standing frame (mm, RAS axes)."""

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
        """Source world coordinates (m) to millimetres, RAS axes, origin between the hips."""
        return 1000.0 * (np.asarray(points) - self.origin) @ _SOURCE_TO_FRAME.T

    def joint_centre(self, joint: str) -> np.ndarray:
        return self.to_frame(self.data.xanchor[self.model.joint(joint).id])

    def bone_mesh(self, geom: str) -> trimesh.Trimesh:
        """The geom's mesh as placed at the reference pose."""
        g = self.model.geom(geom)
        mesh_id = int(g.dataid[0])
        v0, nv = self.model.mesh_vertadr[mesh_id], self.model.mesh_vertnum[mesh_id]
        f0, nf = self.model.mesh_faceadr[mesh_id], self.model.mesh_facenum[mesh_id]
        local = self.model.mesh_vert[v0 : v0 + nv].astype(float)
        rotation = self.data.geom_xmat[g.id].reshape(3, 3)
        world = local @ rotation.T + self.data.geom_xpos[g.id]
        return trimesh.Trimesh(self.to_frame(world), self.model.mesh_face[f0 : f0 + nf], process=False)

    def vertebra(self, bone: SourceBone, level: str) -> Surface:
        mesh = refine(self.bone_mesh(bone.geom), bone.bone_id, subdivisions=VERTEBRA_SUBDIVISIONS[level])
        return Surface(np.asarray(mesh.vertices), np.asarray(mesh.faces))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_surface(surface: Surface, path: Path) -> dict:
    """Write a surface as binary PLY (coordinates to 1 um) and describe it for the manifest."""
    mesh = trimesh.Trimesh(np.round(surface.vertices, 3), surface.faces, process=False)
    path.write_bytes(mesh.export(file_type="ply"))
    return {"file": path.name, "sha256": _sha256(path), "triangles": int(len(surface.faces))}


def _rounded(point: np.ndarray | None) -> list[float] | None:
    return None if point is None else [round(float(c), 3) + 0.0 for c in point]


@dataclass
class Assembly:
    """Every bone of the default pack placed in the project frame, at both resolutions."""

    surfaces: dict[str, dict[str, Surface]]  # bone id -> level ("full", "light") -> surface
    joint_centres: dict[str, np.ndarray]
    origins: dict[str, np.ndarray]  # frame origin of each bone
    figures: dict[str, float]
    endplates: dict[str, dict[str, np.ndarray]]  # placed endplate frames: bone id -> "superior"/"inferior" -> 4x4


def assemble(atlas_folder: Path | None = None) -> Assembly:
    """Place the atlas bones and set the vertebrae on them (see the module notes)."""
    placement = atlas_bones.place(atlas_folder)
    surfaces: dict[str, dict[str, Surface]] = {}
    for level, steps in atlas_bones.STEPS.items():
        _, sacrum, hip_r = atlas_bones.components(atlas_bones.read_surface("pelvis", steps, atlas_folder))
        for bone_id, piece in (("sacrum", sacrum), ("hip_bone_r", hip_r), ("hip_bone_l", hip_r)):
            surfaces.setdefault(bone_id, {})[level] = piece.moved(placement.matrices[bone_id])
        for stem in ("femur", "tibia", "patella"):
            left = atlas_bones.read_surface(f"{stem}_l", steps, atlas_folder)
            for side in "rl":
                surfaces.setdefault(f"{stem}_{side}", {})[level] = left.moved(placement.matrices[f"{stem}_{side}"])
    source = SourceModel()
    own = {bone.bone_id: {level: source.vertebra(bone, level) for level in VERTEBRA_SUBDIVISIONS} for bone in VERTEBRAE}
    endplates = {bone_id: vertebral_endplates(s["full"].vertices, s["full"].normals()) for bone_id, s in own.items()}
    source_centres = {bone.bone_id: source.joint_centre(bone.source_joint) for bone in VERTEBRAE if bone.source_joint}
    s1 = sacral_endplate(surfaces["sacrum"]["full"].vertices, surfaces["sacrum"]["full"].normals())
    s1[0, 3] = 0.0  # on the midline: the mean sacrum's endplate sits 1.6 mm right of it, and the spine would follow
    matrices, figures = place_spine(endplates, source_centres, s1)
    for bone_id, levels in own.items():
        surfaces[bone_id] = {level: surface.moved(matrices[bone_id]) for level, surface in levels.items()}
    joint_centres = {bone_id: matrices[bone_id][:3, :3] @ c + matrices[bone_id][:3, 3] for bone_id, c in source_centres.items()}
    for side in "rl":
        joint_centres[f"femur_{side}"] = placement.sockets[side]
        knee = atlas_bones.knee_centre(surfaces[f"femur_{side}"]["full"])
        joint_centres[f"tibia_{side}"] = joint_centres[f"patella_{side}"] = knee
    t12 = matrices["t12"] @ endplates["t12"]["inferior"]
    origins = dict(joint_centres, sacrum=s1[:3, 3], t12=t12[:3, 3], hip_bone_r=placement.sockets["r"],
                   hip_bone_l=placement.sockets["l"])
    figures.update({"femoral head radius": placement.head_radius,
                    "right socket radius": placement.socket_radii["r"],
                    "left socket radius": placement.socket_radii["l"]})
    placed = {bone_id: {side: matrices[bone_id] @ frame for side, frame in frames.items()} for bone_id, frames in endplates.items()}
    return Assembly(surfaces, joint_centres, origins, figures, dict(placed, sacrum={"superior": s1}))


def _source_licence(package: str) -> str:
    """The licence text that ships with an installed distribution."""
    distribution = importlib.metadata.distribution(package)
    for file in distribution.files or ():
        if file.name.upper().startswith("LICENSE"):
            return file.read_text(encoding="utf-8")
    raise FileNotFoundError(f"{package} ships no LICENSE file")


def build_pack(out_dir: Path, log=print) -> dict:
    """Write the default pack into ``out_dir`` and return its manifest."""
    versions = {}
    for package, pinned in ((SOURCE_PACKAGE, SOURCE_VERSION), (ATLAS_PACKAGE, ATLAS_VERSION)):
        versions[package] = importlib.metadata.version(package)
        if versions[package] != pinned:
            log(f"warning: {package} {versions[package]} installed, the pack is pinned to {pinned}")
    out_dir.mkdir(parents=True, exist_ok=True)
    assembly = assemble()
    names = {bone.bone_id: (bone.name, bone.parent, bone.joint) for bone in VERTEBRAE}
    names.update({bone_id: (name, parent, joint) for bone_id, name, parent, joint in ATLAS_BONES})
    entries = []
    for bone_id, (name, parent, joint) in names.items():
        full = _write_surface(assembly.surfaces[bone_id]["full"], out_dir / f"{bone_id}.ply")
        light = _write_surface(assembly.surfaces[bone_id]["light"], out_dir / f"{bone_id}.light.ply")
        entries.append({
            "id": bone_id,
            "name": name,
            **full,
            "parent": parent,
            "joint": joint,
            "joint_centre": _rounded(assembly.joint_centres.get(bone_id)) if joint else None,
            "origin": _rounded(assembly.origins[bone_id]),
            "source": SOURCE_PACKAGE if bone_id in dict.fromkeys(b.bone_id for b in VERTEBRAE) else ATLAS_PACKAGE,
            "light": light,
        })
        log(f"{bone_id:11s} {full['triangles']:6d} triangles  {full['file']} (light: {light['triangles']})")
    entries += _disc_entries(assembly, out_dir, log)
    from viewer.anatomy.shape_model_build import build_shape_model

    assembly.figures.update(build_shape_model(out_dir))
    for figure, value in assembly.figures.items():
        log(f"{figure}: {value:.1f}")
    manifest = {
        "format_version": MANIFEST_VERSION,
        "units": UNITS,
        "frame": FRAME_DESCRIPTION,
        "source": {
            SOURCE_PACKAGE: f"{versions[SOURCE_PACKAGE]} ({SOURCE_MODEL}), Apache-2.0: T12-L5",
            ATLAS_PACKAGE: f"{versions[ATLAS_PACKAGE]} (LLP26 mean shapes), MPL-2.0: hip bones, sacrum, femurs, "
                           "tibiae with fibulae, patellae",
            "psoas-viewer": "intervertebral discs T12/L1 to L5/S1, lofted between the endplates of those bones",
        },
        "bones": entries,
    }
    (out_dir / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    (out_dir / "NOTICE").write_text(_notice(versions, assembly.figures), encoding="utf-8")
    (out_dir / LICENCE_NAME).write_text(_source_licence(SOURCE_PACKAGE), encoding="utf-8")
    (out_dir / ATLAS_LICENCE_NAME).write_text(_source_licence(ATLAS_PACKAGE), encoding="utf-8")
    from viewer.anatomy.annotations import load_annotations
    from viewer.anatomy.fitted_sections import write_for
    from viewer.anatomy.mesh_pack import load_pack

    log(f"muscle sections fitted to the new bones: {write_for(load_pack(out_dir), load_annotations()).name}")
    return manifest


def _disc_entries(assembly: Assembly, out_dir: Path, log) -> list[dict]:
    """Write the intervertebral discs (:mod:`viewer.anatomy.disc_build`) and describe them for the manifest.

    Each disc moves with the bone below it (its parent) and the bone above (``disc.upper``),
    blended by height between the two endplates it records (:mod:`viewer.anatomy.discs`)."""
    entries = []
    for disc_id, name, upper, lower, _ in DISC_LEVELS:
        top, bottom = assembly.endplates[upper]["inferior"], assembly.endplates[lower]["superior"]
        below = None if lower == "sacrum" else assembly.surfaces[lower]["full"]
        written = _write_surface(build_disc(assembly.surfaces[upper]["full"], top, below, bottom), out_dir / f"{disc_id}.ply")
        join = DiscJoin(upper, Plane(top[:3, 3], top[:3, 2]), Plane(bottom[:3, 3], bottom[:3, 2]))
        middle = _rounded(join.mid_plane.centre)
        entries.append({
            "id": disc_id, "name": name, **written, "parent": lower, "joint": "disc", "joint_centre": middle,
            "origin": middle, "source": "psoas-viewer: lofted between the endplates of the bones it joins",
            "disc": {"upper": upper, "upper_endplate": _rounded(top[:3, 3]), "upper_normal": _rounded_unit(top[:3, 2]),
                     "lower_endplate": _rounded(bottom[:3, 3]), "lower_normal": _rounded_unit(bottom[:3, 2])},
        })
        log(f"{disc_id:11s} {written['triangles']:6d} triangles  {written['file']}")
    return entries


def _rounded_unit(vector: np.ndarray) -> list[float]:
    return [round(float(c), 6) + 0.0 for c in vector / np.linalg.norm(vector)]


def _notice(versions: dict[str, str], figures: dict[str, float]) -> str:
    placed = "\n".join(f"  {name}: {value:.1f}" for name, value in figures.items())
    return f"""Default anatomy pack of the psoas viewer
========================================

Which file comes from where
---------------------------
t12, l1, l2, l3, l4, l5 (.ply and .light.ply)
    Derived from the bone meshes of myo-sim {versions[SOURCE_PACKAGE]} (the model library of MyoSuite),
    distributed on PyPI under the Apache License, Version 2.0 (LICENSE-myo-sim). Those meshes
    derive in turn from OpenSim musculoskeletal models. Copyright: the MyoSuite authors.
    Changes: placed at the reference pose of the myofullbody model, converted to millimetres,
    repaired (duplicate and stray faces removed, holes closed, normals made outward),
    Loop-subdivided, Taubin-smoothed, and set on the sacrum below (see "Placement").

sacrum, hip_bone_r, hip_bone_l, femur_r, femur_l, tibia_r, tibia_l, patella_r, patella_l
(.ply and .light.ply)
    Derived from the LLP26 mean shapes of musculoskeletal-models {versions[ATLAS_PACKAGE]} (Auckland
    Bioengineering Institute), distributed on PyPI under the Mozilla Public License 2.0
    (LICENSE-MPL-2.0). These derived files stay under the MPL-2.0; their source form is the
    atlas_meshes folder of that package, and the code that derives them is
    viewer/anatomy/lagrange_mesh.py, atlas_bones.py and pack_build.py of the psoas viewer.
    Changes: the Lagrange-element surfaces evaluated on a regular lattice of each element
    (10 and 5 steps an edge) and triangulated; converted from the CT frame (LPS) to RAS;
    the pelvis turned so that its anterior pelvic plane is vertical and moved so that the
    midpoint of the fitted acetabular centres is the origin; the femurs moved so that the
    fitted centre of each femoral head is the fitted centre of its socket; the right lower limb
    is the left mean shape, and the left hip bone the right one, mirrored across the
    midsagittal plane.

disc_t12_l1, disc_l1_l2, disc_l2_l3, disc_l3_l4, disc_l4_l5, disc_l5_s1 (.ply)
    Made by the psoas viewer's own code (viewer/anatomy/disc_build.py) from the placed bones
    above: each disc is lofted between the outline of the lower endplate of the vertebra above
    and that of the upper endplate of the bone below, with a slight outward bulge, and closed
    on both endplates. They fall under the licence of the psoas viewer.
fitted_muscles.npz
    The rest sections of the muscle surfaces, fitted by the psoas viewer's own code
    (viewer/anatomy/muscle_shapes.py; written by `psoas-viewer fit-muscles`) to the bones above
    and the muscle records of annotations.json: each section cut back where it meets these
    bones. Derived from the bones above, so it stays under the MPL-2.0 like them.
shape_model.npz
    Derived from the LLP26 shape model of the same package (shape_models/LLP26_rigid.pc, 26
    people), under the MPL-2.0: for the first three modes, how far each vertex of the bones
    above moves per standard deviation (placed as above), and each person's scores on them.
    Code: viewer/anatomy/shape_model_build.py.

Placement (figures from the build, degrees and millimetres)
-----------------------------------------------------------
{placed}

Apache License, Version 2.0 (myo-sim files): you may not use these files except in compliance
with the License. You may obtain a copy of the License at
http://www.apache.org/licenses/LICENSE-2.0. Unless required by applicable law or agreed to in
writing, software distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.

Mozilla Public License 2.0 (musculoskeletal-models files): This Source Code Form is subject to
the terms of the Mozilla Public License, v. 2.0. If a copy of the MPL was not distributed with
this file, You can obtain one at https://mozilla.org/MPL/2.0/.
"""
