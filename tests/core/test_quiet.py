"""Quiet mode silences the raw log dicts that Trainers built inside other libraries (setfit) print."""

from __future__ import annotations

import pytest
from ragorft.benchmarks.core.log import silence_trainer_printer


def test_trainer_log_dicts_are_not_printed_in_quiet_mode(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from transformers.trainer_callback import PrinterCallback, TrainerState

    # earlier tests may have run quiet mode already: start from the library's own printer
    monkeypatch.setattr(PrinterCallback, "on_log", getattr(PrinterCallback, "original_on_log", PrinterCallback.on_log))
    state = TrainerState()
    PrinterCallback().on_log(None, state, None, logs={"loss": 1.0})
    assert "loss" in capsys.readouterr().out  # the library's printer prints without quiet mode
    silence_trainer_printer()
    PrinterCallback().on_log(None, state, None, logs={"loss": 1.0})
    assert capsys.readouterr().out == ""


_SETFIT_LOGS = """
import sys
if sys.argv[1] == "quiet":
    from ragorft.benchmarks.core.log import quiet_libraries
    quiet_libraries()
import setfit.trainer  # re-levels setfit's root logger to INFO at import
setfit.trainer.logger.info("***** Running training *****")
"""


@pytest.mark.parametrize("mode", ["quiet", "library default"])
def test_setfit_training_banner_is_quiet_only_in_quiet_mode(mode: str) -> None:
    import subprocess
    import sys

    pytest.importorskip("setfit")
    # a fresh interpreter: setfit re-levels its logger when first imported, which happened long
    # before this test in a process that already imported it
    out = subprocess.run([sys.executable, "-c", _SETFIT_LOGS, mode], capture_output=True, text=True, check=True)
    printed = "Running training" in out.stdout + out.stderr
    assert printed is (mode != "quiet")
