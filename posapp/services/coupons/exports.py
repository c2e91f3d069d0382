"""Coupon exports and form data: codes as CSV, the code sheet's content, pickers, lookups.

Reading actions (``VIEW_COUPONS``); ``actor=None`` is the trusted local command line.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import replace
from typing import Final

from sqlalchemy import select

from posapp.i18n import _
from posapp.models import Category, CouponCode, Product
from posapp.money import format_money
from posapp.services.coupons.campaigns import (
    authorize_or_system,
    campaign_dto,
    code_dto,
    load_campaign,
)
from posapp.services.coupons.codes import code_key
from posapp.services.coupons.dto import (
    SCOPE_ORDER,
    SCOPE_PRODUCTS,
    CampaignDTO,
    Choice,
    CodeDTO,
    CodeSheet,
)
from posapp.services.coupons.masking import authorize_code_reading, mask_code, shown_code
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ValidationError
from posapp.services.platform.uow import UnitOfWork
from posapp.services.platform.zone import shop_zone
from posapp.services.staff import ACTIONS, Permission

_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    """Make a CSV cell safe to open in a spreadsheet: never let it start a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def export_codes_csv(uow: UnitOfWork, actor: UserDTO | None, campaign_id: int) -> str:
    """A campaign's codes as CSV text (UTF-8 when written; formula-safe cells).

    Masked (:func:`masking.mask_code`) for staff without ``MANAGE_COUPONS``.
    """
    with uow:
        whole = authorize_code_reading(uow, actor)
        campaign = load_campaign(uow, campaign_id)
        zone = shop_zone(uow)
        dto = campaign_dto(uow, campaign)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(
            [
                "code",
                "campaign",
                "discount",
                "valid_from",
                "valid_until",
                "max_uses",
                "used",
                "active",
            ]
        )
        starts = dto.starts_at.astimezone(zone).isoformat(timespec="minutes")
        ends = (
            ""
            if dto.ends_at is None
            else dto.ends_at.astimezone(zone).isoformat(timespec="minutes")
        )
        rows = uow.session.execute(
            select(CouponCode.code, CouponCode.max_uses, CouponCode.used_count, CouponCode.active)
            .where(CouponCode.campaign_id == campaign_id)
            .order_by(CouponCode.id)
            .execution_options(yield_per=5000)
        )
        for code, max_uses, used, active in rows:
            writer.writerow(
                [
                    _cell(shown_code(code, whole)),
                    _cell(dto.name),
                    _cell(dto.value_text),
                    starts,
                    ends,
                    "" if max_uses is None else max_uses,
                    used,
                    "yes" if active else "no",
                ]
            )
        return out.getvalue()


def conditions_text(dto: CampaignDTO) -> str:
    """The small print of a coupon: minimum spend, cap, scope, limits."""
    parts = []
    if dto.scope != SCOPE_ORDER:
        parts.append(
            _("on chosen products") if dto.scope == SCOPE_PRODUCTS else _("on chosen categories")
        )
    if dto.min_spend_minor:
        parts.append(_("min. spend {amount}").format(amount=format_money(dto.min_spend_minor)))
    if dto.max_discount_minor is not None:
        parts.append(_("max. {amount} off").format(amount=format_money(dto.max_discount_minor)))
    if dto.per_customer_limit is not None:
        parts.append(_("{limit} per customer").format(limit=dto.per_customer_limit))
    parts.append(_("single use") if dto.single_use_codes else _("reusable"))
    if not dto.stacks:
        parts.append(_("one coupon per sale"))
    return "; ".join(parts)


def code_sheet(
    uow: UnitOfWork, actor: UserDTO | None, campaign_id: int, *, only_available: bool = True
) -> CodeSheet:
    """What the printable code sheet shows: the campaign and its (available) codes.

    Masked (:func:`masking.mask_code`) for staff without ``MANAGE_COUPONS``.
    """
    with uow:
        whole = authorize_code_reading(uow, actor)
        dto = campaign_dto(uow, load_campaign(uow, campaign_id))
        query = select(CouponCode.code).where(CouponCode.campaign_id == campaign_id)
        if only_available:
            query = query.where(CouponCode.active.is_(True))
        codes = tuple(
            shown_code(code, whole) for code in uow.session.scalars(query.order_by(CouponCode.id))
        )
        zone = shop_zone(uow)
        return CodeSheet(
            campaign_name=dto.name,
            value_text=dto.value_text,
            conditions=conditions_text(dto),
            starts_at=dto.starts_at,
            ends_at=dto.ends_at,
            zone=str(getattr(zone, "key", None) or zone),
            codes=codes,
        )


# -- choices for forms -----------------------------------------------------------------------


def category_choices(uow: UnitOfWork, actor: UserDTO | None) -> list[Choice]:
    """Every category as a depth-first tree (for the campaign form)."""
    with uow:
        authorize_or_system(uow, actor, Permission.VIEW_COUPONS)
        rows = uow.session.execute(
            select(Category.id, Category.name, Category.parent_id).order_by(
                Category.name, Category.id
            )
        ).all()
    children: dict[int | None, list[tuple[int, str]]] = {}
    known = {row[0] for row in rows}
    for cid, name, parent in rows:
        children.setdefault(parent if parent in known else None, []).append((cid, name))
    out: list[Choice] = []
    stack = [(cid, name, 0) for cid, name in reversed(children.get(None, []))]
    visited: set[int] = set()
    while stack:
        cid, name, depth = stack.pop()
        if cid in visited:
            continue
        visited.add(cid)
        out.append(Choice(cid, name, depth))
        stack.extend((c, n, depth + 1) for c, n in reversed(children.get(cid, [])))
    return out


def products_by_sku(uow: UnitOfWork, actor: UserDTO | None, skus: list[str]) -> list[Choice]:
    """Look products up by SKU (case and surrounding spaces ignored), in the order given.

    Raises:
        ValidationError: a SKU matches no product.
    """
    keys = [" ".join(unicodedata.normalize("NFKC", s).split()).upper() for s in skus]
    keys = [k for k in dict.fromkeys(keys) if k]
    with uow:
        authorize_or_system(uow, actor, Permission.VIEW_COUPONS)
        rows = {
            key: (pid, sku, name)
            for pid, key, sku, name in uow.session.execute(
                select(Product.id, Product.sku_key, Product.sku, Product.name).where(
                    Product.sku_key.in_(keys)
                )
            )
        }
    missing = [k for k in keys if k not in rows]
    if missing:
        raise ValidationError(_("No product has the SKU {missing}.").format(missing=missing[0]))
    return [Choice(rows[k][0], f"{rows[k][1]} · {rows[k][2]}") for k in keys]


def product_labels(uow: UnitOfWork, actor: UserDTO | None, ids: tuple[int, ...]) -> list[Choice]:
    """Products by id, labelled ``SKU · name`` (to show a campaign's chosen products)."""
    with uow:
        authorize_or_system(uow, actor, Permission.VIEW_COUPONS)
        rows = uow.session.execute(
            select(Product.id, Product.sku, Product.name)
            .where(Product.id.in_(ids))
            .order_by(Product.sku)
        ).all()
    return [Choice(pid, f"{sku} · {name}") for pid, sku, name in rows]


def find_code(uow: UnitOfWork, actor: UserDTO | None, code_text: str) -> CodeDTO | None:
    """The code a typed text matches (case, spaces and dashes ignored), or None.

    Masked (:func:`masking.mask_code`) for staff without ``MANAGE_COUPONS``.
    """
    key = code_key(code_text)
    with uow:
        whole = authorize_code_reading(uow, actor)
        row = uow.session.scalar(select(CouponCode).where(CouponCode.code_key == key))
        if row is None:
            return None
        dto = code_dto(row)
        return dto if whole else replace(dto, code=mask_code(dto.code))


for _name in (
    "export_codes_csv",
    "code_sheet",
    "category_choices",
    "products_by_sku",
    "product_labels",
    "find_code",
):
    ACTIONS[f"coupons.exports.{_name}"] = Permission.VIEW_COUPONS
