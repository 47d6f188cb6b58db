"""README's verdicts and docs/deciding.md's examples are what `ragorft recommend` prints on the committed records."""

from __future__ import annotations

from pathlib import Path

import pytest
from ragorft.benchmarks.commands.cli import main

from tools import deciding_examples as de

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not (ROOT / "results" / "default" / "cells").is_dir(), reason="no committed records")


@pytest.mark.parametrize("name", sorted(de.BLOCKS))
def test_generated_block_matches_what_ragorft_recommend_prints(name, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    start, end, document, examples = de.BLOCKS[name]
    text = (ROOT / document).read_text(encoding="utf-8")
    assert start in text and end in text, document
    block = text.split(start, 1)[1].split(end, 1)[0]
    for title, flags in examples:
        argv = de.command(flags)
        assert main(argv) == 0
        printed = capsys.readouterr().out
        shown = f"$ ragorft {' '.join(argv)}\n{de.excerpt(printed, de.steps(name)).rstrip()}\n```"
        assert f"{title}:" in block
        assert shown in block, (
            f"{document}'s '{title}' no longer matches `ragorft {' '.join(argv)}`: regenerate it with "
            "python -m tools.deciding_examples"
        )


def test_check_mode_reports_a_stale_block(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    stale = tmp_path / "deciding.md"
    stale.write_text(f"intro\n{de.START}\nold\n{de.END}\noutro\n", encoding="utf-8")
    argv = ["--block", "examples", "--file", str(stale)]
    assert de.main([*argv, "--check"]) == 1
    assert de.main(argv) == 0 and de.main([*argv, "--check"]) == 0
    text = stale.read_text(encoding="utf-8")
    assert text.startswith("intro\n") and text.endswith("outro\n") and "$ ragorft recommend" in text
    (tmp_path / "bare.md").write_text("no markers\n", encoding="utf-8")
    assert de.main(["--block", "examples", "--file", str(tmp_path / "bare.md")]) == 2
