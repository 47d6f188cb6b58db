"""What the user needs (data budget, accuracy bar, volume, cost per error, latency, tasks), from TOML or flags.

``budget`` is the training data the user HAS (default: the largest budget in the results, i.e. all
of it): the runs at that budget are the candidates to ship; smaller budgets only feed the learning
curve. ``accuracy_on = "in_scope"`` judges the bar on in-scope accuracy (a corpus with an
out-of-scope label), with ``min_oos_recall`` as the second half of that requirement.

One typed schema for both sources (a suite's ``[requirement]`` table and the command-line flags):
numbers may be written as people write them (``10M``, ``92%``), and any bad value is one line
naming the file (or "command line") and the field. :class:`Pricing` bundles a requirement with
the prices every cost is computed for, so ``recommend``, the report and the tables agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError
from ragorft.benchmarks.core.constrained import Fraction, NonNegFloat, PosFloat, PosInt, Text
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.core.schema import Schema, validate
from ragorft.benchmarks.score.costs import DEFAULT_HORIZON_MONTHS, parse_fraction, parse_quantity
from ragorft.benchmarks.score.pricing import Prices, load_prices

__all__ = ["Pricing", "Requirement", "normalise_budget"]


def _human(parse: Any) -> Any:
    """A before-validator: ``parse`` a human number, its complaint becoming the field's error."""

    def run(value: Any) -> Any:
        if value is None:
            return None
        try:
            out = parse(value, what="value")
        except RagorftError as exc:
            raise PydanticCustomError("human_number", str(exc).removeprefix("value: ")) from None
        return int(out) if parse is parse_quantity and out.is_integer() else out  # tasks = 2.0 is 2

    return BeforeValidator(run)


def _budget(value: Any) -> Any:
    if value is None:
        return None
    try:
        return normalise_budget(value)
    except RagorftError as exc:
        raise PydanticCustomError("budget", str(exc).removeprefix("requirement: ")) from None


Quantity = Annotated[NonNegFloat, _human(parse_quantity)]


class Requirement(Schema):
    """What the user needs; every field optional except what a comparison cannot do without."""

    accuracy_bar: Annotated[Fraction, _human(parse_fraction)] | None = None
    #: None: the corpus card's volume; zero is refused (every strategy would cost its training alone)
    monthly_queries: Annotated[PosFloat, _human(parse_quantity)] | None = None
    cost_per_error: Quantity | None = None  # None: the corpus card's [costs] cost_per_error, else $0
    max_latency_ms: Quantity | None = None
    tasks: Annotated[PosInt, _human(parse_quantity)] = 1
    hardware: Text | None = None  # price every strategy on this machine instead of where it ran
    horizon_months: Annotated[PosFloat, _human(parse_quantity)] = DEFAULT_HORIZON_MONTHS
    budget: Annotated[Text, BeforeValidator(_budget)] | None = None  # "full", "30shot"; None: the largest
    accuracy_on: Literal["all", "in_scope"] = "all"  # out-of-scope items then judged by min_oos_recall
    min_oos_recall: Annotated[Fraction, _human(parse_fraction)] | None = None

    @classmethod
    def from_mapping(cls, raw: dict[str, Any], *, source: str = "requirement") -> Requirement:
        """Build from a ``[requirement]`` TOML table or CLI values; human numbers (10M) allowed."""
        return validate(cls, raw, path=source, prefix="requirement")

    def merged(self, overrides: dict[str, Any]) -> Requirement:
        """This requirement with the flags that were given (not None) replacing its values."""
        base = self.model_dump()
        base.update({k: v for k, v in overrides.items() if v is not None})
        return Requirement.from_mapping(base, source="command line")


def normalise_budget(value: Any, source: str = "requirement") -> str:
    """``30``, ``"30"`` or ``"30shot"`` -> ``"30shot"``; ``"full"`` stays: the suite's budget names."""
    text = str(value).strip().lower()
    digits = text[:-4] if text.endswith("shot") else text
    if text == "full":
        return "full"
    if digits.isdigit() and int(digits) > 0:
        return f"{int(digits)}shot"
    raise RagorftError(f"budget must be 'full' or examples per class (30 or 30shot), got {value!r}", path=source)


@dataclass
class Pricing:
    """The requirement and prices every cost in the report is computed for (``ragorft recommend``'s)."""

    requirement: Requirement = field(default_factory=Requirement)
    prices: Prices = field(default_factory=load_prices)

    def machine_rule(self) -> str:
        """How a cell's machine is chosen, in words, for the report's header."""
        hw = self.requirement.hardware
        if hw:
            return f"every cell priced on {hw} at ${self.prices.machine(hw).usd_per_hour:g}/h (--hardware)"
        cpu = self.prices.hardware[self.prices.default_cpu]
        return f"the machine the cell ran on (its GPU by name; CPU as {cpu.name} at ${cpu.usd_per_hour:g}/h)"


def validate_against(cells: list[tuple[str, dict[str, Any]]], req: Requirement) -> None:
    """A requirement that no result can be judged against is an error, not a recommendation."""
    if req.max_latency_ms is not None and not any(
        isinstance(((r.get("timing") or {}).get("latency_ms") or {}).get("p95"), int | float) for _, r in cells
    ):
        raise RagorftError(
            f"--max-latency-ms {req.max_latency_ms:g}: no result has a measured p95 latency to judge it against",
            path=cells[0][0],
        )
