"""``frame_tagger``: the non-LM floor: a linear probe for the intent, a token tagger for the slots.

- Intent: logistic regression on the frozen sentence embeddings ``linear_probe`` reads.
- Slots: a BIO tag per token from logistic regression on hand features of the token and its two
  neighbours each side (word, lower case, affixes, shape), decoded left to right (an ``I-`` that
  does not continue its type opens a new span). No CRF: the point is a fast, honest floor.
- Training tags come from the frames: each gold value is found in the utterance at token
  boundaries (first unused occurrence); a value it cannot find is left untagged and counted
  (``report["unaligned_values"]``). A predicted value is the utterance's own text over its tokens.

Both classifiers share one regularisation ``C``, chosen on dev by frame exact match from
``c_grid`` (the one rule, benchmarks/models/tuning.py). The output is the frame as canonical JSON,
so it is always valid: the JSON columns of this strategy measure nothing but the floor.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
from pydantic import Field, NonNegativeInt, PositiveFloat, PositiveInt
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.data.cards import Example
from ragorft.benchmarks.data.structured import canonical, parse_output, same_frame
from ragorft.benchmarks.models.tuning import best_trial, tuning_dev, tuning_report
from ragorft.strategies import register
from ragorft.strategies.base import Report, Strategy, StrategyOptions

TOKEN = re.compile(r"\w+(?:['’.-]\w+)*|[^\w\s]")


class FrameTaggerOptions(StrategyOptions):
    embedding_model: str = "all-MiniLM-L6-v2"
    c_grid: list[PositiveFloat] = Field([1.0, 10.0], min_length=1)
    max_iter: PositiveInt = 300
    #: 0 = the whole dev split; otherwise a stratified subset (>= 5 per intent, see models.tuning)
    max_dev_examples: NonNegativeInt = 0


def tokens(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in TOKEN.finditer(text)]


def _shape(word: str) -> str:
    return re.sub(r"(.)\1+", r"\1", re.sub(r"[A-Z]", "A", re.sub(r"[a-z]", "a", re.sub(r"\d", "0", word))))


def token_features(text: str, spans: list[tuple[int, int]]) -> list[dict[str, Any]]:
    words = [text[a:b] for a, b in spans]
    out = []
    for i, w in enumerate(words):
        f: dict[str, Any] = {"w": w.lower(), "suf3": w[-3:].lower(), "pre3": w[:3].lower(), "shape": _shape(w)}
        f |= {"title": w.istitle(), "first": i == 0, "last": i == len(words) - 1}
        for d in (-2, -1, 1, 2):
            j = i + d
            f[f"w{d:+d}"] = words[j].lower() if 0 <= j < len(words) else "<pad>"
        out.append(f)
    return out


def bio_tags(text: str, spans: list[tuple[int, int]], frame: dict[str, Any]) -> tuple[list[str], int]:
    """BIO tags from the frame's values found in ``text`` at token boundaries; and how many were not."""
    tags, missing = ["O"] * len(spans), 0
    starts = {a: i for i, (a, _) in enumerate(spans)}
    ends = {b: i for i, (_, b) in enumerate(spans)}
    for kind, value in frame["slots"].items():
        for v in value if isinstance(value, list) else [value]:
            placed = False
            for m in re.finditer(re.escape(v), text):
                i, j = starts.get(m.start()), ends.get(m.end())
                if i is not None and j is not None and all(t == "O" for t in tags[i : j + 1]):
                    tags[i : j + 1] = [f"B-{kind}"] + [f"I-{kind}"] * (j - i)
                    placed = True
                    break
            missing += not placed
    return tags, missing


def decode_spans(text: str, spans: list[tuple[int, int]], tags: Sequence[str]) -> list[tuple[str, str]]:
    """(type, text) per tagged span, in order; an ``I-`` that does not continue its type starts one."""
    out: list[tuple[str, int, int]] = []
    open_kind = None  # the type of the span the previous token belongs to
    for (a, b), tag in zip(spans, tags, strict=True):
        kind = None if tag == "O" else tag[2:]
        if kind is not None and tag.startswith("I-") and kind == open_kind:
            out[-1] = (kind, out[-1][1], b)
        elif kind is not None:
            out.append((kind, a, b))
        open_kind = kind
    return [(k, text[a:b]) for k, a, b in out]


@register
class FrameTagger(Strategy):
    name = "frame_tagger"
    Options = FrameTaggerOptions
    task = "structured"
    role = "baseline"
    base_model_option = "embedding_model"
    adapter = False
    peak_memory_mb = 2500

    def prepare(self, train: Sequence[Example]) -> None:
        texts = [ex.text for ex in train] + [ex.text for ex in self.ctx.dev or []]
        self.ctx.embed.store(self.options.embedding_model).ensure(texts)

    def _token_rows(self, examples: Sequence[Example]) -> tuple[list[dict[str, Any]], list[str], int]:
        feats, tags, missing = [], [], 0
        for ex in examples:
            spans = tokens(ex.text)
            t, m = bio_tags(ex.text, spans, json.loads(ex.target))
            feats += token_features(ex.text, spans)
            tags += t
            missing += m
        return feats, tags, missing

    def fit(self, train: Sequence[Example]) -> None:
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.linear_model import LogisticRegression

        o = self.options
        if not self.ctx.dev:
            raise RagorftError("frame_tagger needs a dev split to choose C (the runner passes ctx.dev)")
        x_intent = self.ctx.embed(o.embedding_model, [ex.text for ex in train])
        y_intent = [ex.label for ex in train]
        feats, tags, self.unaligned = self._token_rows(train)
        self.vectorizer = DictVectorizer()
        x_tok = self.vectorizer.fit_transform(feats)
        dev = tuning_dev(self.ctx.dev, o.max_dev_examples, len(self.ctx.labels), self.ctx.seed)
        dev_vectors = self.ctx.embed(o.embedding_model, [ex.text for ex in dev])
        grid = [float(c) for c in o.c_grid]
        trials, fitted = [], []
        for c in grid:
            intent = LogisticRegression(C=c, max_iter=o.max_iter).fit(x_intent, y_intent)
            tagger = LogisticRegression(C=c, max_iter=o.max_iter).fit(x_tok, tags) if len(set(tags)) > 1 else None
            fitted.append((intent, tagger))
            self.intent, self.tagger = intent, tagger
            outputs = self._frames([ex.text for ex in dev], dev_vectors)
            hits = [same_frame(parse_output(p), parse_output(ex.target)) for p, ex in zip(outputs, dev, strict=True)]
            trials.append({"C": c, "dev_accuracy": float(np.mean(hits))})
        chosen = best_trial(trials)
        self.intent, self.tagger = fitted[chosen]
        self.tuning = tuning_report("C", grid, trials, chosen, n_dev=len(dev), n_dev_available=len(self.ctx.dev))
        self.tag_set = sorted(set(tags))

    def _frames(self, texts: Sequence[str], vectors: np.ndarray) -> list[str]:
        intents = self.intent.predict(vectors)
        spans = [tokens(t) for t in texts]
        flat = [f for t, s in zip(texts, spans, strict=True) for f in token_features(t, s)]
        if self.tagger is not None and flat:
            tags = list(self.tagger.predict(self.vectorizer.transform(flat)))
        else:
            tags = ["O"] * len(flat)
        out, at = [], 0
        for text, intent, s in zip(texts, intents, spans, strict=True):
            slots: dict[str, Any] = {}
            for kind, value in decode_spans(text, s, tags[at : at + len(s)]):
                old = slots.get(kind)
                slots[kind] = value if old is None else [*(old if isinstance(old, list) else [old]), value]
            at += len(s)
            out.append(canonical({"intent": str(intent), "slots": slots}))
        return out

    def predict(self, texts: Sequence[str]) -> list[str]:
        return self._frames(texts, self.ctx.embed.encode(self.options.embedding_model, list(texts)))

    def report(self) -> Report:
        n = int(self.intent.coef_.size + self.intent.intercept_.size)
        if self.tagger is not None:
            n += int(self.tagger.coef_.size + self.tagger.intercept_.size)
        extra = {"tuning": self.tuning, "unaligned_values": self.unaligned, "tags": len(self.tag_set)}
        return Report(params_trained=n, params_total=n, extra=extra | {"base_model": self.options.embedding_model})
