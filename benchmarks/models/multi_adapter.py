"""Many tasks, one base: a frozen base model serving several LoRA adapters, switched per request.

Each adapter (with its own classification head, saved by ``ragorft.benchmarks.models.finetune``) is loaded into
the same peft model with ``load_adapter``; ``set_adapter`` picks the task. This is the evidence for
the "many tasks -> one base + swappable adapters" branch: memory grows by one adapter per task, not
by one model.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.models.classifier import LoraOptions, build_model
from ragorft.benchmarks.models.finetune import MANIFEST, predict_labels


class MultiAdapterClassifier:
    """One base model plus named LoRA adapters; ``predict(task, texts)`` switches to that task."""

    def __init__(self, model: Any, tokenizer: Any, labels: dict[str, list[str]], max_length: dict[str, int]):
        self.model = model
        self.tokenizer = tokenizer
        self.labels = labels
        self.max_length = max_length

    @classmethod
    def load(cls, adapters: Mapping[str, Path], device: str = "cpu") -> MultiAdapterClassifier:
        from peft import PeftModel
        from transformers import AutoTokenizer

        manifests = {}
        for task, folder in adapters.items():
            path = Path(folder) / MANIFEST
            if not path.exists():
                raise RagorftError("not a ragorft adapter (no manifest)", path=str(path))
            manifests[task] = json.loads(path.read_text(encoding="utf-8"))
            if manifests[task]["kind"] != "lora":
                raise RagorftError(
                    f"adapter '{task}' is a {manifests[task]['kind']} fine-tune, not lora", path=str(path)
                )
        first_task, first = next(iter(manifests.items()))
        for task, m in manifests.items():
            if (m["base"], m["options"]["head_size"] or len(m["labels"])) != (
                first["base"],
                first["options"]["head_size"] or len(first["labels"]),
            ):
                raise RagorftError(
                    f"adapters '{first_task}' and '{task}' need different bases or head sizes; "
                    "train them with the same model and head_size",
                    path=str(adapters[task]),
                )
        options = LoraOptions(**first["options"])
        base, _ = build_model("lora", first["base"], first["family"], first["labels"], options, device, wrap=False)
        model = PeftModel.from_pretrained(base, str(adapters[first_task]), adapter_name=first_task)
        for task, folder in adapters.items():
            if task != first_task:
                model.load_adapter(str(folder), adapter_name=task)
        model.eval()
        tokenizer = AutoTokenizer.from_pretrained(str(adapters[first_task]))
        labels = {task: m["labels"] for task, m in manifests.items()}
        max_length = {task: m["options"]["max_length"] for task, m in manifests.items()}
        return cls(model, tokenizer, labels, max_length)

    def switch(self, task: str) -> None:
        if task not in self.labels:
            raise RagorftError(f"no adapter named '{task}' (loaded: {', '.join(self.labels)})")
        self.model.set_adapter(task)

    def predict(self, task: str, texts: Sequence[str]) -> list[str]:
        self.switch(task)
        return predict_labels(self.model, self.tokenizer, self.labels[task], texts, max_length=self.max_length[task])
