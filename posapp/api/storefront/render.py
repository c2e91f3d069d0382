"""Rendering the storefront: Jinja2 templates with escaping on, money in the shop's currency.

Every template extends ``base.html`` (landmarks, skip link, the shop's name and logo, search,
the basket). Autoescaping is on for every template, so a product called ``<script>`` shows
as text; names that may be right-to-left are marked ``dir="auto"`` in the templates.
Amounts are formatted here, at the edge, from integer minor units: with Babel in the shop's
currency (``posapp.money.current_currency()``), or as plain digits while the shop has set none.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Final

from babel.numbers import format_currency
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from posapp.money import current_currency, format_money
from posapp.units import per_unit

HERE: Final = Path(__file__).parent
LOCALE: Final = "en"
"""The storefront's language (the shop has no language setting yet; see docs/STOREFRONT.md)."""


def money(minor: int) -> str:
    """``minor`` units of the shop's currency for a customer: ``€12.50``, ``¥1,250``."""
    currency = current_currency()
    if not currency.code:
        return format_money(minor)
    major = Decimal(minor).scaleb(-currency.digits)
    return format_currency(major, currency.code, locale=LOCALE)


def environment() -> Environment:
    """The template environment: the package's templates, autoescaped, strict about names."""
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["money"] = money
    env.filters["per_unit"] = per_unit
    return env
