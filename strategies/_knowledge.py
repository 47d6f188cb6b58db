"""What the knowledge (question-answering) strategies share: one LM, one prompt, one retriever.

The strategies differ in where the facts come from, and in nothing else:

- ``closed_book``: the base LM's weights.
- ``rag_qa``: chunks of the corpus documents retrieved for the question and put in the prompt.
- ``lora_docs`` / ``full_ft_docs``: the weights after continued pre-training on the documents.
- ``lora_qa``: the weights after fine-tuning on the QA pairs of the training split (other
  entities or articles than the test's: it learns the task's format, not the test answers).
- ``ft_rag``: a fine-tuned model (on documents or QA pairs) with retrieval.

Retrieval is langchain's pipeline, not a re-implementation: ``RecursiveCharacterTextSplitter``
chunks the documents (each chunk keeps its document id), ``SentenceEmbeddings`` (models/lc_embeddings.py)
embeds them with the local sentence-transformers model from the registry, and langchain-community's ``FAISS`` store
(inner product over normalised vectors = cosine) returns the top k. What was retrieved for each
question goes into the report, where the scorer computes recall@k and ragas' context metrics.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import NonNegativeInt, PositiveInt, model_validator
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.data.cards import Example
from ragorft.benchmarks.models.classifier import torch_threads
from ragorft.benchmarks.models.ct2_engine import ENGINES, STORAGE, CT2Engine, convert_trained
from ragorft.benchmarks.models.finetune import subset
from ragorft.benchmarks.models.lm import causal_lm_folder, load_causal_lm
from ragorft.benchmarks.models.qa_lm import (
    CausalTrainOptions,
    build_prompt,
    generate_answers,
    generate_answers_ct2,
    shared_prefix_ids,
    train_causal,
)
from ragorft.benchmarks.models.registry import resolve
from ragorft.strategies.base import Report, Strategy, StrategyOptions

Engine = Literal[ENGINES]  # type: ignore[valid-type]
Storage = Literal[tuple(STORAGE)]  # type: ignore[valid-type]


class QAOptions(StrategyOptions):
    model: str = "SmolLM2-135M-Instruct"
    #: answers are short phrases; a longer answer only costs time (and lowers EM)
    max_new_tokens: PositiveInt = 16
    batch_size: PositiveInt = 8
    #: a longer prompt keeps its end (the question); RAG's k chunks must fit
    max_prompt_tokens: PositiveInt = 1536
    #: "plain" (text completion) or "chat" (the model's chat template); see qa_lm.build_prompt
    prompt_style: Literal["plain", "chat"] = "plain"
    #: "ctranslate2" (the prompting strategies' fast engine: int8 weights, the shared prompt
    #: prefix cached; benchmarks/models/ct2_engine.py) or "transformers" (the reference)
    engine: Engine = "ctranslate2"
    #: the ctranslate2 compute type. float32 here, not int8 as for the label-constrained strategies:
    #: free text compounds int8's rounding (int8 changed a third of SmolLM2's rag_qa answers and
    #: cost EM; float32 changed none): docs/ladder.md's engine table, results/bench/engine-smollm2-*
    compute_type: Storage = "float32"


class RetrievalOptions(StrategyOptions):
    k: PositiveInt = 3
    embedding_model: str = "all-MiniLM-L6-v2"
    #: characters per chunk (RecursiveCharacterTextSplitter); a synthetic biography is ~400
    chunk_size: PositiveInt = 600
    chunk_overlap: NonNegativeInt = 60
    #: the question's gold document in the prompt instead of retrieved chunks (one rendering per
    #: entity, as retrieval gives): the reader's ceiling, what a perfect retriever would leave
    oracle: bool = False

    @model_validator(mode="after")
    def _overlap_within_chunk(self) -> RetrievalOptions:
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError(f"chunk_overlap ({self.chunk_overlap}) must be below chunk_size ({self.chunk_size})")
        return self


def entity_of(doc_id: str) -> str:
    """The entity a document renders: ids ``entity#n`` are renderings of one entity (the paraphrase corpus)."""
    return doc_id.split("#")[0]


class DocumentIndex:
    """The documents chunked, embedded and stored in a langchain FAISS vector store.

    The k results are k different entities: renderings of one entity (ids ``entity#n``) count as
    one document, so retrieval on a corpus with five paraphrases per person faces as many
    distractor people in its k as on the one-rendering corpus (k - 1 at best), instead of filling
    the prompt with copies of the right person. Ids without ``#`` (every chunk of SQuAD's
    paragraphs, the one-rendering corpus) are not merged.
    """

    def __init__(self, documents: Sequence[Any], options: RetrievalOptions, device: str):
        from langchain_community.vectorstores import FAISS
        from langchain_community.vectorstores.utils import DistanceStrategy
        from langchain_core.documents import Document
        from langchain_text_splitters import RecursiveCharacterTextSplitter
        from ragorft.benchmarks.models.lc_embeddings import SentenceEmbeddings

        if not documents:
            raise RagorftError("retrieval needs a corpus with documents (task = 'qa')")
        splitter = RecursiveCharacterTextSplitter(chunk_size=options.chunk_size, chunk_overlap=options.chunk_overlap)
        docs = [Document(page_content=d.text, metadata={"doc_id": d.id}) for d in documents]
        self.chunks = splitter.split_documents(docs)
        embeddings = SentenceEmbeddings(
            resolve(options.embedding_model), device=device, encode_kwargs={"normalize_embeddings": True}
        )
        self.store = FAISS.from_documents(self.chunks, embeddings, distance_strategy=DistanceStrategy.MAX_INNER_PRODUCT)
        self.k = options.k
        per_entity = Counter(entity_of(c.metadata["doc_id"]) for c in self.chunks if "#" in c.metadata["doc_id"])
        #: enough nearest chunks that k distinct entities are among them
        self.fetch = min(len(self.chunks), self.k * max(per_entity.values(), default=1))

    def search(self, question: str) -> list[Any]:
        """The k nearest chunks of k different entities, nearest first."""
        found, seen = [], set()
        for i, chunk in enumerate(self.store.similarity_search(question, k=self.fetch)):
            doc_id = chunk.metadata["doc_id"]
            key = entity_of(doc_id) if "#" in doc_id else f"{doc_id}\0{i}"
            if key not in seen:
                seen.add(key)
                found.append(chunk)
        return found[: self.k]


def options_of(cls: type, options: Any) -> Any:
    """The part of a strategy's options that belongs to ``cls`` (an options schema it inherits from)."""
    return cls.model_validate({name: getattr(options, name) for name in cls.model_fields})


class QAStrategy(Strategy):
    """Base of the knowledge strategies: load the LM in ``fit``, answer with ``generate``.

    Subclasses add facts: ``train_pairs`` (fine-tuning in ``fit``) and/or retrieval (``retrieve``).
    """

    task = "qa"
    base_model_option = "model"
    adapter = False
    devices = ("cuda", "cpu")
    peak_memory_mb = 3000
    #: "lora" or "full" for strategies that train; None for those that do not
    method: ClassVar[str | None] = None
    #: what a training strategy trains on: "documents" or "qa"
    train_on: ClassVar[str] = "documents"
    retrieves: ClassVar[bool] = False

    @classmethod
    def describe(cls, options: Any) -> dict[str, Any]:
        """With ``oracle = true`` the run is the reader's ceiling: role "oracle", never a candidate."""
        meta = super().describe(options)
        return meta | {"role": "oracle"} if getattr(options, "oracle", False) else meta

    def prepare(self, train: Sequence[Example]) -> None:
        """Convert a packaged GGUF model once, before the timed fit (a cache fill, not training)."""
        causal_lm_folder(self.options.model)

    def fit(self, train: Sequence[Example]) -> None:
        torch_threads()
        self.model, self.tokenizer = load_causal_lm(self.options.model, self.ctx.device)
        self.tokens_in = self.tokens_out = 0
        self.extra: dict[str, Any] = {"train_on": None}
        self.params = (0, sum(p.numel() for p in self.model.parameters()))
        method = self.method_name()
        if method:
            pairs = self.train_pairs(train)
            with tempfile.TemporaryDirectory(prefix="ragorft-qa-") as work:
                self.model, report = train_causal(
                    self.model,
                    self.tokenizer,
                    pairs,
                    method,
                    options_of(CausalTrainOptions, self.options),
                    Path(work),
                    seed=self.ctx.seed,
                    cuda=self.ctx.device == "cuda",
                    progress=self.ctx.progress,
                )
            self.params = (report.pop("params_trained"), report.pop("params_total"))
            self.extra |= {"train_on": self.train_source(), **report}
        self.engine = self._engine(trained=bool(method))
        self.index = None
        self.retrieved: dict[str, dict[str, list[str]]] = {}
        if self.retrieves and self.options.oracle:
            self.extra["oracle"] = True
        elif self.retrieves:
            self.index = DocumentIndex(self.ctx.documents, options_of(RetrievalOptions, self.options), self.ctx.device)
            self.extra["chunks"] = len(self.index.chunks)

    def _engine(self, trained: bool) -> CT2Engine | None:
        """The ctranslate2 engine over the model as it now is (None: the transformers reference).

        A trained model is converted here, inside ``fit``: serving it on the engine needs it.
        Its cached prefix is what every prompt of this strategy starts with (the instruction and
        the format demonstrations), found on two prompts that differ in question and context.
        """
        o = self.options
        self.extra |= {"engine": o.engine, "compute_type": o.compute_type if o.engine == "ctranslate2" else "torch"}
        if o.engine != "ctranslate2":
            return None
        converted = None
        if trained:
            self._work = tempfile.TemporaryDirectory(prefix="ragorft-ct2-")  # lives as long as the strategy
            converted = convert_trained(self.model, self.tokenizer, Path(self._work.name), o.compute_type)
        probes = [("Who is the first person named here?", "Alpha."), ("When did that other thing end?", "Beta b.")]
        prompts = [build_prompt(self.tokenizer, q, [c] if self.retrieves else [], o.prompt_style) for q, c in probes]
        prefix = shared_prefix_ids(self.tokenizer, prompts)
        self.extra["prefix_tokens"] = len(prefix)
        return CT2Engine(
            causal_lm_folder(o.model),
            self.tokenizer,
            prefix,
            compute_type=o.compute_type,
            device=self.ctx.device,
            converted=converted,
        )

    def method_name(self) -> str | None:
        return self.method

    def train_source(self) -> str:
        return self.train_on

    def train_pairs(self, train: Sequence[Example]) -> list[tuple[str, str]]:
        """Continued pre-training: every document whole; QA: the prompt, then the first gold answer."""
        if self.train_source() == "documents":
            if not self.ctx.documents:
                raise RagorftError(f"{self.name} trains on documents: the corpus has none (task = 'qa')")
            return [("", d.text) for d in self.ctx.documents]
        style = self.options.prompt_style
        if self.options.max_train_examples:  # a seeded subset, the same for every QA-trained strategy
            train = subset(train, self.options.max_train_examples, self.ctx.seed)
        # plain prompts end in "Answer:" and the model continues with " <answer>": train it so
        lead = " " if style == "plain" else ""
        return [(build_prompt(self.tokenizer, ex.text, style=style), lead + ex.label) for ex in train]

    def contexts(self, question: str) -> list[str]:
        if self.retrieves and self.options.oracle:
            ids = self.oracle_ids(question)
            texts = {d.id: d.text for d in self.ctx.documents}
            contexts = [texts[i] for i in ids]
        elif self.index is None:
            return []
        else:
            chunks = self.index.search(question)
            ids, contexts = [c.metadata["doc_id"] for c in chunks], [c.page_content for c in chunks]
        # the scorer reads these (recall@k, ragas) and keeps only the ids in the record
        self.retrieved[question] = {"doc_ids": ids, "contexts": contexts}
        return contexts

    def oracle_ids(self, question: str) -> list[str]:
        """The question's gold documents, the first rendering of each entity."""
        gold = self.ctx.gold_doc_ids.get(question)
        if not gold:
            raise RagorftError(f"{self.name}: oracle = true needs every test question's gold document")
        first: dict[str, str] = {}
        for doc_id in gold:
            first.setdefault(entity_of(doc_id), doc_id)
        return list(first.values())

    def predict(self, texts: Sequence[str]) -> list[str]:
        o = self.options
        prompts = [build_prompt(self.tokenizer, q, self.contexts(q), o.prompt_style) for q in texts]
        sizes = {
            "max_new_tokens": o.max_new_tokens,
            "batch_size": o.batch_size,
            "max_prompt_tokens": o.max_prompt_tokens,
        }
        if self.engine is not None:
            out = generate_answers_ct2(self.engine, self.tokenizer, prompts, **sizes)
        else:
            out = generate_answers(self.model, self.tokenizer, prompts, **sizes)
        self.tokens_in += out.tokens_in
        self.tokens_out += out.tokens_out
        return out.answers

    def forgetting(self) -> dict[str, Any]:
        """Perplexity of the base and the tuned LM on the shipped general sentences (after timing)."""
        from ragorft.benchmarks.models.forgetting import perplexity, probe_texts

        base, _ = load_causal_lm(self.options.model, self.ctx.device)
        texts = probe_texts()
        base_ppl = perplexity(base.model, base.lm_head, self.tokenizer, texts)
        tuned_ppl = perplexity(self.model.model, self.model.lm_head, self.tokenizer, texts)
        return {
            "probe_sentences": len(texts),
            "base_perplexity": base_ppl,
            "tuned_perplexity": tuned_ppl,
            "relative_change": tuned_ppl / base_ppl - 1.0,
        }

    def report(self) -> Report:
        if self.method_name() and "forgetting" not in self.extra:
            self.extra["forgetting"] = self.forgetting()
        extra = dict(self.extra)
        if self.retrieved:
            extra["retrieval"] = dict(self.retrieved)
        return Report(
            params_trained=self.params[0],
            params_total=self.params[1],
            tokens_in=self.tokens_in,
            tokens_out=self.tokens_out,
            extra=extra,
        )
