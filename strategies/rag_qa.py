"""``rag_qa``: retrieve the k nearest document chunks (langchain + FAISS) and answer with them in the prompt.

The index (chunking and embedding every document) is built in ``fit``, so its cost is training
cost; each query embeds the question and searches the store, the serving path.
"""

from __future__ import annotations

from ragorft.strategies import register
from ragorft.strategies._knowledge import QAOptions, QAStrategy, RetrievalOptions


class RagQAOptions(QAOptions, RetrievalOptions):
    pass


@register
class RagQA(QAStrategy):
    name = "rag_qa"
    Options = RagQAOptions
    role = "rag"
    retrieves = True
