"""The moving average kept as value + quantity (services/stock/costing.py): it never drifts."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posapp.services.platform.errors import ValidationError
from posapp.services.stock import StockLine
from posapp.services.stock.costing import (
    cost_of,
    delivery_values,
    unit_cost,
    value_in,
    value_out,
)

_OPS = st.lists(
    st.tuples(st.booleans(), st.integers(1, 10_000), st.integers(0, 10**9)), max_size=60
)


@settings(max_examples=300, deadline=None)
@given(_OPS)
def test_value_is_what_came_in_less_what_went_out(ops: list[tuple[bool, int, int]]) -> None:
    on_hand = value = came_in = went_out = 0
    for receive, quantity, cost in ops:
        if receive or on_hand == 0:
            added = cost * quantity if cost % 3 else value_in(value, on_hand, quantity, cost)
            on_hand, value, came_in = on_hand + quantity, value + added, came_in + added
        else:
            taken = min(quantity, on_hand)
            out = value_out(value, on_hand, taken)
            assert 0 <= out <= value
            on_hand, value, went_out = on_hand - taken, value - out, went_out + out
        assert value == came_in - went_out
        assert value >= 0
        if on_hand == 0:
            assert value == 0
        else:  # the average never wanders further than half a minor unit per unit sold
            assert abs(value - on_hand * unit_cost(value, on_hand)) <= on_hand


@given(st.integers(0, 10**12), st.integers(1, 10**6))
def test_taking_everything_one_at_a_time_takes_exactly_the_value(value: int, units: int) -> None:
    units = min(units, 500)
    taken = 0
    for left in range(units, 0, -1):
        out = value_out(value - taken, left, 1)
        taken += out
    assert taken == value


def test_rounding_is_half_even_once_per_movement() -> None:
    assert value_out(502, 5, 1) == 100  # 100.4
    assert value_out(402, 4, 1) == 100  # 100.5 → even
    assert value_out(302, 3, 1) == 101  # 100.67
    assert value_out(7, 7, 7) == 7
    assert value_in(1000, 10, 3, fallback_cost=0) == 300
    assert value_in(0, 0, 3, fallback_cost=270) == 270


def test_weighed_goods_cost_per_kg() -> None:
    assert cost_of(1990, 455, by_weight=True) == 905  # 9.0545
    assert cost_of(1990, 455, by_weight=False) == 905_450
    assert unit_cost(905, 455, scale=1000) == 1989
    assert unit_cost(0, 0) == 0


def test_delivery_values() -> None:
    lines = [StockLine(1, 2, 150), StockLine(2, 500, 1000), StockLine(1, 1, 160), StockLine(3, 4)]
    assert delivery_values(lines, weighed={2}) == {1: 460, 2: 500}
    with pytest.raises(ValidationError, match="or on none"):
        delivery_values([StockLine(1, 1, 5), StockLine(1, 1)])
    for bad in (-1, 1.5, True, 10**13):
        with pytest.raises(ValidationError, match="unit cost"):
            delivery_values([StockLine(1, 1, bad)])  # type: ignore[arg-type]
