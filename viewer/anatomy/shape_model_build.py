"""Build-time: the LLP26 population shape model turned into plain arrays inside the pack.

``musculoskeletal-models`` ships a principal-component model of the pelvis, left femur, patella
and tibia with fibula of 26 people (``shape_models/LLP26_rigid.pc``): the mean node vector, 26 unit
modes, their variances and each person's scores. The node vector is the same Lagrange-mesh nodes
as the atlas meshes (x of every node, then y, then z; pelvis, femur, patella, tibia), so a shape's
surface is a linear function of its scores. This module evaluates, for the first modes, how far
each vertex of each placed pack bone moves per standard deviation, and writes that with the
people's scores as ``shape_model.npz``: numbers only, which the viewer reads with
``numpy.load(allow_pickle=False)``. The pickle itself is never unpickled, even here: its arrays
are read out of it by :mod:`viewer.anatomy.pickled_arrays`.

Sign convention: the model's mode 1 grows as the body gets smaller; it is turned round so that a
positive "body size" is a bigger body. Modes 2 and 3 keep their signs (wider pelvis with shorter
legs; sturdier bones).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from viewer.anatomy import atlas_bones
from viewer.anatomy.atlas_bones import _FILES, _LPS_TO_RAS, STEPS, AtlasPlacement, Surface
from viewer.anatomy.body_shape import MODES, SHAPE_MODEL_NAME
from viewer.anatomy.fixed_npz import npz_bytes
from viewer.anatomy.lagrange_mesh import LagrangeMesh, weld_map
from viewer.anatomy.pickled_arrays import read_arrays

MODEL_FILE = "LLP26_rigid.pc"
# The node vector's parts, in its order (checked against the atlas meshes' node counts).
NODE_BLOCKS = ("pelvis", "femur_l", "patella_l", "tibia_l")
def shape_model_dir() -> Path:
    from importlib import resources

    return Path(str(resources.files("musculoskeletal.models").joinpath("shape_models")))


def read_model(path: Path | None = None) -> dict[str, np.ndarray]:
    """Mean (3n,), modes (3n, 26), variances (26,) and scores (26 modes, 26 people) of the model."""
    path = path or shape_model_dir() / MODEL_FILE
    raw = read_arrays(path)
    return {"mean": raw["mean"], "modes": raw["modes"], "variances": raw["weights"], "scores": raw["projectedWeights"]}


def _node_blocks(folder: Path) -> dict[str, tuple[LagrangeMesh, slice]]:
    meshes, start = {}, 0
    for stem in NODE_BLOCKS:
        nodes, elements = _FILES[stem]
        mesh = LagrangeMesh.read(folder / f"{nodes}.geof", folder / f"{elements}.mesh", folder / f"{elements}.ens")
        meshes[stem] = (mesh, slice(start, start + len(mesh.nodes)))
        start += len(mesh.nodes)
    return meshes


def _displacements(mesh: LagrangeMesh, steps: int, node_shifts: list[np.ndarray]) -> tuple[Surface, list[np.ndarray]]:
    """The welded surface of the mean (atlas RAS) and, for each node shift, how its vertices move.
    One welding (the mean's) serves every shift, so vertex order and triangles are the pack's."""
    samples, faces = mesh.samples(steps)
    kept, welded = weld_map(samples, faces)
    moved = []
    for shift in node_shifts:
        shifted = LagrangeMesh(shift, mesh.elements).samples(steps)[0]  # samples are linear in the nodes
        moved.append(shifted[kept] * _LPS_TO_RAS)
    return Surface(samples[kept] * _LPS_TO_RAS, welded), moved


def shape_arrays(placement: AtlasPlacement, folder: Path | None = None, model_path: Path | None = None) -> dict[str, np.ndarray]:
    """Every array of ``shape_model.npz`` (see :mod:`viewer.anatomy.body_shape` for their meaning)."""
    folder = folder or atlas_bones.atlas_dir()
    model = read_model(model_path)
    blocks = _node_blocks(folder)
    total = sum(len(mesh.nodes) for mesh, _ in blocks.values())
    if model["mean"].shape != (3 * total,):
        raise ValueError(f"{MODEL_FILE}: {model['mean'].shape[0]} numbers in the mean, the atlas meshes have {total} nodes")
    sd = np.sqrt(model["variances"])
    signs = np.array([mode.sign for mode in MODES])
    k = len(MODES)
    node_modes = [(model["modes"][:, i] * sd[i] * signs[i]).reshape(3, -1).T for i in range(k)]  # (nodes, 3) per SD
    out: dict[str, np.ndarray] = {}
    for level, steps in STEPS.items():
        for stem, (mesh, block) in blocks.items():
            mean, moved = _displacements(mesh, steps, [shift[block] for shift in node_modes])
            if stem == "pelvis":
                hip_l, sacrum, hip_r = atlas_bones.component_masks(mean)
                del hip_l
                pieces = {"sacrum": sacrum, "hip_bone_r": hip_r, "hip_bone_l": hip_r}
            else:
                side_stem = stem[:-2]
                everything = np.ones(len(mean.vertices), bool)
                pieces = {f"{side_stem}_r": everything, f"{side_stem}_l": everything}
            for bone_id, keep in pieces.items():
                turn = placement.matrices[bone_id][:3, :3]
                out[f"basis/{bone_id}/{level}"] = np.stack([m[keep] @ turn.T for m in moved]).astype(np.float32)
                out[f"mean/{bone_id}/{level}"] = (mean.vertices[keep] @ turn.T + placement.matrices[bone_id][:3, 3]).astype(np.float32)
    scores = model["scores"][:k].T / sd[:k] * signs  # people x modes, in SD
    share = model["variances"] / model["variances"].sum()
    # the size mode's effect on the centroid size of the pelvis (hip bones and sacrum), per SD:
    # the lumbar vertebrae, which sit on it and are not part of the model, are scaled alike
    pelvis = blocks["pelvis"][1]
    centred = model["mean"].reshape(3, -1).T[pelvis]
    centred = centred - centred.mean(axis=0)
    size_shift = node_modes[0][pelvis] - node_modes[0][pelvis].mean(axis=0)
    out["spine_scale_per_sd"] = np.array([float((centred * size_shift).sum() / (centred**2).sum())])
    out["people"] = scores
    out["variance_share"] = share[:k]
    out["node_sd_mm"] = sd[:k]
    return out


def write_npz(arrays: dict[str, np.ndarray], path: Path) -> None:
    """Write ``arrays`` as an ``.npz`` that a rebuild makes byte for byte the same (:mod:`viewer.anatomy.fixed_npz`)."""
    path.write_bytes(npz_bytes(arrays))


def build_shape_model(out_dir: Path, folder: Path | None = None) -> dict[str, float]:
    """Write ``shape_model.npz`` into a pack folder; returns figures for the build log."""
    arrays = shape_arrays(atlas_bones.place(folder), folder)
    arrays = {name: value for name, value in arrays.items() if not name.startswith("mean/")}
    write_npz(arrays, out_dir / SHAPE_MODEL_NAME)
    return {"vertebral scale per SD of body size (%)": 100 * float(arrays["spine_scale_per_sd"][0])}
