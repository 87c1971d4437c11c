"""Refit the psoas lane and the hip wrapping spheres to the bones of a pack, and check the result.

    python tools/refit_muscle_paths.py            # refit, write annotations.json, print the tables
    python tools/refit_muscle_paths.py --check    # print the tables only, change nothing

Run it after the bones change. The lane (where each psoas fascicle passes each lumbar vertebra)
is placed off each vertebral body (viewer.anatomy.path_fit.psoas_lane); each hip sphere's radius
is the one whose hip-flexion moment arms come nearest OpenSim's (viewer.anatomy.hip_reference);
the via points on the femur and the hip bone move forwards just enough for the line to clear
the femoral neck and the acetabular rim at the ends of the hip's range.
Then every fascicle is checked against every bone over the pose grid
(viewer.anatomy.clearance) and the hip moment arms and length changes are printed beside
OpenSim and MyoLeg.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from viewer.anatomy.annotations import load_annotations  # noqa: E402
from viewer.anatomy.clearance import bone_solids, penetrations, pose_grid  # noqa: E402
from viewer.anatomy.kinematics import Skeleton  # noqa: E402
from viewer.anatomy.mesh_pack import load_pack  # noqa: E402
from viewer.anatomy.muscle_paths import MuscleModel  # noqa: E402
from viewer.anatomy.inside import Solid  # noqa: E402
from viewer.anatomy.path_fit import clear_via, femoral_head_radius, fit_wrap_radius, hip_table, psoas_lane, rms  # noqa: E402
from viewer.anatomy.stretches import load_stretches  # noqa: E402

HIP_MUSCLES = {"psoas_major": "psoas", "iliacus": "iliacus"}


def _moved_source(source: str, shift: float) -> str:
    """``myo-sim site X`` becomes ``N mm forwards of myo-sim site X, ...``, adding to an earlier move."""
    match = re.match(r"([\d.]+) mm forwards of (.*?), to clear", source)
    before, site = (float(match.group(1)), match.group(2)) if match else (0.0, source)
    return f"{before + shift:g} mm forwards of {site}, to clear the femoral neck and acetabular rim (tools/refit_muscle_paths.py)"


def refit(annotations, pack, skeleton) -> dict:
    """New lane and sphere radii, written into the raw annotations document."""
    doc = json.loads((ROOT / "annotations.json").read_text(encoding="utf-8"))
    muscles = {m["id"]: m for m in doc["muscles"]}
    head = femoral_head_radius(pack.bones["femur_r"].vertices, skeleton.frame_origin("femur_r"))
    print(f"femoral head radius (sphere fit): {head:.1f} mm")
    for side in "rl":
        lane = psoas_lane(pack, skeleton, side)
        annotations.muscles[f"psoas_major_{side}"]["lane"] = lane
        muscles[f"psoas_major_{side}"]["lane"] = lane
    for name, reference in HIP_MUSCLES.items():
        radius, error = fit_wrap_radius(annotations, skeleton, f"{name}_r", reference, np.arange(head, head + 20.01, 0.5))
        print(f"{name}: sphere radius {radius:.1f} mm (moment arm rms {error:.1f} mm against OpenSim)")
        for side in "rl":
            for target in (annotations.muscles[f"{name}_{side}"], muscles[f"{name}_{side}"]):
                next(s for s in target["path"] if s["type"] == "wrap_sphere")["radius"] = round(radius, 1)
        for side in "rl":
            solids = {b: Solid(pack.bones[b].vertices, pack.bones[b].faces) for b in (f"femur_{side}", f"hip_bone_{side}")}
            for bone in solids:
                shift = clear_via(annotations, skeleton, solids, f"{name}_{side}", bone)
                moved = next(s for s in annotations.muscles[f"{name}_{side}"]["path"] if s["bone"] == bone)
                stored = next(s for s in muscles[f"{name}_{side}"]["path"] if s["bone"] == bone)
                stored["position"] = moved["position"]
                if shift:
                    stored["source"] = moved["source"] = _moved_source(stored["source"], shift)
                print(f"{name}_{side}: via point on {bone} moved {shift:.0f} mm forwards to clear the bones")
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
    grid = pose_grid(named)
    found = penetrations(model, bone_solids(pack), grid)
    worst = max(found, key=lambda p: p.depth, default=None)
    print(f"\nclearance: {len(grid)} poses, lines sampled every mm; deepest sample inside a bone:",
          f"{worst}" if worst else "none inside any bone")


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
