"""The scene off-screen: poses move bones by matrix and rewrite tube points in place."""

from __future__ import annotations

import numpy as np
import pytest

from viewer.anatomy.annotations import load_annotations
from viewer.anatomy.kinematics import Pose
from viewer.anatomy.mesh_pack import load_pack
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


def test_moving_view_draws_light_bones_and_still_view_full_ones(scene):
    actor = scene.bone_actors["hip_bone_r"]
    full_cells = actor.mapper.dataset.n_cells
    scene.set_still_quality(False)
    assert actor.mapper.dataset.n_cells * 3 < full_cells
    scene.set_still_quality(True)
    assert actor.mapper.dataset.n_cells == full_cells


def test_every_anatomical_landmark_can_be_clicked(scene):
    """Looking at it along its bone's surface normal with muscles hidden, a click there picks it."""
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
        normal = scene.landmark_normal(landmark_id)
        camera = scene.plotter.camera
        camera.focal_point, camera.position = point, point + 500 * normal
        camera.up = (1, 0, 0) if abs(normal[2]) > 0.9 else (0, 0, 1)
        scene.plotter.reset_camera_clipping_range()
        scene.plotter.render_window.Render()
        picked = scene.picker.pick(*world_to_display(scene.plotter.renderer, point[None])[0][0])
        if picked != landmark_id:
            missed.append((landmark_id, picked))
    assert missed == []


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
    assert not hidden("asis_r") and not hidden("pubic_symphysis_r")
    scene.set_view("posterior")
    assert hidden("asis_r") and hidden("pubic_symphysis_r")  # on the far side of the pelvis
    assert not hidden("iliac_crest_r") and not hidden("greater_trochanter_r")
    assert hidden("femoral_head_r")
    planned = scene.label_plan().texts  # what deserves a label here, before the layout's room is counted
    assert "Head of right femur" not in planned and "Greater trochanter (right)" in planned
    scene.plotter.render_window.Render()
    assert "Head of right femur" not in labelled()
    state.select("femoral_head_r")  # a selected landmark keeps its label wherever it is
    scene.plotter.render_window.Render()
    assert "Head of right femur\nfar side" in labelled()


def test_line_of_sight_through_a_bone_is_blocked(scene):
    from viewer.anatomy.kinematics import bone_transforms

    transforms = bone_transforms(Pose(), scene.skeleton)
    femur = scene.pack.bones["femur_r"].vertices
    middle = femur.mean(axis=0)
    lateral = femur[np.argmax(femur[:, 0])]
    clear = scene.occlusion.clear(np.array([lateral, lateral]), np.array([lateral + [500, 0, 0], lateral - [500, 0, 0]]), transforms)
    assert clear.tolist() == [True, False]  # seen from the side it is on, not through the femur
    assert femur[:, 0].min() < middle[0] < lateral[0]
