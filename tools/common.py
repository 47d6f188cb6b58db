"""What every benchmark tool does with its result: stamp the command and machine, print, save."""

from __future__ import annotations

import json
import sys
from typing import Any

from ragorft.benchmarks.core.atomic import write_json
from ragorft.benchmarks.run.cell import machine


def publish(result: dict[str, Any], *, module: str, argv: list[str] | None, out: str | None, summary: str) -> None:
    """Stamp ``result`` with the command that reproduces it (``python -m module args``) and the
    machine, print it as JSON and then the one-line ``summary``, and write it to ``out`` if given."""
    result["command"] = f"python -m {module} " + " ".join(argv if argv is not None else sys.argv[1:])
    result["machine"] = machine()
    print(json.dumps(result, indent=1))
    print(summary)
    if out:
        write_json(out, result)
