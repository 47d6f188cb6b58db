"""The per-cell lock: a second holder waits until the first lets go (across processes too)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from ragorft.benchmarks.core.locks import held


def test_a_second_process_waits_for_the_lock(tmp_path: Path) -> None:
    target = tmp_path / "cells" / "k.json"
    code = (
        "import sys, time\n"
        "from ragorft.benchmarks.core.locks import held\n"
        "print('waiting', flush=True)\n"
        f"with held({str(target)!r}):\n"
        "    print('got', flush=True)\n"
    )
    with held(target):
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "waiting"
        time.sleep(1.0)
        assert proc.poll() is None  # still waiting while this process holds the lock
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0 and out.strip() == "got"
    assert (tmp_path / "cells" / "k.json.lock").exists()
