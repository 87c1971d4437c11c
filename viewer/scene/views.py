"""Named camera views, in the scene frame (x right, y anterior, z superior)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class View:
    """Where the camera looks from (a direction from the target) and which way is up."""

    name: str
    direction: tuple[float, float, float]
    up: tuple[float, float, float]


VIEWS: dict[str, View] = {
    v.name: v
    for v in (
        View("anterior", (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)),
        View("posterior", (0.0, -1.0, 0.0), (0.0, 0.0, 1.0)),
        View("left", (-1.0, 0.0, 0.0), (0.0, 0.0, 1.0)),
        View("right", (1.0, 0.0, 0.0), (0.0, 0.0, 1.0)),
        View("superior", (0.0, 0.0, 1.0), (0.0, 1.0, 0.0)),
        View("inferior", (0.0, 0.0, -1.0), (0.0, 1.0, 0.0)),
        View("oblique", (0.55, 1.0, 0.35), (0.0, 0.0, 1.0)),
    )
}


def framing(points: np.ndarray, view: View, view_angle_deg: float, aspect: float, margin: float = 0.06):
    """Camera position, focal point and up vector that fit ``points`` in a perspective view.

    ``aspect`` is width over height. The fit uses the points' spread across the view, so
    the anatomy fills the frame instead of the looser bounding sphere ``reset_camera`` uses.
    """
    direction = np.asarray(view.direction, float)
    direction /= np.linalg.norm(direction)
    up = np.asarray(view.up, float)
    up = up - direction * (up @ direction)
    up /= np.linalg.norm(up)
    right = np.cross(up, direction)
    across, vertical, depth = points @ right, points @ up, points @ direction
    centre = (
        right * (across.max() + across.min()) / 2
        + up * (vertical.max() + vertical.min()) / 2
        + direction * (depth.max() + depth.min()) / 2
    )
    tan_half = np.tan(np.radians(view_angle_deg) / 2)
    half_height = (vertical.max() - vertical.min()) / 2 * (1 + margin)
    half_width = (across.max() - across.min()) / 2 * (1 + margin)
    distance = max(half_height / tan_half, half_width / (tan_half * aspect)) + (depth.max() - depth.min()) / 2
    return centre + direction * distance, centre, up
