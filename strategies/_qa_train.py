"""What the QA fine-tunes share: the training source, the one tuning rule, exposures and a cloze probe.

``lora_docs``, ``full_ft_docs``, ``lora_qa`` and ``ft_rag`` put facts into the weights the same way:

- Training source (``train_on``): ``"documents"`` (continued pre-training on every document,
  Ovadia et al.), ``"qa"`` (the training split's QA pairs: other people or articles than the
  test's, so the format and not the test facts), ``"documents+qa"`` (the documents for
  ``doc_epochs``, then the training people's QA: Allen-Zhu and Li's bioS protocol, where the QA
  stage teaches the model to extract what the documents stored), ``"generated"`` (QA generated from
  the documents of every person, test people included, asked with question templates the test
  never uses: Soudani et al.; ``data/bios_facts.py``). QA pairs are trained without context.
- Tuning, the one rule (``models/tuning.py``): each learning rate of the grid trains a fresh model
  for at most ``epochs`` epochs; dev is scored every ``eval_every`` epochs, the best epoch's weights
  are kept, and training stops once dev has not risen for ``patience`` checks; the learning rate
  with the best dev score wins (ties: the first in the grid). The documents stage of
  ``"documents+qa"`` runs its ``doc_epochs`` whole: closed-book dev QA cannot judge a model that
  has not yet been taught to answer. ``report["tuning"]`` has every trial's curve (train loss and
  dev score per epoch).
- The dev metric is **contains-gold accuracy** (the gold answer, normalised as SQuAD does, inside
  the answer) on a seeded subset of ``max_dev_examples`` dev questions stratified by question type,
  asked exactly as the test is (same prompt, same retrieval). Not exact match: a small model
  fine-tuned on documents often states an injected fact in its own words ("born in Gigam"), so EM
  stays flat near 0 for epochs while the knowledge grows, and early stopping on a flat curve stops
  on noise; the format is the same for every epoch, so contains-gold tracks the knowledge itself.
- ``report["exposures_per_fact"]``: how often a test fact was in the kept model's training data.
- A dev whose questions are about no trained document (SQuAD: dev is other articles than the
  knowledge base) cannot see facts being injected: for the document sources its curve is recorded
  but stops nothing (every epoch up to the maximum runs; ``tuning["early_stopping"]`` says so).
- ``report["memorisation"]`` (after timing): a cloze probe on the training documents, the share of
  (person, attribute) facts whose value greedy continuation of the document up to it reproduces.
  It tells "not stored" from "stored but not extractable" beside QA accuracy.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import NonNegativeInt, PositiveFloat, PositiveInt
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.data.answers import contains_gold, starts_with
from ragorft.benchmarks.data.bios_facts import (
    HELD_OUT_QUESTIONS,
    cloze_facts,
    generated_qa,
    parse_facts,
    templates_used,
)
from ragorft.benchmarks.data.cards import Example
from ragorft.benchmarks.models.causal_train import DevCheck, train_early_stopped
from ragorft.benchmarks.models.classifier import torch_threads
from ragorft.benchmarks.models.finetune import subset
from ragorft.benchmarks.models.lm import load_causal_lm
from ragorft.benchmarks.models.qa_lm import CausalTrainOptions, build_prompt, generate_answers
from ragorft.benchmarks.models.tuning import best_trial, learning_rate_grid, still_rising, tuning_dev, tuning_report
from ragorft.strategies._knowledge import DocumentIndex, QAStrategy, RetrievalOptions, entity_of, options_of
from ragorft.strategies.base import Report

Source = Literal["documents", "qa", "documents+qa", "generated"]
DocSource = Literal["documents", "documents+qa", "generated"]
#: the grid tried when a suite names none: LoRA from 1e-4 (where LoRA papers tune) to 1e-3; full
#: fine-tuning an order of magnitude lower (every weight moves)
DEFAULT_GRID = {"lora": (1e-4, 3e-4, 1e-3), "full": (1e-5, 3e-5, 1e-4)}
METRIC = "dev contains-gold accuracy (SQuAD normalisation), closed-book or with the run's retrieval"


class QATrainOptions(CausalTrainOptions):
    #: learning rates tried (the one rule); None: DEFAULT_GRID of the method; []: ``learning_rate`` alone
    learning_rates: list[PositiveFloat] | None = None
    #: dev questions each check generates answers for (seeded, stratified by type); 0 = all of dev
    max_dev_examples: NonNegativeInt = 60
    #: checks without a rise before training stops (the best epoch's weights are kept)
    patience: PositiveInt = 2
    #: epochs between dev checks (and after the last)
    eval_every: PositiveInt = 1
    #: ``train_on = "documents+qa"`` only: epochs on the documents before the QA stage
    doc_epochs: PositiveInt = 10
    #: facts the cloze probe asks (a seeded sample); 0 = no probe
    cloze_facts: NonNegativeInt = 300


class TrainedQA(QAStrategy):
    """A QA strategy that fine-tunes its LM in ``fit`` (see the module doc).

    It replaces ``QAStrategy.fit``'s single training run (left as it is in ``_knowledge.py``, whose
    code decides closed-book's and RAG's cache keys) with the tuned one: the retriever is built
    first, so a fine-tune that retrieves is tuned on dev with retrieval, as it is tested.
    """

    #: "lora" or "full"
    method: ClassVar[str | None] = "lora"

    def train_source(self) -> str:
        return getattr(self.options, "train_on", self.train_on)

    def fit(self, train: Sequence[Example]) -> None:
        torch_threads()
        self.model, self.tokenizer = load_causal_lm(self.options.model, self.ctx.device)
        self.tokens_in = self.tokens_out = 0
        self.extra: dict[str, Any] = {}
        self.index = None
        self.retrieved: dict[str, dict[str, list[str]]] = {}
        if self.retrieves and self.options.oracle:
            self.extra["oracle"] = True
        elif self.retrieves:
            self.index = DocumentIndex(self.ctx.documents, options_of(RetrievalOptions, self.options), self.ctx.device)
            self.extra["chunks"] = len(self.index.chunks)
        self.train_model(train)
        self.engine = self._engine(trained=True)

    def train_model(self, train: Sequence[Example]) -> None:
        """Every learning rate of the grid through every stage; keep the model best on dev."""
        o, method, source = self.options, self.method_name(), self.train_source()
        self._train_texts = [ex.text for ex in train]
        stages = self._stages(train, source)
        grid = learning_rate_grid(
            DEFAULT_GRID[method] if o.learning_rates is None else o.learning_rates, o.learning_rate
        )
        dev = tuning_dev(self.ctx.dev or [], o.max_dev_examples, 0, self.ctx.seed)
        self._dev_prompts = [self._prompt(ex.text, ex.doc_ids) for ex in dev]
        known = {d.id for d in self.ctx.documents}
        on_documents = sum(bool(set(ex.doc_ids) & known) for ex in dev) / max(1, len(dev))
        #: dev about documents never trained on (SQuAD: other articles) cannot see facts being
        #: injected: its curve is recorded, but it stops nothing (epochs run to the maximum)
        self._patience = o.patience if on_documents or source == "qa" else None
        trials, best_score, base = [], float("-inf"), self.model
        for i, lr in enumerate(grid):
            model, reports = self._trial(lr, stages, dev, base if i == 0 else None)
            last = reports[-1]
            scores = [c["dev_score"] for c in last["curves"] if "dev_score" in c]
            kept = next((c["dev_score"] for c in last["curves"] if c["epoch"] == last["kept_epoch"]), 0.0)
            trials.append(
                {
                    "learning_rate": lr,
                    "dev_score": kept,
                    "kept_epoch": last["kept_epoch"],
                    "epochs_run": last["epochs_run"],
                    "hit_max_epochs_still_rising": still_rising(scores, -(-o.epochs // o.eval_every)),
                    "curves": {name: r["curves"] for (name, _, _), r in zip(stages, reports, strict=True)},
                }
            )
            if kept > best_score:
                self.model, best_score, best_reports = model, kept, reports
            del model
        chosen = best_trial(trials, key="dev_score")
        self._record(source, method, stages, best_reports, trials[chosen])
        self.extra["tuning"] = tuning_report(
            "learning_rate", grid, trials, chosen, n_dev=len(dev), n_dev_available=len(self.ctx.dev or []),
            max_epochs=o.epochs, patience=o.patience,
        ) | {
            "metric": METRIC, "eval_every_epochs": o.eval_every, "dev_on_trained_documents": on_documents,
            "early_stopping": self._patience is not None,
        }  # fmt: skip

    def _stages(self, train: Sequence[Example], source: str) -> list[tuple[str, list[tuple[str, str]], bool]]:
        """(name, training pairs, early-stopped on dev) per stage, in training order."""
        docs, qa = (lambda: self._document_pairs()), (lambda: self._qa_pairs(train))
        return {
            "documents": lambda: [("documents", docs(), True)],
            "qa": lambda: [("qa", qa(), True)],
            "documents+qa": lambda: [("documents", docs(), False), ("qa", qa(), True)],
            "generated": lambda: [("generated", self._generated_pairs(), True)],
        }[source]()

    def _document_pairs(self) -> list[tuple[str, str]]:
        if not self.ctx.documents:
            raise RagorftError(f"{self.name} trains on documents: the corpus has none (task = 'qa')")
        return [("", d.text) for d in self.ctx.documents]

    def _as_training(self, question: str, answer: str) -> tuple[str, str]:
        """The closed-book prompt, then the answer (plain prompts end in "Answer:": a space leads)."""
        style = self.options.prompt_style
        return build_prompt(self.tokenizer, question, style=style), (" " if style == "plain" else "") + answer

    def _qa_pairs(self, train: Sequence[Example]) -> list[tuple[str, str]]:
        if self.options.max_train_examples:  # a seeded subset, the same for every QA-trained strategy
            train = subset(train, self.options.max_train_examples, self.ctx.seed)
        return [self._as_training(ex.text, ex.label) for ex in train]

    def _generated_pairs(self) -> list[tuple[str, str]]:
        qa = generated_qa(parse_facts(self.ctx.documents))
        if not qa:
            raise RagorftError(
                f"{self.name}: train_on = 'generated' needs documents rendered from the synthetic generator's "
                "templates (data/bios_facts.py); this corpus has none"
            )
        self.extra["question_templates"] = templates_used()
        return [self._as_training(q, a) for q, a in qa]

    def _trial(self, lr: float, stages: Sequence, dev: Sequence[Example], model: Any = None) -> tuple[Any, list]:
        """The base (``model``, else a fresh load) trained through ``stages`` at ``lr``; (model, stage reports)."""
        o = self.options
        if model is None:
            model, _ = load_causal_lm(o.model, self.ctx.device)
        reports = []
        for name, pairs, stops in stages:
            epochs = o.doc_epochs if not stops and name == "documents" else o.epochs
            opts = CausalTrainOptions.model_validate(
                {k: getattr(o, k) for k in CausalTrainOptions.model_fields} | {"learning_rate": lr, "epochs": epochs}
            )
            check = (
                DevCheck(lambda m, dev=dev: self._dev_score(m, dev), self._patience, o.eval_every)
                if stops and dev
                else None
            )
            with tempfile.TemporaryDirectory(prefix="ragorft-qa-") as work:
                model, report = train_early_stopped(
                    model, self.tokenizer, pairs, self.method_name(), opts, Path(work),
                    seed=self.ctx.seed, cuda=self.ctx.device == "cuda", progress=self.ctx.progress, check=check,
                )  # fmt: skip
            reports.append(report)
        return model, reports

    def _prompt(self, question: str, gold: Sequence[str]) -> str:
        """``question`` asked as the test asks it: with this run's retrieval (or oracle), if any."""
        contexts: list[str] = []
        if self.retrieves and self.options.oracle:  # the first rendering of each gold entity
            first: dict[str, str] = {}
            for doc_id in gold:
                first.setdefault(entity_of(doc_id), doc_id)
            texts = {d.id: d.text for d in self.ctx.documents}
            contexts = [texts[i] for i in first.values() if i in texts]
        elif self.index is not None:
            contexts = [c.page_content for c in self.index.search(question)]
        return build_prompt(self.tokenizer, question, contexts, self.options.prompt_style)

    def _dev_score(self, model: Any, dev: Sequence[Example]) -> float:
        o = self.options
        out = generate_answers(
            model, self.tokenizer, self._dev_prompts,
            max_new_tokens=o.max_new_tokens, batch_size=o.batch_size, max_prompt_tokens=o.max_prompt_tokens,
        )  # fmt: skip
        return float(
            np.mean([contains_gold(a, ex.answers or (ex.label,)) for a, ex in zip(out.answers, dev, strict=True)])
        )

    def _record(self, source: str, method: str, stages: Sequence, reports: Sequence[dict], chosen: dict) -> None:
        """The kept model's training report, and how often a test fact was in its training data."""
        params = [(r.pop("params_trained"), r.pop("params_total")) for r in reports]
        # two LoRA stages train two adapters (both merged in); full fine-tuning trains the same weights twice
        self.params = (min(sum(p for p, _ in params), params[0][1]), params[0][1])
        last = reports[-1]
        self.extra |= {k: v for k, v in last.items() if k != "curves"} | {"train_on": source, "method": method}
        self.extra["train_rows"] = sum(r["train_rows"] for r in reports)
        self.extra["train_tokens"] = sum(r["train_tokens"] for r in reports)
        self.extra["train_wall_s"] = sum(r["train_wall_s"] for r in reports)
        self.extra["curves"] = chosen["curves"]
        entities = Counter(entity_of(d.id) for d in self.ctx.documents)
        renderings = len(self.ctx.documents) / max(1, len(entities))
        passes = {name: r["kept_epoch"] for (name, _, _), r in zip(stages, reports, strict=True)}
        per_template = min(len(q) for q in HELD_OUT_QUESTIONS.values()) if source == "generated" else 1
        qa_passes = passes.get("qa", passes.get("generated", 0)) * per_template
        self.extra["exposures_per_fact"] = {
            "documents": renderings * passes.get("documents", 0),
            "qa": qa_passes if source == "generated" else 0,
            "qa_of_training_people": qa_passes if source in ("qa", "documents+qa") else 0,
            "note": "documents: renderings of the fact x kept epochs; qa: QA pairs asking it x kept epochs "
            "(training QA covers only the training people, generated QA every person)",
        }

    def memorisation(self) -> dict[str, Any] | None:
        """The cloze probe (module doc) on a seeded sample of ``cloze_facts`` facts; None without any."""
        o = self.options
        facts = cloze_facts(parse_facts(self.ctx.documents), {d.id: d.text for d in self.ctx.documents})
        if not facts or not o.cloze_facts:
            return None
        rng = np.random.default_rng([self.ctx.seed, 17])
        picked = [facts[i] for i in sorted(rng.permutation(len(facts))[: o.cloze_facts])]
        out = generate_answers(
            self.model, self.tokenizer, [prefix for _, prefix in picked],
            max_new_tokens=o.max_new_tokens, batch_size=o.batch_size, max_prompt_tokens=o.max_prompt_tokens,
        )  # fmt: skip
        hits = [starts_with(a, f.value) for a, (f, _) in zip(out.answers, picked, strict=True)]
        asked = {f.name for _, (f, _) in zip(hits, picked, strict=True) if any(f.name in q for q in self._train_texts)}
        unasked = [h for h, (f, _) in zip(hits, picked, strict=True) if f.name not in asked]
        return {
            "probe": "greedy continuation of the training document up to the value reproduces the value",
            "facts_available": len(facts),
            "facts": len(hits),
            "share": float(np.mean(hits)),
            "people_without_training_qa": {
                "facts": len(unasked),
                "share": float(np.mean(unasked)) if unasked else None,
            },
        }

    def report(self) -> Report:
        """``QAStrategy.report`` (the forgetting probe included), with the cloze probe."""
        if "memorisation" not in self.extra:
            self.extra["memorisation"] = self.memorisation()
        return super().report()
