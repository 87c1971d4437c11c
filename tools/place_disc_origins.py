"""Place the psoas major origins from the intervertebral discs on the discs of a pack.

    python tools/place_disc_origins.py            # place them, write annotations.json, print where
    python tools/place_disc_origins.py --check    # print how far each is from where it belongs

Each disc origin (``psoas_origin_<upper>_<lower>_ivd_<side>``) goes on the disc's mid-plane (as
far from one endplate as from the other, viewer.anatomy.discs), where a line from the middle of
that plane straight out to the subject's right or left leaves the disc: the side of the disc,
halfway between the bodies. Run it after the discs change.
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

from viewer.anatomy.mesh_pack import load_pack  # noqa: E402

DISC_ORIGIN = re.compile(r"^psoas_origin_(t12|l\d)_(l\d)_ivd_(r|l)$")


def lateral_point(pack, disc_id: str, side: str) -> np.ndarray:
    """Where the disc's side meets its mid-plane, straight out to the subject's ``side`` (scene frame, mm)."""
    bone = pack.bones[disc_id]
    middle = bone.disc.mid_plane
    outward = np.array([1.0 if side == "r" else -1.0, 0.0, 0.0])
    outward -= (outward @ middle.normal) * middle.normal
    outward /= np.linalg.norm(outward)
    hits, _, _ = bone.mesh.ray.intersects_location([middle.centre], [outward])
    return hits[np.argmax((hits - middle.centre) @ outward)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="print only, change nothing")
    args = parser.parse_args()
    path = ROOT / "annotations.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    pack = load_pack()
    for landmark in document["landmarks"]:
        match = DISC_ORIGIN.match(landmark["id"])
        if match is None:
            continue
        upper, lower, side = match.groups()
        disc_id = f"disc_{upper}_{lower}"
        point = lateral_point(pack, disc_id, side)
        position = [round(float(c), 2) + 0.0 for c in point - pack.bones[disc_id].frame_origin]
        was = np.asarray(landmark["position"]) + pack.bones[landmark["bone"]].frame_origin
        print(f"{landmark['id']:28s} on {disc_id}: {np.round(point, 1).tolist()} ({np.linalg.norm(point - was):.1f} mm from where it was)")
        landmark["bone"], landmark["position"] = disc_id, position
    if not args.check:
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
