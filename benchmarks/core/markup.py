"""Text from users (class labels, card fields, commands) made inert in Markdown, tables and plots.

A label is data: ``[click me](https://evil.example/x)`` must print as those characters, not as a
link; ``"\\n\\n## INJECTED"`` must not start a heading; ``<script>`` must not reach a page as a
tag; ``|`` must not split a table row; ``fee_$1_vs_$2`` must not be parsed as matplotlib math.
The report's prose carries its own markup (``**``, code spans around commands) with labels inside
it, so :func:`md_inline` escapes everything outside the code spans the prose opens and closes;
a code span shows its content literally in every CommonMark renderer, so nothing inside one is
live either.
"""

from __future__ import annotations

import re
import unicodedata

# characters that can open inline markup anywhere in CommonMark, GitHub's flavour (tables,
# strikethrough, math) or HTML (tags, entities): each is ASCII punctuation, so a backslash makes it
# a literal character. ``]`` only closes a link or image when ``(`` or ``[`` follows it, and ``_``
# only emphasises at a word's edge: escaped there only, so "[91.0, 93.2]" and "rag_lm" stay as typed.
_ALWAYS = set("\\*<&|~$")
_BACKTICKS = re.compile(r"`+")
# what opens a block when a line starts with it (heading, quote, list, setext or table rule);
# a label can start a line (an evidence item that names a pair begins with its label)
_BLOCK_START = re.compile(r"^(?:[#>+=-]|\d{1,9}[.)](?=\s|$))")


def one_line(text: object) -> str:
    """``text`` as one line: line breaks and other control characters become spaces.

    Markdown's blocks (headings, lists, tables, paragraphs) start at line starts, so text with no
    line break can never open one.
    """
    return "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in str(text))


def _escape(text: str) -> str:
    out = []
    for i, ch in enumerate(text):
        after = text[i + 1 : i + 2]
        if (
            ch in _ALWAYS
            or (ch == "]" and after in ("(", "["))
            or (ch == "_" and not (i and text[i - 1].isalnum() and after.isalnum()))
        ):
            out.append("\\")
        out.append(ch)
    return "".join(out)


def md_inline(text: object, *, cell: bool = False) -> str:
    """Prose made safe for Markdown: one line, markup characters escaped outside matched code spans.

    A backtick run that a run of the same length closes is a code span, kept (its content is shown
    literally); an unmatched run is escaped, so it opens nothing. ``cell``: for a table cell, where
    a ``|`` even inside a code span would end the cell unless escaped.
    """
    line = one_line(text).lstrip()  # leading spaces would indent it into a code block
    if not line:
        return "\u00a0"  # blank: a no-break space, since an empty line item under text can underline it
    start = _BLOCK_START.match(line)
    out, pos = [], 0
    if start:
        out.append(line[: start.end() - 1] + "\\" + line[start.end() - 1])
        pos = start.end()
    while pos < len(line):
        opening = _BACKTICKS.search(line, pos)
        if not opening:
            out.append(_escape(line[pos:]))
            break
        out.append(_escape(line[pos : opening.start()]))
        fence = opening.group()
        closing = next((m for m in _BACKTICKS.finditer(line, opening.end()) if m.group() == fence), None)
        if closing is None:
            out.append("\\`" * len(fence))
            pos = opening.end()
            continue
        code = line[opening.end() : closing.start()]
        out.append(fence + (code.replace("|", "\\|") if cell else code) + fence)
        pos = closing.end()
    return "".join(out)


def md_cell(text: object) -> str:
    """A table cell's text made safe for a Markdown table (GitHub's pipes included)."""
    return md_inline(text, cell=True)


def md_code(text: object) -> str:
    """``text`` as one inline code span whatever backticks it holds (a fence longer than any run in it)."""
    line = one_line(text)
    longest = max((len(m) for m in _BACKTICKS.findall(line)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if line.startswith("`") or line.endswith("`") or not line.strip() else ""
    return f"{fence}{pad}{line}{pad}{fence}"


def mpl_text(text: object) -> str:
    """Text for a matplotlib label: ``$`` escaped, so a label with two of them is not math text."""
    return one_line(text).replace("$", r"\$")


def md_table(df, *, index: bool = False, **options) -> str:
    """A pandas frame as a Markdown table with every text cell, header and index label made inert."""
    safe = df.rename(columns=md_cell, index=md_cell if index else None)
    safe = safe.map(lambda v: md_cell(v) if isinstance(v, str) else v)
    return safe.to_markdown(index=index, **options)
