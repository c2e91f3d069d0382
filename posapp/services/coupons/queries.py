"""Paged reads of the Coupons tab: campaigns with live counts, codes, the redemption log.

Big lists follow STYLE §5: codes are fetched as ordered ids first and rows per page; the
redemption log is newest-first with keyset pages (``(redeemed_at, id) < cursor``), never OFFSET.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Final

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.orm import aliased

from posapp.models import CouponCampaign, CouponCode, CouponRedemption, CustomerAccount, Order, User
from posapp.services.coupons.campaigns import authorize_or_system, campaign_dto, code_dto
from posapp.services.coupons.dto import (
    CampaignRow,
    Choice,
    CodeDTO,
    PageCursor,
    RedemptionDTO,
    RedemptionFilter,
)
from posapp.services.coupons.masking import (
    authorize_code_reading,
    code_matches,
    mask_code,
    shown_code,
)
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.keyset import older_than
from posapp.services.platform.like import LIKE_ESCAPE, contains
from posapp.services.platform.uow import UnitOfWork
from posapp.services.staff import ACTIONS, Permission

PAGE_SIZE: Final = 200


def list_campaigns(uow: UnitOfWork, actor: UserDTO | None, search: str = "") -> list[CampaignRow]:
    """Every campaign (newest first) with codes issued and redeemed, uses and discount given."""
    with uow:
        authorize_or_system(uow, actor, Permission.VIEW_COUPONS)
        query = select(CouponCampaign).order_by(
            CouponCampaign.starts_at.desc(), CouponCampaign.id.desc()
        )
        text = " ".join(search.split()).lower()
        if text:
            query = query.where(
                func.lower(CouponCampaign.name).like(contains(text), escape=LIKE_ESCAPE)
            )
        campaigns = uow.session.scalars(query).all()
        ids = [c.id for c in campaigns]
        codes = {
            cid: (int(issued), int(redeemed or 0))
            for cid, issued, redeemed in uow.session.execute(
                select(
                    CouponCode.campaign_id,
                    func.count(),
                    func.sum(case((CouponCode.used_count > 0, 1), else_=0)),
                )
                .where(CouponCode.campaign_id.in_(ids))
                .group_by(CouponCode.campaign_id)
            )
        }
        given = {
            cid: int(total or 0)
            for cid, total in uow.session.execute(
                select(CouponRedemption.campaign_id, func.sum(CouponRedemption.discount_minor))
                .where(
                    CouponRedemption.campaign_id.in_(ids), CouponRedemption.reversed_at.is_(None)
                )
                .group_by(CouponRedemption.campaign_id)
            )
        }
        return [
            CampaignRow(
                campaign=campaign_dto(uow, c),
                codes_issued=codes.get(c.id, (0, 0))[0],
                codes_redeemed=codes.get(c.id, (0, 0))[1],
                redemptions=c.used_count,
                discount_minor=given.get(c.id, 0),
            )
            for c in campaigns
        ]


def code_ids(
    uow: UnitOfWork, actor: UserDTO | None, campaign_id: int, search: str = ""
) -> list[int]:
    """The ids of a campaign's codes in creation order, optionally those matching ``search``.

    Staff who see codes masked match only the part they see (:func:`masking.code_matches`).
    """
    with uow:
        whole = authorize_code_reading(uow, actor)
        query = select(CouponCode.id).where(CouponCode.campaign_id == campaign_id)
        matches = code_matches(search, whole)
        if matches is not None:
            query = query.where(matches)
        return list(uow.session.scalars(query.order_by(CouponCode.id)))


def codes_page(uow: UnitOfWork, actor: UserDTO | None, ids: Sequence[int]) -> list[CodeDTO]:
    """The codes with these ids (in the given order) and their live discount and last use.

    Masked (:func:`masking.mask_code`) for staff without ``MANAGE_COUPONS``.
    """
    with uow:
        whole = authorize_code_reading(uow, actor)
        rows = {
            code.id: code
            for code in uow.session.scalars(select(CouponCode).where(CouponCode.id.in_(ids)))
        }
        uses = {
            cid: (int(total or 0), last)
            for cid, total, last in uow.session.execute(
                select(
                    CouponRedemption.code_id,
                    func.sum(CouponRedemption.discount_minor),
                    func.max(CouponRedemption.redeemed_at),
                )
                .where(CouponRedemption.code_id.in_(ids), CouponRedemption.reversed_at.is_(None))
                .group_by(CouponRedemption.code_id)
            )
        }
        out = []
        for cid in ids:
            code = rows.get(cid)
            if code is None:
                continue
            total, last = uses.get(cid, (0, None))
            dto = code_dto(code, discount_minor=total, last_used_at=last)
            out.append(dto if whole else replace(dto, code=mask_code(dto.code)))
        return out


def redemptions_page(
    uow: UnitOfWork,
    actor: UserDTO | None,
    flt: RedemptionFilter,
    after: PageCursor | None = None,
    limit: int = PAGE_SIZE,
) -> list[RedemptionDTO]:
    """One page of the redemption log, newest first, after ``after`` (the previous page's end).

    Codes are masked, and searched by what shows, for staff without ``MANAGE_COUPONS``.
    """
    cashier = aliased(User)
    reverser = aliased(User)
    query = (
        select(
            CouponRedemption.id,
            CouponRedemption.redeemed_at,
            CouponRedemption.code_id,
            CouponCode.code,
            CouponRedemption.campaign_id,
            CouponCampaign.name,
            CouponRedemption.order_id,
            Order.number,
            CouponRedemption.customer_account_id,
            func.coalesce(CustomerAccount.holder_name, literal("")),
            CouponRedemption.cashier_id,
            cashier.username,
            cashier.full_name,
            CouponRedemption.discount_minor,
            CouponRedemption.reversed_at,
            func.coalesce(reverser.username, literal("")),
        )
        .join(CouponCode, CouponCode.id == CouponRedemption.code_id)
        .join(CouponCampaign, CouponCampaign.id == CouponRedemption.campaign_id)
        .join(Order, Order.id == CouponRedemption.order_id)
        .join(cashier, cashier.id == CouponRedemption.cashier_id)
        .outerjoin(CustomerAccount, CustomerAccount.id == CouponRedemption.customer_account_id)
        .outerjoin(reverser, reverser.id == CouponRedemption.reversed_by_id)
        .order_by(CouponRedemption.redeemed_at.desc(), CouponRedemption.id.desc())
        .limit(limit)
    )
    conditions = []
    if flt.campaign_id is not None:
        conditions.append(CouponRedemption.campaign_id == flt.campaign_id)
    if flt.cashier_id is not None:
        conditions.append(CouponRedemption.cashier_id == flt.cashier_id)
    if flt.from_at is not None:
        conditions.append(CouponRedemption.redeemed_at >= flt.from_at)
    if flt.to_at is not None:
        conditions.append(CouponRedemption.redeemed_at < flt.to_at)
    if not flt.include_reversed:
        conditions.append(CouponRedemption.reversed_at.is_(None))
    if after is not None:
        conditions.append(
            older_than(CouponRedemption.redeemed_at, CouponRedemption.id, after.at, after.id)
        )
    text = " ".join(flt.text.split())
    with uow:
        whole = authorize_code_reading(uow, actor)
        if text:
            number = func.upper(Order.number).like(contains(text.upper()), escape=LIKE_ESCAPE)
            code = code_matches(text, whole)
            conditions.append(number if code is None else or_(code, number))
        if conditions:
            query = query.where(and_(*conditions))
        rows = uow.session.execute(query).all()
    return [
        RedemptionDTO(
            id=r[0],
            redeemed_at=r[1],
            code_id=r[2],
            code=shown_code(r[3], whole),
            campaign_id=r[4],
            campaign_name=r[5],
            order_id=r[6],
            order_number=r[7],
            customer_account_id=r[8],
            customer_name=r[9],
            cashier_id=r[10],
            cashier_name=r[12] or r[11],
            discount_minor=r[13],
            reversed_at=r[14],
            reversed_by_name=r[15],
        )
        for r in rows
    ]


def redemption_cashiers(uow: UnitOfWork, actor: UserDTO | None) -> list[Choice]:
    """The staff who have redeemed codes (for the log's cashier filter)."""
    with uow:
        authorize_or_system(uow, actor, Permission.VIEW_COUPONS)
        rows = uow.session.execute(
            select(User.id, User.username, User.full_name)
            .where(User.id.in_(select(CouponRedemption.cashier_id).distinct()))
            .order_by(User.username_key)
        ).all()
    return [Choice(uid, full or name) for uid, name, full in rows]


for _name in (
    "list_campaigns",
    "code_ids",
    "codes_page",
    "redemptions_page",
    "redemption_cashiers",
):
    ACTIONS[f"coupons.queries.{_name}"] = Permission.VIEW_COUPONS
