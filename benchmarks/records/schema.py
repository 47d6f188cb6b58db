"""The cell record's one schema: what a cell writes, what the store validates on every read.

Why typed: a record with a valid checksum can still hold the wrong shape (a string seed, a NaN
timing, a QA record without its gold answers), and a reader that trusts it fails later with a
traceback far from the file. Validated here, a bad record is one line naming the file and the
field. The strategy's free-form ``report`` keeps extra keys (each strategy reports its own), with
its shared parts (tuning, abstention, forgetting, base model) typed.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, Strict, model_validator
from ragorft.benchmarks.core.constrained import Fraction, NonNegFloat, NonNegInt, Number
from ragorft.benchmarks.core.schema import Schema


class LatencyMs(Schema):
    model_config = ConfigDict(extra="allow")  # p50/p95 spreads and counts vary with the plan
    p50: Number | None = None
    p95: Number | None = None


class Timing(Schema):
    train_seconds: NonNegFloat
    predict_seconds_per_query: NonNegFloat
    predict_seconds_per_query_spread: list[Number] = []
    serving_batch_size: NonNegInt | None = None
    latency_ms: LatencyMs = LatencyMs()
    scoring_seconds: NonNegFloat | None = None
    scoring_items: NonNegInt | None = None
    load: dict[str, Any] = {}
    cell_seconds: NonNegFloat | None = None
    predict_seconds: NonNegFloat | None = None


class Memory(Schema):
    peak_rss_mb: NonNegFloat
    process_start_rss_mb: Number | None = None
    start_rss_mb: Number | None = None
    peak_increase_mb: Number | None = None
    own_process: bool | None = None
    cuda_max_allocated_mb: NonNegFloat | None = None


class Cost(Schema):
    params_trained: NonNegInt = 0
    params_total: NonNegInt = 0
    tokens_in: NonNegInt = 0
    tokens_out: NonNegInt = 0


class Provenance(Schema):
    device: str
    command: str = ""
    versions: dict[str, str] = {}
    machine: dict[str, Any] = {}
    determinism: dict[str, Any] = {}
    created: str = ""
    pid: int | None = None


class TestItemsKey(Schema):
    n: NonNegInt
    sha256: str
    sample_seed: int


class KeyParts(Schema):
    """run/key.key_parts: what the cache key hashes (options and fingerprints stay open maps)."""

    schema_: int = Field(alias="schema")
    ragorft: str
    corpus_key: str
    strategy: str
    strategy_version: str
    options: dict[str, Any]
    budget: int | Literal["full"]
    seed: int
    test_items: TestItemsKey
    code: dict[str, str]
    harness: dict[str, str]
    models: dict[str, str]
    packages: dict[str, str]
    device: str
    threads: int
    timing_plan: dict[str, int]


class Tuning(Schema):
    model_config = ConfigDict(extra="allow")  # a strategy may add its knob's own details
    rule: str
    knob: str
    grid: list[Any]
    trials: list[dict[str, Any]]
    chosen: dict[str, Any]
    n_dev: NonNegInt
    dev: str
    max_epochs: int | None = None
    patience: int | None = None
    hit_max_epochs_still_rising: bool | None = None


class Abstention(Schema):
    label: str
    threshold: Number | None  # None: calibration chose never to abstain
    rule: str
    dev_in_scope_accuracy: Number
    dev_oos_recall: Number
    dev_in_scope_accuracy_without: Number
    dev_oos_recall_without: Number
    n_dev_in_scope: NonNegInt
    n_dev_oos: NonNegInt


class Forgetting(Schema):
    model_config = ConfigDict(extra="allow")
    base_perplexity: Number | None = None
    tuned_perplexity: Number | None = None
    relative_change: Number | None = None


class StrategyReport(Schema):
    """What the strategy reports about itself; its own extra keys are kept as they are."""

    model_config = ConfigDict(extra="allow")
    tuning: Tuning | None = None
    abstention: Abstention | None = None
    forgetting: Forgetting | None = None
    base_model: str | None = None
    retrieval: dict[str, dict[str, list[str]]] | None = None


class StrategyMeta(Schema):
    """The strategy's own description (``Strategy.describe``): what it is, on its class."""

    task: str
    role: str
    base_model: str | None
    adapter: bool
    quantized: bool


class Retrieved(Schema):
    doc_ids: list[str] = []
    contexts: list[str] = []


class Scoring(Schema):
    """What score/record.py needs besides gold and predictions: no corpus is loaded to score."""

    task: str
    labels: list[str] = []
    out_of_scope_label: str | None = None
    answers: list[list[str]] | None = None  # QA: every gold answer per item
    gold_doc_ids: list[list[str]] | None = None
    #: QA: each item's question type ("" where the corpus names none) and the training split's
    #: first gold answers counted per type: the chance floor (score/qa.py) guesses from them
    question_types: list[str] | None = None
    train_answers: dict[str, dict[str, int]] | None = None
    retrieved: list[Retrieved] | None = None  # QA with retrieval: per item
    documents: dict[str, str] | None = None  # the gold documents' texts (context recall)


class Metrics(Schema):
    """The headline numbers every reader uses; the rest (per class, QA, ragas) stays open."""

    model_config = ConfigDict(extra="allow")
    n_items: NonNegInt | None = None
    accuracy: Fraction
    accuracy_ci: tuple[Number, Number]
    macro_f1: Fraction | None = None
    macro_f1_ci: tuple[Number, Number] | None = None


class CellRecord(Schema):
    """One cell record file (RECORD_SCHEMA 3), with ``metrics`` and ``metrics_code`` once scored."""

    schema_: Literal[3] = Field(alias="schema")
    cell_id: str
    corpus: str
    corpus_key: str
    corpus_source: str
    run: str
    suite: str
    strategy: str
    options: dict[str, Any]
    budget: int | Literal["full"]
    budget_name: str
    seed: Annotated[int, Strict()]
    n_train: NonNegInt
    n_train_labels: NonNegInt
    n_labels: NonNegInt
    n_dev: NonNegInt
    n_test: NonNegInt
    test_items: list[NonNegInt] = Field(min_length=1)
    gold: list[str]
    predictions: list[str]
    scoring: Scoring
    timing: Timing
    memory: Memory
    cost: Cost
    report: StrategyReport
    provenance: Provenance
    key: str
    key_parts: KeyParts
    strategy_meta: StrategyMeta
    metrics: Metrics | None = None
    metrics_code: str | None = None
    sha256_: str | None = Field(default=None, alias="_sha256")

    @model_validator(mode="after")
    def _aligned(self) -> CellRecord:
        n = len(self.test_items)
        if len(set(self.test_items)) != n:
            raise ValueError("test_items: must be distinct")
        if not (len(self.gold) == len(self.predictions) == n):
            raise ValueError(
                f"gold, predictions and test_items differ in length ({len(self.gold)}, {len(self.predictions)}, {n})"
            )
        s = self.scoring
        if s.task == "qa" and (s.answers is None or s.gold_doc_ids is None or len(s.answers) != n):
            raise ValueError("scoring.answers: a QA record needs every gold answer per test item")
        if s.question_types is not None and len(s.question_types) != n:
            raise ValueError("scoring.question_types: one entry per test item")
        if s.retrieved is not None and len(s.retrieved) != n:
            raise ValueError("scoring.retrieved: one entry per test item")
        if s.task != "qa" and not s.labels:
            raise ValueError("scoring.labels: a classification record needs the corpus's labels")
        if self.metrics is not None and self.metrics_code is None:
            raise ValueError("metrics_code: stored metrics must name the scoring code that made them")
        self._complete()
        return self

    def _complete(self) -> None:
        """What every reader indexes is in the file, not a default (a cell writes all of it), so a
        record that lost a field is refused here rather than crashing a report later."""
        if "latency_ms" not in self.timing.model_fields_set:
            raise ValueError("timing.latency_ms: Field required")
        missing = [f for f in Cost.model_fields if f not in self.cost.model_fields_set]
        if missing:
            raise ValueError(f"cost.{missing[0]}: Field required")
        m = self.metrics
        if m is not None and self.scoring.task != "qa" and (m.macro_f1 is None or m.macro_f1_ci is None):
            raise ValueError("metrics.macro_f1: Field required (a classification record's metrics)")


class ScoredView(Schema):
    """The fields a decision reads from a record already in memory (records built by hand too).

    A view, not a file schema: the record's other fields are checked when a file is read
    (:class:`CellRecord`), so here they are ignored rather than refused.
    """

    model_config = ConfigDict(extra="ignore")
    cell_id: str
    corpus: str
    run: str
    budget_name: str
    seed: int = 0
    test_items: list[NonNegInt] = Field(min_length=1)
    gold: list[str]
    predictions: list[str]
    metrics: Metrics
    timing: Timing
