"""Coupon campaigns: create, edit, disable, generate codes in bulk, export them, end them.

Every action follows the service shape ``verb(uow, actor, ...) -> DTO``: one ``with uow:``,
authorization first (``MANAGE_COUPONS`` to change, ``VIEW_COUPONS`` to look), then the work, the
audit record and the commit. ``actor=None`` is the trusted local command line / system.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Connection, delete, func, insert, select, update

from posapp.events import CampaignEnded
from posapp.models import Category, CouponCampaign, CouponCode, Product
from posapp.models.coupons import campaign_categories, campaign_products
from posapp.money import BP_PER_UNIT, MAX_MINOR
from posapp.services.coupons.codes import (
    MAX_GROUPS,
    MIN_GROUPS,
    clean_prefix,
    clean_shared_code,
    new_codes,
)
from posapp.services.coupons.dto import (
    KINDS,
    PERCENT,
    SCOPE_CATEGORIES,
    SCOPE_PRODUCTS,
    SCOPES,
    CampaignDraft,
    CampaignDTO,
    CodeDTO,
    GenerationResult,
    OperationCancelledError,
)
from posapp.services.platform.audit import AuditRecord
from posapp.services.platform.cards import refuse_card_number
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ConflictError, NotFoundError, ValidationError
from posapp.services.platform.uow import UnitOfWork
from posapp.services.staff import ACTIONS, Permission, authorize, requires

NAME_MAX: Final = 100
DESCRIPTION_MAX: Final = 500
GENERATE_MAX: Final = 1_000_000
GENERATE_BATCH: Final = 5_000
LIMIT_MAX: Final = 1_000_000_000

Progress = Callable[[int, int], None]
"""Called with (done, total) after each batch."""
Cancelled = Callable[[], bool]
"""Polled between batches; True stops the work and rolls everything back."""


class GenerationCancelledError(OperationCancelledError):
    """The generation was cancelled: no code was kept."""


def _no_progress(done: int, total: int) -> None:
    """Ignore progress."""


def _never() -> bool:
    return False


def _authorize(uow: UnitOfWork, actor: UserDTO | None, permission: Permission) -> int | None:
    if actor is None:
        return None
    return authorize(uow, actor, permission).id


# -- DTOs ------------------------------------------------------------------------------------


def _ids(uow: UnitOfWork, campaign_id: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    products = uow.session.scalars(
        select(campaign_products.c.product_id)
        .where(campaign_products.c.campaign_id == campaign_id)
        .order_by(campaign_products.c.product_id)
    )
    categories = uow.session.scalars(
        select(campaign_categories.c.category_id)
        .where(campaign_categories.c.campaign_id == campaign_id)
        .order_by(campaign_categories.c.category_id)
    )
    return tuple(products), tuple(categories)


def campaign_dto(uow: UnitOfWork, campaign: CouponCampaign) -> CampaignDTO:
    """Build the read model of a campaign (with its chosen products and categories)."""
    products, categories = _ids(uow, campaign.id)
    return CampaignDTO(
        id=campaign.id,
        name=campaign.name,
        description=campaign.description,
        kind=campaign.kind,
        value=campaign.value,
        scope=campaign.scope,
        product_ids=products,
        category_ids=categories,
        min_spend_minor=campaign.min_spend_minor,
        max_discount_minor=campaign.max_discount_minor,
        starts_at=campaign.starts_at,
        ends_at=campaign.ends_at,
        usage_limit=campaign.usage_limit,
        per_customer_limit=campaign.per_customer_limit,
        single_use_codes=campaign.single_use_codes,
        stacks=campaign.stacks,
        active=campaign.active,
        used_count=campaign.used_count,
        ended_at=campaign.ended_at,
        created_at=campaign.created_at,
    )


def code_dto(code: CouponCode) -> CodeDTO:
    """Build the read model of a code (without its redemption figures)."""
    return CodeDTO(
        id=code.id,
        campaign_id=code.campaign_id,
        code=code.code,
        max_uses=code.max_uses,
        used_count=code.used_count,
        active=code.active,
        created_at=code.created_at,
    )


def _load(uow: UnitOfWork, campaign_id: int, *, lock: bool = False) -> CouponCampaign:
    query = select(CouponCampaign).where(CouponCampaign.id == campaign_id)
    campaign = uow.session.scalar(query.with_for_update() if lock else query)
    if campaign is None:
        raise NotFoundError(f"No coupon campaign with id {campaign_id}.")
    return campaign


def _snapshot(dto: CampaignDTO) -> dict[str, object]:
    return {
        "name": dto.name,
        "kind": dto.kind,
        "value": dto.value,
        "scope": dto.scope,
        "products": list(dto.product_ids),
        "categories": list(dto.category_ids),
        "min_spend_minor": dto.min_spend_minor,
        "max_discount_minor": dto.max_discount_minor,
        "starts_at": dto.starts_at.isoformat(),
        "ends_at": None if dto.ends_at is None else dto.ends_at.isoformat(),
        "usage_limit": dto.usage_limit,
        "per_customer_limit": dto.per_customer_limit,
        "single_use_codes": dto.single_use_codes,
        "stacks": dto.stacks,
        "active": dto.active,
    }


# -- validation ------------------------------------------------------------------------------


def _clean_text(text: str, what: str, maximum: int, *, required: bool) -> str:
    clean = " ".join(unicodedata.normalize("NFKC", text).split())
    if required and not clean:
        raise ValidationError(f"Enter a {what}.")
    if len(clean) > maximum:
        raise ValidationError(f"A {what} has at most {maximum} characters.")
    if any(unicodedata.category(ch) in {"Cc", "Cs"} for ch in clean):
        raise ValidationError(f"A {what} cannot contain control characters.")
    return refuse_card_number(clean)


def _check_limit(value: int | None, what: str) -> None:
    if value is None:
        return
    if value <= 0:
        raise ValidationError(f"{what} must be at least 1 (leave it empty for no limit).")
    if value > LIMIT_MAX:
        raise ValidationError(f"{what} can be at most {LIMIT_MAX:,}.")


def _check_value(draft: CampaignDraft) -> None:
    if draft.kind not in KINDS:
        raise ValidationError("Choose a percentage or a fixed amount off.")
    if draft.kind == PERCENT:
        if draft.value <= 0:
            raise ValidationError("A percentage off must be more than 0 %.")
        if draft.value > BP_PER_UNIT:
            raise ValidationError("A percentage off cannot be above 100 %.")
    elif not 0 < draft.value <= MAX_MINOR:
        raise ValidationError("A fixed amount off must be more than 0.00.")


def validate_draft(draft: CampaignDraft) -> CampaignDraft:
    """Check a campaign's rules and return them cleaned.

    Raises:
        ValidationError: with a message saying which rule is wrong and how to fix it.
    """
    name = _clean_text(draft.name, "campaign name", NAME_MAX, required=True)
    description = _clean_text(draft.description, "description", DESCRIPTION_MAX, required=False)
    _check_value(draft)
    if draft.scope not in SCOPES:
        raise ValidationError("Choose what the coupon applies to.")
    products = tuple(sorted(set(draft.product_ids))) if draft.scope == SCOPE_PRODUCTS else ()
    categories = tuple(sorted(set(draft.category_ids))) if draft.scope == SCOPE_CATEGORIES else ()
    if draft.scope == SCOPE_PRODUCTS and not products:
        raise ValidationError("Choose at least one product the coupon applies to.")
    if draft.scope == SCOPE_CATEGORIES and not categories:
        raise ValidationError("Choose at least one category the coupon applies to.")
    if not 0 <= draft.min_spend_minor <= MAX_MINOR:
        raise ValidationError("The minimum spend cannot be negative.")
    if draft.max_discount_minor is not None and not 0 < draft.max_discount_minor <= MAX_MINOR:
        raise ValidationError("The maximum discount must be more than 0.00 (or left empty).")
    for at in (draft.starts_at, draft.ends_at):
        if at is not None and at.tzinfo is None:
            raise ValueError("campaign times must be aware datetimes")
    if draft.ends_at is not None and draft.ends_at <= draft.starts_at:
        raise ValidationError("The expiry must be after the start.")
    _check_limit(draft.usage_limit, "The usage limit")
    _check_limit(draft.per_customer_limit, "The limit per customer")
    return CampaignDraft(
        name=name,
        kind=draft.kind,
        value=draft.value,
        starts_at=draft.starts_at,
        ends_at=draft.ends_at,
        description=description,
        scope=draft.scope,
        product_ids=products,
        category_ids=categories,
        min_spend_minor=draft.min_spend_minor,
        max_discount_minor=draft.max_discount_minor,
        usage_limit=draft.usage_limit,
        per_customer_limit=draft.per_customer_limit,
        single_use_codes=draft.single_use_codes,
        stacks=draft.stacks,
    )


def _check_targets(uow: UnitOfWork, draft: CampaignDraft) -> None:
    for model, ids, what in (
        (Product, draft.product_ids, "product"),
        (Category, draft.category_ids, "category"),
    ):
        if ids:
            found = set(uow.session.scalars(select(model.id).where(model.id.in_(ids))))
            missing = sorted(set(ids) - found)
            if missing:
                raise ValidationError(f"No {what} with id {missing[0]}.")


def _apply(uow: UnitOfWork, campaign: CouponCampaign, draft: CampaignDraft) -> None:
    for attr in (
        "name",
        "description",
        "kind",
        "value",
        "scope",
        "min_spend_minor",
        "max_discount_minor",
        "starts_at",
        "ends_at",
        "usage_limit",
        "per_customer_limit",
        "single_use_codes",
        "stacks",
    ):
        setattr(campaign, attr, getattr(draft, attr))
    uow.flush()
    session = uow.session
    session.execute(delete(campaign_products).where(campaign_products.c.campaign_id == campaign.id))
    session.execute(
        delete(campaign_categories).where(campaign_categories.c.campaign_id == campaign.id)
    )
    if draft.product_ids:
        session.execute(
            insert(campaign_products),
            [{"campaign_id": campaign.id, "product_id": pid} for pid in draft.product_ids],
        )
    if draft.category_ids:
        session.execute(
            insert(campaign_categories),
            [{"campaign_id": campaign.id, "category_id": cid} for cid in draft.category_ids],
        )


# -- actions ---------------------------------------------------------------------------------


def _insert_shared(uow: UnitOfWork, campaign: CouponCampaign, code: str, key: str) -> CouponCode:
    if uow.session.scalar(select(func.count()).where(CouponCode.code_key == key)):
        raise ConflictError(f"The code {code} is taken: choose another one.")
    row = CouponCode(
        campaign_id=campaign.id,
        code=code,
        code_key=key,
        max_uses=1 if campaign.single_use_codes else None,
        used_count=0,
        active=True,
        created_at=uow.now(),
    )
    uow.session.add(row)
    uow.flush()
    return row


@requires(Permission.MANAGE_COUPONS)
def create_campaign(
    uow: UnitOfWork, actor: UserDTO, draft: CampaignDraft, *, shared_code: str = ""
) -> CampaignDTO:
    """Create a campaign, optionally with one code chosen by hand (``WELCOME5``).

    Raises:
        ValidationError: a rule is wrong (expiry not after the start, a limit below 1, …).
        ConflictError: the shared code is taken (codes are unique across all campaigns).
    """
    clean = validate_draft(draft)
    shared = clean_shared_code(refuse_card_number(shared_code)) if shared_code.strip() else None
    with uow:
        actor_id = _authorize(uow, actor, Permission.MANAGE_COUPONS)
        _check_targets(uow, clean)
        campaign = CouponCampaign(
            name=clean.name,
            kind=clean.kind,
            value=clean.value,
            starts_at=clean.starts_at,
            active=True,
            used_count=0,
            created_by_id=actor_id,
            created_at=uow.now(),
        )
        uow.session.add(campaign)
        _apply(uow, campaign, clean)
        if shared is not None:
            _insert_shared(uow, campaign, *shared)
        dto = campaign_dto(uow, campaign)
        uow.audit(
            AuditRecord(
                "coupon.campaign_add", actor_id, "coupon_campaign", dto.id, None, _snapshot(dto)
            )
        )
        uow.commit()
    return dto


@requires(Permission.MANAGE_COUPONS)
def update_campaign(
    uow: UnitOfWork, actor: UserDTO, campaign_id: int, draft: CampaignDraft
) -> CampaignDTO:
    """Change a campaign's rules (its codes and their uses stay).

    Raises:
        ValidationError: a rule is wrong, or the new usage limit is below the uses made.
    """
    clean = validate_draft(draft)
    with uow:
        actor_id = _authorize(uow, actor, Permission.MANAGE_COUPONS)
        campaign = _load(uow, campaign_id, lock=True)
        before = _snapshot(campaign_dto(uow, campaign))
        if clean.usage_limit is not None and clean.usage_limit < campaign.used_count:
            raise ValidationError(
                f"The usage limit cannot be below the {campaign.used_count} uses already made."
            )
        _check_targets(uow, clean)
        _apply(uow, campaign, clean)
        dto = campaign_dto(uow, campaign)
        uow.audit(
            AuditRecord(
                "coupon.campaign_edit", actor_id, "coupon_campaign", dto.id, before, _snapshot(dto)
            )
        )
        uow.commit()
    return dto


@requires(Permission.MANAGE_COUPONS)
def set_campaign_active(
    uow: UnitOfWork, actor: UserDTO, campaign_id: int, active: bool
) -> CampaignDTO:
    """Disable (at once: the next checkout refuses its codes) or enable a campaign."""
    with uow:
        actor_id = _authorize(uow, actor, Permission.MANAGE_COUPONS)
        campaign = _load(uow, campaign_id, lock=True)
        if campaign.active != active:
            campaign.active = active
            uow.flush()
            action = "coupon.campaign_enable" if active else "coupon.campaign_disable"
            uow.audit(
                AuditRecord(
                    action,
                    actor_id,
                    "coupon_campaign",
                    campaign.id,
                    {"active": not active},
                    {"active": active},
                )
            )
        dto = campaign_dto(uow, campaign)
        uow.commit()
    return dto


@requires(Permission.MANAGE_COUPONS)
def set_code_active(uow: UnitOfWork, actor: UserDTO, code_id: int, active: bool) -> CodeDTO:
    """Disable (at once) or enable a single code."""
    with uow:
        actor_id = _authorize(uow, actor, Permission.MANAGE_COUPONS)
        code = uow.session.get(CouponCode, code_id, with_for_update=True)
        if code is None:
            raise NotFoundError(f"No coupon code with id {code_id}.")
        if code.active != active:
            code.active = active
            uow.flush()
            action = "coupon.code_enable" if active else "coupon.code_disable"
            uow.audit(
                AuditRecord(
                    action,
                    actor_id,
                    "coupon_code",
                    code.id,
                    {"active": not active},
                    {"active": active},
                )
            )
        dto = code_dto(code)
        uow.commit()
    return dto


@requires(Permission.MANAGE_COUPONS)
def add_shared_code(uow: UnitOfWork, actor: UserDTO, campaign_id: int, code_text: str) -> CodeDTO:
    """Add one code chosen by hand to a campaign (unique across all campaigns).

    Raises:
        ValidationError: the code has characters other than letters, digits and dashes.
        ConflictError: the code is taken.
    """
    code, key = clean_shared_code(refuse_card_number(code_text))
    with uow:
        actor_id = _authorize(uow, actor, Permission.MANAGE_COUPONS)
        campaign = _load(uow, campaign_id)
        row = _insert_shared(uow, campaign, code, key)
        uow.audit(
            AuditRecord("coupon.code_add", actor_id, "coupon_code", row.id, None, {"code": code})
        )
        dto = code_dto(row)
        uow.commit()
    return dto


_CODE_COLUMNS: Final = (
    "campaign_id",
    "code",
    "code_key",
    "max_uses",
    "used_count",
    "active",
    "created_at",
)


def _insert_codes(uow: UnitOfWork, rows: Sequence[tuple[Any, ...]]) -> int:
    """Insert code rows with one driver-level executemany.

    SQLAlchemy's executemany processes every row's parameters in Python, which costs more than
    the database itself for 100,000 rows; the rows here are plain values already bound (the
    timestamp went through its column type once), so they go straight to the driver.
    """
    if not rows:
        return 0
    connection = uow.session.connection()
    columns = ", ".join(_CODE_COLUMNS)
    if connection.dialect.paramstyle == "qmark":  # SQLite: executemany is fast in-process
        marks = ", ".join("?" * len(_CODE_COLUMNS))
        connection.exec_driver_sql(f"INSERT INTO coupon_codes ({columns}) VALUES ({marks})", rows)
        return len(rows)
    return _copy_codes(connection, rows)


def _copy_codes(connection: Connection, rows: Sequence[tuple[Any, ...]]) -> int:
    """PostgreSQL: COPY the rows in (the fastest way in), through a temporary table.

    The codes come from an alphabet without tabs, backslashes or newlines, so the COPY text is
    built with one join. Keys taken meanwhile by another register (checked just before, so this
    or by another campaign are skipped by ``ON CONFLICT`` instead of failing the whole run: the
    caller counts what went in and makes up the difference with fresh codes.
    """
    raw = connection.connection.dbapi_connection
    assert raw is not None  # the unit of work holds its connection
    payload = "".join(
        _COPY_LINE.format(
            campaign,
            code,
            key,
            _COPY_NULL if max_uses is None else max_uses,
            used,
            "t" if active else "f",
            created,
        )
        for campaign, code, key, max_uses, used, active, created in rows
    )
    columns = ", ".join(_CODE_COLUMNS)
    cursor = raw.cursor()
    try:
        cursor.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS posapp_new_codes (campaign_id bigint, "
            "code text, code_key text, max_uses integer, used_count integer, active boolean, "
            "created_at timestamptz) ON COMMIT DROP"
        )
        with cursor.copy(f"COPY posapp_new_codes ({columns}) FROM STDIN") as copy:
            copy.write(payload)
        cursor.execute(
            f"INSERT INTO coupon_codes ({columns}) SELECT {columns} FROM posapp_new_codes "
            "ON CONFLICT (code_key) DO NOTHING"
        )
        inserted = int(cursor.rowcount)
        cursor.execute("TRUNCATE posapp_new_codes")
    finally:
        cursor.close()
    return inserted


_COPY_LINE: Final = "{}\t{}\t{}\t{}\t{}\t{}\t{}\n"
_COPY_NULL: Final = "\\N"


def _taken_keys(uow: UnitOfWork, keys: list[str]) -> set[str]:
    """The keys of ``keys`` some campaign has already (SQLite)."""
    return set(
        uow.session.scalars(select(CouponCode.code_key).where(CouponCode.code_key.in_(keys)))
    )


@requires(Permission.MANAGE_COUPONS)
def generate_codes(
    uow: UnitOfWork,
    actor: UserDTO,
    campaign_id: int,
    count: int,
    *,
    prefix: str = "",
    groups: int = MIN_GROUPS,
    progress: Progress = _no_progress,
    cancelled: Cancelled = _never,
) -> GenerationResult:
    """Generate ``count`` new unique codes for a campaign, all or nothing.

    Codes are made in memory in batches from ``secrets``, checked against every campaign's codes,
    and inserted with one executemany per batch; a collision (with a code inserted meanwhile)
    is simply replaced by a fresh code. ``progress`` is called after each batch; when
    ``cancelled()`` turns true, everything made so far is rolled back.

    Raises:
        ValidationError: ``count`` is not 1…1,000,000, or the prefix or group count is wrong.
        GenerationCancelledError: the caller cancelled; no code was kept.
    """
    if not 1 <= count <= GENERATE_MAX:
        raise ValidationError(f"Generate between 1 and {GENERATE_MAX:,} codes at a time.")
    if not MIN_GROUPS <= groups <= MAX_GROUPS:
        raise ValidationError(f"A code has {MIN_GROUPS} to {MAX_GROUPS} groups of characters.")
    clean = clean_prefix(prefix)
    with uow:
        actor_id = _authorize(uow, actor, Permission.MANAGE_COUPONS)
        campaign = _load(uow, campaign_id)
        max_uses = 1 if campaign.single_use_codes else None
        now = uow.now()
        bind = CouponCode.__table__.c.created_at.type.bind_processor(uow.session.get_bind().dialect)
        created = bind(now) if bind else now
        seen: set[str] = set()
        sample: list[str] = []
        # SQLite has one writer at a time: checked keys stay free until the insert. PostgreSQL
        # inserts with ON CONFLICT DO NOTHING instead (another register may be generating too).
        is_sqlite = uow.session.get_bind().dialect.name == "sqlite"
        done = 0
        while done < count:
            if cancelled():
                raise GenerationCancelledError("Code generation was cancelled: no code was kept.")
            batch = new_codes(
                min(GENERATE_BATCH, count - done), prefix=clean, groups=groups, taken=seen
            )
            clash = _taken_keys(uow, [key for _, key in batch]) if is_sqlite else set()
            rows = [
                (campaign.id, code, key, max_uses, 0, True, created)
                for code, key in batch
                if key not in clash
            ]
            inserted = _insert_codes(uow, rows)
            if inserted == len(rows):  # else a code of the batch was taken: skip the sample
                sample.extend(row[1] for row in rows[: max(0, 5 - len(sample))])
            done += inserted
            progress(done, count)
        uow.audit(
            AuditRecord(
                "coupon.codes_generate",
                actor_id,
                "coupon_campaign",
                campaign.id,
                None,
                {"count": count, "prefix": clean},
            )
        )
        uow.commit()
    return GenerationResult(campaign_id=campaign_id, count=count, sample=tuple(sample))


# -- reading and exporting -------------------------------------------------------------------


def get_campaign(uow: UnitOfWork, actor: UserDTO | None, campaign_id: int) -> CampaignDTO:
    """One campaign's rules and state."""
    with uow:
        _authorize(uow, actor, Permission.VIEW_COUPONS)
        return campaign_dto(uow, _load(uow, campaign_id))


def end_due_campaigns(uow: UnitOfWork, now: datetime | None = None) -> list[int]:
    """Mark campaigns that passed their end as ended, recording :class:`CampaignEnded` for each.

    A system action (no actor): the application runs it at start-up and every few minutes, so
    that a campaign's final report is written soon after it expires.

    Returns:
        The ids of the campaigns that ended now.
    """
    with uow:
        at = now or uow.now()
        ids = list(
            uow.session.scalars(
                select(CouponCampaign.id)
                .where(
                    CouponCampaign.ended_at.is_(None),
                    CouponCampaign.ends_at.is_not(None),
                    CouponCampaign.ends_at <= at,
                )
                .order_by(CouponCampaign.id)
                .with_for_update(skip_locked=True)
            )
        )
        if ids:
            uow.session.execute(
                update(CouponCampaign)
                .where(CouponCampaign.id.in_(ids))
                .values(ended_at=at)
                .execution_options(synchronize_session=False)
            )
        for campaign_id in ids:
            uow.record(CampaignEnded(campaign_id=campaign_id, reason="expired", at=at))
        uow.commit()
    return ids


ACTIONS["coupons.campaigns.get_campaign"] = Permission.VIEW_COUPONS
