"""Cost arithmetic: prices x measured seconds and tokens, error volume, break-even points."""

from __future__ import annotations

import pytest
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.score.costs import (
    break_even,
    cost_breakdown,
    error_volume,
    parse_fraction,
    parse_quantity,
)
from ragorft.benchmarks.score.pricing import load_prices

from tests.helpers.records import N_ITEMS, record, spread


@pytest.mark.parametrize(
    ("text", "value"),
    [("10M", 10_000_000), ("250k", 250_000), ("1_000_000", 1_000_000), ("2.5", 2.5), ("1.5B", 1.5e9), (7, 7.0)],
)
def test_human_quantities(text, value):
    assert parse_quantity(text) == value


@pytest.mark.parametrize("text", ["ten", "10X", "-5", "", "1e", float("nan"), float("inf"), "nan", True])
def test_bad_quantities_are_errors(text):
    with pytest.raises(RagorftError):
        parse_quantity(text, what="monthly_queries")


def test_fraction_accepts_percent_and_refuses_out_of_range():
    assert parse_fraction("92%") == pytest.approx(0.92)
    assert parse_fraction(0.92) == 0.92
    with pytest.raises(RagorftError, match="between 0 and 1"):
        parse_fraction("92")


def test_seed_example_93_percent_at_10m_is_700k_errors():
    assert error_volume(0.93, parse_quantity("10M")) == pytest.approx(700_000)
    # the same through a record: 56 wrong of 800 items is exactly 93% accuracy
    rec = record("rag", spread(56))
    assert rec["metrics"]["accuracy"] == pytest.approx(0.93)
    cost = cost_breakdown(rec, load_prices(), monthly_queries=10e6, cost_per_error=2.50)
    assert cost.errors_monthly == pytest.approx(700_000)
    assert cost.error_cost_monthly == pytest.approx(1_750_000)
    lo, hi = cost.errors_monthly_ci
    assert lo < 700_000 < hi


def test_serving_and_training_priced_from_measured_seconds():
    prices = load_prices()
    rate = prices.hardware["cpu-2core"].usd_per_hour
    rec = record("rag", spread(80), seconds_per_query=0.02, train_seconds=3600.0)
    cost = cost_breakdown(rec, prices, monthly_queries=1e6, cost_per_error=0.0, horizon_months=12)
    assert cost.serving_usd_per_query == pytest.approx(0.02 * rate / 3600)
    assert cost.serving_monthly == pytest.approx(1e6 * 0.02 * rate / 3600)
    assert cost.training_usd == pytest.approx(rate)  # one hour of training
    assert cost.training_monthly == pytest.approx(rate / 12)
    assert cost.total_monthly == pytest.approx(cost.serving_monthly + cost.training_monthly)
    # --hardware prices the same seconds on another machine
    h100 = cost_breakdown(rec, prices, monthly_queries=1e6, cost_per_error=0.0, hardware="h100")
    assert h100.serving_usd_per_query == pytest.approx(0.02 * prices.hardware["h100"].usd_per_hour / 3600)


def test_index_embedding_time_counts_as_training():
    prices = load_prices()
    rate = prices.hardware["cpu-2core"].usd_per_hour / 3600
    rec = record("rag", spread(80), train_seconds=2.0, extra={"index_embedding_seconds": 98.0})
    cost = cost_breakdown(rec, prices, monthly_queries=1e6, cost_per_error=0.0)
    assert cost.training_usd == pytest.approx(100.0 * rate)
    assert any("embedding the index" in n for n in cost.notes)


def test_gpu_record_matched_by_name_and_unknown_gpu_is_an_error():
    prices = load_prices()
    rec = record("lora", spread(80), device="cuda", gpu="NVIDIA H100 80GB HBM3")
    assert cost_breakdown(rec, prices, monthly_queries=1, cost_per_error=0).priced_as.startswith("h100")
    odd = record("lora", spread(80), device="cuda", gpu="Some Future Accelerator")
    with pytest.raises(RagorftError, match="--hardware"):
        cost_breakdown(odd, prices, monthly_queries=1, cost_per_error=0)


def test_api_strategy_priced_per_token():
    prices = load_prices()
    p = prices.api["gpt-4o-mini"]
    rec = record(
        "fewshot", spread(40), options={"model": "gpt-4o-mini"}, cost={"tokens_in": 800_000, "tokens_out": 8_000}
    )
    cost = cost_breakdown(rec, prices, monthly_queries=1e6, cost_per_error=0)
    per_query = (1000 * p.usd_per_million_in + 10 * p.usd_per_million_out) / 1e6  # 1000 in, 10 out per query
    assert cost.serving_usd_per_query == pytest.approx(per_query)
    reported = record("fewshot", spread(40), extra={"cost_usd": 1.6})
    assert cost_breakdown(reported, prices, monthly_queries=1, cost_per_error=0).serving_usd_per_query == pytest.approx(
        1.6 / N_ITEMS
    )


def test_prices_file_errors_name_the_file(tmp_path):
    bad = tmp_path / "prices.toml"
    bad.write_text('default_cpu = "cpu"\n[hardware.cpu]\nusd_per_hour = "cheap"\n')
    with pytest.raises(RagorftError, match="usd_per_hour") as exc:
        load_prices(bad)
    assert str(bad) in str(exc.value)


def test_break_even_hand_computed():
    prices = load_prices()
    rate = prices.hardware["cpu-2core"].usd_per_hour / 3600
    # cheap: 10% errors, 1 ms/query, no training; accurate: 5% errors, 10 ms/query, 100 h of training
    cheap = cost_breakdown(
        record("cheap", spread(80), seconds_per_query=0.001, train_seconds=0),
        prices,
        monthly_queries=1e5,
        cost_per_error=0.0001,
    )
    accurate = cost_breakdown(
        record("accurate", spread(40), seconds_per_query=0.010, train_seconds=360_000),
        prices,
        monthly_queries=1e5,
        cost_per_error=0.0001,
    )
    assert cheap.total_monthly < accurate.total_monthly
    be = break_even("cheap", cheap, "accurate", accurate)
    # volume: Q (s_c + 0.10 c) = Q (s_a + 0.05 c) + T_a / 12
    s_c, s_a, t_a = 0.001 * rate, 0.010 * rate, 360_000 * rate / 12
    q = t_a / ((s_c + 0.10 * 0.0001) - (s_a + 0.05 * 0.0001))
    assert be.monthly_queries == pytest.approx(q)
    # cost per error at 1e5 queries: 1e5 (s_c + 0.10 c) = 1e5 (s_a + 0.05 c) + T_a / 12
    c = (1e5 * (s_a - s_c) + t_a) / (1e5 * 0.05)
    assert be.cost_per_error == pytest.approx(c)
    # and at those points the totals really are equal
    for field, value in (("monthly_queries", q), ("cost_per_error", c)):
        a2 = cost_breakdown(
            record("cheap", spread(80), seconds_per_query=0.001, train_seconds=0),
            prices,
            **{"monthly_queries": 1e5, "cost_per_error": 0.0001, field: value},
        )
        b2 = cost_breakdown(
            record("accurate", spread(40), seconds_per_query=0.010, train_seconds=360_000),
            prices,
            **{"monthly_queries": 1e5, "cost_per_error": 0.0001, field: value},
        )
        assert a2.total_monthly == pytest.approx(b2.total_monthly)


def test_no_break_even_when_the_chosen_one_dominates():
    prices = load_prices()
    good = cost_breakdown(
        record("good", spread(10), seconds_per_query=0.001, train_seconds=0),
        prices,
        monthly_queries=1e6,
        cost_per_error=1.0,
    )
    bad = cost_breakdown(
        record("bad", spread(80), seconds_per_query=0.01, train_seconds=100),
        prices,
        monthly_queries=1e6,
        cost_per_error=1.0,
    )
    be = break_even("good", good, "bad", bad)
    assert be.monthly_queries is None and be.cost_per_error is None
