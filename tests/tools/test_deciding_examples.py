"""README's "Deciding" examples are what `ragorft recommend` prints on the committed records."""

from __future__ import annotations

from pathlib import Path

import pytest
from ragorft.benchmarks.commands.cli import main

from tools import deciding_examples as de

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not (ROOT / "results" / "default" / "cells").is_dir(), reason="no committed records")


def test_readme_deciding_block_matches_what_ragorft_recommend_prints(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert de.START in readme and de.END in readme
    block = readme.split(de.START, 1)[1].split(de.END, 1)[0]
    for title, flags in de.EXAMPLES:
        argv = de.command(flags)
        assert main(argv) == 0
        printed = capsys.readouterr().out
        shown = f"$ ragorft {' '.join(argv)}\n{de.excerpt(printed).rstrip()}\n```"
        assert f"{title}:" in block
        assert shown in block, (
            f"README's '{title}' no longer matches `ragorft {' '.join(argv)}`: regenerate it with "
            "python -m tools.deciding_examples"
        )


def test_check_mode_reports_a_stale_block(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    stale = tmp_path / "README.md"
    stale.write_text(f"intro\n{de.START}\nold\n{de.END}\noutro\n", encoding="utf-8")
    assert de.main(["--readme", str(stale), "--check"]) == 1
    assert de.main(["--readme", str(stale)]) == 0 and de.main(["--readme", str(stale), "--check"]) == 0
    text = stale.read_text(encoding="utf-8")
    assert text.startswith("intro\n") and text.endswith("outro\n") and "$ ragorft recommend" in text
    (tmp_path / "bare.md").write_text("no markers\n", encoding="utf-8")
    assert de.main(["--readme", str(tmp_path / "bare.md")]) == 2
