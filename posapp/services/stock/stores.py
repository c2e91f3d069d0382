"""Stores and warehouses: create, edit, deactivate, list and search.

Rule for inactive locations:
    A store or warehouse is deactivated, never deleted, even while it holds stock, so its
    ledger and past orders keep their location. An inactive location takes no stock in: it
    cannot receive, be counted, be adjusted upwards, receive a transfer, or sell (the order
    services call :func:`require_active_store`). It may still be emptied: transfers *out of*
    it and downward adjustments (damage, theft, write-offs) are allowed, so a closing store's
    remaining stock can go back to the warehouse. Reactivating it restores everything.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.exc import IntegrityError

from posapp.i18n import N_, _
from posapp.models import StockLevel, Store
from posapp.services.platform.audit import AuditRecord, values_of
from posapp.services.platform.dto import UserDTO, from_row
from posapp.services.platform.errors import ConflictError, NotFoundError, ValidationError
from posapp.services.platform.text import clean_text
from posapp.services.platform.uow import UnitOfWork
from posapp.services.staff import Permission, authorize, requires
from posapp.services.stock.dto import STORE_KINDS, StoreInput, StoreSummary

CODE_MAX, NAME_MAX, ADDRESS_MAX, PHONE_MAX = 16, 100, 500, 40
_CODE = re.compile(r"[A-Z0-9][A-Z0-9_-]*")
_PHONE = re.compile(r"[0-9 +()./-]*")


def clean_store_input(data: StoreInput) -> StoreInput:
    """Normalise and check a store's fields; return the cleaned values.

    Codes are upper-cased (``hs01`` and ``HS01`` are the same store) and limited to letters,
    digits, ``-`` and ``_``; names are required; phones hold digits and ``+ ( ) . - /``.

    Raises:
        ValidationError: a field is empty, too long, or has characters it cannot have.
    """
    code = clean_text(data.code, _("code"), limit=CODE_MAX, form="NFKC").upper()
    if not code:
        raise ValidationError(_("Enter a short code for the store, like HS01."))
    if not _CODE.fullmatch(code):
        raise ValidationError(_("A store code has letters, digits, '-' and '_' only, like HS01."))
    name = clean_text(data.name, _("name"), limit=NAME_MAX, form="NFKC")
    if not name:
        raise ValidationError(_("Enter the store's name."))
    if data.kind not in STORE_KINDS:
        raise ValidationError(
            _("Unknown kind {kind!r}: use store or warehouse.").format(kind=data.kind)
        )
    address = clean_text(data.address, _("address"), limit=ADDRESS_MAX, form="NFKC", multiline=True)
    phone = clean_text(data.phone, _("phone number"), limit=PHONE_MAX, form="NFKC")
    if not _PHONE.fullmatch(phone):
        raise ValidationError(_("A phone number has digits, spaces and + ( ) . - / only."))
    return StoreInput(code=code, name=name, kind=data.kind, address=address, phone=phone)


def _snapshot(store: Store) -> dict[str, object]:
    return values_of(store, ("code", "name", "kind", "address", "phone", "active"))


def _summary_query() -> Select[Store, Any, Any, Any]:
    low = case(
        (
            (StockLevel.reorder_point > 0) & (StockLevel.on_hand <= StockLevel.reorder_point),
            1,
        ),
        else_=0,
    )
    counts = (
        select(
            StockLevel.store_id,
            func.coalesce(func.sum(case((StockLevel.on_hand > 0, 1), else_=0)), 0).label(
                "products"
            ),
            func.coalesce(func.sum(StockLevel.on_hand), 0).label("units"),
            func.coalesce(func.sum(low), 0).label("low"),
        )
        .group_by(StockLevel.store_id)
        .subquery()
    )
    return select(
        Store,
        func.coalesce(counts.c.products, 0),
        func.coalesce(counts.c.units, 0),
        func.coalesce(counts.c.low, 0),
    ).outerjoin(counts, counts.c.store_id == Store.id)


def _to_summary(store: Store, products: int = 0, units: int = 0, low: int = 0) -> StoreSummary:
    return from_row(StoreSummary, store, products=int(products), units=int(units), low=int(low))


def store_summary(uow: UnitOfWork, store_id: int) -> StoreSummary:
    """A store with its product, unit and low-stock counts (inside a running unit of work)."""
    row = uow.session.execute(_summary_query().where(Store.id == store_id)).one_or_none()
    if row is None:
        raise NotFoundError(_("No store with id {store_id}.").format(store_id=store_id))
    return _to_summary(row[0], row[1], row[2], row[3])


def load_store(uow: UnitOfWork, store_id: int) -> Store:
    """Return the store row, or raise :class:`NotFoundError`."""
    store = uow.session.get(Store, store_id)
    if store is None:
        raise NotFoundError(_("No store with id {store_id}.").format(store_id=store_id))
    return store


INACTIVE_CANNOT_RECEIVE = N_("{store_name} is inactive: it cannot receive stock.")
INACTIVE_CANNOT_TAKE_IN = N_("{store_name} is inactive: it cannot take stock in.")
INACTIVE_CANNOT_RECEIVE_TRANSFER = N_("{store_name} is inactive: it cannot receive a transfer.")
INACTIVE_CANNOT_BE_COUNTED = N_("{store_name} is inactive: it cannot be counted.")


def require_active_store(uow: UnitOfWork, store_id: int, refusal: str) -> Store:
    """Return the store if it is active; otherwise refuse with ``refusal``.

    ``refusal`` is a whole sentence marked with ``N_`` (translated here), with ``{store_name}``:
    e.g. :data:`INACTIVE_CANNOT_RECEIVE`.

    Raises:
        NotFoundError: no such store.
        ValidationError: the store is inactive, with a message naming it and the action.
    """
    store = load_store(uow, store_id)
    if not store.active:
        raise ValidationError(_(refusal).format(store_name=store.name))
    return store


def _write(uow: UnitOfWork, store: Store, clean: StoreInput) -> None:
    """Write the cleaned fields into ``store`` (new or stored) and flush it.

    Raises:
        ConflictError: another store has the code (seen first, or by the unique index in a race).
    """
    taken = ConflictError(_("The store code {code} is taken.").format(code=clean.code))
    query = select(func.count()).where(Store.code == clean.code)
    if store.id is not None:
        query = query.where(Store.id != store.id)
    if uow.session.scalar(query):
        raise taken
    store.code, store.name, store.kind = clean.code, clean.name, clean.kind
    store.address, store.phone = clean.address, clean.phone
    uow.session.add(store)
    try:
        uow.flush()
    except IntegrityError as exc:
        raise taken from exc


@requires(Permission.MANAGE_STORES)
def create_store(uow: UnitOfWork, actor: UserDTO, data: StoreInput) -> StoreSummary:
    """Add a store or warehouse (active).

    Raises:
        ValidationError: a field is not acceptable.
        ConflictError: the code is taken.
    """
    clean = clean_store_input(data)
    with uow:
        user = authorize(uow, actor, Permission.MANAGE_STORES)
        store = Store(active=True, created_at=uow.now())
        _write(uow, store, clean)
        uow.audit(AuditRecord("store.add", user.id, "store", store.id, None, _snapshot(store)))
        summary = _to_summary(store)
        uow.commit()
    return summary


@requires(Permission.MANAGE_STORES)
def update_store(uow: UnitOfWork, actor: UserDTO, store_id: int, data: StoreInput) -> StoreSummary:
    """Change a store's code, name, kind, address and phone.

    Raises:
        NotFoundError: no such store.
        ValidationError: a field is not acceptable.
        ConflictError: the new code belongs to another store.
    """
    clean = clean_store_input(data)
    with uow:
        user = authorize(uow, actor, Permission.MANAGE_STORES)
        store = load_store(uow, store_id)
        before = _snapshot(store)
        _write(uow, store, clean)
        after = _snapshot(store)
        if after != before:
            uow.audit(AuditRecord("store.edit", user.id, "store", store.id, before, after))
        summary = store_summary(uow, store.id)
        uow.commit()
    return summary


@requires(Permission.MANAGE_STORES)
def set_store_active(uow: UnitOfWork, actor: UserDTO, store_id: int, active: bool) -> StoreSummary:
    """Activate or deactivate a store; its stock stays (see the module's rule).

    Raises:
        NotFoundError: no such store.
    """
    with uow:
        user = authorize(uow, actor, Permission.MANAGE_STORES)
        store = load_store(uow, store_id)
        if store.active != active:
            before = _snapshot(store)
            store.active = active
            uow.flush()
            action = "store.activate" if active else "store.deactivate"
            uow.audit(AuditRecord(action, user.id, "store", store.id, before, _snapshot(store)))
        summary = store_summary(uow, store.id)
        uow.commit()
    return summary


@requires(Permission.VIEW_STOCK)
def list_stores(
    uow: UnitOfWork,
    actor: UserDTO,
    *,
    search: str = "",
    include_inactive: bool = True,
    kind: str | None = None,
) -> list[StoreSummary]:
    """Stores and warehouses with their product, unit and low-stock counts.

    Active first, storefronts before warehouses, then by name. ``search`` matches the code,
    name or address, case-insensitively.
    """
    with uow:
        authorize(uow, actor, Permission.VIEW_STOCK)
        query = _summary_query().order_by(Store.active.desc(), Store.kind, Store.name, Store.id)
        if not include_inactive:
            query = query.where(Store.active.is_(True))
        if kind is not None:
            query = query.where(Store.kind == kind)
        stores = [
            _to_summary(st, n, units, low) for st, n, units, low in uow.session.execute(query)
        ]
    # A chain has tens of stores: matching in Python gives Unicode-aware case folding that
    # SQLite's lower() (ASCII only) cannot.
    text = unicodedata.normalize("NFKC", search).strip().casefold()
    if not text:
        return stores
    return [s for s in stores if any(text in f.casefold() for f in (s.code, s.name, s.address))]
