"""Issue 33, prices files: ``usd_per_hour = nan`` or ``inf`` and ``hardware = 5`` were accepted,
then ``recommend --prices`` raised a traceback. Every bad prices file is one line naming the file
and the field, exit 2, whatever value sits where a price or a table belongs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ragorft.benchmarks.commands.cli import main
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.score.pricing import load_prices

ROOT = Path(__file__).resolve().parents[2]
GOOD = (
    'default_cpu = "cpu"\n[hardware.cpu]\nusd_per_hour = 0.1\n'
    "[api.m]\nusd_per_million_in = 1\nusd_per_million_out = 2\n"
)

#: TOML values of every kind, put where a price, a name or a table belongs
TOML_VALUES = ["nan", "inf", "-inf", "-1", '"0.1"', "true", "[1]", "{ a = 1 }", "5", '""', "1979-05-27"]


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (GOOD.replace("usd_per_hour = 0.1", "usd_per_hour = nan"), "hardware.cpu.usd_per_hour"),
        (GOOD.replace("usd_per_hour = 0.1", "usd_per_hour = inf"), "hardware.cpu.usd_per_hour"),
        ('default_cpu = "cpu"\nhardware = 5\n', "hardware"),
        (GOOD.replace("usd_per_hour = 0.1", "usd_per_hr = 0.1"), "hardware.cpu.usd_per_hour: Field required"),
        (GOOD.replace('default_cpu = "cpu"', 'default_cpu = "gpu"'), "default_cpu 'gpu' is not a [hardware.*] table"),
    ],
)
def test_the_issues_prices_files_are_one_line_exit_2(tmp_path: Path, capsys, text: str, field: str) -> None:
    prices = tmp_path / "prices.toml"
    prices.write_text(text)
    argv = ["recommend", "--suite", "default", "--results-dir", str(ROOT / "results"), "--prices", str(prices)]
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and str(prices) in err and field in err and "Traceback" not in err, err


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    where=st.sampled_from(["usd_per_hour", "usd_per_million_in", "default_cpu", "gpu_match", "hardware", "api"]),
    value=st.sampled_from(TOML_VALUES),
)
def test_any_value_anywhere_in_a_prices_file_is_read_or_one_line(tmp_path_factory, where: str, value: str) -> None:
    tmp = tmp_path_factory.mktemp("prices")
    lines = GOOD.split("\n")
    if where in ("hardware", "api"):
        text = (
            "\n".join(x for x in lines if not x.startswith(f"[{where}.") and "usd_per" not in x)
            + f"\n{where} = {value}\n"
        )
    elif where == "gpu_match":
        text = GOOD.replace("usd_per_hour = 0.1", f"usd_per_hour = 0.1\ngpu_match = {value}")
    else:
        text = "\n".join(f"{x.split(' = ')[0]} = {value}" if x.startswith(f"{where} =") else x for x in lines)
    path = tmp / "p.toml"
    path.write_text(text)
    try:
        prices = load_prices(path)
    except RagorftError as exc:
        assert str(exc).startswith(str(path)) and "\n" not in str(exc)
        return
    for hw in prices.hardware.values():  # what was accepted is a usable price
        assert hw.usd_per_hour >= 0 and hw.usd_per_hour != float("inf")
