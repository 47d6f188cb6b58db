"""Decode many prompts that share a KV-cached prefix in one batch, in lockstep.

Why: on a CPU a forward pass over a few tokens costs about as much as reading every weight once
(SmolLM2-135M: ~90 ms for 1 token, ~230 ms for 25, 2 cores), so decoding queries one at a time
pays that read per query and per step. Here B queries share each forward pass.

Layout. Every row starts from the same prefix cache (expanded to the batch). Each step a row
feeds its pending tokens *left-padded* to the step's width: padding positions are masked out
of attention and get no position of their own (positions are passed explicitly), so each row
sees exactly the sequence it would see alone, and its newest token is always the last column,
which is the only position whose logits are computed (``logits_to_keep=1``). A finished row
feeds padding only. No query position is ever fully masked, because the prefix is real for
every row.

The row logic is a callback (``ragorft.benchmarks.models.label_decoding.Advance``): given a row's next-token
logits it returns the tokens to feed next, or None when the row is done. The label-trie walk and
unconstrained greedy decoding are the two such callbacks, shared with one-at-a-time decoding.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from ragorft.benchmarks.models.label_decoding import Advance


def expand_cache(model: Any, prefix_cache: Any | None, batch: int) -> Any:
    """A fresh cache holding ``prefix_cache`` repeated ``batch`` times (empty without a prefix)."""
    from transformers import DynamicCache

    out = DynamicCache(config=model.config)
    if prefix_cache is not None:
        for idx, layer in enumerate(prefix_cache.layers):
            out.update(layer.keys.expand(batch, -1, -1, -1), layer.values.expand(batch, -1, -1, -1), idx)
    return out


def decode_batch(
    model: Any,
    prefix_cache: Any | None,
    prefix_len: int,
    first_feeds: Sequence[Sequence[int]],
    advance: Advance,
    pad_id: int,
    max_steps: int = 64,
) -> None:
    """Feed each row's ``first_feeds``, then call ``advance`` per row until every row is done."""
    batch = len(first_feeds)
    cache = expand_cache(model, prefix_cache, batch)
    mask = torch.ones((batch, prefix_len), dtype=torch.long)
    positions = [prefix_len] * batch
    feeds: list[list[int] | None] = [list(f) for f in first_feeds]
    for _ in range(max_steps):
        width = max(len(f) for f in feeds if f)
        ids = torch.full((batch, width), pad_id, dtype=torch.long)
        new_mask = torch.zeros((batch, width), dtype=torch.long)
        pos = torch.zeros((batch, width), dtype=torch.long)
        for i, feed in enumerate(feeds):
            n = len(feed) if feed else 0
            if n:
                ids[i, width - n :] = torch.tensor(feed)
                new_mask[i, width - n :] = 1
            # padding repeats the row's next position; it is masked, so the value is never used
            pos[i] = positions[i] + (torch.arange(width) - (width - n)).clamp(min=0)
            positions[i] += n
        mask = torch.cat([mask, new_mask], dim=1)
        with torch.inference_mode():
            out = model(
                input_ids=ids,
                attention_mask=mask,
                position_ids=pos,
                past_key_values=cache,
                use_cache=True,
                logits_to_keep=1,
            )
        logits = out.logits[:, -1].float()
        for i, feed in enumerate(feeds):
            if feed:
                feeds[i] = advance(i, logits[i])
        if not any(feeds):
            return
    raise RuntimeError(f"batched decoding did not finish in {max_steps} steps")
