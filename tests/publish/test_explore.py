"""The page's grid: each entry names the `ragorft recommend` command that prints it, flag for flag."""

from __future__ import annotations

import argparse
import shlex

import pytest
from ragorft.benchmarks.commands.recommend import pricing_from_args, requirement_args
from ragorft.benchmarks.decide import Requirement
from ragorft.benchmarks.publish.explore import _choices, command_line
from ragorft.benchmarks.score.pricing import PRICES_FILE


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"monthly_queries": 1e7, "cost_per_error": 2.5, "accuracy_bar": 0.92, "max_latency_ms": 100.0},
        {"budget": "10shot", "accuracy_on": "in_scope", "min_oos_recall": 0.4, "hardware": "cpu-8core"},
        {"tasks": 3, "horizon_months": 6.0, "monthly_queries": 250_000.0, "cost_per_error": 0.0},
    ],
)
def test_the_command_line_parses_back_to_the_requirement(values: dict) -> None:
    req = Requirement.from_mapping(values)
    words = shlex.split(command_line("default", "banking77", req, str(PRICES_FILE)))
    assert words[:6] == ["ragorft", "recommend", "--suite", "default", "--corpus", "banking77"]
    parser = argparse.ArgumentParser()
    requirement_args(parser)
    parsed = pricing_from_args(parser.parse_args(words[6:]), {}, "t")
    assert parsed.requirement == req


def test_choices_put_the_reports_own_value_in_order_and_offer_none_only_when_unset() -> None:
    options, own = _choices(None, "1,000,000 (card)", (1e5, 1e6, 1e7), "{:,.0f}".format, effective=1e6)
    assert [label for label, _ in options] == ["100,000", "1,000,000 (card)", "10,000,000"] and own == 1
    assert options[own][1] is None  # the card's volume: no flag, as the report had it
    bars, own = _choices(0.9, "90.0%", (0.9, 0.95), str, effective=0.9, unset="none")
    assert [v for _, v in bars] == [0.9, 0.95] and own == 0  # a bar the suite set cannot be unset by a flag
    bars, own = _choices(None, "0%", (0.9, 0.95), str, effective=0, unset="none")
    assert [v for _, v in bars] == [None, 0.9, 0.95] and bars[own] == ("none", None)
