"""``ragorft corpus validate``: the checks a corpus should pass before anyone trusts its numbers.

Errors (unreadable or malformed files, missing columns, empty texts, test labels absent from
train) stop loading and name the file and row. Warnings (duplicates, train/test overlap, class
imbalance) are reported but do not stop anything: they are facts a user should know.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ragorft.benchmarks.data.cards import Corpus, load_corpus

IMBALANCE_RATIO = 5.0  # largest / smallest class in train above this is worth a warning


@dataclass
class Validation:
    corpus: Corpus
    warnings: list[str] = field(default_factory=list)
    stats: dict[str, object] = field(default_factory=dict)


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def validate(name_or_path: str | Path, data_dir: Path | None = None) -> Validation:
    corpus = load_corpus(name_or_path, data_dir)  # raises on every hard error
    result = Validation(corpus)
    splits = {"train": corpus.train, "test": corpus.test}
    if corpus.dev is not None:
        splits["dev"] = corpus.dev
    for split, examples in splits.items():
        seen: dict[str, str] = {}
        dups = []
        for ex in examples:
            key = _norm(ex.text)
            if key in seen:
                dups.append((ex, seen[key]))
            else:
                seen[key] = ex.source
        if dups:
            ex, first = dups[0]
            result.warnings.append(f"{split}: {len(dups)} duplicate texts, e.g. {ex.source} repeats {first}")
    train_texts = defaultdict(list)
    for ex in corpus.train:
        train_texts[_norm(ex.text)].append(ex)
    for split in ("dev", "test"):
        leaked = [ex for ex in splits.get(split, []) if _norm(ex.text) in train_texts]
        if leaked:
            conflicting = sum(1 for ex in leaked if all(t.label != ex.label for t in train_texts[_norm(ex.text)]))
            result.warnings.append(
                f"{split}: {len(leaked)} texts also in train (leakage), e.g. {leaked[0].source}; "
                f"{conflicting} of them with a different label"
            )
    if corpus.card.task == "qa":  # answers are not classes: no imbalance check, QA facts instead
        result.stats = _qa_stats(corpus, splits)
        return result
    counts = Counter(ex.label for ex in corpus.train)
    small, big = min(counts.values()), max(counts.values())
    if small and big / small > IMBALANCE_RATIO:
        result.warnings.append(f"train: class imbalance {big}:{small} (largest:smallest) exceeds {IMBALANCE_RATIO:g}:1")
    result.stats = {
        "labels": len(corpus.labels),
        **{f"{s}_rows": len(v) for s, v in splits.items()},
        "train_per_class_min": small,
        "train_per_class_max": big,
    }
    return result


def _qa_stats(corpus: Corpus, splits: dict[str, list]) -> dict[str, object]:
    """Documents, questions per split, answers per question, and how many test questions name a gold document."""
    test = splits["test"]
    return {
        "documents": len(corpus.documents),
        **{f"{s}_questions": len(v) for s, v in splits.items()},
        "answers_per_question_max": max(len(ex.answers) for ex in test),
        "test_with_gold_document": sum(1 for ex in test if ex.doc_ids),
    }
