"""Where to put landmark labels on a picture: two columns beside the anatomy, never overlapping.

Pure geometry in display pixels (origin bottom left, y up), shared by the window and by exports.
Labels left of the anchors' middle go in a right-aligned column left of the anatomy, the others
in a column right of it; within a column, boxes keep their anchors' order from top to bottom and
are pushed apart just enough not to touch. Labels that cannot fit are dropped, lowest priority first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LabelBox:
    """One placed label: its box (x0, y0, x1, y1) and the leader line's end on the box."""

    index: int
    box: tuple[float, float, float, float]
    leader_end: tuple[float, float]


def _stack(order_y: np.ndarray, heights: np.ndarray, top: float, bottom: float, gap: float):
    """Vertical placement for boxes wanted centred at order_y (sorted top to bottom)."""
    tops = np.empty(len(order_y))
    limit = top
    for k, (y, h) in enumerate(zip(order_y, heights)):
        tops[k] = min(y + h / 2, limit)
        limit = tops[k] - h - gap
    overflow = bottom - (tops[-1] - heights[-1]) if len(tops) else 0.0
    if overflow > 0:  # pushed past the bottom: slide the column up, keeping the spacing
        limit = bottom
        for k in range(len(tops) - 1, -1, -1):
            tops[k] = max(tops[k], limit + heights[k])
            limit = tops[k] + gap
    return tops


def layout_labels(
    anchors: np.ndarray,
    sizes: np.ndarray,
    frame: tuple[float, float],
    priority: np.ndarray | None = None,
    margin: float = 8.0,
    gap: float = 4.0,
    reach: float = 40.0,
) -> list[LabelBox]:
    """Place labels of ``sizes`` (n, 2) for anchors (n, 2) inside ``frame`` (width, height).

    Returns the labels that fit; their boxes lie inside the frame and do not overlap.
    """
    anchors = np.asarray(anchors, float).reshape(-1, 2)
    sizes = np.asarray(sizes, float).reshape(-1, 2)
    width, height = frame
    priority = np.zeros(len(anchors)) if priority is None else np.asarray(priority, float)
    inside = (anchors[:, 0] >= 0) & (anchors[:, 0] <= width) & (anchors[:, 1] >= 0) & (anchors[:, 1] <= height)
    middle = np.median(anchors[inside, 0]) if inside.any() else width / 2
    on_left = anchors[:, 0] <= middle
    room_left, room_right = middle - margin, width - margin - middle
    # a label too wide for its own side goes to the other side if it fits there
    on_left = np.where(on_left & (sizes[:, 0] > room_left) & (sizes[:, 0] <= room_right), False, on_left)
    on_left = np.where(~on_left & (sizes[:, 0] > room_right) & (sizes[:, 0] <= room_left), True, on_left)
    placed: list[LabelBox] = []
    for left in (True, False):
        members = np.nonzero(inside & (on_left == left))[0]
        # drop the least important labels until the column fits the height
        members = members[np.argsort(-priority[members], kind="stable")]
        while len(members) and sizes[members, 1].sum() + gap * (len(members) - 1) > height - 2 * margin:
            members = members[:-1]
        members = members[sizes[members, 0] <= (room_left if left else room_right)]
        if not len(members):
            continue
        members = members[np.argsort(-anchors[members, 1], kind="stable")]
        tops = _stack(anchors[members, 1], sizes[members, 1], height - margin, margin, gap)
        if left:
            edge = min(anchors[members, 0].min() - reach, middle - gap)
            x1 = np.clip(edge, margin + sizes[members, 0], middle)
            x0 = x1 - sizes[members, 0]
        else:
            edge = max(anchors[members, 0].max() + reach, middle + gap)
            x0 = np.clip(edge, middle, width - margin - sizes[members, 0])
            x1 = x0 + sizes[members, 0]
        for k, index in enumerate(members):
            y0, y1 = tops[k] - sizes[index, 1], tops[k]
            end_x = x1[k] if left else x0[k]
            placed.append(LabelBox(int(index), (float(x0[k]), float(y0), float(x1[k]), float(y1)), (float(end_x), float((y0 + y1) / 2))))
    return sorted(placed, key=lambda label: label.index)


def overlaps(boxes: list[tuple[float, float, float, float]]) -> bool:
    """Whether any two boxes share area."""
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]:
                return True
    return False
