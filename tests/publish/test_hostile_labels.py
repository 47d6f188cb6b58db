"""A whole report from records whose labels are hostile: written, and no label is live markup anywhere.

Issue 33 items 7 and 14: a label ``fee_$1_vs_$2`` broke every report (matplotlib math text in the
confusions plot); ``[click me](https://evil.example/x)`` became a link and ``\\n\\n## INJECTED`` a
heading in the label-ambiguity step; REPORT.md and RESULTS.md carried raw ``<script>``; ``|`` broke
tables. One report holds every hostile label of the family at once (a report takes seconds: the
per-character family is property-tested in test_markup.py), and two of them are the pair every
candidate swaps, so they reach the decision's reasoning too.
"""

from __future__ import annotations

import io
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from markdown_it import MarkdownIt
from ragorft.benchmarks.core.atomic import write_json
from ragorft.benchmarks.core.markup import one_line
from ragorft.benchmarks.decide import Pricing, Requirement
from ragorft.benchmarks.publish.site import write_report

from tests.helpers.records import LABELS, record, spread
from tests.publish.test_markup import HOSTILE

MD = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
RENAME = dict(zip(LABELS, HOSTILE, strict=False))


#: label pairs every cell confuses on five items, besides the swapped pair: their labels reach the
#: confusions tables and plot
SHARED = [(2, 3), (4, 5), (6, 7), (8, 9)]


def _hostile(rec: dict) -> dict:
    """The record with the SHARED confusions added and its labels renamed to hostile ones."""
    for a, b in SHARED:
        for i in [i for i, g in enumerate(rec["gold"]) if g == LABELS[a]][:5]:
            rec["predictions"][i] = LABELS[b]
    rename = lambda x: RENAME.get(x, x)  # noqa: E731
    rec["gold"] = [rename(x) for x in rec["gold"]]
    rec["predictions"] = [rename(x) for x in rec["predictions"]]
    rec["scoring"]["labels"] = [rename(x) for x in rec["scoring"]["labels"]]
    return rec


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three candidates that all swap labels 0 and 1 (the first two hostile labels): label ambiguity;
    the next eight hostile labels are confused alike by every cell."""
    results = tmp_path_factory.mktemp("hostile") / "results"
    pair = (LABELS[0], LABELS[1])
    swapped = {i for i in range(800) if i % 40 in (0, 1)} - {0, 1, 40, 41, 80, 81, 120, 121}
    for k, run in enumerate(("rag", "setfit", "linear_probe")):
        rec = _hostile(record(run, swapped | spread(3, skip=k), swap=pair))
        write_json(results / "h" / "cells" / f"{rec['cell_id'].replace('/', '__')}.json", rec)
    write_report(results, "h", Pricing(Requirement(accuracy_bar=0.99)))
    return results / "h"


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append((self.tags[-1][0] if self.tags else "", data))


def _no_live_label(html: str, *, own_scripts: int, shown: list[str]) -> None:
    page = Elements()
    page.feed(html)
    tags = [t for t, _ in page.tags]
    assert tags.count("script") == own_scripts  # only the page's own
    assert [a for t, a in page.tags if t == "a" and not (a.get("href") or "").startswith("#")] == []
    ours = lambda src: src.endswith(".png") or src.startswith("data:image/png;base64,")  # noqa: E731
    assert [a for t, a in page.tags if t == "img" and not ours(a.get("src") or "")] == []
    headings = [text for tag, text in page.text if tag in ("h1", "h2", "h3", "h4")]
    assert not any("INJECTED" in h for h in headings), headings
    marked = " ".join(text for tag, text in page.text if tag in ("del", "s", "em", "strong"))
    assert "bold" not in marked and "strike" not in marked
    visible = " ".join(text for _, text in page.text)
    for label in shown:  # shown as the characters they are (a matched `code` pair: as code)
        if "`" in label:
            continue
        assert one_line(label).strip() in one_line(visible), label


def _table_widths(md: str) -> list[set[int]]:
    """Per Markdown table, the set of its rows' cell counts (one count: no row was split)."""
    out, row = [], 0
    for token in MD.parse(md):
        if token.type == "table_open":
            out.append(set())
        elif token.type == "tr_open":
            row = 0
        elif token.type in ("td_open", "th_open"):
            row += 1
        elif token.type == "tr_close":
            out[-1].add(row)
    return out


def test_a_report_with_hostile_labels_is_written_and_inert(hostile_report: Path) -> None:
    md = (hostile_report / "REPORT.md").read_text()
    assert "Verdict: `label_ambiguity`" in md and "swapped by all 3" in md  # the labels reached the reasoning
    _no_live_label(MD.render(md), own_scripts=0, shown=HOSTILE[:10])  # its shared-confusions table
    _no_live_label(MD.render((hostile_report / "RESULTS.md").read_text()), own_scripts=0, shown=HOSTILE[:2])
    index = (hostile_report / "index.html").read_text()
    _no_live_label(index, own_scripts=2 + index.count('class="ask-data"'), shown=HOSTILE[:10])
    assert "<script>alert" not in index and "<img src=x" not in index
    assert "[click me](https://evil.example/x)" in MD.render(md)  # shown as the characters it is
    for name in ("REPORT.md", "RESULTS.md"):  # a "|" in a label splits no table row
        widths = _table_widths((hostile_report / name).read_text())
        assert widths and all(len(w) == 1 for w in widths), (name, widths)
    summary = pd.read_csv(io.StringIO((hostile_report / "summary.csv").read_text()))
    assert len(summary) == 3 and set(summary["run"]) == {"rag", "setfit", "linear_probe"}
    assert (hostile_report / "confusions.png").read_bytes()[:4] == b"\x89PNG"
