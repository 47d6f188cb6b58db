"""Logging for ragorft: every module logs to ``logging.getLogger("ragorft.<module>")``.

Messages for the person running a benchmark go to stderr, one line each, never into results.
Libraries embedding ragorft (Ray, notebooks) filter or redirect the ``ragorft`` logger as they
like; the CLI calls :func:`configure` once.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings

ROOT = "ragorft"


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (pytest's capture, a redirected stream)."""

    def __init__(self) -> None:
        super().__init__()

    @property  # type: ignore[override]
    def stream(self):  # noqa: ANN201
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:  # noqa: ANN001
        pass


class _Format(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        msg = record.getMessage()
        return msg if record.levelno < logging.WARNING else f"{record.levelname.lower()}: {msg}"


def configure(debug: bool = False) -> None:
    """ragorft's messages on stderr (INFO, or DEBUG with ``--debug``); third-party loggers stay quiet."""
    logger = logging.getLogger(ROOT)
    if not any(isinstance(h, _StderrHandler) for h in logger.handlers):
        handler = _StderrHandler()
        handler.setFormatter(_Format())
        logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if debug else logging.INFO)


def get_logger(name: str) -> logging.Logger:
    """The logger for a ragorft module: ``get_logger(__name__)``."""
    return logging.getLogger(name if name.startswith(ROOT) else f"{ROOT}.{name}")


#: libraries whose INFO/WARNING chatter (and progress bars) would bury the one line per cell
NOISY = (
    "transformers",
    "sentence_transformers",
    "datasets",
    "peft",
    "accelerate",
    "huggingface_hub",
    "filelock",
    "bitsandbytes",
)


#: setfit modules that log (setfit.trainer re-levels the package's root logger at import)
SETFIT_MODULES = ("trainer", "modeling", "model_card", "training_args", "data", "losses")


def quiet_libraries(debug: bool = False) -> None:
    """Library loggers at ERROR and their progress bars off, unless ``--debug``.

    The bench output once interleaved raw Trainer dicts and nested bars with the cell lines; the
    Trainer's dict printer is removed where the Trainer is built (models/finetune.py).
    """
    if debug:
        return
    # deprecation notices of the libraries' own internals are for their maintainers, not a bench
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    for category in (FutureWarning, DeprecationWarning):  # ...but ragorft's own deprecations always show
        warnings.filterwarnings("default", category=category, module=r"ragorft\.")
    for name in NOISY:
        logging.getLogger(name).setLevel(logging.ERROR)
    # setfit sets its root logger to INFO when setfit.trainer is imported (inside a cell, after
    # this ran): an explicit level on each module's own logger is one that call cannot undo
    for module in SETFIT_MODULES:
        logging.getLogger(f"setfit.{module}").setLevel(logging.ERROR)
    os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TQDM_DISABLE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    # scikit-learn on a 1-shot budget (one example per class): true, expected, and not news
    warnings.filterwarnings("ignore", message="The number of unique classes is greater than 50%")
    warnings.filterwarnings("ignore", message=".*pin_memory.*")  # torch's DataLoader on a CPU-only machine


def silence_trainer_printer() -> None:
    """Trainers built inside other libraries (setfit) print every log dict when their bars are off;
    the curves are in the record, so in quiet mode the printer prints nothing (``--debug`` keeps it).

    Called where a cell runs (run/job.py), not in ``quiet_libraries``: importing transformers costs
    the ``bench`` driver, which trains nothing, seconds at start-up.
    """
    try:
        from transformers.trainer_callback import PrinterCallback
        from transformers.utils import logging as hf_logging
    except ImportError:  # transformers is a dependency; a stripped-down install just stays noisy
        return
    # transformers decides on its bars ("Loading weights") when imported, before an environment
    # variable set later could reach it: switch them off where the cell runs
    hf_logging.disable_progress_bar()
    if not hasattr(PrinterCallback, "original_on_log"):  # kept, so --debug in the same process could restore it
        PrinterCallback.original_on_log = PrinterCallback.on_log
    PrinterCallback.on_log = lambda self, args, state, control, logs=None, **kwargs: None
