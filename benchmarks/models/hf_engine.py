"""The transformers engine of the prompting strategies: the reference the ctranslate2 engine is tested against.

A prompt is a shared *prefix* and a per-query *suffix*. ``PrefixCachedLM`` runs the prefix once and
reuses its KV cache for each query, cropped back to the prefix afterwards (transformers 5
``DynamicCache.crop`` takes a negative count of tokens to remove; layers with a sliding window
cannot be rewound, so for those models the prefix cache is deep-copied per query instead).
``TransformersEngine`` drives the label-trie walk (or plain greedy decoding) over it, one query at
a time or batched. Both engines meet :class:`ragorft.benchmarks.models.engine.LabelEngine`.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from functools import cache
from typing import Any, ClassVar

from ragorft.benchmarks.models.label_decoding import GreedyWalk, LabelTrie, TrieWalk

__all__ = ["PrefixCachedLM", "TransformersEngine", "shared_lm"]


@cache
def shared_lm(name: str, device: str) -> tuple[Any, Any]:
    """One copy per process of a model used for inference only (prompting never modifies it)."""
    import torch
    from ragorft.benchmarks.models.lm import load_causal_lm

    torch.set_num_threads(min(torch.get_num_threads(), 2))
    return load_causal_lm(name, device)


class TransformersEngine:
    """The reference engine: transformers forward passes over a ``PrefixCachedLM``, one query at a
    time or batched (``batch_size``), driving the label-trie walk or plain greedy decoding."""

    answers_while_scoring: ClassVar[bool] = False

    def __init__(self, runner: PrefixCachedLM, model: Any, pad_id: int, batch_size: int):
        self.runner, self.model, self.pad_id, self.batch_size = runner, model, pad_id, batch_size

    @property
    def prefix_ids(self) -> list[int]:
        return self.runner.prefix_ids

    @property
    def use_cache(self) -> bool:
        return self.runner.use_cache

    @property
    def batchable(self) -> bool:
        return self.runner.batchable

    def _batches(self, suffixes: Sequence[Sequence[int]]) -> list[list[int]]:
        """Indices in batches of similar suffix length (left-padding wastes the least)."""
        order = sorted(range(len(suffixes)), key=lambda i: len(suffixes[i]))
        size = max(1, self.batch_size)
        return [order[i : i + size] for i in range(0, len(order), size)]

    def _decode(self, suffixes: Sequence[Sequence[int]], make_walk: Any) -> list[Any]:
        """Run ``make_walk(rows)`` walks over every suffix; return (walk, row) per suffix.

        Batched where ``batch_size`` > 1 and the model's cache allows it, one query at a time
        otherwise; the walks are the same either way.
        """
        from ragorft.benchmarks.models.batched_decoding import decode_batch
        from ragorft.benchmarks.models.label_decoding import decode_one

        walks: list[Any] = [None] * len(suffixes)
        if not (self.batch_size > 1 and self.runner.batchable):
            for i, suffix in enumerate(suffixes):
                walk = make_walk(1)
                cache_, logits = self.runner.start(list(suffix))
                decode_one(walk, logits, lambda ids, c=cache_: self.runner.step(c, ids))
                walks[i] = (walk, 0)
            return walks
        cache_, prefix_len = self.runner.prefix_state()
        for rows in self._batches(suffixes):
            walk = make_walk(len(rows))
            feeds = [self.runner.first_feed(list(suffixes[i])) for i in rows]
            decode_batch(self.model, cache_, prefix_len, feeds, walk, self.pad_id)
            for j, i in enumerate(rows):
                walks[i] = (walk, j)
        return walks

    def labels(self, suffixes: Sequence[Sequence[int]], trie: LabelTrie) -> list[tuple[str, int]]:
        return [(w.labels[j], w.generated[j]) for w, j in self._decode(suffixes, lambda n: TrieWalk(trie, n))]

    def greedy_all(self, suffixes: Sequence[Sequence[int]], stop: set[int], limit: int) -> list[list[int]]:
        return [w.tokens[j] for w, j in self._decode(suffixes, lambda n: GreedyWalk(n, stop, limit))]


class PrefixCachedLM:
    """Run prompts that share a prefix, with or without reusing the prefix's KV cache."""

    def __init__(self, model: Any, prefix_ids: list[int], use_cache: bool):
        import torch
        from transformers import DynamicCache
        from transformers.cache_utils import DynamicLayer

        self.model, self.prefix_ids, self.use_cache = model, prefix_ids, use_cache
        self.torch = torch
        self.new_cache = lambda: DynamicCache(config=model.config)
        self.cache = None
        if use_cache:
            self.cache = self.new_cache()
            with torch.inference_mode():
                model(input_ids=torch.tensor([prefix_ids]), past_key_values=self.cache, use_cache=True)
            self.croppable = all(type(layer) is DynamicLayer for layer in self.cache.layers)

    @property
    def batchable(self) -> bool:
        """Batched decoding masks padding inside the cache: fine for full-attention layers only."""
        return not self.use_cache or self.croppable

    def prefix_state(self) -> tuple[Any | None, int]:
        """(the prefix's cache rewound to the prefix, its length), or (None, 0) without a cache."""
        if not self.use_cache:
            return None, 0
        extra = self.cache.get_seq_length() - len(self.prefix_ids)
        if extra:
            self.cache.crop(-extra)
        return self.cache, len(self.prefix_ids)

    def first_feed(self, suffix_ids: list[int]) -> list[int]:
        return list(suffix_ids) if self.use_cache else self.prefix_ids + list(suffix_ids)

    def start(self, suffix_ids: list[int]) -> tuple[Any, Any]:
        """Feed prefix (cached or not) + suffix; return (cache to extend, logits of the last position)."""
        if self.use_cache:
            cache_ = self.prefix_state()[0] if self.croppable else copy.deepcopy(self.cache)
            ids = suffix_ids
        else:
            cache_, ids = self.new_cache(), self.prefix_ids + suffix_ids
        return cache_, self.step(cache_, ids)[-1]

    def step(self, cache_: Any, ids: list[int]) -> Any:
        """Feed ``ids``; return the logits of the last position only (shape ``[1, vocab]``).

        Only the last position's logits are ever read, and the LM head over a 49k vocabulary
        costs about a quarter of the forward pass per position: ``logits_to_keep=1`` skips it
        for the rest of a ~300-token rag_lm suffix.
        """
        with self.torch.inference_mode():
            out = self.model(
                input_ids=self.torch.tensor([ids]), past_key_values=cache_, use_cache=True, logits_to_keep=1
            )
        return out.logits[0].float()
