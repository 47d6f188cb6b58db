"""What one cell is: corpus x run x budget x seed, and its test-item and timing plans.

Apart from the suite reader (run/suite.py), so that the harness a cell's key fingerprints (the
import closure of run/cell.py) holds what computes a cell and not how a suite file is validated:
a new check in the suite reader must not re-key every published cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Budget = int | str  # examples per class, or "full"


@dataclass(frozen=True)
class Cell:
    corpus: str  # the corpus's name, from its card
    run: str  # the [[run]] name: a strategy plus options
    strategy: str
    options: dict[str, Any]
    budget: Budget
    seed: int
    max_test_items: int  # 0 = the whole test split
    corpus_ref: str = ""  # where its card is: a packaged corpus by name, any other by its card's absolute path
    timed_queries: int = 0  # the serving-timing sample (0 = the harness default; run/measure.timing_plan)

    @property
    def corpus_source(self) -> str:
        return self.corpus_ref or self.corpus

    @property
    def id(self) -> str:
        return f"{self.corpus}/{self.run}/{budget_name(self.budget)}/seed{self.seed}"


def budget_name(budget: Budget) -> str:
    return "full" if budget == "full" else f"{budget}shot"
