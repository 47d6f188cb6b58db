"""Labels are data: escaped for Markdown (prose and tables) and matplotlib, whatever characters they hold.

Property-based (hypothesis): for any text, the escaped form rendered by a CommonMark parser with
raw HTML allowed (as GitHub allows some) opens no link, image, tag, emphasis, strikethrough or
block, and a table cell stays one cell.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from markdown_it import MarkdownIt  # noqa: E402
from ragorft.benchmarks.core.markup import md_cell, md_code, md_inline, mpl_text, one_line  # noqa: E402

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

MD = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
LIVE = {"link_open", "image", "html_inline", "html_block", "em_open", "strong_open", "s_open", "heading_open"}
BLOCKS = {"blockquote_open", "hr", "code_block", "fence", "ordered_list_open", "table_open", "paragraph_open"}
#: the characters markup is made of, mixed into ordinary text so that hypothesis finds their combinations
MARKUP = "\\`*_[]()<>!&|~$#-+=.:/\n\r\t \u2028"
labels = st.text(alphabet=st.sampled_from(MARKUP) | st.characters(codec="utf-8"), min_size=1, max_size=40)

HOSTILE = [
    "[click me](https://evil.example/x)",
    "fee_$1_vs_$2",
    "\n\n## INJECTED",
    "<script>alert(1)</script>",
    "a|b",
    "*bold* _em_ ~~strike~~ __u__",
    "![img](https://evil.example/i.png)",
    "<img src=x onerror=alert(1)>",
    "`code` and ``more",
    "&lt;b&gt; &amp;",
    "back\\slash\\",
    "$x^2$ and $$y$$",
    "line\u2028sep\rcr\x85nel",
    "<https://evil.example/auto>",
    "[ref]: https://evil.example",
    "# heading",
    "</td></tr></table>",
    "[a][b] [c]\\(d)",
    "x` [y](z) `w",
]


def _tokens(text: str) -> list:
    out = []
    for token in MD.parse(text):
        out.append(token)
        out += token.children or []
    return out


def _live(text: str) -> set[str]:
    return {t.type for t in _tokens(text)} & LIVE


@pytest.mark.parametrize("label", HOSTILE)
def test_known_hostile_labels_are_inert_in_prose_and_tables(label: str) -> None:
    assert _live(f"- evidence: {md_inline(label)} and more") == set()
    assert not {t.type for t in _tokens(f"- x\n    - {md_inline(label)}")} & (LIVE | BLOCKS - {"paragraph_open"})
    table = f"| a | b |\n|---|---|\n| {md_cell(label)} | x |\n"
    cells = [t for t in _tokens(table) if t.type == "td_open"]
    assert len(cells) == 2 and _live(table) == set()
    assert _live(f"Commands: {md_code(label)}") == set()


@settings(max_examples=100, deadline=None)
@given(labels)
def test_any_label_is_inert_in_markdown(label: str) -> None:
    # the report's own emphasis around the label; then the label starting an evidence line
    prose = f"- **1.** *question?* {md_inline(label)}\n    - {md_inline(label)}"
    types = [t.type for t in _tokens(prose)]
    assert types.count("strong_open") == 1 and types.count("em_open") == 1  # the template's, nothing more
    assert set(types) & LIVE <= {"strong_open", "em_open"}
    assert types.count("list_item_open") == 2 and types.count("bullet_list_open") == 2  # no other item
    assert not set(types) & BLOCKS - {"paragraph_open"}  # no heading, quote, rule, code block
    table = f"| a | b |\n|---|---|\n| {md_cell(label)} | x |\n"
    assert len([t for t in _tokens(table) if t.type == "td_open"]) == 2 and _live(table) == set()
    assert _live(md_code(label)) == set()


@settings(max_examples=100, deadline=None)
@given(labels.filter(lambda s: "`" not in s))
def test_escaped_text_reads_back_as_the_label(label: str) -> None:
    """Outside code spans the escapes are invisible: the rendered text is the label on one line
    (less the spaces around it, which a page does not show either)."""
    inline = MD.parseInline(md_inline(label))[0].children
    shown = "".join(t.content for t in inline if t.type in ("text", "text_special"))
    assert shown.strip() == one_line(label).strip()


@pytest.mark.filterwarnings("ignore:Glyph")
@settings(max_examples=15, deadline=None)
@given(labels)
def test_any_label_draws_in_matplotlib(label: str) -> None:
    fig, ax = plt.subplots(figsize=(2, 1))
    try:
        ax.set_title(mpl_text(label))
        ax.set_yticks([0], [mpl_text(label)])
        fig.canvas.draw()  # math text is parsed here: "$1_vs_$" raised before
    finally:
        plt.close(fig)
