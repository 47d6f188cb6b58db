"""Point labels that do not overlap: each label starts beside its point and is pushed away from
the other labels and from every point until nothing overlaps, then joined to its point by a thin
line when it moved far. Where cells cluster (five strategies at one cost) the labels fan out
instead of printing on top of each other.

Works in display pixels on boxes measured by the renderer, after the axes' limits are final.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.text import Annotation

PAD = 2.0  # pixels kept between two labels
MARKER = 5.0  # pixels around a point that no label may cover
NUDGE = 4.0  # a label's first place: this far right of and above its point


def _overlap(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """How far boxes a and b ([x0, y0, x1, y1]) overlap along x and y (<= 0: apart)."""
    return min(a[2], b[2]) - max(a[0], b[0]), min(a[3], b[3]) - max(a[1], b[1])


def _push(boxes: np.ndarray, i: int, dx: float, dy: float) -> None:
    boxes[i] += (dx, dy, dx, dy)


def _separate(boxes: np.ndarray, anchors: np.ndarray, frame: np.ndarray, iterations: int) -> None:
    """Move boxes in place until no two overlap and none covers a point (or iterations run out)."""
    n = len(boxes)
    for _ in range(iterations):
        moved = False
        for i in range(n):
            for j in range(i + 1, n):
                ox, oy = _overlap(boxes[i] + (-PAD, -PAD, PAD, PAD), boxes[j])
                if ox <= 0 or oy <= 0:
                    continue
                moved = True
                if oy <= ox:  # part along the shorter overlap; the upper one goes up
                    step = (oy / 2 + 0.5) * (1 if boxes[i][1] >= boxes[j][1] else -1)
                    _push(boxes, i, 0, step)
                    _push(boxes, j, 0, -step)
                else:
                    step = (ox / 2 + 0.5) * (1 if boxes[i][0] >= boxes[j][0] else -1)
                    _push(boxes, i, step, 0)
                    _push(boxes, j, -step, 0)
            for x, y in anchors:
                point = np.array([x - MARKER, y - MARKER, x + MARKER, y + MARKER])
                ox, oy = _overlap(boxes[i], point)
                if ox > 0 and oy > 0:
                    moved = True
                    _push(boxes, i, 0, (oy + 0.5) * (1 if boxes[i][1] + boxes[i][3] >= 2 * y else -1))
            # stay inside the axes
            w, h = boxes[i][2] - boxes[i][0], boxes[i][3] - boxes[i][1]
            x0 = min(max(boxes[i][0], frame[0]), frame[2] - w)
            y0 = min(max(boxes[i][1], frame[1]), frame[3] - h)
            boxes[i] = (x0, y0, x0 + w, y0 + h)
        if not moved:
            return


def place_labels(
    ax: Axes, xs: np.ndarray, ys: np.ndarray, texts: list[str], *, fontsize: float = 7, iterations: int = 300
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
    boxes = np.array([[x + NUDGE, y + NUDGE, x + NUDGE + w, y + NUDGE + h] for (x, y), (w, h) in zip(anchors, sizes)])
    _separate(boxes, anchors, ax.bbox.extents, iterations)
    to_points = 72.0 / ax.figure.dpi
    out = []
    for (x, y), data_xy, box, text in zip(anchors, zip(xs, ys), boxes, texts):
        offset = ((box[0] - x) * to_points, (box[1] - y) * to_points)
        far = np.hypot(box[0] - x, box[1] - y) > 3 * NUDGE
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
