"""The page's "ask the results" panels: controls, and a script that shows the precomputed entry.

The script decides nothing: it unpacks the entries ``explore.py`` computed with the decide package,
turns the controls' positions into an entry's index (row-major over the controls, the order
``itertools.product`` made them in) and writes that entry's texts with ``textContent`` only, so no
text from a record is ever parsed as HTML.
"""

from __future__ import annotations

import html
import json
from typing import Any

STYLE = """
.ask { border: 1px solid #bbb; border-radius: 6px; padding: 0.6em 1em; margin: 1em 0; }
.ask form { display: flex; flex-wrap: wrap; gap: 0.6em 1.2em; margin-bottom: 0.6em; }
.ask label { display: flex; flex-direction: column; font-size: 0.85em; color: #444; }
.ask .verdict { font-weight: bold; padding: 1px 6px; border-radius: 4px; background: #e6f4ea; }
.ask .verdict.no-ship { background: #fdf0e1; }
.ask ol li { margin-bottom: 0.3em; }
.ask .evidence { color: #555; font-size: 0.9em; }
"""

SCRIPT = """
(function () {
  function unpack(b64) {
    var bytes = Uint8Array.from(atob(b64), function (c) { return c.charCodeAt(0); });
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
    return new Response(stream).text().then(JSON.parse);
  }
  function put(panel, cls, text) {
    panel.querySelectorAll("." + cls).forEach(function (el) { el.textContent = text || ""; });
  }
  function render(panel, e) {
    var verdict = panel.querySelector(".verdict");
    verdict.textContent = e.error ? "refused" : e.verdict;
    verdict.className = "verdict" + (e.verdict === "ship" ? "" : " no-ship");
    put(panel, "ask-command", e.command);
    put(panel, "ask-candidate", e.error ? "" : (e.chosen || "none clears it; closest: " + (e.runner_up || "none")));
    put(panel, "ask-headline", e.error ? "ragorft recommend refuses this requirement: " + e.error : e.answer);
    ["why", "cost", "priced", "change", "requirement"].forEach(function (k) { put(panel, "ask-" + k, e[k]); });
    var steps = panel.querySelector(".ask-steps");
    steps.replaceChildren();
    (e.steps || []).forEach(function (s) {
      var li = document.createElement("li");
      var q = document.createElement("strong");
      q.textContent = "[" + s.step + "] " + s.question + " ";
      li.appendChild(q);
      li.appendChild(document.createTextNode(s.answer));
      if (s.evidence.length) {
        var ul = document.createElement("ul");
        s.evidence.forEach(function (x) {
          var item = document.createElement("li");
          item.className = "evidence";
          item.textContent = x;
          ul.appendChild(item);
        });
        li.appendChild(ul);
      }
      steps.appendChild(li);
    });
    var body = panel.querySelector(".ask-breakeven tbody");
    body.replaceChildren();
    (e.break_even || []).forEach(function (row) {
      var tr = document.createElement("tr");
      row.forEach(function (cell) {
        var td = document.createElement("td");
        td.textContent = cell;
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    panel.querySelector(".ask-breakeven").hidden = !(e.break_even || []).length;
  }
  document.querySelectorAll("section.ask").forEach(function (panel) {
    var data = JSON.parse(panel.querySelector("script.ask-data").textContent);
    var selects = Array.prototype.slice.call(panel.querySelectorAll("select[data-field]"));
    if (typeof DecompressionStream === "undefined") {
      put(panel, "ask-headline", "This browser cannot unpack the answers (it lacks DecompressionStream).");
      return;
    }
    unpack(data.entries).then(function (entries) {
      function show() {
        var i = 0;
        selects.forEach(function (s, k) { i = i * data.controls[k].options.length + s.selectedIndex; });
        render(panel, entries[i]);
      }
      selects.forEach(function (s) { s.addEventListener("change", show); s.disabled = false; });
      show();
      panel.setAttribute("data-ready", "true");
    });
  });
})();
"""


def _json_for_script(data: Any) -> str:
    """JSON safe inside a <script> element: no "</script>", "<!--" or "&" can appear in it."""
    text = json.dumps(data, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _select(k: int, control: dict[str, Any]) -> str:
    e = html.escape
    options = "".join(
        f'<option value="{i}"{" selected" if i == control["initial"] else ""}>{e(shown)}</option>'
        for i, shown in enumerate(control["options"])
    )
    return (
        f'<label>{e(control["label"])}<select data-field="{e(control["field"])}" data-index="{k}" disabled>'
        f"{options}</select></label>"
    )


def ask_panel(grid: dict[str, Any]) -> str:
    """One corpus's panel: its controls, the answer's slots, and its entries as packed JSON."""
    e = html.escape
    corpus = e(grid["corpus"])
    controls = "".join(_select(k, c) for k, c in enumerate(grid["controls"]))
    data = {"controls": grid["controls"], "entries": grid["entries"]}
    return (
        f'<section class="ask" data-corpus="{corpus}"><h3>{corpus}</h3><form>{controls}</form>'
        '<p><span class="verdict"></span> <strong class="ask-headline">Needs JavaScript to answer.</strong></p>'
        '<dl><dt>Candidate</dt><dd class="ask-candidate"></dd><dt>Why</dt><dd class="ask-why"></dd>'
        '<dt>Cost and errors</dt><dd class="ask-cost"></dd><dt>Errors priced</dt><dd class="ask-priced"></dd>'
        '<dt>What would change it</dt><dd class="ask-change"></dd>'
        '<dt>Requirement</dt><dd class="ask-requirement"></dd></dl>'
        '<table class="ask-breakeven" hidden><thead><tr><th>rival</th><th>becomes cheaper by volume</th>'
        "<th>becomes cheaper by cost per error</th></tr></thead><tbody></tbody></table>"
        '<p class="note">Reasons, step by step, as <code class="ask-command"></code> prints them:</p>'
        '<ol class="ask-steps"></ol>'
        f'<script type="application/json" class="ask-data">{_json_for_script(data)}</script></section>'
    )


def ask_section(grids: list[dict[str, Any]]) -> list[str]:
    """The page's "ask" section: an intro, one panel per corpus, and the script."""
    if not grids:
        return []
    intro = (
        "Change the requirement and read the answer for it: every combination below was decided in "
        "advance by the same code as <code>ragorft recommend</code> (the command is shown with each "
        "answer); the break-even lines say where between these values the answer flips."
    )
    return [
        '<h2 id="ask">Ask the results</h2>',
        f'<p class="note">{intro}</p>',
        *(ask_panel(g) for g in grids),
        f"<script>{SCRIPT}</script>",
    ]
