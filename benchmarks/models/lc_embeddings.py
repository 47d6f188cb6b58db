"""A sentence-transformers model behind langchain_core's ``Embeddings`` interface (for langchain's FAISS store).

Why our own: langchain_community's ``HuggingFaceEmbeddings`` is deprecated in favour of the
``langchain-huggingface`` package, which would be one more dependency for these twenty lines.
It computes exactly what that class computed (newlines to spaces, then ``encode`` with the given
keyword arguments), so the retrieval of the knowledge strategies is unchanged.
"""

from __future__ import annotations

from typing import Any

from langchain_core.embeddings import Embeddings


class SentenceEmbeddings(Embeddings):
    """``SentenceTransformer(model_path, device=...)`` with ``encode_kwargs`` on every call."""

    def __init__(self, model_path: str, *, device: str = "cpu", encode_kwargs: dict[str, Any] | None = None):
        from sentence_transformers import SentenceTransformer

        self.client = SentenceTransformer(model_path, device=device)
        self.encode_kwargs = dict(encode_kwargs or {})

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        texts = [t.replace("\n", " ") for t in texts]
        return self.client.encode(texts, show_progress_bar=False, **self.encode_kwargs).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]
