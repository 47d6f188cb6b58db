"""The base of every strategy's options: a frozen pydantic schema, strict about types.

It lives in core, not in ``strategies/``, because option classes shared by several strategies
(the fine-tune options of ``models/classifier.py``, the causal training options of
``models/qa_lm.py``) sit in a lower layer than the strategies; ``strategies.base`` re-exports it.
Why strict: a suite's ``epochs = true`` or ``k = "3"`` is a mistake, not a count to coerce; why
frozen: one options object is the cache key of a cell and must not change after it is read.
"""

from __future__ import annotations

from pydantic import ConfigDict
from ragorft.benchmarks.core.schema import Schema

__all__ = ["StrategyOptions"]


class StrategyOptions(Schema):
    """Options of one strategy as a suite's ``[[run]] options`` table fills them."""

    model_config = ConfigDict(frozen=True, strict=True)
