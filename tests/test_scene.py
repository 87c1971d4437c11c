"""The scene off-screen: poses move bones by matrix and rewrite tube points in place."""

from __future__ import annotations

import numpy as np
import pytest
import pyvista as pv

from viewer.anatomy.annotations import load_annotations
from viewer.anatomy.kinematics import Pose
from viewer.anatomy.mesh_pack import load_pack
from viewer.anatomy.pack_frame import apply
from viewer.scene.muscle_actors import MUSCLE_MATERIAL
from viewer.scene.offscreen import use_offscreen_backend


@pytest.fixture
def scene():
    use_offscreen_backend()
    import pyvista as pv

    from viewer.scene.anatomy_scene import AnatomyScene

    plotter = pv.Plotter(off_screen=True, window_size=(400, 300))
    yield AnatomyScene(plotter, load_pack(), load_annotations())
    plotter.close()


def test_pose_change_updates_in_place(scene):
    renderer = scene.plotter.renderer
    actors_before = set(renderer.actors)
    mesh = scene.muscle_actors.meshes["psoas_major_r"]
    vtk_points = mesh.GetPoints()
    standing = np.array(mesh.points)
    scene.set_pose(Pose(hip_flexion_r=90, hip_flexion_l=90))
    assert set(renderer.actors) == actors_before
    assert scene.muscle_actors.meshes["psoas_major_r"] is mesh
    assert mesh.GetPoints() is vtk_points
    moved = np.abs(np.array(mesh.points) - standing).max(axis=1)
    assert moved.max() > 20  # the tendon end followed the femur
    np.testing.assert_allclose(scene.bone_actors["femur_r"].user_matrix[:3, :3] @ [0, 0, -1], [0, 1, 0], atol=1e-9)
    np.testing.assert_allclose(scene.bone_actors["l3"].user_matrix, np.eye(4), atol=1e-12)


def test_discs_are_drawn_pale_and_bend_in_place_with_the_spine(scene):
    from viewer.anatomy.discs import blend
    from viewer.scene import style

    disc = scene.pack.bones["disc_l2_l3"]
    actor = scene.bone_actors["disc_l2_l3"]
    surface = actor.mapper.dataset
    vtk_points = surface.GetPoints()
    assert actor.prop.color.hex_rgb == style.DISC_COLOUR and scene.bone_actors["l2"].prop.color.hex_rgb == style.BONE_COLOUR
    pose = Pose(lumbar_flexion=50, lumbar_bending=30)
    scene.set_pose(pose)
    surface = actor.mapper.dataset
    assert surface.GetPoints() is vtk_points  # written in place
    expected = blend(disc.vertices, disc.disc_weights, scene.transforms["l2"], scene.transforms["l3"])
    np.testing.assert_allclose(np.array(surface.points), expected, atol=1e-3)
    np.testing.assert_allclose(actor.user_matrix, np.eye(4))  # bent point by point, not moved as a whole
    assert np.abs(expected - disc.vertices).max() > 5
    np.testing.assert_allclose(np.linalg.norm(surface.point_data["Normals"], axis=1), 1.0, atol=1e-5)
    state = scene.make_state()
    state.select("disc_l2_l3")
    assert actor.prop.color.hex_rgb == style.SELECTED_BONE_COLOUR
    state.select(None)
    assert actor.prop.color.hex_rgb == style.DISC_COLOUR


def test_a_click_on_a_disc_picks_it(scene):
    from viewer.scene.projection import world_to_display

    state = scene.make_state()
    for structure_id in [*scene.muscle_actors.actors, *scene.landmark_actors.ids]:
        state.set_visible(structure_id, False)
    scene.set_view("anterior")
    scene.plotter.render_window.Render()
    disc = scene.pack.bones["disc_l3_l4"]
    front = disc.vertices[np.argmax(disc.vertices[:, 1])] - [0, 3, 0]  # just inside its front, on the midline
    assert scene.picker.pick(*world_to_display(scene.plotter.renderer, front[None])[0][0]) == "disc_l3_l4"
    assert scene.catalogue["disc_l3_l4"].name == "L3/L4 intervertebral disc" and scene.catalogue["disc_l3_l4"].kind == "disc"


def test_normals_stay_unit_and_outward(scene):
    scene.set_pose(Pose(hip_flexion_r=-20, pelvic_tilt=-10))
    mesh = scene.muscle_actors.meshes["iliacus_r"]
    normals = mesh.point_data["Normals"]
    np.testing.assert_allclose(np.linalg.norm(normals, axis=1), 1.0, atol=1e-9)


def test_psoas_minor_hidden_by_default_and_strain_switch(scene):
    assert not scene.muscle_actors.actors["psoas_minor_r"].visibility
    assert scene.muscle_actors.actors["psoas_major_r"].visibility
    scene.set_pose(Pose(hip_flexion_r=90))
    strain = scene.muscle_actors.meshes["psoas_major_r"].point_data["strain"]
    assert strain.max() < -10  # shortened by more than 10 %
    scene.muscle_actors.set_strain_colouring(True)
    assert scene.muscle_actors.actors["psoas_major_r"].mapper.scalar_visibility


def test_tendon_is_drawn_glossier_than_the_belly(scene):
    """Tendon's highlight is brighter and tighter than the belly's; the belly is lit as before.

    Rendered close to the right lesser trochanter with every vertex's tendon weight as shipped, then
    forced to 0 and to 1, and with no specular at all (so the highlight alone is an image difference).
    """
    scene.make_state().set_labels(False)
    trochanter = scene.landmark_actors.points[scene.landmark_actors.index["lesser_trochanter_r"]]
    camera = scene.plotter.camera
    camera.position, camera.focal_point, camera.up = trochanter + (27, 180, -158), trochanter, (0, 0, 1)
    scene.plotter.reset_camera_clipping_range()
    muscles = scene.muscle_actors

    def drawn(weight=None):
        if weight is not None:
            muscles.tendon[:] = weight
            for mesh in muscles.meshes.values():
                mesh.GetPointData().GetArray("tendon").Modified()
        scene.plotter.render_window.Render()
        return scene.plotter.screenshot(return_img=True).astype(int)

    shipped, belly, tendon = drawn(), drawn(0.0), drawn(1.0)
    for actor in muscles.actors.values():
        actor.prop.specular = 0.0
    matte = drawn(0.0)
    for actor in muscles.actors.values():
        actor.prop.specular = MUSCLE_MATERIAL["specular"]
        actor.GetShaderProperty().ClearAllShaderReplacements()  # the muscles as drawn before tendon had a gloss
    np.testing.assert_array_equal(belly, drawn())  # weight 0: exactly the belly's old look
    # the shipped weights: the tendon near the trochanter shines brighter than belly material would there
    changed = np.abs(shipped - belly).sum(axis=2) > 6
    assert changed.sum() > 100
    assert shipped[changed].sum(axis=1).max() > belly[changed].sum(axis=1).max() + 20
    # the highlight alone (green channel: the red belly colour leaves it room below white)
    belly_shine, tendon_shine = (belly - matte)[..., 1], (tendon - matte)[..., 1]
    assert tendon_shine.max() >= 2 * belly_shine.max() > 0  # brighter
    # and tighter: fewer pixels within half of its peak
    assert (tendon_shine > tendon_shine.max() / 2).sum() < 0.7 * (belly_shine > belly_shine.max() / 2).sum()


def test_moving_view_draws_light_bones_and_still_view_full_ones(scene):
    actor = scene.bone_actors["hip_bone_r"]
    full_cells = actor.mapper.dataset.n_cells
    scene.set_still_quality(False)
    assert actor.mapper.dataset.n_cells * 3 < full_cells
    scene.set_still_quality(True)
    assert actor.mapper.dataset.n_cells == full_cells


def test_every_anatomical_landmark_can_be_clicked(scene):
    """From where the window flies the camera when it is chosen, with muscles hidden, a click there picks it."""
    from viewer.scene.projection import world_to_display

    state = scene.make_state()
    for muscle_id in scene.muscle_actors.actors:
        state.set_visible(muscle_id, False)
    landmarks = scene.landmark_actors
    missed = []
    for k, landmark_id in enumerate(landmarks.ids):
        if landmarks.kinds[k] != "landmark":
            continue
        point = landmarks.points[k]
        scene.set_view("anterior")
        # where the window's camera goes when the landmark is chosen: swung round until no bone hides it
        position, focal = scene.focus_camera(landmark_id)
        camera = scene.plotter.camera
        camera.focal_point, camera.position = focal, position
        direction = (position - focal) / np.linalg.norm(position - focal)
        camera.up = (1, 0, 0) if abs(direction[2]) > 0.9 else (0, 0, 1)
        scene.plotter.reset_camera_clipping_range()
        scene.plotter.render_window.Render()
        picked = scene.picker.pick(*world_to_display(scene.plotter.renderer, point[None])[0][0])
        if picked != landmark_id:
            missed.append((landmark_id, picked))
    assert missed == [], missed


def test_focusing_a_hidden_landmark_turns_the_camera_until_it_can_be_clicked(scene):
    from viewer.scene.projection import world_to_display

    state = scene.make_state()
    for muscle_id in scene.muscle_actors.actors:
        state.set_visible(muscle_id, False)
    camera = scene.plotter.camera
    for view, landmark_id in (("right", "lesser_trochanter_l"), ("anterior", "lesser_trochanter_r"), ("posterior", "asis_l")):
        scene.set_view(view)
        before = np.array(camera.position) - np.array(camera.focal_point)
        camera.position, camera.focal_point = scene.focus_camera(landmark_id)
        scene.plotter.reset_camera_clipping_range()
        scene.plotter.render_window.Render()
        point = scene.structure_centre(landmark_id)
        assert np.allclose(camera.focal_point, point)
        assert scene.picker.pick(*world_to_display(scene.plotter.renderer, point[None])[0][0]) == landmark_id
        after = np.array(camera.position) - np.array(camera.focal_point)
        assert after @ before / np.linalg.norm(after) / np.linalg.norm(before) < 0.99  # it had to turn
    scene.set_view("anterior")
    before = np.array(camera.position) - np.array(camera.focal_point)
    position, focal = scene.focus_camera("asis_r")  # in plain sight: the direction is kept
    assert np.allclose(_unit(position - focal), _unit(before))


def _unit(v):
    return v / np.linalg.norm(v)


def test_a_click_while_the_view_moves_picks_what_is_under_it(scene):
    from viewer.scene.annotation_editing import surface_at
    from viewer.scene.projection import world_to_display

    scene.make_state()
    scene.set_view("anterior")
    scene.plotter.render_window.Render()
    point = scene.structure_centre("asis_r")
    (x, y), = world_to_display(scene.plotter.renderer, point[None])[0]
    femur = scene.pack.bones["femur_r"].vertices.mean(axis=0)
    (fx, fy), = world_to_display(scene.plotter.renderer, femur[None])[0]
    scene.resolution.set(moving=True)  # a flight or a drag: the scene is drawn in the lower-left quarter
    assert scene.picker.pick(x, y) == "asis_r"
    assert surface_at(scene, fx, fy)[0] == "femur_r"
    assert scene.plotter.renderer.GetViewport() == (0.0, 0.0, 0.5, 0.5)  # and it still is


def test_clicks_go_through_a_ghosted_muscle(scene):
    from viewer.scene.projection import world_to_display

    state = scene.make_state()
    scene.set_view("anterior")
    scene.plotter.render_window.Render()
    centreline = scene.muscle_states["psoas_major_r"].centrelines[0]
    display, _ = world_to_display(scene.plotter.renderer, centreline[len(centreline) // 3][None])
    assert scene.picker.pick(*display[0]) == "psoas_major_r"
    state.set_opacity("psoas_major_r", 0.35)
    scene.plotter.render_window.Render()
    assert scene.picker.pick(*display[0]) not in (None, "psoas_major_r")  # what lies behind it


def test_labels_skip_landmarks_a_bone_hides(scene):
    state = scene.make_state()

    def hidden(landmark_id):
        from viewer.scene.label_plan import what_hides

        return what_hides(scene, [landmark_id], scene.structure_centre(landmark_id)[None]) == ["bone"]

    def labelled():
        return {scene.labels.texts[label.index] for label in scene.labels.placed}

    scene.set_view("anterior")
    assert not hidden("asis_r") and not hidden("aiis_r")
    scene.set_view("posterior")
    assert hidden("asis_r") and hidden("aiis_r")  # on the far side of the pelvis
    assert not hidden("iliac_crest_r") and not hidden("greater_trochanter_r")
    assert hidden("femoral_head_r")
    planned = scene.label_plan().texts  # what deserves a label here, before the layout's room is counted
    assert "Head of right femur" not in planned and "Greater trochanter (right)" in planned
    scene.plotter.render_window.Render()
    assert "Head of right femur" not in labelled()
    state.select("femoral_head_r")  # a selected landmark keeps its label wherever it is
    scene.plotter.render_window.Render()
    assert "Head of right femur\nfar side" in labelled()


def test_labels_follow_their_plan_while_the_view_moves_and_are_planned_again_when_it_stops(scene, monkeypatch):
    from viewer.scene.projection import world_to_display

    scene.make_state()
    scene.set_view("anterior")
    window = scene.plotter.render_window
    window.Render()
    calls = []
    plan = scene.labels.plan_for_camera
    monkeypatch.setattr(scene.labels, "plan_for_camera", lambda: calls.append(1) or plan())
    scene.set_still_quality(False)
    for _ in range(3):
        scene.plotter.camera.Azimuth(10)
        window.Render()
    assert calls == []  # what hides what is not asked while moving
    moved = scene.labels.plan
    assert moved.ids
    expected, _ = world_to_display(scene.plotter.renderer, moved.points)
    np.testing.assert_allclose(moved.anchors, expected, atol=1e-6)  # each anchor still on its landmark
    scene.set_still_quality(True)
    window.Render()
    assert calls == [1]  # stopped: planned afresh for where the camera is now


def test_a_dragged_view_is_drawn_at_half_resolution_over_the_whole_window_and_sharp_again_when_still(scene):
    from viewer.scene.resolution import SSAA_SCALE

    scene.make_state()
    scene.set_view("anterior")
    window = scene.plotter.render_window

    def drawn_box() -> np.ndarray:
        image = np.asarray(scene.plotter.screenshot(None))
        ink = np.nonzero(np.abs(image.astype(float) - image[0, 0]).sum(axis=2) > 30)
        return np.array([ink[0].min(), ink[0].max(), ink[1].min(), ink[1].max()])

    point_size = scene.landmark_actors.point_size
    kit = scene.plotter.renderer.GetLights().GetNumberOfItems()
    still = drawn_box()
    scene.set_still_quality(False)
    scene.resolution.set(moving=True)
    assert scene.plotter.renderer.GetViewport() == (0.0, 0.0, 0.5, 0.5)
    assert scene.landmark_actors.actor.prop.point_size == point_size / 2  # same size on screen once scaled up
    assert scene.plotter.renderer.GetLights().GetNumberOfItems() == 1  # a headlight for the light kit
    window.Render()
    dragged = drawn_box()
    np.testing.assert_allclose(dragged, still, atol=6)  # the scene fills the window, not its lower-left quarter
    scene.set_still_quality(True)
    assert scene.plotter.renderer.GetViewport() == (0.0, 0.0, 1.0, 1.0)
    assert scene.landmark_actors.actor.prop.point_size == pytest.approx(point_size * SSAA_SCALE)  # drawn large, sampled down
    assert scene.plotter.renderer.GetLights().GetNumberOfItems() == kit


def _landmark_dot_pixels(scene) -> int:
    """Pixels of the landmark dots' yellow (#f2c94c, shaded) in a frame drawn now."""
    scene.plotter.render_window.Render()  # pyvista's screenshot alone may hand back the last picture
    rgb = np.asarray(scene.plotter.screenshot(None))[..., :3].astype(int)
    return int(((rgb[..., 0] > 200) & (rgb[..., 1] > 165) & (rgb[..., 2] < 120)).sum())


def test_landmark_dots_keep_their_size_in_a_still_frame_a_dragged_one_and_a_figure(scene):
    scene.make_state()
    scene.set_view("anterior")
    scene.set_still_quality(False)
    quick = _landmark_dot_pixels(scene)
    scene.set_still_quality(True)  # SSAA draws at sqrt(5) times the size and samples down
    still = _landmark_dot_pixels(scene)
    scene.set_still_quality(False)
    scene.resolution.set(moving=True)  # half the size, scaled up
    dragged = _landmark_dot_pixels(scene)
    assert quick > 200
    assert 0.7 < still / quick < 1.4 and 0.7 < dragged / quick < 1.4  # unscaled, the still dots had a fifth of the area
    scene.set_still_quality(True)
    scene.landmark_actors.set_point_size(22)  # presentation mode's bigger dots, set while still
    scene.resolution.refresh()
    assert 3 < _landmark_dot_pixels(scene) / still < 5


def test_an_edit_away_from_the_muscles_keeps_their_actors_and_one_on_an_origin_rebuilds_them(scene, tmp_path):
    import copy

    from viewer.anatomy.annotation_layer import empty_layer
    from viewer.anatomy.annotations import Source, check_annotations, default_annotations_path

    base = Source.read(default_annotations_path())
    tubes, dots = scene.muscle_actors, scene.landmark_actors.actor
    actors = scene.plotter.renderer.GetActors().GetNumberOfItems()

    def layer_with(landmark: dict) -> None:
        scene.set_annotations(check_annotations(base, Source(tmp_path / "mine.json", {**empty_layer(), "landmarks": [landmark]})))

    femur = scene.pack.bones["femur_r"]
    point = femur.vertices[np.argmin(femur.vertices[:, 2])] - femur.frame_origin
    layer_with({"id": "my_point", "name": "My point", "bone": "femur_r", "position": point.tolist(), "kind": "landmark"})
    assert scene.muscle_actors is tubes and "my_point" in scene.landmark_actors.ids
    mine = scene.landmark_actors.index["my_point"]
    assert scene.landmark_actors.actor is dots and scene.plotter.renderer.GetActors().GetNumberOfItems() == actors  # written in, not added
    np.testing.assert_allclose(scene.landmark_actors.mesh.points[mine], point + femur.frame_origin, atol=1e-9)
    assert scene.landmark_actors.mesh.point_data["colours"][mine].tolist() == [0xF2, 0xC9, 0x4C]  # a landmark's yellow
    assert scene.landmark_actors.mesh.n_verts == len(scene.landmark_actors.ids)  # every dot drawn, the new one too
    origin = copy.deepcopy(next(lm for lm in base.document["landmarks"] if lm["id"] == "psoas_insertion_r"))
    origin["position"] = (np.asarray(origin["position"]) + [0, 0, 0.3]).tolist()
    layer_with(origin)
    assert scene.muscle_actors is not tubes  # an insertion moved: the muscles are built again


def test_line_of_sight_through_a_bone_is_blocked(scene):
    from viewer.anatomy.kinematics import bone_transforms

    transforms = bone_transforms(Pose(), scene.skeleton)
    femur = scene.pack.bones["femur_r"].vertices
    middle = femur.mean(axis=0)
    lateral = femur[np.argmax(femur[:, 0])]
    clear = scene.occlusion.clear(np.array([lateral, lateral]), np.array([lateral + [500, 0, 0], lateral - [500, 0, 0]]), transforms)
    assert clear.tolist() == [True, False]  # seen from the side it is on, not through the femur
    assert femur[:, 0].min() < middle[0] < lateral[0]


def test_lines_of_action_follow_the_pose_in_place_and_only_when_shown(scene):
    state = scene.make_state()
    lines = scene.lines_of_action
    assert not any(a.visibility for a in lines.actors.values())
    state.set_lines_of_action(True)
    assert lines.actors["psoas_major_r"].visibility and not lines.actors["psoas_minor_r"].visibility  # hidden muscle
    assert scene.muscle_actors.actors["psoas_major_r"].prop.opacity < 0.5  # the tubes fade to show the lines
    actors_before, points = set(scene.plotter.renderer.actors), lines.actors["iliacus_l"].mapper.dataset.GetPoints()
    state.set_pose(Pose(hip_flexion_l=90))
    assert set(scene.plotter.renderer.actors) == actors_before
    mesh = lines.actors["iliacus_l"].mapper.dataset
    assert mesh.GetPoints() is points
    np.testing.assert_allclose(mesh.points.reshape(5, -1, 3), scene.muscle_states["iliacus_l"].fascicle_paths)
    state.set_lines_of_action(False)
    assert scene.muscle_actors.actors["psoas_major_r"].prop.opacity == 1.0


def test_discs_stay_bent_after_a_new_body_is_drawn_still(scene):
    """A new body writes its surfaces at rest, the full ones at the next still frame: the discs
    must be bent again for the pose (they stood straight in a bent spine until the next pose)."""
    from viewer.anatomy.bodies import Bodies
    from viewer.anatomy.body_shape import BodyShape

    disc = scene._bone_surfaces["disc_l3_l4"][0]
    scene.set_pose(Pose(lumbar_flexion=30.0))
    bent = np.array(disc.points)
    assert np.abs(bent - scene.pack.bones["disc_l3_l4"].vertices).max() > 5.0
    scene.set_body(*Bodies(scene.pack, scene.annotations).shaped(BodyShape((1.0, 0.0, 0.0))))
    scene.set_still_quality(True)  # the full surfaces of the new body are written now
    shaped = np.array(disc.points)
    rest = scene.pack.bones["disc_l3_l4"].vertices
    assert np.abs(shaped - rest).max() > 5.0  # bent, not standing
    assert np.abs(shaped - bent).max() < 15.0  # and where the spine is


def test_a_new_scene_builds_no_line_of_sight_tree_until_one_is_asked(scene):
    """A screenshot or figure without labels needs none of the bones' OBB trees (about 30 ms)."""
    assert scene.occlusion._trees == {}
