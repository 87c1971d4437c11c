"""The parts of the muscle surfaces (``viewer.anatomy.muscle_shapes``) that can be tried on small
made-up inputs with known answers: the shape record, the profiles, tangents, turns, where points
lie on their lines, the content key and its cache, the tests against bone, the spacing, the
tissue arrays, the cut back against bone and the bones carrying each ring. Written to kill the
mutants mutmut found surviving; no pack or muscle model is loaded (those are in
``test_muscle_shapes.py``)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import trimesh
from scipy.spatial.transform import Rotation

from viewer.anatomy import muscle_shapes
from viewer.anatomy.muscle_paths import CENTRELINE_POINTS, WRAP_SAMPLES, MuscleState, resample, smooth
from viewer.anatomy.muscle_shapes import (
    BULGE,
    CLEARANCE_MM,
    END_TAPER,
    FIBRE_STRIPES,
    MIN_SPOKE_MM,
    RAY_SAMPLES,
    RING_SIDES,
    SLIP_AXES_MM,
    SLIP_RINGS,
    SLIP_SIDES,
    TENDON_BLEND,
    MuscleShapes,
    ShapeSpec,
    _BoneSurface,
    _inside_any,
    _material,
    _profile,
    _spacing,
    _tangents,
    _turned,
    _unit,
    _wrap_knot,
    content_key,
)
from viewer.anatomy.tube import TubeTopology

# -- the shape record ------------------------------------------------------------------------

def test_a_shape_record_gives_every_setting():
    record = {"radius_profile": [[0.0, 1.0], [1.0, 1.0]],
              "shape": {"area_profile": [[0.0, 0.2], [0.5, 1.0], [1.0, 0.1]], "volume_cm3": 2.5, "aspect": [[0.0, 3.0], [1.0, 1.5]],
                        "fan": True, "fan_reach": 0.25, "slips": True, "tendon_from": 0.8}}
    spec = ShapeSpec.from_record(record)
    np.testing.assert_array_equal(spec.area, [[0.0, 0.2], [0.5, 1.0], [1.0, 0.1]])
    np.testing.assert_array_equal(spec.aspect, [[0.0, 3.0], [1.0, 1.5]])
    assert spec.volume_mm3 == 2500.0
    assert spec.fan is True and spec.fan_reach == 0.25 and spec.slips is True and spec.tendon == 0.8
    assert spec.area.dtype == float and spec.aspect.dtype == float


def test_without_a_shape_record_the_areas_are_the_tubes_and_nothing_else_is_set():
    spec = ShapeSpec.from_record({"radius_profile": [[0, 2], [0.5, 4], [1, 3]]})
    np.testing.assert_allclose(spec.area, [[0.0, 4 * np.pi], [0.5, 16 * np.pi], [1.0, 9 * np.pi]])
    np.testing.assert_array_equal(spec.aspect, [[0.0, 1.0], [1.0, 1.0]])
    assert spec.volume_mm3 is None and spec.fan is False and spec.fan_reach == 0.0 and spec.slips is False and spec.tendon == 1.0
    assert type(spec.fan_reach) is float and type(spec.tendon) is float and type(spec.fan) is bool and type(spec.slips) is bool


def test_a_shape_record_without_an_area_profile_keeps_its_other_settings():
    spec = ShapeSpec.from_record({"radius_profile": [[0, 1], [1, 1]], "shape": {"fan": 1, "fan_reach": 1, "slips": 1, "tendon_from": 0,
                                                                              "aspect": [[0, 2], [1, 2]]}})
    assert spec.volume_mm3 is None and spec.fan is True and spec.slips is True and spec.fan_reach == 1.0 and spec.tendon == 0.0
    np.testing.assert_array_equal(spec.aspect, [[0.0, 2.0], [1.0, 2.0]])
    np.testing.assert_allclose(spec.area, [[0.0, np.pi], [1.0, np.pi]])


def test_a_profile_is_read_at_evenly_spaced_fractions():
    np.testing.assert_allclose(_profile(np.array([[0.0, 0.0], [0.5, 10.0], [1.0, 0.0]]), 5), [0, 5, 10, 5, 0])
    np.testing.assert_allclose(_profile(np.array([[0.0, 2.0], [1.0, 4.0]]), 3), [2, 3, 4])


# -- small geometry --------------------------------------------------------------------------

def test_unit_scales_rows_to_length_one_and_keeps_tiny_ones_tiny():
    rows = np.array([[3.0, 4.0, 0.0], [0.0, 0.0, 0.0], [0.0, -5e-13, 0.0], [0.0, 0.0, -2e-12]])
    np.testing.assert_allclose(_unit(rows), [[0.6, 0.8, 0.0], [0.0, 0.0, 0.0], [0.0, -0.5, 0.0], [0.0, 0.0, -1.0]])


def test_tangents_are_central_differences_inside_and_one_sided_at_the_ends():
    line = np.array([[0.0, 0, 0], [1, 0, 0], [1, 2, 0], [1, 2, 3]])
    expected = _unit(np.array([[1.0, 0, 0], [1, 2, 0], [0, 2, 3], [0, 0, 3]]))
    np.testing.assert_allclose(_tangents(line), expected)
    both = _tangents(np.stack([line, 2 * line[::-1]]))  # several lines at once
    np.testing.assert_allclose(both[0], expected)
    np.testing.assert_allclose(both[1], -expected[::-1])


def _line_knots(real, total, lines=2):
    """Knots of ``lines`` lines with ``real`` distinct points each, padded to ``total`` with the last."""
    knots = np.zeros((lines, total, 3))
    for k in range(lines):
        knots[k, :real, 0] = np.arange(real) * (k + 1.0)
        knots[k, :real, 1] = k
        knots[k, real:] = knots[k, real - 1]
    return knots


def _geometry(*kinds):
    return SimpleNamespace(steps=[{"type": kind} for kind in kinds])


def test_wrap_knot_without_a_wrap_is_the_last_knot_but_one_of_the_real_ones():
    assert _wrap_knot(_geometry(), _line_knots(7, 10)) == (5, 7)
    assert _wrap_knot(_geometry("via_point"), _line_knots(7, 7)) == (5, 7)  # no padding
    knots = _line_knots(7, 10)
    knots[1, 7:] += [[0.0, 0.0, 1.0], [0.0, 0.0, 2.0], [0.0, 0.0, 2.0]]  # the second line goes on two knots further
    assert _wrap_knot(_geometry(), knots) == (7, 9)


def test_wrap_knot_is_just_before_the_first_wrap_and_its_samples():
    knots = _line_knots(25, 30)
    assert _wrap_knot(_geometry("via_point", "wrap_sphere", "via_point"), knots) == (25 - (WRAP_SAMPLES + 2) - 1, 25)
    assert _wrap_knot(_geometry("wrap_sphere", "wrap_sphere"), knots) == (25 - (2 * WRAP_SAMPLES + 1) - 1, 25)
    assert _wrap_knot(_geometry("via_point", "via_point", "wrap_sphere"), knots) == (25 - (WRAP_SAMPLES + 1) - 1, 25)


def test_turned_takes_start_to_end_and_turns_everything_with_it():
    x, y, z = np.eye(3)
    np.testing.assert_allclose(_turned(np.array([x, y, z]), x, y), [y, -x, z], atol=1e-12)
    np.testing.assert_allclose(_turned(np.array([x, y, z]), z, z), [x, y, z], atol=1e-12)  # no turn
    rng = np.random.default_rng(5)
    start, end = _unit(rng.normal(size=(6, 3))), _unit(rng.normal(size=(6, 3)))
    end = np.where((np.einsum("nk,nk->n", start, end) < -0.5)[:, None], -end, end)  # less than two thirds of a half turn
    vectors = rng.normal(size=(6, 3))
    turned = _turned(vectors, start, end)
    axis = np.cross(start, end)
    angle = np.arctan2(np.linalg.norm(axis, axis=1), np.einsum("nk,nk->n", start, end))
    expected = Rotation.from_rotvec(_unit(axis) * angle[:, None]).apply(vectors)
    np.testing.assert_allclose(turned, expected, atol=1e-9)
    np.testing.assert_allclose(_turned(start, start, end), end, atol=1e-12)


def test_turned_by_almost_a_half_turn_stays_finite():
    x, y = np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0])
    end = _unit(np.array([-1.0, 1e-5, 0.0]))
    turned = _turned(np.array([x, y]), x, end)
    np.testing.assert_allclose(turned[0], end, atol=1e-6)
    assert np.isfinite(turned).all()


# -- where points lie on their lines ----------------------------------------------------------

def _at(knots, segment, fraction):
    rows = np.arange(len(knots))[:, None]
    return knots[rows, segment] * (1 - fraction[..., None]) + knots[rows, segment + 1] * fraction[..., None]


def test_material_points_of_one_line_are_evenly_spaced_along_it():
    knots = np.array([[[0.0, 0, 0], [1, 0, 0], [4, 0, 0]]])
    segment, fraction = _material(knots, 5, False, 1)
    assert segment.tolist() == [[0, 1, 1, 1, 1]]
    np.testing.assert_allclose(fraction, [[0, 0, 1 / 3, 2 / 3, 1]])
    np.testing.assert_allclose(_at(knots, segment, fraction)[0, :, 0], [0, 1, 2, 3, 4])


def test_material_points_of_a_fan_are_even_on_each_fibre_s_own_part_then_on_the_shared_part():
    knots = np.zeros((2, 4, 3))
    knots[0, :, 0] = [0, 2, 4, 10]  # own part 4 mm, shared 6
    knots[1, :, 0] = [0, 1, 2, 8]  # own part 2 mm, shared 6
    knots[1, :, 1] = 5.0
    segment, fraction = _material(knots, 6, True, 2)  # meet at ring round(5 * 3 / 9) = 2
    np.testing.assert_allclose(_at(knots, segment, fraction)[..., 0], [[0, 2, 4, 6, 8, 10], [0, 1, 2, 4, 6, 8]])
    assert segment.tolist() == [[0, 1, 2, 2, 2, 2], [0, 1, 2, 2, 2, 2]]
    np.testing.assert_allclose(fraction, [[0, 0, 0, 1 / 3, 2 / 3, 1]] * 2)


def test_material_of_a_fan_meets_no_sooner_than_the_second_point_and_no_later_than_the_last_but_one():
    knots = np.zeros((1, 3, 3))
    knots[0, :, 0] = [0, 0.01, 10]  # almost nothing of its own: meets at ring 1
    position = _at(knots, *_material(knots, 6, True, 1))[0, :, 0]
    np.testing.assert_allclose(position, [0, 0.01, 0.01 + 9.99 / 4, 0.01 + 2 * 9.99 / 4, 0.01 + 3 * 9.99 / 4, 10])
    knots[0, :, 0] = [0, 9.99, 10]  # almost all its own: meets at ring 4
    position = _at(knots, *_material(knots, 6, True, 1))[0, :, 0]
    np.testing.assert_allclose(position, [0, 9.99 / 4, 2 * 9.99 / 4, 3 * 9.99 / 4, 9.99, 10])
    position = _at(knots, *_material(knots, 6, True, 7))[0, :, 0]  # meeting beyond the last knot: at the last
    np.testing.assert_allclose(position, [0, 2.5, 5, 7.5, 10, 10], atol=1e-9)


def test_material_over_a_knot_repeated_stays_finite():
    knots = np.array([[[0.0, 0, 0], [2, 0, 0], [2, 0, 0], [4, 0, 0]]])
    segment, fraction = _material(knots, 5, False, 1)
    assert np.isfinite(fraction).all()
    np.testing.assert_allclose(_at(knots, segment, fraction)[0, :, 0], [0, 1, 2, 3, 4])
    assert segment[0, -1] == 2 and fraction[0, -1] == 1.0  # the end on the last segment


# -- the content key and the kept fits ---------------------------------------------------------

def _content():
    box = trimesh.creation.box()
    bones = {"b": SimpleNamespace(vertices=np.array(box.vertices), faces=np.array(box.faces)),
             "a": SimpleNamespace(vertices=np.array(box.vertices) * 2, faces=np.array(box.faces))}
    standing = {"m": SimpleNamespace(knots=np.arange(12.0).reshape(1, 4, 3))}
    annotations = SimpleNamespace(muscles={"m": {"id": "m", "x": 1}, "other": {"id": "other"}})
    transforms = {"a": np.eye(4), "b": np.eye(4), "c": np.eye(4)}
    return standing, transforms, SimpleNamespace(bones=bones), annotations


def test_thecontent_key_changes_with_everything_a_fit_depends_on():
    standing, transforms, pack, annotations = _content()
    key = content_key(standing, transforms, pack, annotations)
    assert len(key) == 64 and int(key, 16) >= 0
    assert content_key(*_content()) == key  # the same content: the same key
    changes = []
    s, t, p, a = _content()
    a.muscles["m"]["x"] = 2
    changes.append((s, t, p, a))
    s, t, p, a = _content()
    s["m"].knots[0, 1, 2] += 0.5
    changes.append((s, t, p, a))
    s, t, p, a = _content()
    p.bones["a"].vertices[0, 0] += 0.5
    changes.append((s, t, p, a))
    s, t, p, a = _content()
    p.bones["b"].faces = p.bones["b"].faces[::-1].copy()
    changes.append((s, t, p, a))
    s, t, p, a = _content()
    t["b"] = np.diag([1.0, 1.0, 1.0, 1.0]) + np.eye(4, k=3)
    changes.append((s, t, p, a))
    s, t, p, a = _content()
    p.bones = {"z": p.bones["a"], "b": p.bones["b"]}
    changes.append((s, t, p, a))
    s, t, p, a = _content()
    del t["a"]
    changes.append((s, t, p, a))
    keys = [content_key(*change) for change in changes]
    assert key not in keys and len(set(keys)) == len(keys)


def test_thecontent_key_ignores_what_no_fit_depends_on():
    standing, transforms, pack, annotations = _content()
    key = content_key(standing, transforms, pack, annotations)
    annotations.muscles["other"]["x"] = 5  # a muscle not fitted
    transforms["c"] = 2 * np.eye(4)  # a transform of a bone not in the pack
    pack.bones = {"b": pack.bones["b"], "a": pack.bones["a"]}  # the same bones in another order
    assert content_key(standing, transforms, pack, annotations) == key
    annotations.muscles["m"] = {"x": 1, "id": "m"}  # the same record written in another order
    assert content_key(standing, transforms, pack, annotations) == key


def test_the_last_two_fits_are_kept(monkeypatch):
    fits = []

    def fit_to(model, standing, transforms, pack, annotations, key):
        assert key == f"key {pack}"
        fits.append(pack)
        return f"fit {pack}"

    monkeypatch.setattr(muscle_shapes, "_FITTED", {})
    monkeypatch.setattr(muscle_shapes, "content_key", lambda standing, transforms, pack, annotations: f"key {pack}")
    monkeypatch.setattr(MuscleShapes, "_fit_to", staticmethod(fit_to))
    standing = {"m": None}
    assert MuscleShapes.standing(None, standing, {}, "one", None) == "fit one"
    assert MuscleShapes.standing(None, standing, {}, "two", None) == "fit two"
    assert MuscleShapes.standing(None, standing, {}, "one", None) == "fit one"
    assert fits == ["one", "two"]  # the first fit kept
    assert MuscleShapes.standing(None, standing, {}, "three", None) == "fit three"
    assert list(muscle_shapes._FITTED) == ["key two", "key three"]  # the oldest let go
    assert MuscleShapes.standing(None, standing, {}, "one", None) == "fit one"
    assert fits == ["one", "two", "three", "one"]


def test_no_muscles_no_surfaces_and_nothing_kept(monkeypatch):
    monkeypatch.setattr(muscle_shapes, "_FITTED", {})
    shapes = MuscleShapes.standing(None, {}, {"a": np.eye(4)}, None, SimpleNamespace(muscles={}))
    assert shapes.n_vertices == 0 and shapes.sweeps == [] and shapes.faces == {} and len(shapes.tendon) == 0 and len(shapes.fibres) == 0
    assert shapes.order == [] and shapes.bone_order == ["a"] and muscle_shapes._FITTED == {}


# -- the tests against bone and the spacing ----------------------------------------------------

class _Slab:
    """A made-up solid: everything beyond ``x > edge`` inside its box; counts the points asked."""

    def __init__(self, low, high, edge=-np.inf):
        self.low, self.high, self.edge, self.asked = np.asarray(low, float), np.asarray(high, float), edge, []

    def contains(self, points):
        self.asked.append(len(points))
        return points[:, 0] > self.edge


def test_inside_any_asks_each_solid_only_about_points_near_its_box():
    first, second = _Slab([0, 0, 0], [10, 10, 10]), _Slab([20, 0, 0], [30, 10, 10], edge=25.0)
    points = np.array([[5.0, 5, 5], [-0.99, 5, 5], [-1.0, 5, 5], [11.0, 5, 5], [10.99, 5, 5], [5, 5, 11.0], [26.0, 5, 5],
                       [22.0, 5, 5], [40.0, 5, 5], [5, -1.0, 5]])
    inside = _inside_any(points, {"first": first, "second": second})
    assert inside.tolist() == [True, True, False, False, True, False, True, False, False, False]
    assert first.asked == [3] and second.asked == [2]
    far = _Slab([100, 100, 100], [110, 110, 110])
    assert not _inside_any(points, {"far": far}).any() and far.asked == []
    assert _inside_any(points, {}).tolist() == [False] * len(points)


def test_spacing_is_the_mean_of_the_two_segments_smoothed_over_five_points():
    line = np.zeros((2, 4, 3))
    line[0, :, 0] = [0, 1, 3, 6]  # segments 1, 2, 3
    line[1, :, 2] = [0, 2, 4, 6]
    np.testing.assert_allclose(_spacing(line), [[1.4, 1.8, 2.2, 2.6], [2, 2, 2, 2]])
    long = np.zeros((1, 8, 3))
    long[0, :, 1] = np.cumsum([0, 1, 1, 1, 5, 1, 1, 1])
    np.testing.assert_allclose(_spacing(long)[0], np.convolve(np.pad([1, 1, 1, 3, 3, 1, 1, 1.0], 2, mode="edge"), np.ones(5) / 5, "valid"))


def test_a_bone_surface_has_outward_unit_normals_and_finds_the_nearest():
    box = trimesh.creation.box((2.0, 4.0, 6.0))
    bone = _BoneSurface(box.vertices.tolist(), box.faces.tolist())
    assert bone.vertices.dtype == float
    np.testing.assert_allclose(np.linalg.norm(bone.normals, axis=1), 1.0)
    assert (np.einsum("nk,nk->n", bone.normals, bone.vertices) > 0).all()  # outward at every corner
    corner = np.argmax(bone.vertices @ [1.0, 1.0, 1.0])
    np.testing.assert_allclose(bone.normal_near(np.array([1.2, 2.1, 3.3])), bone.normals[corner])


# -- the tissue arrays ------------------------------------------------------------------------

def test_tissue_is_tendon_from_the_fraction_blended_and_stripes_round_each_ring():
    belly = SimpleNamespace(muscle="m", rings=5, sides=4, slip=None)
    slip = SimpleNamespace(muscle="m", rings=3, sides=2, slip=(0, 1))
    holder = SimpleNamespace(sweeps=[belly, slip])
    tendon, fibres = MuscleShapes._tissue(holder, {"m": SimpleNamespace(tendon=0.5)})
    rings = np.clip((np.linspace(0, 1, 5) - 0.5) / TENDON_BLEND + 0.5, 0, 1)
    np.testing.assert_allclose(rings, [0, 0, 0.5, 1, 1])
    slip_rings = np.clip((np.linspace(0, 1, 3) - 1.0) / TENDON_BLEND + 0.5, 0, 1)  # a slip is all muscle but its very end
    np.testing.assert_allclose(slip_rings, [0, 0, 0.5])
    np.testing.assert_allclose(tendon, np.concatenate([np.repeat(rings, 4), [0, 1], np.repeat(slip_rings, 2), [0, 0.5]]))
    np.testing.assert_allclose(belly.fleshy, 1 - rings)
    np.testing.assert_allclose(slip.fleshy, 1 - slip_rings)
    stripes = np.cos(FIBRE_STRIPES * np.array([0, 0.5, 1, 1.5]) * np.pi)
    slip_stripes = np.cos(FIBRE_STRIPES * np.array([0, 1.0]) * np.pi)
    np.testing.assert_allclose(fibres, np.concatenate([np.tile(stripes, 5), [0, 0], np.tile(slip_stripes, 3), [0, 0]]), atol=1e-12)
    assert len(tendon) == len(fibres) == 5 * 4 + 2 + 3 * 2 + 2


def test_tissue_with_the_tendon_at_a_quarter():
    belly = SimpleNamespace(muscle="m", rings=5, sides=3, slip=None)
    tendon, _ = MuscleShapes._tissue(SimpleNamespace(sweeps=[belly]), {"m": SimpleNamespace(tendon=0.25)})
    np.testing.assert_allclose(tendon[::3][:5], [0, 0.5, 1, 1, 1])


# -- cut back against bone ----------------------------------------------------------------------

def _ring_fit(solids, placed=None, sides=4, radius=10.0):
    """One straight line up z (3 rings) with round sections of ``radius``, fitted against ``solids``."""
    line = np.array([[0.0, 0, 0], [0, 0, 10], [0, 0, 20]])
    tangent = np.tile([0.0, 0, 1], (3, 1))
    width = np.tile([1.0, 0, 0], (3, 1))
    angle = np.linspace(0, 2 * np.pi, sides, endpoint=False)
    local = np.tile(radius * np.stack([np.cos(angle), np.sin(angle)], -1), (3, 1, 1))
    stack = np.stack([np.eye(4), np.eye(4)])
    stack[1, :3, :3] = Rotation.from_euler("z", 90, degrees=True).as_matrix()
    carriers = np.array([[0, 1], [1, 1], [1, 0]])
    sweep = MuscleShapes._fit(None, SimpleNamespace(id="m"), line, tangent, width, local, stack, solids, carriers=carriers, placed=placed)
    return sweep, local


def test_fit_without_bone_keeps_the_section_whole_and_free():
    sweep, local = _ring_fit({})
    assert sweep.muscle == "m" and sweep.rings == 3 and sweep.sides == 4
    np.testing.assert_allclose(sweep.local, local)
    assert (sweep.free == 1.0).all() and (sweep.blend == 1.0).all()
    np.testing.assert_array_equal(sweep.carriers, [[0, 1], [1, 1], [1, 0]])
    # the width (x) and tangent (z) in each carrier's frame: the second turned a quarter about z
    np.testing.assert_allclose(sweep.width_local[0], [[1, 0, 0], [0, -1, 0]], atol=1e-12)
    np.testing.assert_allclose(sweep.width_local[2], [[0, -1, 0], [1, 0, 0]], atol=1e-12)
    np.testing.assert_allclose(sweep.tangent_local, np.tile([0.0, 0, 1], (3, 2, 1)), atol=1e-12)


def test_fit_cuts_a_ray_back_to_a_clearance_before_the_first_sample_in_bone():
    bone = _Slab([-100, -100, -100], [100, 100, 100], edge=5.0)  # bone beyond x = 5
    sweep, local = _ring_fit({"bone": bone})
    kept = (32 / RAY_SAMPLES * 10.0 - CLEARANCE_MM) / 10.0  # sample 33 of 64 is the first past x = 5: back to the 32nd
    np.testing.assert_allclose(sweep.local[:, 0], local[:, 0] * kept)  # the vertex towards +x
    np.testing.assert_allclose(sweep.local[:, 1:], local[:, 1:])  # the others whole
    np.testing.assert_array_equal(sweep.free, np.tile([0.0, 1, 1, 1], (3, 1)))


def test_fit_keeps_a_spoke_where_bone_reaches_the_line():
    bone = _Slab([-100, -100, -100], [100, 100, 100], edge=0.01)
    sweep, local = _ring_fit({"bone": bone})
    np.testing.assert_allclose(sweep.local[:, 0], local[:, 0] * MIN_SPOKE_MM / 10.0)
    bone = _Slab([-100, -100, -100], [100, 100, 100], edge=9.99)  # only the last sample in bone: cut back to the one before
    sweep, local = _ring_fit({"bone": bone})
    np.testing.assert_allclose(sweep.local[:, 0], local[:, 0] * ((RAY_SAMPLES - 1) / RAY_SAMPLES * 10.0 - CLEARANCE_MM) / 10.0)
    assert (sweep.free[:, 0] == 0).all()


def test_fit_of_rings_placed_on_the_bone_cuts_back_only_vertices_inside_it():
    bone = _Slab([-100, -100, -100], [100, 100, 100], edge=5.0)
    placed = np.array([True, False, True])
    sweep, local = _ring_fit({"bone": bone}, placed=placed)
    kept = (32 / RAY_SAMPLES * 10.0 - CLEARANCE_MM) / 10.0
    np.testing.assert_allclose(sweep.local[:, 0, 0], [10.0 * kept] * 3)  # its end is in bone: cut back all the same
    np.testing.assert_array_equal(sweep.free, [[0, 0, 0, 0], [0, 1, 1, 1], [0, 0, 0, 0]])  # placed rings lie on bone
    bone = _Slab([-100, -100, -100], [100, 100, 100], edge=5.0)
    short = _Slab([-100, -100, -100], [100, 100, 100], edge=5.0)
    short.contains = lambda points: (points[:, 0] > 5.0) & (points[:, 0] < 8.0)  # bone the ray passes through
    sweep, local = _ring_fit({"bone": short}, placed=placed)
    np.testing.assert_allclose(sweep.local[[0, 2], 0, 0], [10.0, 10.0])  # placed: its end is clear, so it stays
    assert sweep.local[1, 0, 0] < 6.0  # not placed: cut back at the bone
    np.testing.assert_array_equal(sweep.free[:, 0], [0, 0, 0])


# -- the bones carrying each ring -------------------------------------------------------------------

def _carrier_holder(parents):
    order = ["a", "b", "c", "d"]
    return SimpleNamespace(model=SimpleNamespace(skeleton=SimpleNamespace(parents=parents)), _bone_index={b: k for k, b in enumerate(order)})


def test_carriers_are_the_bones_anchored_either_side_and_the_insertion_bone_gives_way_to_its_parent():
    line = np.stack([np.zeros(11), np.zeros(11), np.arange(11.0)], axis=1)
    geometry = SimpleNamespace(belly_bones=[], belly=[], origin_bones=["a"], origins=[np.array([0.0, 0, 0])],
                               steps=[{"bone": "b", "point": np.array([0.0, 1, 5])}], insertion_bone="c", insertion=np.array([0.0, 0, 10]))
    carriers, weight = MuscleShapes._carriers(_carrier_holder({"c": "b"}), geometry, line)
    assert carriers.tolist() == [[0, 1]] * 5 + [[1, 1]] * 6
    np.testing.assert_allclose(weight, [1, 0.8, 0.6, 0.4, 0.2, 1, 0.8, 0.6, 0.4, 0.2, 0])
    carriers, _ = MuscleShapes._carriers(_carrier_holder({}), geometry, line)  # no parent: the bone itself
    assert carriers[-1].tolist() == [1, 2]
    geometry.origin_bones = ["c"]  # inserting on a bone it arises from: that bone carries
    carriers, _ = MuscleShapes._carriers(_carrier_holder({"c": "b"}), geometry, line)
    assert carriers[0].tolist() == [2, 1] and carriers[-1].tolist() == [1, 2]


def test_carriers_take_the_belly_anchors_over_the_origins_and_the_centre_of_a_wrap():
    line = np.stack([np.zeros(11), np.zeros(11), np.arange(11.0)], axis=1)
    geometry = SimpleNamespace(belly_bones=["d", "a"], belly=[np.array([0.0, 0, 8]), np.array([0.0, 0, 2])], origin_bones=["b"],
                               origins=[np.array([0.0, 0, 0])], steps=[{"bone": "b", "centre": np.array([0.0, 3, 4])}],
                               insertion_bone="c", insertion=np.array([0.0, 0, 10]))
    carriers, weight = MuscleShapes._carriers(_carrier_holder({"c": "d"}), geometry, line)
    # anchors along the line: a at 2, b at 4, d at 8, d (the insertion's parent) at 10
    assert carriers.tolist() == [[0, 1]] * 4 + [[1, 3]] * 4 + [[3, 3]] * 3
    np.testing.assert_allclose(weight, [1, 1, 1, 0.5, 1, 0.75, 0.5, 0.25, 1, 0.5, 0])  # before the first anchor: all the first
    geometry.steps = [{"bone": "b", "centre": np.array([0.0, 3, 4])}, {"bone": "a", "point": np.array([0.0, 0, 4])}]  # two anchors at 4
    carriers, _ = MuscleShapes._carriers(_carrier_holder({"c": "d"}), geometry, line)
    assert carriers[4].tolist() == [0, 3]  # the later one in the list after the earlier: a stable order


# -- a whole made-up muscle: a straight round belly up z, posed ---------------------------------

LENGTH, RADIUS = 100.0, 5.0


def _model():
    geometry = SimpleNamespace(id="m", steps=[], belly_bones=[], belly=[], origin_bones=["a"], origins=[np.zeros(3)],
                               insertion_bone="c", insertion=np.array([0.0, 0.0, LENGTH]))
    return SimpleNamespace(muscles={"m": geometry}, skeleton=SimpleNamespace(parents={"c": "b"}))


def _state(length=LENGTH, origin=(10.0, 0.0, 40.0)):
    knots = np.array([[[0.0, 0, 0], [0, 0, length / 2], [0, 0, length]]])
    centreline = np.stack([np.zeros(CENTRELINE_POINTS), np.zeros(CENTRELINE_POINTS), np.linspace(0, length, CENTRELINE_POINTS)], 1)
    return MuscleState(np.array([length]), np.array([[origin, [0.0, 0, length]]]), centreline[None], np.array([length]), knots)


def _shapes(shape=None, push=None):
    record = {"radius_profile": [[0.0, RADIUS], [1.0, RADIUS]]}
    if shape is not None:
        record["shape"] = shape
    transforms = {"a": np.eye(4), "b": np.eye(4), "c": np.eye(4)}
    return MuscleShapes(_model(), {"m": _state()}, transforms, {}, {"m": record}, push=push), transforms


def _ring_expected(z, radius, width, thickness):
    angle = np.linspace(0, 2 * np.pi, RING_SIDES, endpoint=False)
    return (np.array([0.0, 0.0, z]) + radius * np.cos(angle)[:, None] * width + radius * np.sin(angle)[:, None] * thickness)


def test_a_straight_muscle_standing_is_round_rings_of_its_radius_tapering_at_the_end():
    shapes, transforms = _shapes()
    n = CENTRELINE_POINTS * RING_SIDES + 2
    assert shapes.n_vertices == n and shapes.vertex_ranges == {"m": (0, n)} and shapes.order == ["m"]
    np.testing.assert_array_equal(shapes.faces["m"], TubeTopology(CENTRELINE_POINTS, RING_SIDES).faces())
    assert len(shapes.tendon) == len(shapes.fibres) == n
    out = np.zeros((n, 3))
    shapes.pose({"m": _state()}, transforms, out)
    rings = out[:-2].reshape(CENTRELINE_POINTS, RING_SIDES, 3)
    z = np.linspace(0, LENGTH, CENTRELINE_POINTS)
    scale = np.ones(CENTRELINE_POINTS)
    scale[-3:] = END_TAPER
    for r in range(CENTRELINE_POINTS):  # width front to back (y), thickness across (-x)
        np.testing.assert_allclose(rings[r], _ring_expected(z[r], RADIUS * scale[r], [0, 1, 0], [-1, 0, 0]), atol=1e-9)
    np.testing.assert_allclose(out[-2:], [[0, 0, 0], [0, 0, LENGTH]], atol=1e-9)  # the two end caps
    np.testing.assert_allclose(shapes.tendon[-2:], [0, 0.5])  # tendon only at its very end: none given


def test_a_shortened_muscle_bulges_where_it_is_muscle_and_stays_where_tendon():
    shapes, transforms = _shapes({"tendon_from": 0.5})
    out = np.zeros((shapes.n_vertices, 3))
    shapes.pose({"m": _state(LENGTH / 2)}, transforms, out)
    rings = out[:-2].reshape(CENTRELINE_POINTS, RING_SIDES, 3)
    radius = np.linalg.norm(rings[..., :2], axis=-1).mean(axis=1)
    fleshy = 1 - np.clip((np.linspace(0, 1, CENTRELINE_POINTS) - 0.5) / TENDON_BLEND + 0.5, 0, 1)
    grow = 1 + (np.sqrt(2.0) - 1) * fleshy  # half as long: sections sqrt(2) wider (the same volume), muscle only
    scale = np.ones(CENTRELINE_POINTS)
    scale[-3:] = END_TAPER
    np.testing.assert_allclose(radius, RADIUS * scale * grow, rtol=1e-9)
    np.testing.assert_allclose(rings[..., 2].mean(axis=1), np.linspace(0, LENGTH / 2, CENTRELINE_POINTS), atol=1e-9)


def test_bulging_is_held_within_bounds():
    shapes, transforms = _shapes()
    out = np.zeros((shapes.n_vertices, 3))
    for length, most in ((LENGTH / 4, BULGE[1]), (LENGTH * 4, BULGE[0])):
        shapes.pose({"m": _state(length)}, transforms, out)
        radius = np.linalg.norm(out[:-2].reshape(CENTRELINE_POINTS, RING_SIDES, 3)[5, :, :2], axis=-1)
        np.testing.assert_allclose(radius, RADIUS * most, rtol=1e-9)


def test_the_width_turns_with_the_bones_carrying_each_ring():
    shapes, transforms = _shapes()
    turned = dict(transforms)
    turned["a"] = np.eye(4)
    turned["a"][:3, :3] = Rotation.from_euler("z", 90, degrees=True).as_matrix()  # the origin bone turns a quarter about the line
    turned["a"][:3, 3] = [7.0, 8.0, 9.0]  # and moves, which carries no ring
    out = np.zeros((shapes.n_vertices, 3))
    shapes.pose({"m": _state()}, turned, out)
    rings = out[:-2].reshape(CENTRELINE_POINTS, RING_SIDES, 3)
    z = np.linspace(0, LENGTH, CENTRELINE_POINTS)
    scale = np.ones(CENTRELINE_POINTS)
    scale[-3:] = END_TAPER
    for r in (0, 20, 40, 63):
        blend = (63 - r) / 63  # from the origin bone (ring 0) to the insertion bone's parent (the last ring)
        width = _unit(blend * np.array([-1.0, 0, 0]) + (1 - blend) * np.array([0.0, 1, 0]))
        thickness = np.cross([0.0, 0, 1], width)
        np.testing.assert_allclose(rings[r], _ring_expected(z[r], RADIUS * scale[r], width, thickness), atol=1e-9)


def test_the_width_follows_the_line_when_it_tilts():
    shapes, transforms = _shapes()
    tilted = _state()
    tip = np.array([LENGTH * np.sin(0.3), 0.0, LENGTH * np.cos(0.3)])
    tilted.knots[0] = np.stack([np.zeros(3), tip / 2, tip])
    out = np.zeros((shapes.n_vertices, 3))
    shapes.pose({"m": tilted}, transforms, out)
    rings = out[:-2].reshape(CENTRELINE_POINTS, RING_SIDES, 3)
    tangent = tip / LENGTH
    centre = rings[10].mean(axis=0)
    np.testing.assert_allclose(centre, tangent * LENGTH * 10 / 63, atol=1e-9)
    spokes = rings[10] - centre
    np.testing.assert_allclose(spokes @ tangent, 0.0, atol=1e-9)  # square to the line
    np.testing.assert_allclose(spokes[0], RADIUS * np.array([0.0, 1.0, 0.0]), atol=1e-9)  # the width still front to back
    np.testing.assert_allclose(spokes[RING_SIDES // 4], RADIUS * np.cross(tangent, [0.0, 1.0, 0.0]), atol=1e-9)


def test_a_slip_runs_from_each_origin_down_into_the_belly():
    shapes, transforms = _shapes({"slips": True})
    main = CENTRELINE_POINTS * RING_SIDES + 2
    assert shapes.n_vertices == main + SLIP_RINGS * SLIP_SIDES + 2
    assert len(shapes.sweeps) == 2 and shapes.sweeps[1].slip == (0, 9)  # the belly's ring nearest 25 mm below the origin
    np.testing.assert_array_equal(shapes.faces["m"][len(TubeTopology(CENTRELINE_POINTS, RING_SIDES).faces()):],
                                  TubeTopology(SLIP_RINGS, SLIP_SIDES).faces() + main)
    out = np.zeros((shapes.n_vertices, 3))
    shapes.pose({"m": _state()}, transforms, out)
    slip = out[main:main + SLIP_RINGS * SLIP_SIDES].reshape(SLIP_RINGS, SLIP_SIDES, 3)
    origin, join = np.array([10.0, 0, 40]), np.array([0.0, 0, LENGTH * 9 / 63])
    np.testing.assert_allclose(out[-2:], [origin, join], atol=1e-9)
    t = np.linspace(0, 1, SLIP_RINGS)
    np.testing.assert_allclose(slip.mean(axis=1), origin + t[:, None] * (join - origin), atol=1e-9)
    (w0, h0), (w1, h1) = SLIP_AXES_MM
    half_width = np.linalg.norm(slip[:, 0] - slip.mean(axis=1), axis=1)
    np.testing.assert_allclose(half_width, w0 + (w1 - w0) * t, rtol=1e-9)  # widening towards the belly
    spokes = slip - slip.mean(axis=1, keepdims=True)
    tangent = _unit(join - origin)
    np.testing.assert_allclose(spokes @ tangent, 0.0, atol=1e-9)
    np.testing.assert_allclose(_unit(spokes[:, 0]), np.tile(_unit([0.0, 1, 0] - tangent[1] * tangent), (SLIP_RINGS, 1)), atol=1e-9)
    assert shapes.tendon[main:].max() == 0.5 and shapes.tendon[main + SLIP_RINGS * SLIP_SIDES - 1] == 0.5


def test_a_pose_is_pushed_off_the_bones_with_the_ring_centres_and_can_be_left_unpushed():
    class Push:
        def __init__(self):
            self.rest, self.calls, self.pushing = None, [], False

        def limit_to(self, rest, transforms, riding):
            self.rest, self.riding, self.transforms = rest.copy(), riding, transforms

        def push(self, points, centres, transforms):
            self.calls.append(centres.copy())
            if self.pushing:
                points[:] += 1.0

    push = Push()
    shapes, transforms = _shapes(push=push)
    assert len(push.calls) == 1  # standing asked once (to settle the rest shape), and nothing moved
    plain, _ = _shapes()
    rest = np.zeros((plain.n_vertices, 3))
    plain.pose({"m": _state()}, transforms, rest)
    np.testing.assert_allclose(push.rest, rest)
    assert push.riding.tolist() == [""] * plain.n_vertices  # a line on no bones rides on none
    assert push.transforms is transforms
    push.pushing = True
    out = np.zeros_like(rest)
    shapes.pose({"m": _state()}, transforms, out)
    np.testing.assert_allclose(out, rest + 1.0)
    centres = push.calls[1]
    np.testing.assert_allclose(centres[:-2].reshape(CENTRELINE_POINTS, RING_SIDES, 3), np.repeat(rest[:-2].reshape(
        CENTRELINE_POINTS, RING_SIDES, 3).mean(axis=1, keepdims=True), RING_SIDES, axis=1), atol=1e-9)
    np.testing.assert_allclose(centres[-2:], rest[-2:])
    shapes.pose({"m": _state()}, transforms, out, push=False)
    np.testing.assert_allclose(out, rest)
    assert len(push.calls) == 2


class _CountingPush:
    """A stand-in for the push off the bones: counts its calls and moves the points by ``move``."""

    def __init__(self, move):
        self.calls, self._move = 0, move

    def limit_to(self, rest, transforms, riding):
        pass

    def push(self, points, centres, transforms):
        self.calls += 1
        self._move(points)


def test_the_rest_shape_settles_where_the_push_moves_it_standing():
    """Vertices the push's fields read inside bone standing take their pushed places in the rest
    sections (so a pose pushes only what it presses into bone); the others keep theirs."""
    WALL = RADIUS / 2

    def onto_the_wall(points):  # a wall across x: what lies past it is moved onto it
        beyond = points[:, 0] > WALL
        points[beyond, 0] = WALL

    plain, transforms = _shapes()
    rest = np.zeros((plain.n_vertices, 3))
    plain.pose({"m": _state()}, transforms, rest)
    assert (rest[:, 0] > WALL).sum() > 20
    push = _CountingPush(onto_the_wall)
    shapes, _ = _shapes(push=push)
    settled = np.zeros_like(rest)
    shapes.pose({"m": _state()}, transforms, settled, push=False)
    expected = rest.copy()
    expected[:, 0] = np.minimum(expected[:, 0], WALL)
    np.testing.assert_allclose(settled, expected, atol=1e-9)
    assert push.calls == 2  # settled once, then asked again: nothing more to move


def test_a_volume_sets_the_area_and_the_aspect_the_width_over_the_thickness():
    shapes, transforms = _shapes({"area_profile": [[0.0, 1.0], [1.0, 1.0]], "volume_cm3": 2.0, "aspect": [[0.0, 4.0], [1.0, 4.0]]})
    out = np.zeros((shapes.n_vertices, 3))
    shapes.pose({"m": _state()}, transforms, out)
    ring = out[:-2].reshape(CENTRELINE_POINTS, RING_SIDES, 3)[10]
    area = 2000.0 / LENGTH  # 2 cm3 over 100 mm
    half_width = np.sqrt(area * 4.0 / np.pi)
    np.testing.assert_allclose(ring[0] - ring.mean(axis=0), [0, half_width, 0], atol=1e-9)
    np.testing.assert_allclose(ring[RING_SIDES // 4] - ring.mean(axis=0), [-area / (np.pi * half_width), 0, 0], atol=1e-9)


def _box_bone(low, high, disc=None):
    low, high = np.asarray(low, float), np.asarray(high, float)
    box = trimesh.creation.box(high - low)
    box.apply_translation((low + high) / 2)
    return SimpleNamespace(vertices=np.array(box.vertices), faces=np.array(box.faces), disc=disc)


def test_a_fit_to_a_pack_cuts_the_muscle_back_against_the_bones_within_reach_only(monkeypatch, tmp_path):
    monkeypatch.setattr(muscle_shapes, "_FITTED", {})
    model = _model()
    model.skeleton.joint_centres = {}
    beside = _box_bone([3, -20, -10], [40, 20, 110])  # beside the line, 3 mm off it towards +x
    bones = {"beside": beside, "disc": _box_bone([-40, -20, -10], [-3, 20, 110], disc="yes"),  # a disc: soft, not cut against
             "far": _box_bone([-300, -20, -10], [-90, 20, 110]),  # 90 mm off: beyond reach
             "loose": _box_bone([-40, -20, -10], [-3, 20, 110]),  # no standing transform: not placed
             "a": _box_bone([500, 0, 0], [501, 1, 1]), "b": _box_bone([500, 0, 0], [501, 1, 1]), "c": _box_bone([500, 0, 0], [501, 1, 1])}
    transforms = {bone: np.eye(4) for bone in ("beside", "disc", "far", "a", "b", "c")}
    transforms["beside"] = np.eye(4)
    transforms["beside"][:3, 3] = [1.0, 0.0, 0.0]  # placed 1 mm further off: 4 mm from the line
    annotations = SimpleNamespace(muscles={"m": {"radius_profile": [[0.0, RADIUS], [1.0, RADIUS]]}})
    pack = SimpleNamespace(bones=bones, directory=tmp_path)  # a folder with no fit kept in it
    shapes = MuscleShapes.standing(model, {"m": _state()}, transforms, pack, annotations)
    assert sorted(shapes._bone_surfaces) == ["beside"]
    local = shapes.sweeps[0].local[10]
    toward = 3 * RING_SIDES // 4  # the vertex towards +x (the thickness runs along -x)
    first = int(np.floor(4.0 / RADIUS * RAY_SAMPLES))  # the first sample past x = 4 is this one (0-based)
    np.testing.assert_allclose(local[toward], [0.0, -(first / RAY_SAMPLES * RADIUS - CLEARANCE_MM)], atol=1e-9)
    np.testing.assert_allclose(local[RING_SIDES // 4], [0.0, RADIUS], atol=1e-9)  # towards -x: the disc does not count
    assert shapes.sweeps[0].free[10, toward] == 0 and shapes.sweeps[0].free[10, RING_SIDES // 4] == 1
    assert isinstance(shapes._push, muscle_shapes.HipPush) and shapes._push.fields == []
    assert MuscleShapes.standing(model, {"m": _state()}, transforms, pack, annotations) is shapes


def _fan_state():
    """Two fibres from 80 mm apart across (y) converging on one point 100 mm up."""
    knots = np.zeros((2, 3, 3))
    for k, y in enumerate((-40.0, 40.0)):
        knots[k] = [[0, y, 0], [0, y / 2, 50], [0, 0, 100]]
    return MuscleState(np.array([100.0, 100.0]), knots.copy(), np.zeros((2, CENTRELINE_POINTS, 3)), np.array([100.0, 100.0]), knots)


def test_a_fan_lies_on_the_bone_beneath_it_as_wide_as_the_bone_with_its_free_face_above():
    """A wall of bone 5 mm behind the fan (x < -5), 60 mm across: where the fibres spread 30 mm or
    more from the middle (the lowest rings), each section spans the wall's width, its deep face
    1 mm in front of the bone (the first look down that meets bone is 5.5 mm) and its free face
    the least thickness above."""
    wall = trimesh.creation.box((35.0, 60.0, 120.0))
    wall.apply_translation([-22.5, 0, 50])
    solid = _Slab([-40, -30, -10], [-5, 30, 110])
    solid.contains = lambda p: (p[:, 0] < -5) & (p[:, 0] > -40) & (np.abs(p[:, 1]) <= 30)
    transforms = {"a": np.eye(4), "b": np.eye(4), "c": np.eye(4), "wall": np.eye(4)}
    record = {"radius_profile": [[0.0, RADIUS], [1.0, RADIUS]], "shape": {"fan": True}}
    shapes = MuscleShapes(_model(), {"m": _fan_state()}, transforms, {"wall": solid}, {"m": record},
                          bone_surfaces={"wall": _BoneSurface(wall.vertices, wall.faces)})
    out = np.zeros((shapes.n_vertices, 3))
    shapes.pose({"m": _fan_state()}, transforms, out)
    rings = out[:-2].reshape(CENTRELINE_POINTS, RING_SIDES, 3)
    angle = np.linspace(0, 2 * np.pi, RING_SIDES, endpoint=False)
    for r in range(15):
        np.testing.assert_allclose(rings[r, :, 0], np.where(np.sin(angle) > 1e-9, 3.0 * np.sin(angle), -(5.5 - CLEARANCE_MM)), atol=1e-9)
        np.testing.assert_allclose(rings[r, :, 1], -30.0 * np.cos(angle), atol=1e-9)
    assert (rings[..., 0] > -5.0).all()  # nowhere in the bone


def test_tissue_caps_take_the_first_and_last_rings():
    belly = SimpleNamespace(muscle="m", rings=5, sides=3, slip=None)
    tendon, _ = MuscleShapes._tissue(SimpleNamespace(sweeps=[belly]), {"m": SimpleNamespace(tendon=0.0)})
    np.testing.assert_allclose(tendon[-2:], [0.5, 1.0])  # tendon from the start: the first ring half way


def test_tangents_of_a_longer_line_end_on_its_last_segment():
    line = np.array([[0.0, 0, 0], [1, 0, 0], [1, 2, 0], [1, 2, 3], [5, 2, 3]])
    np.testing.assert_allclose(_tangents(line)[-1], [1.0, 0, 0])
    np.testing.assert_allclose(_tangents(line)[2], _unit(np.array([0.0, 2, 3])))


def test_inside_any_keeps_a_point_inside_one_solid_when_a_later_one_says_no():
    first, second = _Slab([0, 0, 0], [10, 10, 10]), _Slab([0, 0, 0], [10, 10, 10], edge=5.0)
    assert _inside_any(np.array([[2.0, 5, 5], [7.0, 5, 5]]), {"first": first, "second": second}).tolist() == [True, True]
    assert _inside_any(np.array([[2.0, 5, 5], [7.0, 5, 5]]), {"second": second, "first": first}).tolist() == [True, True]


# -- a fan's fibres led on to the bone's rim (``fan_reach``) ----------------------------------------

def _grid_bone():
    """A flat bone in its own frame: vertices 1 mm apart on the plane x = -5, facing +x; beyond
    y = 55 it turns to face at a cosine of exactly 0.6 (not enough), and below y = -40.5 it faces
    along -y (away)."""
    y, z = np.meshgrid(np.arange(-70.0, 71.0), np.arange(-70.0, 111.0), indexing="ij")
    vertices = np.stack([np.full(y.size, -5.0), y.ravel(), z.ravel()], 1)
    normals = np.tile([1.0, 0.0, 0.0], (len(vertices), 1))
    normals[vertices[:, 1] > 55] = [0.6, 0.8, 0.0]
    normals[vertices[:, 1] < -40.5] = [0.0, -1.0, 0.0]
    from scipy.spatial import cKDTree

    bone = _BoneSurface.__new__(_BoneSurface)
    bone.vertices, bone.normals, bone.tree = vertices, normals, cKDTree(vertices)
    return bone


def _turn(angle_deg, shift):
    transform = np.eye(4)
    transform[:3, :3] = Rotation.from_euler("z", angle_deg, degrees=True).as_matrix()
    transform[:3, 3] = shift
    return transform


def _posed_fan(transform):
    state = _fan_state()
    knots = state.knots @ transform[:3, :3].T + transform[:3, 3]
    return MuscleState(state.fascicle_lengths, knots.copy(), state.centrelines, state.centreline_lengths, knots)


def test_a_lead_is_the_first_try_where_the_bone_faces_as_at_the_origin_set_in_front_of_it():
    """Fibre 2 (from y = 40, heading back along (0, 20, -50) per unit reach): tried at 6/6, 5/6, 4/6 of
    the reach: at y = 60 and 56.7 the bone faces at a cosine of 0.6 only, at 53.3 (vertex y 53, z -33)
    fully: 3 mm in front of it. Fibre 1 (from y = -40) meets only bone that faces away: its origin."""
    transform = _turn(30.0, [7.0, -3.0, 11.0])
    holder = SimpleNamespace(_bone_surfaces={"wall": _grid_bone()}, _fan_normal={})
    geometry = SimpleNamespace(id="m", origin_bones=["wall", "wall"])
    bones, points = MuscleShapes._lead(holder, geometry, _posed_fan(transform), {"wall": transform}, 1.0)
    assert bones == ["wall", "wall"]
    np.testing.assert_allclose(points, [[0.0, -40.0, 0.0], [-2.0, 53.0, -33.0]], atol=1e-9)
    np.testing.assert_allclose(holder._fan_normal["m"], transform[:3, :3] @ [1.0, 0, 0], atol=1e-12)
    bones, points = MuscleShapes._lead(holder, geometry, _posed_fan(transform), {"wall": transform}, 0.5)
    np.testing.assert_allclose(points[1], [-2.0, 50.0, -25.0], atol=1e-9)  # the first try already faces


def test_a_lead_skips_repeated_knots_to_find_the_way_on():
    transform = _turn(0.0, [0.0, 0.0, 0.0])
    state = _fan_state()
    knots = np.concatenate([state.knots[:, :1], state.knots], axis=1)  # the origin twice
    state = MuscleState(state.fascicle_lengths, knots.copy(), state.centrelines, state.centreline_lengths, knots)
    holder = SimpleNamespace(_bone_surfaces={"wall": _grid_bone()}, _fan_normal={})
    geometry = SimpleNamespace(id="m", origin_bones=["wall", "wall"])
    _, points = MuscleShapes._lead(holder, geometry, state, {"wall": transform}, 0.5)
    np.testing.assert_allclose(points[1], [-2.0, 50.0, -25.0], atol=1e-9)


def _led_fan():
    """The made-up fan on the wall bone, its fibres led on by their whole first segment: the shapes,
    the fan's state, the wall's transform and all transforms."""
    transform = _turn(20.0, [4.0, 2.0, -6.0])
    model = _model()
    model.muscles["m"].origin_bones = ["wall", "wall"]
    model.muscles["m"].origins = [np.zeros(3), np.zeros(3)]
    transforms = {"a": np.eye(4), "b": np.eye(4), "c": np.eye(4), "wall": transform}
    record = {"radius_profile": [[0.0, RADIUS], [1.0, RADIUS]], "shape": {"fan": True, "fan_reach": 1.0}}
    state = _posed_fan(transform)
    shapes = MuscleShapes(model, {"m": state}, transforms, {}, {"m": record}, bone_surfaces={"wall": _grid_bone()})
    return shapes, state, transform, transforms


def test_a_fan_with_a_reach_starts_its_lines_at_the_leads_carried_by_their_bone():
    shapes, state, transform, transforms = _led_fan()
    bones, points = shapes.leads["m"]
    assert bones == ["wall", "wall"]
    np.testing.assert_allclose(points, [[0.0, -40.0, 0.0], [-2.0, 53.0, -33.0]], atol=1e-9)
    np.testing.assert_allclose(shapes._fan_normal["m"], transform[:3, :3] @ [1.0, 0, 0], atol=1e-12)
    moved = _turn(-10.0, [1.0, 5.0, 2.0])
    knots = shapes._knots("m", state, {**transforms, "wall": moved})
    assert knots.shape == (2, 4, 3)
    np.testing.assert_allclose(knots[:, 0], points @ moved[:3, :3].T + moved[:3, 3], atol=1e-9)
    np.testing.assert_allclose(knots[:, 1:], state.knots)
    lines = shapes.lines("m", state, transforms)
    np.testing.assert_allclose(lines[:, 0], points @ transform[:3, :3].T + transform[:3, 3], atol=1e-9)
    assert shapes.vertex_ranges["m"] == (0, CENTRELINE_POINTS * RING_SIDES + 2)
    plain_record = {"radius_profile": [[0.0, RADIUS], [1.0, RADIUS]], "shape": {"fan": True}}
    plain = MuscleShapes(shapes.model, {"m": state}, transforms, {}, {"m": plain_record}, bone_surfaces={"wall": _grid_bone()})
    assert plain.leads == {} and plain._knots("m", state, transforms) is state.knots


# -- a fan laid on a made-up bone: rims, facing and the smoothed edges ------------------------------

def _stepped_front(y, z):
    """The front face (x) of a made-up bone in front of a line up z (the look runs along +x): 5 mm
    off for -20 <= y <= 20 (up to y = 30 from z = 50), then a step of exactly 8 mm up to y = 50 on
    one side and of 7 mm to y = -50 on the other; no bone below z = 8."""
    near = (y >= -20) & (y <= np.where(z >= 50, 30, 20))
    front = np.where(near, 5.0, np.where(y > 0, 13.0, 12.0))
    return np.where((np.abs(y) <= 50) & (z >= 8), front, np.inf)


def _stepped_facing(y):
    """The cosine at which the bone faces the fan: exactly 0.3 for -46 < y <= -41, just under below."""
    return np.where(y <= -46, 0.2999, np.where(y <= -41, 0.3, 1.0))


def _stepped_holder():
    def normals(points):
        c = _stepped_facing(points[:, 1])
        return np.stack([-c, np.sqrt(1 - c * c), np.zeros_like(c)], 1)
    return SimpleNamespace(_surface_normals=normals)


def _stepped_solids():
    bone = _Slab([0, -60, -10], [60, 60, 110])
    bone.contains = lambda p: (p[:, 0] > _stepped_front(p[:, 1], p[:, 2])) & (p[:, 0] < 60)
    behind = _Slab([-40, -6, -10], [-8, 6, 110])  # a little bone on the other side: fewer hits
    behind.contains = lambda p: (p[:, 0] < -8) & (p[:, 0] > -38) & (np.abs(p[:, 1]) <= 5)
    return {"bone": bone, "behind": behind}


def test_a_fan_over_bone_spans_to_the_rim_where_the_bone_faces_it_smoothed_from_ring_to_ring():
    """The span runs from the middle column out while the depth changes by less than 8 mm (the
    7 mm step is crossed, the 8 mm one is the rim) over bone that faces at a cosine of 0.3 or more:
    y from -45 to 20, and to 30 from z = 50. Rings with no bone take the nearest ring's span. The
    edges: a median then a mean over 3 rings either side (ends repeated)."""
    n = 20
    z = 5.0 * np.arange(n)
    line = np.stack([np.zeros(n), np.zeros(n), z], 1)
    tangent, width = np.tile([0.0, 0, 1], (n, 1)), np.tile([0.0, 1, 0], (n, 1))
    along = np.linspace(100.0, 3000.0, n)
    angle = np.linspace(0.0, 2 * np.pi, RING_SIDES, endpoint=False)
    turned, fan = MuscleShapes._over_bone(_stepped_holder(), line, tangent, width, along, angle, _stepped_solids())
    np.testing.assert_allclose(turned, width)
    high = np.where(np.arange(n) >= 10, 30.0, 20.0)
    padded = np.pad(high, 3, mode="edge")
    high = np.array([padded[r:r + 7].mean() for r in range(n)])
    np.testing.assert_allclose(fan[:, 0, 0], high, atol=1e-9)
    np.testing.assert_allclose(fan[:, RING_SIDES // 2, 0], -45.0, atol=1e-9)
    across = np.linspace(-80.0, 80.0, 65)
    for r in range(n):
        depth = _stepped_front(across, z[r]) + 0.5
        depth[_stepped_facing(across) < 0.3] = np.inf
        finite = np.isfinite(depth)
        middle, half = (high[r] - 45.0) / 2, (high[r] + 45.0) / 2
        x = middle + half * np.cos(angle)
        bone = np.interp(x, across[finite], depth[finite]) if finite.any() else np.full_like(x, 3.0)
        lift = np.clip(along[r] / (np.pi * half), 3.0, 14.0)
        np.testing.assert_allclose(fan[r, :, 0], x, atol=1e-9)
        np.testing.assert_allclose(fan[r, :, 1], np.where(np.sin(angle) > 1e-9, lift * np.sin(angle), -(bone - CLEARANCE_MM)), atol=1e-9)
    assert not np.isfinite(_stepped_front(across, z[1])).any() and np.isclose(fan[1, 0, 1], -2.0)  # no bone: the least thickness


def test_a_fan_over_bone_on_the_other_side_turns_its_width_and_without_bone_is_the_least_section():
    n = 20
    line = np.stack([np.zeros(n), np.zeros(n), 5.0 * np.arange(n)], 1)
    tangent, width = np.tile([0.0, 0, 1], (n, 1)), np.tile([0.0, 1, 0], (n, 1))
    angle = np.linspace(0.0, 2 * np.pi, RING_SIDES, endpoint=False)
    solids = _stepped_solids()
    mirrored = {k: SimpleNamespace(low=s.low * [-1, 1, 1], high=s.high * [-1, 1, 1], contains=lambda p, s=s: s.contains(p * [-1, 1, 1]))
                for k, s in solids.items()}
    for k in mirrored:
        mirrored[k].low, mirrored[k].high = np.minimum(mirrored[k].low, mirrored[k].high), np.maximum(solids[k].low * [-1, 1, 1], solids[k].high * [-1, 1, 1])
    holder = SimpleNamespace(_surface_normals=lambda p: _stepped_holder()._surface_normals(p * [-1, 1, 1]) * [-1, 1, 1])
    turned, fan = MuscleShapes._over_bone(holder, line, tangent, width, np.full(n, 500.0), angle, mirrored)
    np.testing.assert_allclose(turned, -width)
    _, plain = MuscleShapes._over_bone(_stepped_holder(), line, tangent, width, np.full(n, 500.0), angle, solids)
    np.testing.assert_allclose(fan[:, :, 1], plain[:, :, 1], atol=1e-9)  # the same section, the bone on its deep side
    np.testing.assert_allclose(fan[:, :, 0], plain[:, :, 0], atol=1e-9)
    turned, bare = MuscleShapes._over_bone(holder, line, tangent, width, np.full(n, 10.0), angle, {})
    np.testing.assert_allclose(turned, width)
    np.testing.assert_allclose(bare[:, :, 0], np.tile(6.0 * np.cos(angle), (n, 1)), atol=1e-9)
    np.testing.assert_allclose(bare[:, :, 1], np.tile(np.where(np.sin(angle) > 1e-9, 3.0 * np.sin(angle), -2.0), (n, 1)), atol=1e-9)


def test_a_fan_with_a_facing_bone_runs_its_width_across_the_bone_and_narrow_rings_are_as_wide_as_their_fibres_spread():
    """Where the fibres spread less than 10 mm (no bone under the ring counts yet), a ring is round
    about its line, 1.15 times the spread plus 6 mm wide, across the bone's normal and the line,
    pointing forward (+y)."""
    shapes, state, transform, transforms = _led_fan()
    out = np.zeros((shapes.n_vertices, 3))
    shapes.pose({"m": state}, transforms, out, push=False)
    rings = out[:-2].reshape(CENTRELINE_POINTS, RING_SIDES, 3)
    line = shapes.centreline("m", state, transforms)
    tangent = _tangents(line)
    facing = transform[:3, :3] @ [1.0, 0, 0]
    across = _unit(np.cross(facing, tangent))
    across *= np.sign(across[:, 1])[:, None]
    reach = np.abs(np.einsum("fnk,nk->fn", shapes.lines("m", state, transforms) - line, across)).max(axis=0)
    narrow = np.nonzero(reach < 10.0)[0]
    narrow = narrow[narrow < CENTRELINE_POINTS - len(END_TAPER)]
    assert len(narrow) >= 5
    for r in narrow:
        half = 1.15 * reach[r] + 6.0
        centre = rings[r].mean(axis=0)
        np.testing.assert_allclose(centre, line[r], atol=1e-6)
        width = _unit(across[r] - (across[r] @ tangent[r]) * tangent[r])
        np.testing.assert_allclose(rings[r, 0] - centre, half * width, atol=1e-6)
        np.testing.assert_allclose(np.linalg.norm(rings[r, RING_SIDES // 4] - centre), np.pi * RADIUS ** 2 / (np.pi * half), atol=1e-6)


def test_a_lead_heads_on_from_the_first_knot_apart_from_the_origin_however_near():
    state = _fan_state()
    knots = np.concatenate([state.knots[:, :1], state.knots], axis=1)
    knots[1, 1] = knots[1, 0] + [0.0, -0.5, 0.0]  # half a millimetre on, heading back along -y: led on towards +y
    state = MuscleState(state.fascicle_lengths, knots.copy(), state.centrelines, state.centreline_lengths, knots)
    holder = SimpleNamespace(_bone_surfaces={"wall": _grid_bone()}, _fan_normal={})
    _, points = MuscleShapes._lead(holder, SimpleNamespace(id="m", origin_bones=["wall", "wall"]), state, {"wall": np.eye(4)}, 20.0)
    np.testing.assert_allclose(points[1], [-2.0, 50.0, 0.0], atol=1e-9)  # 10 mm on, where the bone faces as at the origin


def test_a_fan_s_material_points_are_on_its_led_on_lines_and_two_muscles_follow_one_another():
    transform = _turn(20.0, [4.0, 2.0, -6.0])
    model = _model()
    model.muscles["m"].origin_bones = ["wall", "wall"]
    model.muscles["m"].origins = [np.zeros(3), np.zeros(3)]
    model.muscles["n"] = SimpleNamespace(**{**vars(model.muscles["m"]), "id": "n"})
    transforms = {"a": np.eye(4), "b": np.eye(4), "c": np.eye(4), "wall": transform}
    record = {"radius_profile": [[0.0, RADIUS], [1.0, RADIUS]], "shape": {"fan": True, "fan_reach": 1.0}}
    state = _posed_fan(transform)
    shapes = MuscleShapes(model, {"m": state, "n": state}, transforms, {}, {"m": record, "n": record}, bone_surfaces={"wall": _grid_bone()})
    knots = shapes._knots("m", state, transforms)
    start, _ = _wrap_knot(model.muscles["m"], knots)
    segment, t = _material(knots, CENTRELINE_POINTS, True, start)
    np.testing.assert_array_equal(shapes._material["m"][0], segment)
    np.testing.assert_allclose(shapes._material["m"][1], t)
    size = CENTRELINE_POINTS * RING_SIDES + 2
    assert shapes.vertex_ranges == {"m": (0, size), "n": (size, 2 * size)} and shapes.n_vertices == 2 * size
    assert [s.muscle for s in shapes.sweeps] == ["m", "n"]


def _kept_fit_setup(tmp_path):
    """The made-up muscle beside a bone, with a femur at a hip centre (so the push has a field), fitted."""
    model = _model()
    model.skeleton.joint_centres = {"femur_r": np.array([500.0, 0.0, 0.0])}
    model.skeleton.joints, model.skeleton.parents = {}, {"c": "b"}
    bones = {"disc": _box_bone([-40, -20, -10], [-3, 20, 110], disc="yes"),  # soft, and first: passed over, the rest looked at
             "beside": _box_bone([3, -20, -10], [40, 20, 110]), "femur_r": _box_bone([480, -20, -20], [520, 20, 20]),
             "a": _box_bone([500, 0, 0], [501, 1, 1]), "b": _box_bone([500, 0, 0], [501, 1, 1]), "c": _box_bone([500, 0, 0], [501, 1, 1])}
    transforms = {bone: np.eye(4) for bone in bones}
    annotations = SimpleNamespace(muscles={"m": {"radius_profile": [[0.0, RADIUS], [1.0, RADIUS]]}})
    pack = SimpleNamespace(bones=bones, directory=tmp_path)
    return model, {"m": _state()}, transforms, pack, annotations


def _posed_vertices(shapes, standing, transforms):
    vertices, normals = np.zeros((shapes.n_vertices, 3)), np.zeros((shapes.n_vertices, 3))
    shapes.pose(standing, transforms, vertices, normals=normals)
    return vertices, normals


def test_a_fit_kept_in_the_pack_folder_is_read_back_instead_of_fitting(monkeypatch, tmp_path):
    from viewer.anatomy import fitted_sections

    monkeypatch.setattr(muscle_shapes, "_FITTED", {})
    model, standing, transforms, pack, annotations = _kept_fit_setup(tmp_path)
    fitted = MuscleShapes.fit(model, standing, transforms, pack, annotations)
    assert sorted(fitted._bone_surfaces) == ["beside"] and fitted.sweeps[0].free.min() == 0  # cut against the bone
    assert isinstance(fitted._bone_surfaces["beside"], _BoneSurface)
    key = muscle_shapes.content_key(standing, transforms, pack, annotations)
    fitted_sections.save(tmp_path / fitted_sections.FITTED_FILE, key, fitted.leads, fitted.sweeps)
    monkeypatch.setattr(MuscleShapes, "fit", classmethod(lambda *args: pytest.fail("fitted although the pack keeps the fit")))
    read = MuscleShapes.standing(model, standing, transforms, pack, annotations)
    assert read is not fitted and read._bone_surfaces == {} and read.model is model
    assert isinstance(read._push, muscle_shapes.HipPush) and [bone for bone, _ in read._push.fields] == ["femur_r"]
    assert [s.muscle for s in read.sweeps] == ["m"] and read.n_vertices == fitted.n_vertices
    for name in ("carriers", "blend", "width_local", "tangent_local", "local", "free"):
        np.testing.assert_array_equal(getattr(read.sweeps[0], name), getattr(fitted.sweeps[0], name), err_msg=name)
    for a, b in zip(_posed_vertices(read, standing, transforms), _posed_vertices(fitted, standing, transforms)):
        np.testing.assert_allclose(a, b, atol=1e-12)


def test_a_kept_fit_for_other_content_or_other_muscles_is_passed_over(monkeypatch, tmp_path):
    from viewer.anatomy import fitted_sections

    model, standing, transforms, pack, annotations = _kept_fit_setup(tmp_path)
    fitted = MuscleShapes.fit(model, standing, transforms, pack, annotations)
    key = muscle_shapes.content_key(standing, transforms, pack, annotations)
    made = []
    real = MuscleShapes.fit.__func__
    monkeypatch.setattr(MuscleShapes, "fit", classmethod(lambda cls, *args: made.append(args) or real(cls, *args)))
    for written_key, sweeps in ((key + "x", fitted.sweeps), (key, [])):  # another digest; the same digest, but no sweeps for "m"
        monkeypatch.setattr(muscle_shapes, "_FITTED", {})
        fitted_sections.save(tmp_path / fitted_sections.FITTED_FILE, written_key, fitted.leads, sweeps)
        made.clear()
        shapes = MuscleShapes.standing(model, standing, transforms, pack, annotations)
        assert len(made) == 1 and sorted(shapes._bone_surfaces) == ["beside"]


def test_fits_wants_every_muscle_swept_and_every_carrier_and_lead_bone_known():
    transforms = {"a": np.eye(4), "b": np.eye(4)}
    standing = {"m": None, "n": None}

    def sweep(muscle, carriers):
        return SimpleNamespace(muscle=muscle, carriers=np.array(carriers))

    sweeps = [sweep("m", [[0, 1]]), sweep("n", [[1, 1], [0, 0]])]
    leads = {"m": (["a", "b"], np.zeros((2, 3)))}
    assert muscle_shapes._fits((leads, sweeps), standing, transforms)
    assert muscle_shapes._fits(({}, sweeps), standing, transforms)
    assert not muscle_shapes._fits((leads, sweeps[:1]), standing, transforms)  # "n" has no sweep
    assert not muscle_shapes._fits((leads, sweeps + [sweep("o", [[0, 0]])]), standing, transforms)  # a muscle not standing
    assert not muscle_shapes._fits((leads, [sweeps[0], sweep("n", [[1, 2]])]), standing, transforms)  # carrier 2 of 2 bones
    assert not muscle_shapes._fits((leads, [sweeps[0], sweep("n", [[-1, 0]])]), standing, transforms)
    assert not muscle_shapes._fits(({"o": (["a"], np.zeros((1, 3)))}, sweeps), standing, transforms)  # a lead of no muscle here
    assert not muscle_shapes._fits(({"m": (["a", "z"], np.zeros((2, 3)))}, sweeps), standing, transforms)  # an unknown bone


def test_a_cap_is_at_its_end_ring_centre_and_faces_out_along_the_line():
    """The two cap centres of a straight muscle up z, turned and moved: at the first and last ring
    centres, their normals down the line at the start and up it at the end."""
    shapes, transforms = _shapes()
    turn = np.eye(4)
    turn[:3, :3], turn[:3, 3] = Rotation.from_euler("x", 30, degrees=True).as_matrix(), [5.0, -3.0, 2.0]
    transforms = {bone: turn for bone in transforms}
    state = _state()
    moved = {name: getattr(state, name) @ turn[:3, :3].T + turn[:3, 3] for name in ("fascicle_paths", "centrelines", "knots")}
    posed = MuscleState(state.fascicle_lengths, moved["fascicle_paths"], moved["centrelines"], state.centreline_lengths, moved["knots"])
    vertices, normals = np.zeros((shapes.n_vertices, 3)), np.zeros((shapes.n_vertices, 3))
    shapes.pose({"m": posed}, transforms, vertices, normals=normals)
    sweep = shapes.sweeps[0]
    first = sweep.rings * sweep.sides
    up = turn[:3, :3] @ [0.0, 0.0, 1.0]
    np.testing.assert_allclose(vertices[[first, first + 1]], [turn[:3, 3], turn[:3, 3] + LENGTH * up], atol=1e-9)
    np.testing.assert_allclose(normals[[first, first + 1]], [-up, up], atol=1e-9)



# -- the rest sections settled inside a push standing ----------------------------------------------

def _shifted(state, shift):
    """A muscle state moved by ``shift``."""
    moved = {name: getattr(state, name) + shift for name in ("fascicle_paths", "centrelines", "knots")}
    return MuscleState(state.fascicle_lengths, moved["fascicle_paths"], moved["centrelines"], state.centreline_lengths, moved["knots"])


def test_the_rest_sections_settle_in_their_ring_planes_over_every_round_of_a_slanted_push():
    """A muscle up z at x = 20, y = 10, and a push that moves what lies past x = 22.5 half way back
    to it, slanting in y and z as it goes (every coordinate changes). Each round a moved vertex
    takes its pushed place dropped into its ring's plane (its z back to the ring's); that is
    still past the wall, so all three rounds move it on. The vertices never pushed keep their
    rest sections bit for bit."""
    shift, wall, slant = np.array([20.0, 10.0, 0.0]), 22.5, np.array([0.5, 0.25, 0.4])

    def half_way_back(points):
        beyond = points[:, 0] > wall
        points[beyond] -= (points[beyond, 0] - wall)[:, None] * slant

    record = {"radius_profile": [[0.0, RADIUS], [1.0, RADIUS]]}
    transforms = {"a": np.eye(4), "b": np.eye(4), "c": np.eye(4)}
    state = _shifted(_state(), shift)
    plain = MuscleShapes(_model(), {"m": state}, transforms, {}, {"m": record})
    rest = np.zeros((plain.n_vertices, 3))
    plain.pose({"m": state}, transforms, rest)
    expected = rest.copy()
    for _ in range(3):
        beyond = expected[:-2, 0] > wall
        expected[:-2][beyond] -= (expected[:-2][beyond, 0] - wall)[:, None] * slant
        expected[:-2, 2] = rest[:-2, 2]  # back into the ring's plane
    moved = np.any(expected != rest, axis=1)
    assert moved[:-2].sum() > 20 and not moved[-2:].any()
    assert (expected[moved, 0] > wall + 0.1).sum() > 20  # most still past it after three rounds: each round counts
    push = _CountingPush(half_way_back)
    shapes = MuscleShapes(_model(), {"m": state}, transforms, {}, {"m": record}, push=push)
    assert push.calls == 3
    settled = np.zeros_like(rest)
    shapes.pose({"m": state}, transforms, settled, push=False)
    np.testing.assert_allclose(settled, expected, atol=1e-9)
    kept = ~moved[:-2].reshape(CENTRELINE_POINTS, RING_SIDES)
    np.testing.assert_array_equal(shapes._groups[0].local[0][kept], shapes.sweeps[0].local[kept])


# -- lines that run on past a wrap: their free rings spread along the rest ------------------------

def _arc(centre, radius, start_deg, end_deg, count):
    """``count`` points on a circle about ``centre`` in the x-z plane."""
    angle = np.radians(np.linspace(start_deg, end_deg, count))
    return np.asarray(centre, float) + radius * np.stack([np.cos(angle), np.zeros(count), np.sin(angle)], 1)


def _wrapped():
    """Four made-up muscles in one model, each one tube (knots standing, and in a pose that moves
    the wraps' samples along their spheres and the ends about):

    - "m": straight, its last segment 2 mm of 100: only its last two rings are free;
    - "u": straight, its last segment 0.5 mm of 100: only its last ring is on it, no ring free;
    - "w": bent near its origin, ten via points, then a wrap (its eight samples) and a long run
      to its insertion; the most knots of all, but the shorter run past its wrap;
    - "v": two wraps one after the other (sixteen samples), bent near both ends, padded with a
      copy of its last knot."""
    n = WRAP_SAMPLES
    standing, posed, kinds = {}, {}, {}
    straight = lambda last: np.array([[[0.0, 0, 0], [0, 0, 100.0 - last], [0, 0, 100.0]]])  # noqa: E731
    standing["m"], kinds["m"] = straight(2.0), []
    posed["m"] = standing["m"] + [[[0.0, 0, 0], [3.0, 0, -4.0], [6.0, 1.0, -10.0]]]
    standing["u"], kinds["u"] = straight(0.5), []
    posed["u"] = standing["u"] * [1.0, 1.0, 0.8]
    via = np.array([[0.0, 0, 0], [6.0, 0, 1.0]] + [[8.0, 0, 4.0 * k] for k in range(1, 10)])  # origin and ten via points
    w = np.concatenate([via, _arc([20.0, 0, 36.0], 12.0, 180.0, 90.0, n), [[90.0, 0, 60.0]]])[None]
    standing["w"], kinds["w"] = w, ["via_point"] * 10 + ["wrap_sphere"]
    posed["w"] = np.concatenate([via, _arc([20.0, 0, 36.0], 12.0, 180.0, 160.0, n), [[70.0, 10.0, 90.0]]])[None]
    v = np.concatenate([[[-40.0, 0, 0]], _arc([-40.0, 0, 30.0], 30.0, -90.0, 0.0, n), _arc([10.0, 0, 30.0], 20.0, 180.0, 90.0, n),
                        [[20.0, 0, 52.0], [20.0, 0, 52.0]]])[None]
    standing["v"], kinds["v"] = v, ["wrap_sphere", "wrap_sphere"]
    v = np.concatenate([[[-40.0, 0, 0]], _arc([-40.0, 0, 30.0], 30.0, -90.0, -60.0, n), _arc([10.0, 0, 30.0], 20.0, 180.0, 170.0, n),
                        [[25.0, 5.0, 45.0], [25.0, 5.0, 45.0]]])[None]
    posed["v"] = v
    model = SimpleNamespace(muscles={}, skeleton=SimpleNamespace(parents={"c": "b"}))
    for mid, knots in standing.items():
        steps = [{"type": kind, "bone": "b", "point" if kind == "via_point" else "centre": knots[0, k + 1]} for k, kind in enumerate(kinds[mid])]
        model.muscles[mid] = SimpleNamespace(id=mid, steps=steps, belly_bones=[], belly=[], origin_bones=["a"], origins=[knots[0, 0]],
                                             insertion_bone="c", insertion=knots[0, -1])

    def state(knots):
        real = knots[:, : knots.shape[1] - int(np.all(knots[0, -1] == knots[0, -2]))]  # without the padding
        line = resample(real, CENTRELINE_POINTS)[0]
        length = np.linalg.norm(np.diff(knots[0], axis=0), axis=1).sum()
        return MuscleState(np.array([length]), knots.copy(), line, np.array([length]), knots)

    record = {"radius_profile": [[0.0, RADIUS], [1.0, RADIUS]]}
    transforms = {"a": np.eye(4), "b": np.eye(4), "c": np.eye(4)}
    shapes = MuscleShapes(model, {mid: state(k) for mid, k in standing.items()}, transforms, {}, {mid: record for mid in standing})
    return shapes, {mid: state(k) for mid, k in posed.items()}, transforms, standing, kinds


def _spread_line(standing, posed, kinds):
    """What a line should be, worked out plainly: its points on the posed knots where they were
    standing as far as the first ring on or past the knot before its first wrap; from that ring
    on, evenly by length along that ring's point and the knots after, to its last real knot;
    smoothed. Returns the line and the first free ring."""
    start, count = _wrap_knot(_geometry(*kinds), standing)
    segment, fraction = _material(standing, CENTRELINE_POINTS, False, start)
    ring = int(np.argmax(segment[0] >= start))
    line = _at(posed, segment, fraction)[0]
    if ring < CENTRELINE_POINTS - 1:
        rest = np.concatenate([line[ring:ring + 1], posed[0, start + 1:count]])
        arc = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(rest, axis=0), axis=1))])
        along = np.linspace(0.0, arc[-1], CENTRELINE_POINTS - ring)
        line[ring:] = np.stack([np.interp(along, arc, rest[:, k]) for k in range(3)], 1)
    return smooth(line[None])[0], ring


def test_free_rings_spread_evenly_along_the_rest_of_each_line_past_its_wrap_all_muscles_in_one_pass():
    shapes, posed, transforms, standing, kinds = _wrapped()
    rings = {}
    expected = {}
    for mid in shapes.order:
        expected[mid], rings[mid] = _spread_line(standing[mid], posed[mid].knots, kinds[mid])
    assert rings["m"] == CENTRELINE_POINTS - 2 and rings["u"] == CENTRELINE_POINTS - 1
    assert 10 < rings["w"] < rings["m"] and rings["v"] < rings["w"]
    assert shapes._free_from["w"][1:] == (10, 20) and shapes._free_from["v"][1:] == (0, 18)
    lines = shapes._centrelines(posed, transforms)
    assert lines.shape == (4, CENTRELINE_POINTS, 3)
    for k, mid in enumerate(shapes.order):
        np.testing.assert_allclose(lines[k], expected[mid], atol=1e-9, err_msg=mid)
        np.testing.assert_allclose(shapes.lines(mid, posed[mid], transforms)[0], expected[mid], atol=1e-9, err_msg=mid)
    # the spread is not where the points stood on their knots: a pose that moves a wrap's samples
    segment, fraction = _material(standing["w"], CENTRELINE_POINTS, False, 10)
    assert np.abs(_at(posed["w"].knots, segment, fraction)[0] - expected["w"]).max() > 5.0
    pieces = shapes._lines_of(["w", "m", "v"], posed, transforms)
    assert [len(p) for p in pieces] == [1, 1, 1]
    for piece, mid in zip(pieces, ["w", "m", "v"]):
        np.testing.assert_allclose(piece[0], expected[mid], atol=1e-9, err_msg=mid)


def test_a_cap_s_normal_is_its_end_ring_s_tangent_backwards_at_the_start_in_a_bent_muscle():
    shapes, posed, transforms, _, _ = _wrapped()
    vertices, normals = np.zeros((shapes.n_vertices, 3)), np.zeros((shapes.n_vertices, 3))
    shapes.pose(posed, transforms, vertices, normals=normals)
    lines = shapes._centrelines(posed, transforms)
    assert shapes.order == ["m", "u", "w", "v"]
    tangents = _tangents(lines)
    # "w" bends at its start and "m" (posed) at its end: an end ring's tangent is not its neighbour's, nor the other end's
    assert np.linalg.norm(tangents[2, 0] - tangents[2, 1]) > 0.01 and np.linalg.norm(tangents[0, -1] - tangents[0, -2]) > 0.1
    assert np.linalg.norm(tangents[0, 0] - tangents[0, -1]) > 0.5 and np.linalg.norm(tangents[2, 0] - tangents[2, -1]) > 0.5
    for k, mid in enumerate(shapes.order):
        end, tangent = shapes.vertex_ranges[mid][1], tangents[k]
        np.testing.assert_allclose(vertices[[end - 2, end - 1]], lines[k][[0, -1]], atol=1e-9, err_msg=mid)
        np.testing.assert_allclose(normals[[end - 2, end - 1]], [-tangent[0], tangent[-1]], atol=1e-9, err_msg=mid)


# -- the bones a fit shapes against: those whose box meets the line's box grown by the reach -----------

def test_a_fit_takes_the_bones_whose_box_meets_the_muscle_s_box_grown_by_the_reach_on_each_axis(monkeypatch, tmp_path):
    """The made-up muscle moved to x = 200 (its line from z = 0 to 100 there): the reach box runs
    x 120..280, y -80..80, z -80..180. A bone that touches it exactly, at either side, counts;
    one just short of it does not, though it would were the box one size on every axis, or
    the origin in it."""
    monkeypatch.setattr(muscle_shapes, "_FITTED", {})
    model = _model()
    model.skeleton.joint_centres = {}
    state = _shifted(_state(), np.array([200.0, 0.0, 0.0]))
    np.testing.assert_allclose(state.centrelines[0, [0, -1]], [[200.0, 0, 0], [200.0, 0, 100.0]])
    bones = {"at_low": _box_bone([100, -10, 0], [120, 10, 100]),  # its far face on x = 120
             "at_high": _box_bone([280, -10, 0], [300, 10, 100]),  # its near face on x = 280
             "short_low": _box_bone([90, -10, 0], [119.5, 10, 100]),
             "short_high": _box_bone([280.5, -10, 0], [300, 10, 100]),
             "above": _box_bone([190, -10, 180.5], [210, 10, 200]),
             "aside": _box_bone([190, 80.5, 0], [210, 100, 100]),
             "a": _box_bone([500, 0, 0], [501, 1, 1]), "b": _box_bone([500, 0, 0], [501, 1, 1]), "c": _box_bone([500, 0, 0], [501, 1, 1])}
    transforms = {bone: np.eye(4) for bone in bones}
    annotations = SimpleNamespace(muscles={"m": {"radius_profile": [[0.0, RADIUS], [1.0, RADIUS]]}})
    shapes = MuscleShapes.fit(model, {"m": state}, transforms, SimpleNamespace(bones=bones, directory=tmp_path), annotations)
    assert sorted(shapes._bone_surfaces) == ["at_high", "at_low"]
