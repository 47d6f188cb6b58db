"""``closed_book``: the base LM answers from its weights alone, the floor of the knowledge task.

On the synthetic corpus no pretrained model can know the answers, so this is at chance: any
strategy above it has injected knowledge.
"""

from __future__ import annotations

from ragorft.strategies import register
from ragorft.strategies._knowledge import QAOptions, QAStrategy


class ClosedBookOptions(QAOptions):
    pass


@register
class ClosedBook(QAStrategy):
    name = "closed_book"
    Options = ClosedBookOptions
    role = "closed_book"
