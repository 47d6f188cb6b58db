"""Layer 3, models: the registry, embeddings, causal LMs, decoding, fine-tuning, adapters, API backends."""
