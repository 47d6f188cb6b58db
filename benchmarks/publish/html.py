"""The report as one self-contained HTML page: figures inlined as base64, tables sortable, no CDN.

A reader opens ``index.html`` from a CI artifact or a file browser, offline: so nothing may be
fetched (no script, style or font from elsewhere) and the page must work from ``file://``.

The page reads like a report: first one answer card per corpus (ship what, why, at what cost and
error volume, what would change it), then the Pareto plot and learning curves, then the tables,
then the full reasoning, its Markdown rendered as HTML (markdown-it-py, raw HTML in it escaped).
"""

from __future__ import annotations

import base64
import html

import pandas as pd
from markdown_it import MarkdownIt
from ragorft.benchmarks.publish.content import Report, recommendation_markdown
from ragorft.benchmarks.publish.explore_html import STYLE as ASK_STYLE
from ragorft.benchmarks.publish.explore_html import ask_section
from ragorft.benchmarks.publish.seeds import INTRO as SEEDS_INTRO

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1400px; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.85em; }
th, td { border: 1px solid #ccc; padding: 3px 6px; text-align: right; }
th { background: #f0f0f0; }
table.sortable th { cursor: pointer; user-select: none; }
table.sortable th[aria-sort="ascending"]::after { content: " ▲"; }
table.sortable th[aria-sort="descending"]::after { content: " ▼"; }
td:first-child, th:first-child { text-align: left; }
img { max-width: 100%; border: 1px solid #eee; }
.note { color: #555; font-size: 0.9em; }
.refs { background: #fffbe6; }
nav a { margin-right: 1em; }
.cards { display: flex; flex-wrap: wrap; gap: 1em; }
.answer { border: 2px solid #2a6; border-radius: 6px; padding: 0.6em 1em; flex: 1 1 420px; background: #f6fff8; }
.answer.no-ship { border-color: #c83; background: #fffaf3; }
.answer h3 { margin: 0.2em 0; }
.answer dt { font-weight: bold; margin-top: 0.4em; }
.answer dd { margin-left: 0; }
.reasoning td, .reasoning th { text-align: left; }
"""

# Click a header to sort by that column; numbers sort as numbers (the leading number of a cell).
SORT_JS = """
document.querySelectorAll("table.sortable").forEach(function (table) {
  var headers = table.querySelectorAll("thead th");
  headers.forEach(function (th, col) {
    th.addEventListener("click", function () {
      var asc = th.getAttribute("aria-sort") !== "ascending";
      headers.forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      function key(row) {
        var text = row.cells[col] ? row.cells[col].textContent.trim() : "";
        var num = parseFloat(text.replace(/,/g, ""));
        return isNaN(num) ? text.toLowerCase() : num;
      }
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        if (typeof x !== typeof y) { x = String(x); y = String(y); }
        return (x < y ? -1 : x > y ? 1 : 0) * (asc ? 1 : -1);
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
"""


def _table(df: pd.DataFrame, *, sortable: bool = True, index: bool = False, css: str = "") -> str:
    classes = " ".join(c for c in ("sortable" if sortable else "", css) if c)
    return df.to_html(index=index, classes=classes or None, border=0, escape=True, na_rep="")


def _img(path, alt: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    alt = html.escape(alt)
    return f'<figure><img alt="{alt}" src="data:image/png;base64,{data}"><figcaption>{alt}</figcaption></figure>'


def markdown_html(text: str) -> str:
    """Markdown rendered to HTML (CommonMark plus tables); any raw HTML inside is escaped, not trusted."""
    return MarkdownIt("commonmark", {"html": False}).enable("table").render(text)


def answer_card(corpus: str, card: dict[str, str] | None, error: str) -> str:
    """One corpus's answer: ship what, why, at what cost and error volume, what would change it."""
    e = html.escape
    if card is None:
        return f'<div class="answer no-ship" data-corpus="{e(corpus)}"><h3>{e(corpus)}</h3><p>{e(error)}</p></div>'
    cls = "answer" if card["verdict"] == "ship" else "answer no-ship"
    rows = [("Why", card["why"]), ("Cost and errors", card["cost"]), ("Errors priced", card["priced"])]
    rows += [("Bar", f"{card['bar']} (training budget '{card['budget']}')"), ("What would change it", card["change"])]
    body = "".join(f'<dt>{e(k)}</dt><dd class="{e(k.split()[0].lower())}">{e(v)}</dd>' for k, v in rows if v)
    return (
        f'<div class="{cls}" data-corpus="{e(corpus)}" data-verdict="{e(card["verdict"])}">'
        f'<h3>{e(corpus)}: <span class="headline">{e(card["answer"])}</span></h3><dl>{body}</dl></div>'
    )


def _head(title: str) -> list[str]:
    return [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # nothing is loaded from anywhere: images are data: URLs, script and style are inline
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; img-src data:; '
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">",
        f"<title>{html.escape(title)}</title><style>{STYLE}{ASK_STYLE}</style>",
        '<link rel="icon" href="data:,">',
        "</head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]


def _section(s) -> list[str]:
    out = [f'<h2 id="corpus-{html.escape(s.corpus)}">{html.escape(s.corpus)}</h2>', _table(s.table, css="cells")]
    if not s.seeds.empty:
        out += [f'<p class="note">{html.escape(SEEDS_INTRO)}</p>', _table(s.seeds, css="seeds")]
    if not s.significance.empty:
        out.append(
            '<p class="note">Paired significance: row minus column accuracy in points on shared test items; '
            "* = McNemar exact test, Holm-corrected over this corpus's pairs, p &lt; 0.05 (the rule every "
            "verdict and <code>ragorft compare</code> use).</p>"
        )
        out.append(_table(s.significance, sortable=False, index=True, css="significance"))
    if not s.confusions.empty:
        out.append('<p class="note">Confusions shared across cells (from each cell\'s top-10 list).</p>')
        out.append(_table(s.confusions))
    if not s.references.empty:
        out.append(
            '<p class="note"><strong>Published reference numbers, not produced by ragorft</strong> '
            "(other models, same test set).</p>"
        )
        out.append(_table(s.references, css="refs"))
    return out


def html_page(report: Report, captions: dict[str, str]) -> str:
    title = f"ragorft report: suite {report.suite}"
    out = _head(title)
    if not report.sections:
        out += ["<p>No cells yet.</p></body></html>"]
        return "\n".join(out)
    out.append(
        "<nav>"
        + "".join(f'<a href="#corpus-{html.escape(s.corpus)}">{html.escape(s.corpus)}</a>' for s in report.sections)
        + '<a href="#ask">ask the results</a><a href="#reasoning">full reasoning</a></nav>'
    )
    out.append('<h2 id="answer">The answer</h2><div class="cards">')
    out += [answer_card(c, d.card() if d else None, err) for c, d, err in report.decisions]
    out.append("</div>")
    out += ask_section(report.grids)
    out.append('<h2 id="figures">Cost, accuracy and learning curves</h2>')
    out += [_img(path, captions[key]) for key, path in report.figures.items() if key != "confusions"]
    for s in report.sections:
        out += _section(s)
    if "confusions" in report.figures:
        out.append(_img(report.figures["confusions"], captions["confusions"]))
    out += ['<h2 id="reasoning">Full reasoning</h2>', '<div class="reasoning">']
    out.append(markdown_html(recommendation_markdown(report)))
    out.append("</div>")
    out += [f'<p class="note">{html.escape(h)}</p>' for h in report.header]
    out += [f"<script>{SORT_JS}</script>", "</body></html>"]
    return "\n".join(out) + "\n"
