"""Point labels that do not overlap: each label takes the first free place around its point.

Where cells cluster (five strategies at one cost) labels printed at a fixed offset sit on top of
each other. Here each label tries places around its point, nearest first (up-right, down-right,
up-left, down-left, right, left, above, below, then the same farther out), and takes the first
that overlaps no label already placed, no point, and stays inside the axes; a label that moved
far from its point is joined to it by a thin line. Works in display pixels on boxes measured by
the renderer, after the axes' limits are final.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.text import Annotation

PAD = 5.0  # pixels kept between two labels: two that touch read as one
MARKER = 5.0  # pixels around a point that no label may cover
#: directions to try, nearest first at each distance (x, y): diagonals, then sideways, then vertical
DIRECTIONS = [(1, 1), (1, -1), (-1, 1), (-1, -1), (1, 0), (-1, 0), (0, 1), (0, -1)]
RADII = np.arange(MARKER + 1, 150.0, 6.0)  # the first ring clears the marker


def _box(x: float, y: float, w: float, h: float, direction: tuple[int, int], r: float) -> np.ndarray:
    """The box of size (w, h) whose nearest side is ``r`` pixels from (x, y) in ``direction``."""
    dx, dy = direction
    x0 = x + r if dx > 0 else (x - r - w if dx < 0 else x - w / 2)
    y0 = y + r if dy > 0 else (y - r - h if dy < 0 else y - h / 2)
    return np.array([x0, y0, x0 + w, y0 + h])


def _clash(box: np.ndarray, taken: list[np.ndarray], points: np.ndarray, frame: np.ndarray) -> float:
    """How badly ``box`` sits: overlap area with labels and points, plus any part outside the axes."""
    padded = box + (-PAD, -PAD, PAD, PAD)
    bad = 0.0
    for other in taken:
        bad += max(0.0, min(padded[2], other[2]) - max(padded[0], other[0])) * max(
            0.0, min(padded[3], other[3]) - max(padded[1], other[1])
        )
    for x, y in points:
        bad += max(0.0, min(box[2], x + MARKER) - max(box[0], x - MARKER)) * max(
            0.0, min(box[3], y + MARKER) - max(box[1], y - MARKER)
        )
    outside = max(0.0, frame[0] - box[0]) + max(0.0, box[2] - frame[2])
    outside += max(0.0, frame[1] - box[1]) + max(0.0, box[3] - frame[3])
    return bad + 1000.0 * outside


def _places(anchors: np.ndarray, sizes: list[tuple[float, float]], frame: np.ndarray) -> list[np.ndarray]:
    """Each label's box, placed in turn at the first place that clashes with nothing (else the least bad)."""
    taken: list[np.ndarray] = []
    for (x, y), (w, h) in zip(anchors, sizes):
        best, best_clash = None, np.inf
        for r in RADII:
            for direction in DIRECTIONS:
                box = _box(x, y, w, h, direction, r)
                clash = _clash(box, taken, anchors, frame)
                if clash < best_clash:
                    best, best_clash = box, clash
                if clash == 0:
                    break
            if best_clash == 0:
                break
        taken.append(best)
    return taken


def place_labels(
    ax: Axes, xs: np.ndarray, ys: np.ndarray, texts: list[str], *, fontsize: float = 7
) -> list[Annotation]:
    """Annotate the points (data coordinates) with ``texts`` so that no two labels overlap.

    Call after everything that changes the limits (scales, all the data): the limits are fixed
    here, since a label placed in pixels must keep its place.
    """
    if not texts:
        return []
    ax.set_xlim(ax.get_xlim())
    ax.set_ylim(ax.get_ylim())
    renderer = ax.figure.canvas.get_renderer()
    anchors = ax.transData.transform(np.column_stack([xs, ys]))
    sizes = []
    for text in texts:
        probe = ax.text(0, 0, text, fontsize=fontsize, ha="left", va="bottom")
        extent = probe.get_window_extent(renderer)
        sizes.append((extent.width, extent.height))
        probe.remove()
    boxes = _places(anchors, sizes, ax.bbox.extents)
    to_points = 72.0 / ax.figure.dpi
    out = []
    for (x, y), data_xy, box, text in zip(anchors, zip(xs, ys), boxes, texts):
        offset = ((box[0] - x) * to_points, (box[1] - y) * to_points)
        gap = np.hypot(max(box[0] - x, 0, x - box[2]), max(box[1] - y, 0, y - box[3]))
        far = gap > 2 * RADII[0]  # beyond the first ring: a leader line says whose label it is
        out.append(
            ax.annotate(
                text,
                data_xy,
                xycoords="data",
                xytext=offset,
                textcoords="offset points",
                fontsize=fontsize,
                ha="left",
                va="bottom",
                arrowprops={"arrowstyle": "-", "lw": 0.5, "color": "0.5", "shrinkA": 0, "shrinkB": 2} if far else None,
            )
        )
    return out
