"""Build tiny sentence encoders on disk for tests: real transformers checkpoints, random weights.

A 2-layer BERT or MPNet with all-MiniLM-L6-v2's tokenizer (the packaged model's, so no download),
saved with ``save_pretrained``, and as a sentence-transformers folder (mean pooling) where a test
loads it through ``SentenceTransformer``: the code under test runs the paths it runs on the real
models, only faster.
"""

from __future__ import annotations

import shutil
from pathlib import Path


def build_tiny_encoder(folder: Path, family: str = "bert", *, sentence_transformer: bool = False) -> Path:
    import torch
    from ragorft.benchmarks.models.registry import resolve
    from transformers import AutoTokenizer, BertConfig, BertModel, MPNetConfig, MPNetModel

    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(resolve("all-MiniLM-L6-v2"))
    shape = {"hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 128}
    if family == "mpnet":
        model = MPNetModel(MPNetConfig(vocab_size=tokenizer.vocab_size, max_position_embeddings=130, **shape))
    else:
        model = BertModel(BertConfig(vocab_size=tokenizer.vocab_size, max_position_embeddings=128, **shape))
    folder.mkdir(parents=True, exist_ok=True)
    if not sentence_transformer:
        model.save_pretrained(folder)
        tokenizer.save_pretrained(folder)
        return folder
    from sentence_transformers import SentenceTransformer, models

    body = folder / "_body"
    model.save_pretrained(body)
    tokenizer.save_pretrained(body)
    word = models.Transformer(str(body), max_seq_length=64)
    pooling = models.Pooling(word.get_embedding_dimension(), pooling_mode="mean")
    SentenceTransformer(modules=[word, pooling], device="cpu").save(str(folder))
    shutil.rmtree(body)
    return folder
