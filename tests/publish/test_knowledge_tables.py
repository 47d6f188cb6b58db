"""RESULTS.md's knowledge tables: contains-gold, the chance floor, retrieval and per-type exact match."""

from __future__ import annotations

from ragorft.benchmarks.publish.knowledge import knowledge_markdown
from ragorft.benchmarks.score.record import score_record

ANSWERS = [["Gigam"], ["Traigrol"], ["Music"], ["Physics"]]
TYPES = ["birth_city", "birth_city", "major", "major"]
TRAIN = {"birth_city": {"Gigam": 3, "Bor": 1}, "major": {"Music": 1, "Physics": 2}}
TEXTS = {"d0": "Born in Gigam.", "d1": "Born in Traigrol.", "d2": "Studied Music.", "d3": "Studied Physics."}


def _record(run: str, preds: list[str], retrieved: list[list[str]] | None = None) -> dict:
    scoring = {
        "task": "qa",
        "answers": ANSWERS,
        "gold_doc_ids": [["d0"], ["d1"], ["d2"], ["d3"]],
        "question_types": TYPES,
        "train_answers": TRAIN,
        "retrieved": None
        if retrieved is None
        else [{"doc_ids": ids, "contexts": [TEXTS.get(i, "Nothing here.") for i in ids]} for ids in retrieved],
    }
    rec = {"run": run, "seed": 0, "n_train": 0, "predictions": preds, "scoring": scoring}
    rec["strategy_meta"] = {"role": "rag" if retrieved else "closed_book"}
    return rec | {"metrics": score_record(rec)}


def rows(lines: list[str]) -> dict[str, list[str]]:
    cells = [[c.strip() for c in line.split("|")[1:-1]] for line in lines if line.startswith("| ")]
    return {row[0]: row[1:] for row in cells[1:]}


def test_knowledge_tables_show_what_exact_match_hides() -> None:
    closed = _record("closed_book", ["Gigam", "no", "no", "no"])
    rag = _record("rag_qa", ["Gigam", "born in Traigrol", "Music", "x"], [["d0", "d9"], ["d1"], ["d7"], ["d3"]])
    lines = "\n".join(knowledge_markdown([rag, closed])).splitlines()
    table = rows(lines[: lines.index("Exact match per question type (%):")])
    # seed, EM, contains gold, floor, recall@k, gold in context, EM given context, context precision
    assert table["rag_qa"][1].startswith("50.0 [") and table["rag_qa"][2].startswith("75.0 [")
    assert table["rag_qa"][3] == table["closed_book"][3] == "50.0"  # the majority guesses Gigam, Physics
    assert table["rag_qa"][4].startswith("75.0 [") and table["rag_qa"][5].startswith("75.0 [")
    assert table["rag_qa"][6:] == ["33.3", "62.5"]  # 1 of 3 right with the answer in context; 1/2, 1, 0, 1
    assert table["closed_book"][1].startswith("25.0 [") and table["closed_book"][4:] == ["-", "-", "-", "-"]
    per_type = rows(lines[lines.index("Exact match per question type (%):") :])
    assert per_type["rag_qa"][1:] == ["50.0", "50.0"] and per_type["closed_book"][1:] == ["50.0", "0.0"]
    assert knowledge_markdown([{"metrics": {"headline": "frame_em"}}]) == []


def test_fine_tunes_show_their_tuning_exposures_and_memorisation() -> None:
    """The fine-tune table reads the report a tuned QA fine-tune writes (strategies/_qa_train.py)."""
    tuned = _record("lora_docs-docs-qa", ["Gigam", "no", "no", "no"])
    chosen = {"learning_rate": 3e-4, "dev_score": 0.25, "kept_epoch": 4, "epochs_run": 6}
    tuned["report"] = {
        "train_on": "documents+qa",
        "tuning": {"grid": [1e-4, 3e-4, 1e-3], "chosen": chosen | {"hit_max_epochs_still_rising": False}},
        "exposures_per_fact": {"documents": 100.0, "qa": 0, "qa_of_training_people": 4},
        "memorisation": {"share": 0.6, "people_without_training_qa": {"facts": 120, "share": 0.5}},
    }
    closed = _record("closed_book", ["Gigam", "no", "no", "no"]) | {"report": {}}
    lines = "\n".join(knowledge_markdown([tuned, closed])).splitlines()
    table = rows(lines[lines.index(next(x for x in lines if x.startswith("Fine-tunes"))) :])
    assert list(table) == ["lora_docs-docs-qa"]  # closed-book trains nothing
    assert table["lora_docs-docs-qa"][1:] == [
        "documents+qa",
        "0.0003 (of 3)",
        "4 / 6",
        "25.0",
        "100 in documents, 4 as QA (training people only)",
        "60.0",
        "50.0",
    ]
