"""The posed scene as binary glTF (.glb) for other 3D viewers: one named node per structure.

glTF means metres with +Y up and the model facing +Z; our frame is millimetres, RAS (x right,
y anterior, z superior). One root transform turns and scales the scene: glTF x = -x (the
subject's left, so the frame stays right-handed), y = z (up), z = y (the front faces +Z).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import trimesh

from viewer.anatomy.atomic_file import write_bytes_atomic
from viewer.anatomy.discs import blend
from viewer.anatomy.output_file import check_output
from viewer.scene.lines_of_action import fascicle_lines

RAS_MM_TO_GLTF = np.array([[-1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]], float) * [[0.001], [0.001], [0.001], [1]]


def _colour(hex_colour: str) -> list[int]:
    return [int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)] + [255]


def posed_scene(scene) -> trimesh.Scene:
    """Visible bones (with their pose as the node transform), muscles (posed tubes) and their fascicles' lines of action."""
    from viewer.scene import style

    out = trimesh.Scene()
    state = scene.state
    for bone_id, bone in scene.pack.bones.items():
        if state is not None and not state.is_visible(bone_id):
            continue
        transform = scene.transforms[bone_id]
        if bone.disc is None:
            mesh, colour = bone.mesh.copy(), style.BONE_COLOUR
        else:  # a disc bends: its posed points, in the scene frame
            upper, lower = scene.transforms[bone.disc.upper_bone], scene.transforms[bone.parent]
            mesh = trimesh.Trimesh(blend(bone.vertices, bone.disc_weights, upper, lower), bone.faces, process=False)
            colour, transform = style.DISC_COLOUR, np.eye(4)
        mesh.visual.face_colors = _colour(colour)
        out.add_geometry(mesh, node_name=bone_id, geom_name=bone_id, transform=transform)
    if scene.muscle_actors is not None:
        for muscle_id, poly in scene.muscle_actors.meshes.items():
            if state is not None and not state.is_visible(muscle_id):
                continue
            faces = np.asarray(poly.faces).reshape(-1, 4)[:, 1:]
            mesh = trimesh.Trimesh(np.array(poly.points), faces, process=False)
            mesh.visual.face_colors = _colour(scene.muscle_model.muscles[muscle_id].colour)
            out.add_geometry(mesh, node_name=muscle_id, geom_name=muscle_id)
        for line_id, path in fascicle_lines(scene.muscle_model, scene.muscle_states).items():
            if state is None or state.is_visible(line_id.split(".")[0]):  # one line primitive per fascicle
                line = trimesh.load_path(path)
                line.colors = np.tile(_colour(scene.muscle_model.muscles[line_id.split(".")[0]].colour), (len(line.entities), 1))
                out.add_geometry(line, node_name=line_id, geom_name=line_id)
    return out


def export_glb(scene, out: Path, make_folders: bool = False) -> trimesh.Scene:
    """Write the posed scene to ``out`` as .glb in metres, Y up, atomically; returns the trimesh scene written."""
    out = check_output(out, {".glb"}, [scene.pack.directory], make_folders)
    glb = posed_scene(scene)
    glb.apply_transform(RAS_MM_TO_GLTF)
    write_bytes_atomic(out, glb.export(file_type="glb"), make_folders)
    return glb
