"""Capability-ceiling evidence: the same strategy and budget on several bases, per corpus, plotted."""

from __future__ import annotations

from pathlib import Path

from ragorft.benchmarks.publish import plots

from tests.helpers.records import record, spread

BASES = ["SmolLM2-135M-Instruct", "Qwen2.5-Coder-0.5B-Instruct", "Qwen2.5-Coder-1.5B-Instruct"]


def _ladder() -> list[dict]:
    recs = []
    for corpus in ("a", "b"):
        for i, model in enumerate(BASES):
            run = f"rag_lm-{i}"
            recs.append(
                record(
                    run,
                    spread(300 - 100 * i),
                    budget="10shot",
                    corpus=corpus,
                    options={"model": model},
                    cost={"params_total": 134_515_008 if i == 0 else 1},
                )
            )
    # a strategy on one base only is not evidence about size: left out
    recs.append(record("few_shot", spread(500), budget="10shot", corpus="a", options={"model": BASES[0]}))
    for r in recs:  # the report's tables want macro-F1 too; accuracy stands in for it here
        r["metrics"] |= {"macro_f1": r["metrics"]["accuracy"], "macro_f1_ci": r["metrics"]["accuracy_ci"]}
    return recs


def test_rows_take_the_registry_nominal_count_and_keep_only_multi_base_groups() -> None:
    rows = plots.base_size_rows(_ladder())
    assert set(rows["strategy"]) == {"rag_lm"} and len(rows) == 6
    a = rows[rows["corpus"] == "a"]
    # SmolLM2's card may carry no `params`: the record's own count is used; the Qwen cards' nominal counts
    assert list(a["params"]) == [134_515_008, 494_032_768, 1_543_714_304]
    assert list(a["model"]) == BASES
    assert (a["accuracy"].diff().dropna() > 0).all()
    assert ((a["accuracy_lo"] <= a["accuracy"]) & (a["accuracy"] <= a["accuracy_hi"])).all()


def test_plot_is_written_and_absent_without_a_ladder(tmp_path: Path) -> None:
    out = plots.accuracy_vs_base_size(_ladder(), tmp_path / "size.png")
    assert out is not None and out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    one_base = [r for r in _ladder() if r["options"]["model"] == BASES[0]]
    assert plots.accuracy_vs_base_size(one_base, tmp_path / "none.png") is None
    assert not (tmp_path / "none.png").exists()


def test_report_carries_the_size_figure_only_for_a_ladder(tmp_path: Path) -> None:
    from ragorft.benchmarks.publish.content import CAPTIONS, build_report

    ladder = build_report(tmp_path / "ladder", "ladder", records=_ladder())
    assert ladder.figures["size"].name == "accuracy_vs_base_size.png" and ladder.figures["size"].is_file()
    assert "base model size" in CAPTIONS["size"]
    one_base = [r for r in _ladder() if r["options"]["model"] == BASES[0]]
    assert "size" not in build_report(tmp_path / "flat", "flat", records=one_base).figures


def test_a_qa_ladder_keeps_the_oracle_ceiling_apart_from_the_strategy() -> None:
    """rag_qa and its oracle run share a strategy name; the oracle is the reader's ceiling, so it is
    its own line, and the axis names the headline metric (exact match for QA)."""
    recs = []
    for i, model in enumerate(BASES[:2]):
        for run, role in (("rag_qa", "retrieval"), ("rag_qa-oracle", "oracle")):
            r = record(run, spread(200 - 50 * i), corpus="squad", options={"model": model})
            r["strategy"], r["strategy_meta"] = "rag_qa", {"role": role}
            r["metrics"]["headline"] = "exact_match"
            recs.append(r)
    rows = plots.base_size_rows(recs)
    assert sorted(set(rows["strategy"])) == ["rag_qa", "rag_qa (oracle)"]
    assert (rows.groupby("strategy")["model"].nunique() == 2).all()
    assert set(rows["metric"]) == {"exact match"}
