"""The requirement and the prices file are typed: human numbers allowed, anything else one line naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.decide import Requirement
from ragorft.benchmarks.score.pricing import load_prices


def test_human_numbers_are_read() -> None:
    req = Requirement.from_mapping(
        {"accuracy_bar": "92%", "monthly_queries": "10M", "tasks": "3", "budget": 30, "horizon_months": 6}
    )
    assert req.accuracy_bar == pytest.approx(0.92) and req.monthly_queries == 1e7
    assert req.tasks == 3 and req.budget == "30shot" and req.horizon_months == 6.0
    assert Requirement.from_mapping({"tasks": 2.0}).tasks == 2


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"acuracy_bar": 0.9}, r"requirement\.acuracy_bar: unknown field"),
        ({"accuracy_bar": "92"}, r"requirement\.accuracy_bar: must be between 0 and 1"),
        ({"monthly_queries": "lots"}, r"requirement\.monthly_queries: expected a number like 10M"),
        ({"monthly_queries": -1}, r"requirement\.monthly_queries: must not be negative"),
        ({"monthly_queries": "0"}, r"requirement\.monthly_queries: Input should be greater than 0"),
        ({"cost_per_error": True}, r"requirement\.cost_per_error: expected a number"),
        ({"tasks": "2.5"}, r"requirement\.tasks: Input should be a valid integer"),
        ({"tasks": 0}, r"requirement\.tasks: Input should be greater than 0"),
        ({"horizon_months": 0}, r"requirement\.horizon_months: Input should be greater than 0"),
        ({"accuracy_on": "some"}, r"requirement\.accuracy_on: Input should be 'all' or 'in_scope'"),
        ({"budget": "ten"}, r"requirement\.budget: budget must be 'full' or examples per class"),
        ({"hardware": 5}, r"requirement\.hardware: Input should be a valid string"),
        ({"min_oos_recall": "140%"}, r"requirement\.min_oos_recall: must be between 0 and 1"),
    ],
)
def test_bad_requirement_is_one_line_naming_the_file_and_field(raw: dict, message: str) -> None:
    with pytest.raises(RagorftError, match=rf"^suite\.toml: {message}") as err:
        Requirement.from_mapping(raw, source="suite.toml")
    assert "\n" not in str(err.value)


def test_flags_override_and_are_checked_as_the_command_line() -> None:
    base = Requirement.from_mapping({"accuracy_bar": 0.9, "tasks": 2})
    assert base.merged({"tasks": "4", "accuracy_bar": None}).model_dump()["tasks"] == 4
    assert base.merged({"tasks": "4"}).accuracy_bar == 0.9
    with pytest.raises(RagorftError, match=r"^command line: requirement\.max_latency_ms: "):
        base.merged({"max_latency_ms": "soon"})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[hardware.cpu]\nusd_per_hour = "cheap"', r"hardware\.cpu\.usd_per_hour: Input should be a valid number"),
        ("[hardware.cpu]\nusd_per_hour = -1", r"hardware\.cpu\.usd_per_hour: Input should be greater than or equal"),
        ("[hardware.cpu]\nusd_per_hr = 1", r"hardware\.cpu\.usd_per_hour: Field required"),
        ('default_cpu = "gpu"\n[hardware.cpu]\nusd_per_hour = 1', r"default_cpu 'gpu' is not a \[hardware\.\*\] table"),
        ('default_cpu = "cpu"\n[hardware.cpu]\nusd_per_hour = 1\n[api.m]\nusd_per_million_in = 1', r"api\.m\.usd"),
        ('default_cpu = "cpu"\n[hardware.cpu]\nusd_per_hour = 1\n[gpu]\nx = 1', r"gpu: unknown field"),
    ],
)
def test_bad_prices_are_one_line_naming_the_file_and_field(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "prices.toml"
    path.write_text(text + "\n")
    with pytest.raises(RagorftError, match=message) as err:
        load_prices(path)
    assert str(err.value).startswith(f"{path}: ")


def test_packaged_prices_name_every_machine() -> None:
    prices = load_prices()
    assert prices.hardware[prices.default_cpu].name == prices.default_cpu
    assert all(name == hw.name for name, hw in prices.hardware.items())
    assert prices.api["gpt-4o-mini"].usd_per_million_out > 0
