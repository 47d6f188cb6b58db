"""A cell's cache key: everything that can change its numbers, kept as parts so a miss can say why.

A key that misses an input serves stale numbers as if they were current (the committed rag_lm
records once kept ``batch_size = 8`` after the default became 1, because the key hashed the raw
TOML). So the parts are the *effective* options (the parsed dataclass, defaults filled in), the
strategy's ``version``, a fingerprint of the code the strategy runs (its module's import closure
plus the data files it declares) and of the measuring harness (run/cell.py's closure, which
imports nothing of score/: metrics are computed from records, so a metric edit re-keys no cell), the model
weights' sha256, the corpus checksums, the exact test items, the device and the versions of the
packages that compute. Each record stores its parts (``record["key_parts"]``); :func:`explain`
names the parts that differ, so a recomputed cell says what made it stale.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from ragorft import strategies
from ragorft.benchmarks import __version__
from ragorft.benchmarks.core.atomic import canonical_json, sha256_text
from ragorft.benchmarks.core.fingerprint import code_fingerprint
from ragorft.benchmarks.models import registry as models
from ragorft.benchmarks.run import measure
from ragorft.benchmarks.run.cell import RECORD_SCHEMA, CorpusData, pick_device
from ragorft.benchmarks.run.cell import package_versions as all_versions
from ragorft.benchmarks.run.cellspec import Cell

HARNESS_MODULE = "ragorft.benchmarks.run.cell"


@cache
def package_versions() -> dict[str, str]:
    """The computing packages' versions (ragorft's own is a part of its own)."""
    return {k: v for k, v in all_versions().items() if k != "ragorft"}


def model_weights(options: dict[str, Any]) -> dict[str, str]:
    """{model name: weights identity} for every option value naming a registry model or a local model."""
    out = {value: models.weights_id(value) for value in options.values() if isinstance(value, str) and value}
    return dict(sorted((k, v) for k, v in out.items() if v is not None))


def key_parts(cell: Cell, data: CorpusData, test_sample_seed: int) -> dict[str, Any]:
    """The inputs of one cell's numbers, as plain data (what the key hashes and the record keeps)."""
    cls = strategies.get(cell.strategy)
    options = cls.config(cls.parse_options(cell.options))
    items = data.test_order[: cell.max_test_items or None]
    parts = {
        "schema": RECORD_SCHEMA,
        "ragorft": __version__,
        "corpus_key": data.corpus.key,
        "strategy": cell.strategy,
        "strategy_version": cls.version,
        "options": options,
        "budget": cell.budget,
        "seed": cell.seed,
        "test_items": {
            "n": len(items),
            "sha256": sha256_text(canonical_json(items))[:16],
            "sample_seed": test_sample_seed,
        },
        "code": code_fingerprint(cls.__module__, cls.data_files),
        "harness": code_fingerprint(HARNESS_MODULE),
        "models": model_weights(options),
        "packages": package_versions(),
        "device": pick_device(cls.devices),
        "threads": measure.cell_threads(),
        "timing_plan": measure.timing_plan(cell.timed_queries),
    }
    return json.loads(canonical_json(parts))  # as a record stores them (tuples become lists)


def key_of(parts: dict[str, Any]) -> str:
    return sha256_text(canonical_json(parts))[:24]


def cell_key(cell: Cell, data: CorpusData, test_sample_seed: int) -> str:
    return key_of(key_parts(cell, data, test_sample_seed))


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out |= _flat(v, f"{prefix}.{k}" if prefix else str(k))
        return out
    return {prefix: value}


def explain(old: dict[str, Any] | None, new: dict[str, Any], limit: int = 6) -> str:
    """The parts that differ, e.g. ``options.batch_size 8 -> 1; code.ragorft.strategies.rag``."""
    if not old:
        return "the old record has no key parts (made before keys were recorded)"
    a, b = _flat(old), _flat(new)
    changed = []
    # values first (options, schema, versions), then the code fingerprints: what a reader acts on
    for name in sorted(set(a) | set(b), key=lambda n: (n.startswith(("code.", "harness.")), n)):
        if a.get(name, "<absent>") != b.get(name, "<absent>"):
            short = name.startswith(("code.", "harness."))
            changed.append(name if short else f"{name} {a.get(name, '<absent>')!r} -> {b.get(name, '<absent>')!r}")
    more = f" (+{len(changed) - limit} more)" if len(changed) > limit else ""
    return "; ".join(changed[:limit]) + more if changed else "nothing (same parts)"
