"""Plots readable where cells cluster, and panels only where they carry information (issue 32)."""

from __future__ import annotations

import itertools
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from ragorft.benchmarks.publish import plots  # noqa: E402
from ragorft.benchmarks.publish.placement import MARKER, place_labels  # noqa: E402


def _boxes(fig, annotations) -> list:
    """The labels' text boxes in pixels (an Annotation's own extent includes its leader line)."""
    renderer = fig.canvas.get_renderer()
    return [Text.get_window_extent(a, renderer) for a in annotations]


def test_labels_of_clustered_points_do_not_overlap_each_other_or_the_points() -> None:
    fig, ax = plt.subplots(figsize=(5.5, 4))
    # eight cells at nearly one cost and accuracy, two far away: what cost_vs_accuracy draws for
    # strategies that all serve from one embedding model
    xs = np.array([1.00, 1.01, 1.02, 1.00, 1.01, 1.03, 1.02, 1.00, 3.0, 5.0])
    ys = np.array([90.0, 90.1, 90.0, 90.2, 89.9, 90.1, 90.3, 89.8, 80.0, 95.0])
    texts = [f"strategy_{i} @ full" for i in range(len(xs))]
    ax.scatter(xs, ys)
    try:
        labels = place_labels(ax, xs, ys, texts)
        fig.canvas.draw()
        boxes = _boxes(fig, labels)
        assert [a.get_text() for a in labels] == texts
        for a, b in itertools.combinations(boxes, 2):
            assert not a.overlaps(b), (a, b)
        points = ax.transData.transform(np.column_stack([xs, ys]))
        for box, (x, y) in itertools.product(boxes, points):
            assert not (box.x0 < x + MARKER - 1 and box.x1 > x - MARKER + 1 and box.y0 < y and box.y1 > y)
        frame = ax.bbox
        assert all(frame.x0 - 1 <= b.x0 and b.x1 <= frame.x1 + 1 for b in boxes)  # inside the axes
    finally:
        plt.close(fig)


def _frame(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    """A summary frame's plotted columns for (corpus, run, examples per class) rows."""
    df = pd.DataFrame(rows, columns=["corpus", "run", "examples_per_class"])
    return df.assign(
        strategy=df["run"],
        budget=[f"{int(x)}shot" for x in df["examples_per_class"]],
        seed=0,
        accuracy_common=0.8,
        accuracy_common_lo=0.7,
        accuracy_common_hi=0.9,
        common_n=100,
        cost_per_1k_queries_usd=0.01,
    )


def test_a_corpus_with_one_budget_gets_no_learning_curve_panel(tmp_path: Path) -> None:
    qa_and_intents = _frame(
        [("qa", "rag_qa", 50), ("qa", "closed_book", 50), ("intents", "rag", 1), ("intents", "rag", 10)]
    )
    assert plots.curve_corpora(qa_and_intents) == ["intents"]
    assert plots.learning_curves(qa_and_intents, tmp_path / "curves.png") == tmp_path / "curves.png"
    one_budget = _frame([("qa", "rag_qa", 50), ("qa", "closed_book", 50)])
    assert plots.learning_curves(one_budget, tmp_path / "none.png") is None and not (tmp_path / "none.png").exists()


def test_cost_plot_draws_a_clustered_corpus_and_skips_an_unpriced_one(tmp_path: Path) -> None:
    df = _frame([("a", f"run{i}", 10) for i in range(8)] + [("b", "rag", 10)])
    df.loc[df["corpus"] == "b", "cost_per_1k_queries_usd"] = np.nan
    assert plots.cost_vs_accuracy(df, tmp_path / "cost.png").read_bytes()[:4] == b"\x89PNG"
    assert plots.cost_vs_accuracy(df[df["corpus"] == "b"], tmp_path / "none.png") is None
