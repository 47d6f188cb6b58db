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
