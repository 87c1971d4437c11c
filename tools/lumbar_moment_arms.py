"""Flexion moment arm (mm) of each psoas major fascicle at each lumbar joint it crosses.

    python tools/lumbar_moment_arms.py [--muscle psoas_major_r]

Each joint (L1/L2 ... L5/S1, at its bone's joint centre) is turned alone by +-0.5 degree of
flexion in the standing pose; the moment arm is minus the change of the fascicle's length per
radian (virtual work), positive when the fascicle flexes that joint. For comparison with
Bogduk, Pearcy and Hadfield 1992 (Clin Biomech 7:109-119), who found the psoas's lumbar
moment arms small, extending the upper lumbar joints and flexing the lower ones.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from viewer.anatomy.annotations import load_annotations  # noqa: E402
from viewer.anatomy.kinematics import Skeleton, about, rotation  # noqa: E402
from viewer.anatomy.mesh_pack import load_pack  # noqa: E402
from viewer.anatomy.muscle_paths import MuscleModel  # noqa: E402

STEP_DEG = 0.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--muscle", default="psoas_major_r")
    args = parser.parse_args()
    pack = load_pack()
    skeleton = Skeleton.from_manifest(pack.manifest)
    model = MuscleModel(load_annotations(), skeleton)
    order = list(skeleton.parents)
    joints = [b for b in order if skeleton.joints[b] == "lumbar"]
    below = {"l1": "L1/L2", "l2": "L2/L3", "l3": "L3/L4", "l4": "L4/L5", "l5": "L5/S1"}

    def moved_bones(bone: str) -> set[str]:
        """The bone and everything above it in the chain (its children)."""
        out = {bone}
        while True:
            more = {b for b, parent in skeleton.parents.items() if parent in out} - out
            if not more:
                return out
            out |= more

    batch = model._single[args.muscle]
    fascicles = model.muscles[args.muscle].fascicle_ids
    print(f"{args.muscle}: lumbar flexion moment arm (mm) at each joint; + flexes, - extends, blank: not crossed")
    print(f"{'fascicle':12}" + "".join(f"{below.get(j, j):>8}" for j in joints))
    table = np.full((len(fascicles), len(joints)), np.nan)
    for k, joint in enumerate(joints):
        lengths = []
        for sign in (1, -1):
            stack = np.tile(np.eye(4), (len(order), 1, 1))
            turn = about(rotation("x", -sign * STEP_DEG), skeleton.frame_origin(joint))
            for bone in moved_bones(joint):
                stack[order.index(bone)] = turn
            lengths.append(batch.evaluate(stack)[1])
        arm = -(lengths[0] - lengths[1]) / np.radians(2 * STEP_DEG)
        table[:, k] = np.where(np.abs(arm) > 1e-6, arm, np.nan)
    for name, row in zip(fascicles, table):
        print(f"{name:12}" + "".join(f"{'' if np.isnan(v) else f'{v:.1f}':>8}" for v in row))


if __name__ == "__main__":
    main()
