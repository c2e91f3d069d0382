"""Money display and the sentences toasts use for events."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QLocale

from posapp.events import AccountMoved, CouponRedeemed, OrderPlaced, ProductChanged, StockLow
from posapp.ui.kit.formatting import money_text
from posapp.ui.notifications.messages import toast_message
from tests.ui.helpers import NOW

pytestmark = pytest.mark.ui

US = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
DE = QLocale(QLocale.Language.German, QLocale.Country.Germany)


@pytest.mark.parametrize(
    ("minor", "locale", "expected"),
    [
        (123_456, US, "$1,234.56"),
        (5, US, "$0.05"),
        (0, US, "$0.00"),
        (123_456, DE, "1.234,56\xa0€"),
        (-1_250, DE, "-12,50\xa0€"),
        (999_999_999_999, US, "$9,999,999,999.99"),
        (-1_250, QLocale.c(), "-12.50"),
    ],
)
def test_money_text_is_exact_and_follows_the_locale(
    minor: int, locale: QLocale, expected: str
) -> None:
    assert money_text(minor, locale) == expected


def test_negative_amounts_follow_the_locales_pattern() -> None:
    text = money_text(-1_250, US)
    assert "12.50" in text
    assert text.startswith(("-", "("))


def test_toast_sentences() -> None:
    stores = {1: "Main Street"}
    order = toast_message(OrderPlaced(5, "A-5", 1, 4_250, NOW), store_names=stores, locale=US)
    assert order is not None
    assert (order.title, order.body, order.level) == (
        "Order A-5 placed",
        "$42.50 at Main Street.",
        "info",
    )
    low = toast_message(StockLow(2, 17, 1, 5, NOW), store_names=stores)
    assert low is not None
    assert low.level == "warning"
    assert "store #2" in low.body
    coupon = toast_message(CouponRedeemed(1, 1, 77, 500, NOW), locale=US)
    assert coupon is not None
    assert coupon.body == "$5.00 off order #77."
    account = toast_message(AccountMoved(3, 9, "withdrawal", -2_000, 500, NOW), locale=US)
    assert account is not None
    assert account.body == "Withdrawal of $20.00. Balance $5.00."
    assert toast_message(ProductChanged(1, "edited", NOW)) is None
