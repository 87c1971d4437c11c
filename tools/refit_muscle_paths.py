"""Refit the psoas lane and the hip wrapping spheres to the bones of a pack, and check the result.

    python tools/refit_muscle_paths.py            # refit, write annotations.json, print the tables
    python tools/refit_muscle_paths.py --check    # print the tables only, change nothing

Run it after the bones change. The lane (where each psoas fascicle passes each lumbar vertebra)
is placed off each vertebral body (viewer.anatomy.path_fit.psoas_lane); the path over the hip
(brim via point, brim sphere, femoral via point) is OpenSim's (viewer.anatomy.hip_reference) at
the same offsets from the hip centre, with the femoral via point and the sphere moved just enough
for the tendon to clear the femoral neck and the hip bone wherever the bones let the hip go
(viewer.anatomy.path_fit.fit_hip_path).
Then every fascicle is checked against every bone over the pose grid
(viewer.anatomy.clearance) and the hip moment arms and length changes are printed beside
OpenSim and MyoLeg.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from viewer.anatomy.annotations import load_annotations  # noqa: E402
from viewer.anatomy.clearance import BoneContact, bone_solids, penetrations, pose_grid, split  # noqa: E402
from viewer.anatomy.depth_field import DepthField  # noqa: E402
from viewer.anatomy.inside import Solid  # noqa: E402
from viewer.anatomy.kinematics import OVERLAP_MM, HipLimits, Skeleton, bone_transforms  # noqa: E402
from viewer.anatomy.mesh_pack import load_pack  # noqa: E402
from viewer.anatomy.muscle_paths import MuscleModel  # noqa: E402
from viewer.anatomy.path_fit import fit_hip_path, hip_orientations, hip_table, psoas_lane, rms  # noqa: E402
from viewer.anatomy.stretches import load_stretches  # noqa: E402

HIP_MUSCLES = {"psoas_major": "psoas", "iliacus": "iliacus"}


def _hip_sources(reference: str, moved: dict) -> dict[str, str]:
    site = f"OpenSim (Rajagopal 2015, as MyoLeg gives it) {reference}"
    tool = "tools/refit_muscle_paths.py"
    return {
        "brim": f"{site} site P2, at the same offset from the hip centre ({tool})",
        "sphere": f"{site} brim wrap sphere at the same offset from the hip centre, moved {moved['centre']:.1f} mm and resized"
                  f" so that the tendon clears the femoral neck and hip bone with OpenSim's moment arms ({tool})",
        "femur": f"{site} site P3, at the same offset from the hip centre, moved {moved['femur']:.1f} mm to clear the"
                 f" femoral neck and hip bone ({tool})",
    }


def refit(annotations, pack, skeleton) -> dict:
    """New lane and hip paths, written into the raw annotations document."""
    doc = json.loads((ROOT / "annotations.json").read_text(encoding="utf-8"))
    muscles = {m["id"]: m for m in doc["muscles"]}
    for side in "rl":
        lane = psoas_lane(pack, skeleton, side)
        annotations.muscles[f"psoas_major_{side}"]["lane"] = lane
        muscles[f"psoas_major_{side}"]["lane"] = lane
    centre = skeleton.frame_origin("hip_bone_r")
    solids = {b: Solid(pack.bones[b].vertices, pack.bones[b].faces) for b in ("hip_bone_r", "femur_r", "hip_bone_l", "femur_l")}
    hip_depth, femur_depth = (DepthField.around(pack.bones[b].vertices, pack.bones[b].faces, centre, 100.0, cap=30.0)
                              for b in ("hip_bone_r", "femur_r"))
    femur_beyond_head = BoneContact(pack, skeleton, solids).parts["r"] - centre
    turns = hip_orientations()
    allowed = np.array([hip_depth(femur_beyond_head @ t.T + centre).max() <= OVERLAP_MM for t in turns])
    print(f"hip: {allowed.sum()} of {len(turns)} thigh orientations the bones allow (femur beyond its head"
          f" no deeper than {OVERLAP_MM:g} mm in the hip bone)")
    for name, reference in HIP_MUSCLES.items():
        landmark = annotations.landmarks[annotations.muscles[f"{name}_r"]["insertion"]]
        path, moved = fit_hip_path(reference, landmark.position, hip_depth, femur_depth, centre, turns[allowed])
        print(f"{name}: femoral via point moved {moved['femur']:.1f} mm, sphere centre {moved['centre']:.1f} mm, radius"
              f" {path['radius']:.1f} mm; moment arm rms {moved['arm_rms']:.2f} mm, length change rms {moved['change_rms']:.2f} mm"
              f" against OpenSim; deepest tendon sample {moved['deepest']:.2f} mm (depth grid)")
        sources = _hip_sources(reference, moved)
        for side in "rl":
            sign = np.array([1.0 if side == "r" else -1.0, 1.0, 1.0])
            for target in (annotations.muscles[f"{name}_{side}"], muscles[f"{name}_{side}"]):
                for step in target["path"]:
                    if step["type"] == "wrap_sphere":
                        step.update(centre=np.round(sign * path["centre"], 2).tolist(), radius=round(path["radius"], 2),
                                    side=np.round(sign * path["side"], 2).tolist(), source=sources["sphere"])
                    elif step["bone"].startswith("hip_bone"):
                        step.update(position=np.round(sign * path["brim"], 2).tolist(), source=sources["brim"])
                    elif step["bone"].startswith("femur"):
                        step.update(position=np.round(sign * path["femur"], 2).tolist(), source=sources["femur"])
    return doc


def report(annotations, pack, skeleton) -> None:
    model = MuscleModel(annotations, skeleton)
    print("\nhip flexion: moment arm (mm) and length change from 0 degrees (mm)")
    for name, reference in HIP_MUSCLES.items():
        table = hip_table(model, f"{name}_r", reference)
        print(f"\n{name}     deg  arm  OpenSim  MyoLeg | change  OpenSim  MyoLeg")
        for k, degree in enumerate(table["degrees"]):
            if degree % 10 == 0 or degree in (75,):
                print(f"{'':12}{degree:4.0f} {table['arm'][k]:5.1f} {table['arm_opensim'][k]:7.1f} {table['arm_myoleg'][k]:7.1f} |"
                      f" {table['change'][k]:6.1f} {table['change_opensim'][k]:7.1f} {table['change_myoleg'][k]:7.1f}")
        print(f"{'':12}rms  {rms(table['arm'], table['arm_opensim']):5.1f} {rms(table['arm'], table['arm_myoleg']):7.1f}"
              f" (arm vs OpenSim, MyoLeg) | {rms(table['change'], table['change_opensim']):5.1f}"
              f" {rms(table['change'], table['change_myoleg']):7.1f} (change), -20 to 100 degrees")
    named = {k: v.pose for k, v in annotations.poses.items()} | {s.id: s.pose for s in load_stretches().stretches}
    solids = bone_solids(pack)
    every = pose_grid(named)
    grid, blocked = split(HipLimits.from_pack(pack, skeleton), every)
    found = penetrations(model, solids, grid)
    worst = max(found, key=lambda p: p.depth, default=None)
    print(f"\nclearance: {len(grid)} poses, lines sampled every mm; deepest sample inside a bone:",
          f"{worst}" if worst else "none inside any bone")
    contact = BoneContact(pack, skeleton, solids)
    overlap = max((contact.depth(bone_transforms(pose, skeleton)) for pose in blocked.values()), default=0.0)
    print(f"left out: {len(blocked)} poses the hip limits refuse (a femur more than {OVERLAP_MM:g} mm into its hip bone;"
          f" up to {overlap:.1f} mm); in them:",
          max(penetrations(model, solids, {k: every[k] for k in blocked}), key=lambda p: p.depth, default="none"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="print the tables only; write nothing")
    args = parser.parse_args()
    pack, annotations = load_pack(), load_annotations()
    skeleton = Skeleton.from_manifest(pack.manifest)
    if not args.check:
        doc = refit(annotations, pack, skeleton)
        text = json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
        (ROOT / "annotations.json").write_text(text, encoding="utf-8")
        print("wrote annotations.json")
    report(annotations, pack, skeleton)


if __name__ == "__main__":
    main()
