"""Where to put landmark labels on a picture: two columns beside the anatomy, never overlapping.

Pure geometry in display pixels (origin bottom left, y up), shared by the window and by exports.
Labels left of the anchors' middle go in a right-aligned column left of the anatomy, the others
in a column right of it; within a column, boxes keep their anchors' order from top to bottom and
are pushed apart just enough not to touch, and two leaders that would cross swap places. Labels
that cannot fit, beyond ``limit``, or whose box would cover a labelled point are dropped, lowest
priority first. Boxes already on the picture (a figure's footer, scale bar and legend, the window's
overlay and strain legend) are kept clear: a column stops short of each one on its side.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Box = tuple[float, float, float, float]


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
    limit: int | None = None,
    clearance: float = 6.0,
    keep_out: Sequence[Box] = (),
) -> list[LabelBox]:
    """Place labels of ``sizes`` (n, 2) for anchors (n, 2) inside ``frame`` (width, height).

    Returns at most ``limit`` labels that fit; their boxes lie inside the frame, do not overlap,
    keep ``clearance`` pixels off every labelled anchor, and their leaders do not cross. No box
    overlaps a ``keep_out`` box (x0, y0, x1, y1), and no label points at an anchor under one.
    """
    anchors = np.asarray(anchors, float).reshape(-1, 2)
    sizes = np.asarray(sizes, float).reshape(-1, 2)
    width, height = frame
    priority = np.zeros(len(anchors)) if priority is None else np.asarray(priority, float)
    inside = (anchors[:, 0] >= 0) & (anchors[:, 0] <= width) & (anchors[:, 1] >= 0) & (anchors[:, 1] <= height)
    for x0, y0, x1, y1 in keep_out:  # a point under the footer or a legend cannot be seen
        inside &= ~((anchors[:, 0] >= x0) & (anchors[:, 0] <= x1) & (anchors[:, 1] >= y0) & (anchors[:, 1] <= y1))
    if limit is not None and inside.sum() > limit:
        ranked = np.nonzero(inside)[0][np.argsort(-priority[inside], kind="stable")]
        inside[ranked[limit:]] = False
    placed = _columns(anchors, sizes, width, height, priority, inside, margin, gap, reach, keep_out)
    while len(placed) > 1:  # a box over a labelled point hides what a leader names: drop the less important
        clash = [min(a.index, b.index, key=lambda i: priority[i]) for a in placed for b in placed
                 if _covers_anchor(a.box, anchors[b.index], clearance)]
        if not clash:
            break
        inside[min(clash, key=lambda i: priority[i])] = False
        placed = _columns(anchors, sizes, width, height, priority, inside, margin, gap, reach, keep_out)
    return placed


def _covers_anchor(box, anchor: np.ndarray, clearance: float) -> bool:
    x0, y0, x1, y1 = box
    return bool(x0 - clearance < anchor[0] < x1 + clearance and y0 - clearance < anchor[1] < y1 + clearance)


def column_band(keep_out: Sequence[Box], x_range: tuple[float, float], height: float, margin: float, gap: float):
    """Bottom and top of the room a column spanning ``x_range`` has between the ``keep_out`` boxes:
    a box in the lower half of the frame raises the bottom above it, one in the upper half lowers the top."""
    bottom, top = margin, height - margin
    for x0, y0, x1, y1 in keep_out:
        if x1 <= x_range[0] or x0 >= x_range[1]:
            continue
        if (y0 + y1) / 2 < height / 2:
            bottom = max(bottom, y1 + gap)
        else:
            top = min(top, y0 - gap)
    return bottom, top


def _columns(anchors, sizes, width, height, priority, inside, margin, gap, reach, keep_out=()) -> list[LabelBox]:
    """The two columns for the anchors flagged ``inside``."""
    middle = np.median(anchors[inside, 0]) if inside.any() else width / 2
    on_left = anchors[:, 0] <= middle
    room_left, room_right = middle - margin, width - margin - middle
    # a label too wide for its own side goes to the other side if it fits there
    on_left = np.where(on_left & (sizes[:, 0] > room_left) & (sizes[:, 0] <= room_right), False, on_left)
    on_left = np.where(~on_left & (sizes[:, 0] > room_right) & (sizes[:, 0] <= room_left), True, on_left)
    placed: list[LabelBox] = []
    for left in (True, False):
        members = np.nonzero(inside & (on_left == left))[0]
        bottom, top = column_band(keep_out, (0.0, middle) if left else (middle, width), height, margin, gap)
        # drop the least important labels until the column fits the height
        members = members[np.argsort(-priority[members], kind="stable")]
        while len(members) and sizes[members, 1].sum() + gap * (len(members) - 1) > top - bottom:
            members = members[:-1]
        members = members[sizes[members, 0] <= (room_left if left else room_right)]
        if not len(members):
            continue
        members = members[np.argsort(-anchors[members, 1], kind="stable")]
        tops = _stack(anchors[members, 1], sizes[members, 1], top, bottom, gap)
        def ends(members, left=left):
            if left:
                edge = min(anchors[members, 0].min() - reach, middle - gap)
                x1 = np.clip(edge, margin + sizes[members, 0], middle)
                return x1 - sizes[members, 0], x1
            edge = max(anchors[members, 0].max() + reach, middle + gap)
            x0 = np.clip(edge, middle, width - margin - sizes[members, 0])
            return x0, x0 + sizes[members, 0]

        members = _uncross(members, tops, sizes, anchors, lambda m, left=left: ends(m)[1 if left else 0])
        x0, x1 = ends(members)
        for k, index in enumerate(members):
            y0, y1 = tops[k] - sizes[index, 1], tops[k]
            end_x = x1[k] if left else x0[k]
            placed.append(LabelBox(int(index), (float(x0[k]), float(y0), float(x1[k]), float(y1)), (float(end_x), float((y0 + y1) / 2))))
    return sorted(placed, key=lambda label: label.index)


def _uncross(members: np.ndarray, tops: np.ndarray, sizes: np.ndarray, anchors: np.ndarray, end_x) -> np.ndarray:
    """Reassign labels of equal height to the column's slots so that no two leaders cross.

    Swapping the slots of two crossing leaders shortens their total length, so this settles;
    a bounded number of swaps keeps it from cycling where wide boxes shift the ends.
    """
    members = members.copy()
    for _ in range(len(members) ** 2):
        heights = sizes[members, 1]
        ends = np.c_[end_x(members), tops - heights / 2]
        pair = next(((i, j) for i in range(len(members)) for j in range(i + 1, len(members))
                     if heights[i] == heights[j] and segments_cross(anchors[members[i]], ends[i], anchors[members[j]], ends[j])), None)
        if pair is None:
            break
        i, j = pair
        members[i], members[j] = members[j], members[i]
    return members


def segments_cross(p1, p2, q1, q2) -> bool:
    """Whether segments p1-p2 and q1-q2 properly cross (touching ends do not count)."""
    def side(a, b, c):
        return np.sign((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]))
    return bool(side(p1, p2, q1) * side(p1, p2, q2) < 0 and side(q1, q2, p1) * side(q1, q2, p2) < 0)


def spread_priority(anchors: np.ndarray, relevance: np.ndarray) -> np.ndarray:
    """Priorities that keep ``relevance`` first and, among equals, spread the labels over the picture.

    Within each level of relevance the order is farthest-first: each next label is the one
    farthest from those already ranked, so a cap on the number of labels leaves them spread out.
    """
    anchors = np.asarray(anchors, float).reshape(-1, 2)
    relevance = np.asarray(relevance, float)
    priority = relevance.astype(float).copy()
    ranked: list[int] = []  # the more relevant levels, ranked before this one
    for level in sorted(set(relevance.tolist()), reverse=True):
        members = [int(i) for i in np.nonzero(relevance == level)[0]]
        order: list[int] = []
        while members:
            if ranked or order:
                taken = anchors[ranked + order]
                distance = np.min(np.linalg.norm(anchors[members][:, None] - taken[None], axis=2), axis=1)
                pick = members[int(np.argmax(distance))]
            else:
                centre = anchors[members].mean(axis=0)
                pick = members[int(np.argmin(np.linalg.norm(anchors[members] - centre, axis=1)))]
            order.append(pick)
            members.remove(pick)
        for rank, index in enumerate(order):
            priority[index] = level + 0.5 * (1 - rank / max(1, len(order)))
        ranked += order
    return priority


def overlaps(boxes: list[tuple[float, float, float, float]]) -> bool:
    """Whether any two boxes share area."""
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]:
                return True
    return False
