"""ragorft: measure few-shot, RAG and fine-tuning on the same corpora, then decide."""

__version__ = "0.2.0"
