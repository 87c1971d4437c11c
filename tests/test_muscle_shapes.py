"""Muscle-shaped surfaces (``viewer.anatomy.muscle_shapes``): closed, kept in volume, the psoas's
cross-section along its length, the iliacus one sheet, and how far any of it goes into bone."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from viewer.anatomy.clearance import bone_solids, deepest_vertex, pose_grid, split
from viewer.anatomy.kinematics import HipLimits, Pose, Skeleton, bone_transforms
from viewer.anatomy.muscle_paths import MuscleModel
from viewer.anatomy.muscle_shapes import MuscleShapes
from viewer.anatomy.stretches import load_stretches

# No surface vertex deeper inside a bone than this standing, and anywhere in the range.
STANDING_DEPTH_MM = 1.0
RANGE_DEPTH_MM = 2.0


@pytest.fixture(scope="module")
def built(pack, annotations):
    skeleton = Skeleton.from_manifest(pack.manifest)
    model = MuscleModel(annotations, skeleton, set(pack.bones))
    rest = bone_transforms(Pose(), skeleton)
    standing = model.evaluate(Pose(), rest)
    return model, MuscleShapes.standing(model, standing, rest, pack, annotations)


def surfaces(built, pose: Pose, push: bool = True) -> dict[str, trimesh.Trimesh]:
    model, shapes = built
    transforms = bone_transforms(pose, model.skeleton)
    out = np.zeros((shapes.n_vertices, 3))
    shapes.pose(model.evaluate(pose, transforms), transforms, out, push)
    return {mid: trimesh.Trimesh(out[slice(*shapes.vertex_ranges[mid])], shapes.faces[mid], process=False) for mid in shapes.order}


@pytest.fixture(scope="module")
def named(annotations):
    return {k: v.pose for k, v in annotations.poses.items()} | {s.id: s.pose for s in load_stretches().stretches}


def test_each_surface_is_closed_and_outward(built):
    for mid, mesh in surfaces(built, Pose()).items():
        assert mesh.is_watertight and mesh.is_winding_consistent, mid
        assert mesh.volume > 0, mid  # outward: a surface turned inside out has a negative volume


def test_the_iliacus_is_one_sheet_and_the_psoas_one_belly_with_its_slips(built):
    meshes = surfaces(built, Pose())
    for side in "rl":
        iliacus = meshes[f"iliacus_{side}"]
        assert len(trimesh.graph.connected_components(iliacus.face_adjacency)) == 1
        psoas = meshes[f"psoas_major_{side}"]
        assert len(trimesh.graph.connected_components(psoas.face_adjacency)) == 1 + 12  # the belly and a slip from each origin


def test_the_psoas_volume_is_the_chosen_adult_value(built):
    for side in "rl":
        belly = surfaces(built, Pose())[f"psoas_major_{side}"].split(only_watertight=True)
        volume = max(part.volume for part in belly) / 1000.0
        assert 220 < volume <= 250  # 250 cm3 chosen, less where the section is cut back at the vertebrae


# Volume kept, against standing, in every named pose and stretch. The psoas major and minor keep
# theirs within 2% (measured). The iliacus does not yet: its fan over the fossa is fixed to the bone
# and its short free part, bounded in how far it may bulge, cannot take up all of a 130-degree hip
# flexion (measured: 10.4% lost in the Thomas test before the push off the bones, 15.3% after it,
# the femur pressing the tendon flat). These hold those lines.
KEPT = {"psoas_major": 0.03, "psoas_minor": 0.03, "iliacus": 0.11}
PRESSED_ILIACUS_LOSS = 0.16


def test_volume_is_kept_in_every_named_pose_and_stretch(built, named):
    alone, pushed = surfaces(built, Pose(), push=False), surfaces(built, Pose())
    for name, pose in named.items():
        for mid, mesh in surfaces(built, pose, push=False).items():  # the shapes alone
            assert mesh.volume == pytest.approx(alone[mid].volume, rel=KEPT[mid[:-2]]), (name, mid)
        for mid, mesh in surfaces(built, pose).items():
            loss = PRESSED_ILIACUS_LOSS if mid.startswith("iliacus") else KEPT[mid[:-2]]
            assert mesh.volume == pytest.approx(pushed[mid].volume, rel=loss), (name, mid)


def test_no_ring_twists_over_on_its_neighbour(built, named):
    """Flips: each ring's vertices keep their order round the centreline in every pose (a ring
    turned more than a quarter turn against the next would fold the surface between them). Where
    a muscle starts or ends on its bone its end rings shrink to a point; spokes under 2 mm cannot
    fold anything a student sees, so they are not counted."""
    model, shapes = built
    main = next(g for g in shapes._groups if g.slips is None)
    for name, pose in named.items():
        mesh = surfaces(built, pose)
        for mid in shapes.order:
            rings = mesh[mid].vertices[: main.rings * main.sides].reshape(main.rings, main.sides, 3)
            spokes = rings - rings.mean(axis=1, keepdims=True)
            length = np.linalg.norm(spokes, axis=2)
            turn = np.einsum("rsk,rsk->rs", spokes[1:], spokes[:-1])
            counted = (length[1:] > 2.0) & (length[:-1] > 2.0)
            assert counted.sum() > 0.8 * counted.size, (name, mid)  # most of the surface is counted
            assert (turn[counted] > 0).all(), (name, mid, np.argwhere(counted & (turn <= 0))[:3].tolist())


def test_psoas_cross_section_follows_the_visible_human_profile(built):
    """Areas at fractions of the length, against the peak (Andreassen et al. 2022, as issue 16
    gives them): about 0.2 at 10%, 0.75 at 30% and 60%, 0.4 at 70%, 0.15 at 80%."""
    model, shapes = built
    main = next(g for g in shapes._groups if g.slips is None)
    k = shapes.order.index("psoas_major_r")
    local = main.local[list(main.muscle).index(k)]  # (rings, sides, 2), rest section after the cut-back
    x, y = local[..., 0], local[..., 1]
    area = 0.5 * np.abs((x * np.roll(y, -1, axis=1) - np.roll(x, -1, axis=1) * y).sum(axis=1))
    fraction = area / area.max()
    at = lambda f: fraction[int(round(f * (len(fraction) - 1)))]  # noqa: E731
    assert 0.35 <= np.argmax(fraction) / (len(fraction) - 1) <= 0.5
    for f, expected in [(0.1, 0.2), (0.3, 0.75), (0.6, 0.75), (0.7, 0.4), (0.8, 0.15)]:
        assert at(f) == pytest.approx(expected, abs=0.12), f


def _deepest(pack, built, poses: dict[str, Pose]) -> tuple[float, str]:
    solids = bone_solids(pack)
    worst, where = 0.0, ""
    for name, pose in poses.items():
        meshes = surfaces(built, pose)
        depth, mid, bone_id = deepest_vertex({mid: mesh.vertices for mid, mesh in meshes.items()}, solids,
                                             bone_transforms(pose, built[0].skeleton))
        if depth > worst:
            worst, where = depth, f"{mid} in {bone_id} ({name})"
    return worst, where


def test_standing_no_surface_point_is_more_than_a_millimetre_inside_bone(pack, built):
    depth, where = _deepest(pack, built, {"standing": Pose()})
    assert depth <= STANDING_DEPTH_MM, where


def test_no_surface_point_is_more_than_two_millimetres_inside_bone_anywhere_in_the_range(pack, built, named):
    """Every vertex of every surface against every bone (ray parity), over the grid the lines of
    action are tested on (tests/test_muscles.py): each joint over its range, the joints together at
    their extremes, every named pose and stretch on both sides, less the poses the hip limits refuse."""
    grid, _ = split(HipLimits.from_pack(pack, built[0].skeleton), pose_grid(named))
    assert len(grid) > 500
    depth, where = _deepest(pack, built, grid)
    print(f"\ndeepest surface vertex inside a bone over {len(grid)} poses: {depth:.1f} mm, {where}")
    assert depth <= RANGE_DEPTH_MM, where


def test_all_muscles_lines_in_one_pass_are_each_muscles_own(built, named):
    """The pose builds every muscle's lines in one pass (fascicles of different muscles, knots and
    free rings side by side); each muscle's must be what it gets alone."""
    model, shapes = built
    assert len({shapes._free_from[mid][0] for mid in shapes.order}) > 1  # the muscles' lines leave their bones at different rings
    for pose in (Pose(), named["sitting"], Pose(hip_flexion_r=110.0, hip_flexion_l=-15.0, lumbar_bending=20.0)):
        transforms = bone_transforms(pose, model.skeleton)
        states = model.evaluate(pose, transforms)
        together = shapes._centrelines(states, transforms)
        for k, mid in enumerate(shapes.order):
            np.testing.assert_allclose(together[k], shapes.centreline(mid, states[mid], transforms), atol=1e-9)


def test_standing_asks_for_almost_no_push(built):
    """The rest shape is settled against the push's depth fields, so standing the push moves
    almost nothing (before, it moved about 600 vertices standing, every pose)."""
    model, shapes = built
    transforms = bone_transforms(Pose(), model.skeleton)
    states = model.evaluate(Pose(), transforms)
    pushed, unpushed = np.zeros((shapes.n_vertices, 3)), np.zeros((shapes.n_vertices, 3))
    shapes.pose(states, transforms, pushed)
    shapes.pose(states, transforms, unpushed, push=False)
    moved = np.linalg.norm(pushed - unpushed, axis=1) > 1e-9
    assert moved.sum() <= 0.002 * shapes.n_vertices, moved.sum()
