"""CTranslate2 as the fast local engine of the prompting strategies (transformers stays the reference).

Why CTranslate2: on CPU it ran SmolLM2 fastest here, keeps a *static prompt* cache (the shared
prefix runs once per generator, its KV state reused), converts a transformers folder directly,
and its per-step callback sees each step's full logits, which label-constrained decoding needs.

Label-trie decoding without a logits processor: generate greedily and walk the label trie in the
step callback. While the greedy token is a child of the current node it is also the constrained
choice; at the first step where it is not, the constrained choice is the argmax of that step's
logits over the node's children (what ``TrieWalk`` picks), the callback stops there, the choice
(and any forced single-child chain) is appended and greedy generation resumes. The label equals
the transformers walk's from the same logits; int8 vs fp32 logits differ (tools/bench_engine.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from ragorft.benchmarks.core import env
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.core.log import get_logger
from ragorft.benchmarks.core.paths import cache_root
from ragorft.benchmarks.models.label_decoding import LabelTrie, TrieNode

log = get_logger(__name__)

ENGINES = ("transformers", "ctranslate2")
#: compute type -> the weight storage the converted folder keeps (int8 halves the disk of fp16)
STORAGE = {
    "int8": "int8",
    "int8_float32": "int8",
    "float32": "float32",
    "int8_float16": "int8",
    "int8_bfloat16": "int8",
    "bfloat16": "bfloat16",
}


def _folder_key(folder: Path) -> str:
    """Identify a transformers folder cheaply: ragorft's conversion record, else weight files' sizes and times.

    Hashing several GB of fp32 weights on every load would cost more than the engine saves; a
    registry model's folder already carries its GGUF sha256 in its name and conversion record.
    """
    parts = [str(folder.resolve())]
    meta = folder / "ragorft-conversion.json"
    if meta.is_file():
        parts.append(meta.read_text(encoding="utf-8"))
    for p in sorted(folder.glob("*")):
        if p.is_file() and p.suffix in (".safetensors", ".bin", ".json"):
            st = p.stat()
            parts.append(f"{p.name}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def ct2_folder(hf_folder: str, compute_type: str = "int8") -> Path:
    """Convert a transformers causal-LM folder to CTranslate2 once (cached, atomic rename)."""
    storage = _storage(compute_type)
    src = Path(hf_folder)
    final = cache_root() / "ct2" / f"{src.name}-{_folder_key(src)}-{storage}"
    if (final / "model.bin").is_file():
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=final.parent))
    try:
        log.info(f"converting {src} to CTranslate2 ({storage}; once, cached in {final.parent})")
        convert(src, tmp / "model", storage)
        os.replace(tmp / "model", final) if not final.exists() else None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final


def _storage(compute_type: str) -> str:
    """The weight storage a compute type converts to, or the one-line error naming the choices."""
    storage = STORAGE.get(compute_type)
    if storage is None:
        raise RagorftError(f"engine compute type must be one of {', '.join(STORAGE)}, not {compute_type!r}")
    return storage


def convert(src: Path, out: Path, storage: str) -> Path:
    """Convert the transformers folder ``src`` into ``out`` (uncached: ``ct2_folder`` caches)."""
    import ctranslate2

    converter = ctranslate2.converters.TransformersConverter(str(src), low_cpu_mem_usage=True)
    converter.convert(str(out), quantization=storage, force=True)
    (out / "ragorft-source.json").write_text(
        json.dumps({"source": str(src), "quantization": storage, "ctranslate2": ctranslate2.__version__}),
        encoding="utf-8",
    )
    return out


def convert_trained(model: Any, tokenizer: Any, work: Path, compute_type: str = "int8") -> Path:
    """A model trained in this process (a fine-tune, LoRA merged), converted under ``work`` to serve.

    Not cached: its weights exist only in this cell. The fp32 checkpoint written on the way is
    deleted once converted; ``work`` (the caller's temporary folder) holds the engine's copy.
    """
    storage = _storage(compute_type)
    hf = work / "hf"
    model.save_pretrained(hf)
    tokenizer.save_pretrained(hf)
    try:
        return convert(hf, work / f"ct2-{storage}", storage)
    finally:
        shutil.rmtree(hf, ignore_errors=True)


def checkpoint_params(folder: str) -> int:
    """Parameters of a safetensors checkpoint, read from the file headers (no weights loaded)."""
    from safetensors import safe_open

    total = 0
    for path in sorted(Path(folder).glob("*.safetensors")):
        with safe_open(str(path), framework="np") as f:
            for key in f.keys():
                total += int(np.prod(f.get_slice(key).get_shape()))
    return total


def _generator(folder: str, compute_type: str, device: str) -> Any:
    """One ctranslate2 generator per (folder, compute type, device) in a process: its static
    prompt cache lives in it, so cells that share a prefix share the cached prefix."""
    key = (folder, compute_type, device)
    if key not in _GENERATORS:
        import ctranslate2

        threads = env.threads()
        _GENERATORS[key] = ctranslate2.Generator(
            folder, device="cuda" if device == "cuda" else "cpu", compute_type=compute_type, intra_threads=threads
        )
    return _GENERATORS[key]


_GENERATORS: dict[tuple[str, str, str], Any] = {}


class CT2Engine:
    """Label-constrained and unconstrained greedy decoding over a cached static prompt prefix."""

    #: one query per generation: batching variable-length suffixes would feed the tail of the
    #: longer ones token by token (ctranslate2 forwards only the common length at once)
    batchable = False
    #: the scoring pass also keeps each text's unconstrained answer (``label_and_answer``)
    answers_while_scoring = True

    def __init__(
        self,
        hf_folder: str,
        tokenizer: Any,
        prefix_ids: list[int],
        *,
        use_cache: bool = True,
        compute_type: str = "int8",
        device: str = "cpu",
        converted: Path | None = None,
    ):
        """``converted``: an already converted folder (``convert_trained``), else ``hf_folder``'s cached one."""
        self.compute_type = compute_type
        folder = converted or ct2_folder(hf_folder, compute_type)
        self.generator = _generator(str(folder), compute_type, device)
        config = json.loads((Path(hf_folder) / "config.json").read_text(encoding="utf-8"))
        # ctranslate2 4.8.5 aborts (double free) generating after a static prompt on a model with
        # sliding-window layers (Gemma 3): such models get the whole prompt per query instead
        self.use_cache = use_cache and not has_sliding_window(config)
        self.tokenizer, self.prefix_ids = tokenizer, list(prefix_ids)
        self.prefix_tokens = tokenizer.convert_ids_to_tokens(self.prefix_ids)
        self.generations = 0

    def _generate(
        self, ids: list[int], max_length: int, callback: Any, end: list[int], whole: bool = False, logits: bool = True
    ) -> list[int]:
        """Greedy continuation of prefix + ``ids`` (``whole``: of ``ids`` alone, no prefix);
        ``callback(step)`` may stop it early (and sees the step's logits unless ``logits`` is False)."""
        if whole:
            start, static = self.tokenizer.convert_ids_to_tokens(ids), None
        elif self.use_cache:
            start, static = self.tokenizer.convert_ids_to_tokens(ids), self.prefix_tokens
        else:
            start, static = self.tokenizer.convert_ids_to_tokens(self.prefix_ids + ids), None
        self.generations += 1
        result = self.generator.generate_batch(
            [start],
            max_length=max_length,
            static_prompt=static,
            include_prompt_in_result=False,
            end_token=end,
            return_end_token=True,
            return_logits_vocab=callback is not None and logits,
            callback=callback,
        )
        return list(result[0].sequences_ids[0])

    def labels(self, suffixes: Sequence[Sequence[int]], trie: LabelTrie) -> list[tuple[str, int]]:
        """The same as ``TransformersEngine.labels``: (label, tokens generated) per suffix."""
        return [self.label(s, trie) for s in suffixes]

    def greedy_all(self, suffixes: Sequence[Sequence[int]], stop: set[int], limit: int) -> list[list[int]]:
        return [self.greedy(s, stop, limit) for s in suffixes]

    def label(self, suffix: Sequence[int], trie: LabelTrie) -> tuple[str, int]:
        """The label the trie walk picks after prefix + ``suffix``; and the tokens generated."""
        label, n, _ = self.label_and_answer(suffix, trie)
        return label, n

    def label_and_answer(
        self, suffix: Sequence[int], trie: LabelTrie, stop: set[int] | None = None, limit: int = 0
    ) -> tuple[str, int, list[int] | None]:
        """``label``, and with ``stop`` also ``greedy(suffix, stop, limit)`` from the same pass.

        The walk's first generation *is* the unconstrained greedy run until its first divergence
        from the trie; letting it go on to a stop token (or ``limit``) gives the unaided answer
        for the cost of those extra tokens, instead of a second pass that reads the ~300-token
        suffix again. The walk's choices are unchanged (the same greedy steps, the same logits).
        The answer is None where the walk starts with forced tokens (then it is not a free run).
        """
        path: list[int] = []
        node = _forced(trie.root, path)
        end = _end_tokens(trie)
        free = _FreeRun(stop, limit) if stop is not None and not path else None
        first = free is not None  # the first generation is the free run too
        while node.label is None:
            walk = _StepWalk(node)
            if first:
                first = False
                self._generate(list(suffix), max(trie.max_depth, limit + 1), _Both(walk, free), sorted(free.stop))
            else:
                self._generate(list(suffix) + path, trie.max_depth - len(path), walk, end)
            if not walk.taken:
                raise RuntimeError("ctranslate2 generated no token for a constrained step")
            path += walk.taken
            node = _forced(walk.node, path)
        return node.label, len(path), (free.tokens if free is not None else None)

    def complete(
        self,
        prompts: Sequence[Sequence[int]],
        limit: int,
        end: Sequence[int],
        until: Callable[[list[int]], bool] | None = None,
    ) -> list[list[int]]:
        """Greedy continuations (at most ``limit`` tokens, ending at a dropped ``end`` token) of whole
        prompts, as one batch; ``until(tokens so far)`` True stops one there (a closed JSON frame:
        it drops what greedy decoding would write after, never changes it). Prompts that start
        with the cached prefix go together over it (answers equal one-at-a-time decoding,
        tests/strategies); any other prompt (one cut to fit) runs whole, alone.
        """
        n, out = len(self.prefix_ids), [[] for _ in prompts]
        cached = [i for i, p in enumerate(prompts) if self.use_cache and list(p[:n]) == self.prefix_ids and len(p) > n]
        if cached:
            self.generations += 1
            results = self.generator.generate_batch(
                [self.tokenizer.convert_ids_to_tokens(list(prompts[i][n:])) for i in cached],
                max_length=limit,
                static_prompt=self.prefix_tokens,
                include_prompt_in_result=False,
                end_token=list(end),
                return_end_token=True,
                callback=_stopper(until) if until else None,
            )
            for i, r in zip(cached, results, strict=True):
                out[i] = list(r.sequences_ids[0])
        for i in sorted(set(range(len(prompts))) - set(cached)):
            stop = _stopper(until) if until else None
            out[i] = self._generate(list(prompts[i]), limit, stop, list(end), whole=True, logits=False)
        return [[t for t in o if t not in end] for o in out]

    def greedy(self, suffix: Sequence[int], stop: set[int], limit: int) -> list[int]:
        """What the model writes unaided (greedy, up to ``limit`` tokens, ending before a stop token)."""
        out = self._generate(list(suffix), limit + 1, None, sorted(stop))
        kept: list[int] = []
        for tok in out:
            if tok in stop or len(kept) >= limit:
                break
            kept.append(tok)
        return kept


def _stopper(until: Callable[[list[int]], bool]) -> Callable[[Any], bool]:
    """A step callback that stops a sequence of the batch once ``until`` holds for its tokens."""
    written: dict[int, list[int]] = {}

    def stop(step: Any) -> bool:
        written.setdefault(step.batch_id, []).append(step.token_id)
        return until(written[step.batch_id])

    return stop


def has_sliding_window(config: dict[str, Any]) -> bool:
    """Whether a transformers config has sliding-window attention layers (Gemma 3, Mistral-style)."""
    text = config.get("text_config") or config
    if "layer_types" in text and text["layer_types"]:
        return "sliding_attention" in text["layer_types"]
    if "use_sliding_window" in text:  # Qwen2 names a window it does not use
        return bool(text["use_sliding_window"])
    return text.get("sliding_window") is not None


def _forced(node: TrieNode, path: list[int]) -> TrieNode:
    """Follow single-child chains (no logits needed), appending their tokens to ``path``."""
    while node.label is None and len(node.children) == 1:
        tok, node = next(iter(node.children.items()))
        path.append(tok)
    return node


def _end_tokens(trie: LabelTrie) -> list[int]:
    """Tokens that end a label in the trie (the end-of-turn id in chat mode): generation may stop there."""
    ends, stack = set(), [trie.root]
    while stack:
        node = stack.pop()
        for tok, child in node.children.items():
            if child.label is not None:
                ends.add(tok)
            stack.append(child)
    return sorted(ends)


class _FreeRun:
    """The unconstrained answer collected step by step: ``greedy``'s rule (stop token or ``limit``)."""

    def __init__(self, stop: set[int] | None, limit: int):
        self.stop, self.limit = set(stop or ()), limit
        self.tokens: list[int] = []
        self.done = False

    def __call__(self, step: Any) -> bool:
        if not self.done:
            if step.token_id in self.stop or len(self.tokens) >= self.limit:
                self.done = True
            else:
                self.tokens.append(step.token_id)
        return self.done


class _Both:
    """One generation serving the trie walk and the free run: stop when both are done."""

    def __init__(self, walk: _StepWalk, free: _FreeRun):
        self.walk, self.free = walk, free

    def __call__(self, step: Any) -> bool:
        walk_done = self.walk(step)
        return self.free(step) and walk_done


class _StepWalk:
    """The step callback: follow greedy tokens down the trie; at the first divergence choose by logits and stop."""

    def __init__(self, node: TrieNode):
        self.node, self.taken = node, []
        self.done = False

    def __call__(self, step: Any) -> bool:
        if self.done:
            return True
        node = self.node
        if len(node.children) > 1:
            tok = step.token_id
            if tok not in node.children:
                logits = np.asarray(step.logits).reshape(-1)
                ids = list(node.children)
                tok = ids[int(np.argmax(logits[ids]))]
                self.done = True
        else:  # a forced chain inside the greedy run: the token is given, agreeing or not
            tok = next(iter(node.children))
            self.done = tok != step.token_id
        self.taken.append(tok)
        self.node = node.children[tok]
        if self.node.label is not None:
            self.done = True
        return self.done


@cache
def shared_ct2(name: str, compute_type: str) -> tuple[str, Any, int]:
    """(transformers folder, tokenizer, parameter count) without loading the torch weights."""
    from ragorft.benchmarks.models.lm import causal_lm_folder, load_tokenizer

    folder = causal_lm_folder(name)
    ct2_folder(folder, compute_type)  # convert once, before any timing
    return folder, load_tokenizer(folder), checkpoint_params(folder)


def max_positions(hf_folder: Any) -> int | None:
    """The model's context length from its converted checkpoint's config (the ctranslate2 path has no torch model)."""
    config = json.loads((Path(hf_folder) / "config.json").read_text(encoding="utf-8"))
    return config.get("max_position_embeddings") or (config.get("text_config") or {}).get("max_position_embeddings")
