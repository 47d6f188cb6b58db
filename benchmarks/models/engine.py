"""The one protocol the prompting strategies decode through: transformers (reference) or ctranslate2 (fast).

Why a protocol: strategies/prompted_lm.py holds only the strategy (prompts, demos, what it
reports); which engine runs the model is an option, and both engines answer the same calls on a
shared prompt prefix and per-query suffixes of token ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from ragorft.benchmarks.models.label_decoding import LabelTrie

__all__ = ["LabelEngine", "ScoringAnswerEngine"]


@runtime_checkable
class LabelEngine(Protocol):
    """Label-constrained and greedy decoding over a fixed prompt prefix."""

    #: the shared prefix's token ids (counted in every query's input tokens)
    prefix_ids: list[int]
    #: whether the prefix's KV state is reused (an engine may decline it for a model)
    use_cache: bool
    #: whether ``batch_size`` > 1 decodes queries together
    batchable: bool
    #: whether the engine keeps each text's unconstrained answer during the scoring pass
    answers_while_scoring: bool

    def labels(self, suffixes: Sequence[Sequence[int]], trie: LabelTrie) -> list[tuple[str, int]]:
        """(label, tokens generated) per suffix, under the label trie."""
        ...

    def greedy_all(self, suffixes: Sequence[Sequence[int]], stop: set[int], limit: int) -> list[list[int]]:
        """Unconstrained greedy answers (token ids) per suffix, ended by ``stop`` or ``limit``."""
        ...


@runtime_checkable
class ScoringAnswerEngine(LabelEngine, Protocol):
    """An engine that decodes a text's unconstrained answer in the same pass as its label (ctranslate2)."""

    def label(self, suffix: Sequence[int], trie: LabelTrie) -> tuple[str, int]: ...

    def label_and_answer(
        self, suffix: Sequence[int], trie: LabelTrie, stop: set[int], limit: int
    ) -> tuple[str, int, list[int] | None]: ...
