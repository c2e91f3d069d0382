"""The sync conflicts a manager looks at: what offline sales found different, and their resolution.

Each row is written by :func:`posapp.services.sales.offline.server.place_offline_sale` when a
sale taken offline reaches the server (#21). :func:`sync_conflicts` lists them for the Sync
conflicts page (newest first, by state, store and kind); :func:`resolve_sync_conflict` marks one
resolved with who, when and a note, audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import aliased

from posapp.i18n import N_, _
from posapp.models import Order, Product, Store, SyncConflict, User
from posapp.services.platform.audit import AuditRecord
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ConflictError, NotFoundError, ValidationError
from posapp.services.platform.text import clean_text
from posapp.services.platform.uow import UnitOfWork
from posapp.services.staff import Permission, requires

__all__ = [
    "KIND_LABELS",
    "ConflictFilter",
    "SyncConflictDTO",
    "resolve_sync_conflict",
    "sync_conflicts",
]

KIND_LABELS = {
    "stock_shortfall": N_("Sold beyond stock"),
    "archived_product": N_("Archived product sold"),
    "price_changed": N_("Price changed"),
    "coupon_changed": N_("Coupon changed"),
}
"""Each kind of conflict in words (translate with ``_()`` where shown)."""
STATES = ("open", "resolved", "all")
NOTE_MAX = 200
LIMIT_MAX = 1000
RESOLVED_ACTION = "sync_conflict.resolved"


@dataclass(frozen=True, slots=True)
class ConflictFilter:
    """Which conflicts to list: ``state`` open, resolved or all; one store or kind, or any."""

    state: str = "open"
    store_id: int | None = None
    kind: str | None = None


@dataclass(frozen=True, slots=True)
class SyncConflictDTO:
    """One conflict as the Sync conflicts page shows it."""

    id: int
    kind: str
    store_id: int
    store_name: str
    product_id: int
    product_name: str
    sku: str
    order_id: int
    order_number: str
    register: str
    quantity: int
    short_quantity: int
    on_hand_after: int
    paid_price_minor: int
    list_price_minor: int
    unit: str
    sold_at: datetime
    created_at: datetime
    resolved_at: datetime | None = None
    resolved_by: str = ""
    resolution: str = ""


@requires(Permission.VIEW_REPORTS)
def sync_conflicts(
    uow: UnitOfWork, actor: UserDTO, wanted: ConflictFilter | None = None, limit: int = 500
) -> list[SyncConflictDTO]:
    """The conflicts ``wanted`` (open ones by default), newest first, at most ``limit``.

    Raises:
        ValidationError: an unknown state or kind, a limit out of range.
    """
    wanted = wanted or ConflictFilter()
    if wanted.state not in STATES:
        raise ValidationError(_("Show open, resolved or all conflicts."))
    if wanted.kind is not None and wanted.kind not in KIND_LABELS:
        raise ValidationError(_("There is no such kind of conflict."))
    if not 0 < limit <= LIMIT_MAX:
        raise ValidationError(_("Ask for between 1 and {most} conflicts.").format(most=LIMIT_MAX))
    query = _select()
    if wanted.state == "open":
        query = query.where(SyncConflict.resolved_at.is_(None))
    elif wanted.state == "resolved":
        query = query.where(SyncConflict.resolved_at.is_not(None))
    if wanted.store_id is not None:
        query = query.where(SyncConflict.store_id == wanted.store_id)
    if wanted.kind is not None:
        query = query.where(SyncConflict.kind == wanted.kind)
    with uow:
        rows = uow.session.execute(
            query.order_by(SyncConflict.created_at.desc(), SyncConflict.id.desc()).limit(limit)
        ).all()
        return [_dto(row) for row in rows]


@requires(Permission.ADJUST_STOCK)
def resolve_sync_conflict(
    uow: UnitOfWork, actor: UserDTO, conflict_id: int, note: str = ""
) -> SyncConflictDTO:
    """Mark a conflict resolved, with a note (what was done: a count, a price kept); audited.

    Raises:
        NotFoundError: no such conflict.
        ConflictError: it is resolved already (by whom is said).
        ValidationError: a note too long or with control characters.
    """
    text = clean_text(note, "note", limit=NOTE_MAX)
    with uow:
        row = uow.session.scalar(
            select(SyncConflict).where(SyncConflict.id == conflict_id).with_for_update()
        )
        if row is None:
            raise NotFoundError(_("There is no such sync conflict."))
        if row.resolved_at is not None:
            raise ConflictError(_("This conflict is resolved already."))
        row.resolved_at = uow.now()
        row.resolved_by_id = actor.id
        row.resolution = text
        uow.flush()
        uow.audit(
            AuditRecord(
                RESOLVED_ACTION,
                actor.id,
                "sync_conflict",
                row.id,
                after={"kind": row.kind, "order_id": row.order_id, "product_id": row.product_id},
                reason=text,
            )
        )
        found = uow.session.execute(_select().where(SyncConflict.id == row.id)).one()
        dto = _dto(found)
        uow.commit()
        return dto


def _select() -> Select[SyncConflict, str, str, str, str, str, str, str]:
    resolver = aliased(User)
    return (
        select(
            SyncConflict,
            Store.name,
            Product.name,
            Product.sku,
            Product.unit,
            Order.number,
            resolver.full_name,
            resolver.username,
        )
        .join(Store, Store.id == SyncConflict.store_id)
        .join(Product, Product.id == SyncConflict.product_id)
        .join(Order, Order.id == SyncConflict.order_id)
        .outerjoin(resolver, resolver.id == SyncConflict.resolved_by_id)
    )


def _dto(row: Any) -> SyncConflictDTO:
    conflict, store, product, sku, unit, number, full, username = row
    assert isinstance(conflict, SyncConflict)
    return SyncConflictDTO(
        id=conflict.id,
        kind=conflict.kind,
        store_id=conflict.store_id,
        store_name=str(store),
        product_id=conflict.product_id,
        product_name=str(product),
        sku=str(sku),
        order_id=conflict.order_id,
        order_number=str(number),
        register=conflict.register,
        quantity=conflict.quantity,
        short_quantity=conflict.short_quantity,
        on_hand_after=conflict.on_hand_after,
        paid_price_minor=conflict.paid_price_minor,
        list_price_minor=conflict.list_price_minor,
        unit=str(unit),
        sold_at=conflict.sold_at,
        created_at=conflict.created_at,
        resolved_at=conflict.resolved_at,
        resolved_by=str(full or username or ""),
        resolution=conflict.resolution,
    )
