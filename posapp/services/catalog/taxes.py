"""Tax rates: the table products pick their tax from (name, rate, included or added, a default).

Admins manage the table (Admin users → Settings → Tax rates, ``posapp tax``); anyone who may
see the catalog reads it (the product editor's list). Every change is one unit of work: the
permission is checked (``MANAGE_SETTINGS``; the command line acts as the trusted local admin,
``actor=None``), the values are validated before anything is written, an audit row keeps the
rate before and after, and ``SettingChanged("catalog.tax_rates")`` announces it after the commit
(the Settings page and the product editor reload their lists).

A product keeps a copy of its rate's figures (``tax_rate_bp``, ``tax_included``), which the
register prices from. Changing a rate rewrites the copies of its products in the same
transaction (their version moves on, as for any edit), so the next sale uses the new rate; the
lines of past orders keep the copy they took at the sale.

A product saved with figures but no rate (the CSV import, the demo) gets the rate with those
figures, which is added to the table when there is none (audited, like the migration that
turned the products' own figures into rates).
"""

from __future__ import annotations

import unicodedata
from typing import Final

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from posapp.events import SettingChanged
from posapp.i18n import _
from posapp.models import Product, ProductTemplate, TaxRate
from posapp.services.catalog.dto import TaxRateDTO
from posapp.services.catalog.rules import FieldError, parse_tax_rate
from posapp.services.platform.audit import AuditRecord, values_of
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import NotFoundError, ValidationError
from posapp.services.platform.ids import storable_id
from posapp.services.platform.text import clean_text
from posapp.services.platform.uow import UnitOfWork
from posapp.services.staff import ACTIONS, Permission, authorize

TAX_RATES_KEY: Final = "catalog.tax_rates"
"""The key :class:`~posapp.events.SettingChanged` names when the tax rates table changes."""
NAME_LIMIT: Final = 60

for _name in ("add_tax_rate", "change_tax_rate", "set_default_tax_rate"):
    ACTIONS[f"catalog.taxes.{_name}"] = Permission.MANAGE_SETTINGS
ACTIONS["catalog.taxes.list_tax_rates"] = Permission.VIEW_CATALOG

_AUDITED: Final = ("name", "rate_bp", "included", "is_default", "active")


def _actor_id(uow: UnitOfWork, actor: UserDTO | None, permission: Permission) -> int | None:
    return None if actor is None else authorize(uow, actor, permission).id


def rate_name(rate_bp: int, included: bool) -> str:
    """The name a rate gets when it is made from figures: ``20% incl.``, ``5.5% added``."""
    whole, rest = divmod(rate_bp, 100)
    shown = f"{whole}" if rest == 0 else f"{whole}.{rest:02d}".rstrip("0")
    return f"{shown}% {'incl.' if included else 'added'}"


def _name_key(name: str) -> str:
    return unicodedata.normalize("NFKC", name).casefold().strip()


def _dto(rate: TaxRate, products: int) -> TaxRateDTO:
    return TaxRateDTO(
        id=rate.id,
        name=rate.name,
        rate_bp=rate.rate_bp,
        included=rate.included,
        is_default=rate.is_default,
        active=rate.active,
        products=products,
    )


def _counts(uow: UnitOfWork) -> dict[int, int]:
    rows = uow.session.execute(
        select(Product.tax_rate_id, func.count()).group_by(Product.tax_rate_id)
    ).all()
    return {int(rate_id): int(count) for rate_id, count in rows if rate_id is not None}


def list_tax_rates(uow: UnitOfWork, actor: UserDTO | None) -> tuple[TaxRateDTO, ...]:
    """Every active tax rate with its number of products, the default first, then by rate.

    Raises:
        PermissionDeniedError: the actor may not see the catalog.
    """
    with uow:
        _actor_id(uow, actor, Permission.VIEW_CATALOG)
        counts = _counts(uow)
        rates = uow.session.scalars(
            select(TaxRate)
            .where(TaxRate.active.is_(True))
            .order_by(TaxRate.is_default.desc(), TaxRate.rate_bp, TaxRate.included, TaxRate.id)
        ).all()
        return tuple(_dto(rate, counts.get(rate.id, 0)) for rate in rates)


def _clean_name(uow: UnitOfWork, name: str, own_id: int | None) -> str:
    try:
        value = clean_text(name, _("name"), limit=NAME_LIMIT, required=True)
    except ValidationError as exc:
        raise FieldError("name", _("Tax rate {exc}").format(exc=exc)) from exc
    mine = () if own_id is None else (TaxRate.id != own_id,)
    taken = uow.session.scalar(
        select(TaxRate.name).where(TaxRate.name_key == _name_key(value), *mine).limit(1)
    )
    if taken is not None:
        raise FieldError(
            "name",
            _("A tax rate is already called {taken!r}: choose another name.").format(taken=taken),
        )
    return value


def _rate(text: str | int) -> int:
    if isinstance(text, int) and not isinstance(text, bool):
        if 0 <= text <= 10_000:  # noqa: PLR2004 - 100 % in basis points
            return text
        raise FieldError("rate", _("Tax rate: enter a percentage from 0 to 100."))
    if not isinstance(text, str):
        raise FieldError("rate", _("Tax rate: enter a percentage from 0 to 100."))
    try:
        return parse_tax_rate(text)
    except ValidationError as exc:
        raise FieldError("rate", str(exc)) from exc


def _load(uow: UnitOfWork, rate_id: int) -> TaxRate:
    rate = uow.session.get(TaxRate, rate_id) if storable_id(rate_id) else None
    if rate is None or not rate.active:
        raise NotFoundError(_("No tax rate with id {rate_id}.").format(rate_id=str(rate_id)[:20]))
    return rate


def _announce(uow: UnitOfWork, actor: UserDTO | None, record: AuditRecord) -> None:
    uow.audit(record)
    name = "" if actor is None else actor.username
    uow.record(SettingChanged(key=TAX_RATES_KEY, username=name, at=uow.now()))


def _make_default(uow: UnitOfWork, rate: TaxRate) -> None:
    uow.session.execute(update(TaxRate).where(TaxRate.id != rate.id).values(is_default=False))
    rate.is_default = True


def add_tax_rate(
    uow: UnitOfWork,
    actor: UserDTO | None,
    name: str,
    rate: str | int,
    included: bool,
    *,
    default: bool = False,
) -> TaxRateDTO:
    """Add a tax rate (``rate`` typed as a percentage, ``19`` or ``5.5``, or in basis points).

    The first rate of the table becomes the default.

    Raises:
        FieldError: a name that is empty, too long or taken; a rate outside 0 to 100 %.
        PermissionDeniedError: the actor may not manage the settings.
    """
    rate_bp = _rate(rate)
    with uow:
        actor_id = _actor_id(uow, actor, Permission.MANAGE_SETTINGS)
        clean = _clean_name(uow, name, None)
        row = _insert(uow, clean, rate_bp, bool(included))
        first = uow.session.scalar(select(func.count()).select_from(TaxRate)) == 1
        if default or first:
            _make_default(uow, row)
        uow.flush()
        after = values_of(row, _AUDITED)
        record = AuditRecord("tax_rate.create", actor_id, "tax_rate", row.id, None, after)
        _announce(uow, actor, record)
        dto = _dto(row, 0)
        uow.commit()
    return dto


def _insert(uow: UnitOfWork, name: str, rate_bp: int, included: bool) -> TaxRate:
    now = uow.now()
    row = TaxRate(
        name=name,
        name_key=_name_key(name),
        rate_bp=rate_bp,
        included=included,
        is_default=False,
        active=True,
        created_at=now,
        changed_at=now,
    )
    uow.session.add(row)
    uow.flush()
    return row


def change_tax_rate(
    uow: UnitOfWork,
    actor: UserDTO | None,
    rate_id: int,
    *,
    name: str | None = None,
    rate: str | int | None = None,
    included: bool | None = None,
) -> TaxRateDTO:
    """Rename a tax rate or change its figures; its products sell at the new figures from now on.

    Past sales keep the tax they were sold with (their lines hold their own copy).

    Raises:
        FieldError: a name that is empty, too long or taken; a rate outside 0 to 100 %.
        NotFoundError: no such rate.
        PermissionDeniedError: the actor may not manage the settings.
    """
    rate_bp = None if rate is None else _rate(rate)
    with uow:
        actor_id = _actor_id(uow, actor, Permission.MANAGE_SETTINGS)
        row = _load(uow, rate_id)
        before = values_of(row, _AUDITED)
        if name is not None:
            row.name = _clean_name(uow, name, row.id)
            row.name_key = _name_key(row.name)
        if rate_bp is not None:
            row.rate_bp = rate_bp
        if included is not None:
            row.included = bool(included)
        after = values_of(row, _AUDITED)
        count = _counts(uow).get(row.id, 0)
        if after == before:
            return _dto(row, count)
        row.changed_at = uow.now()
        moved = _copy_to_products(uow, row)
        record = AuditRecord(
            "tax_rate.change", actor_id, "tax_rate", row.id, before, after | {"products": moved}
        )
        _announce(uow, actor, record)
        dto = _dto(row, count)
        uow.commit()
    return dto


def _copy_to_products(uow: UnitOfWork, row: TaxRate) -> int:
    """Give the rate's products its figures (a new version each); return how many changed.

    The templates of its variants take the figures too, so the next save of a variant matrix
    keeps the new rate instead of writing the old one back.
    """
    uow.session.execute(
        update(ProductTemplate)
        .where(
            ProductTemplate.id.in_(
                select(Product.template_id).where(
                    Product.tax_rate_id == row.id, Product.template_id.is_not(None)
                )
            ),
            (ProductTemplate.tax_rate_bp != row.rate_bp)
            | (ProductTemplate.tax_included != row.included),
        )
        .values(tax_rate_bp=row.rate_bp, tax_included=row.included, changed_at=uow.now())
        .execution_options(synchronize_session=False)
    )
    result = uow.session.execute(
        update(Product)
        .where(
            Product.tax_rate_id == row.id,
            (Product.tax_rate_bp != row.rate_bp) | (Product.tax_included != row.included),
        )
        .values(
            tax_rate_bp=row.rate_bp,
            tax_included=row.included,
            version=Product.version + 1,
            changed_at=uow.now(),
        )
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def set_default_tax_rate(uow: UnitOfWork, actor: UserDTO | None, rate_id: int) -> TaxRateDTO:
    """Make ``rate_id`` the rate a new product starts with.

    Raises:
        NotFoundError: no such rate.
        PermissionDeniedError: the actor may not manage the settings.
    """
    with uow:
        actor_id = _actor_id(uow, actor, Permission.MANAGE_SETTINGS)
        row = _load(uow, rate_id)
        count = _counts(uow).get(row.id, 0)
        if row.is_default:
            return _dto(row, count)
        before = values_of(row, _AUDITED)
        _make_default(uow, row)
        row.changed_at = uow.now()
        uow.flush()
        after = values_of(row, _AUDITED)
        record = AuditRecord("tax_rate.default", actor_id, "tax_rate", row.id, before, after)
        _announce(uow, actor, record)
        dto = _dto(row, count)
        uow.commit()
    return dto


def _active_with(uow: UnitOfWork, rate_bp: int, included: bool) -> TaxRate | None:
    """The active rate with these figures (the default first), if the table has one."""
    return uow.session.scalars(
        select(TaxRate)
        .where(TaxRate.rate_bp == rate_bp, TaxRate.included.is_(included), TaxRate.active.is_(True))
        .order_by(TaxRate.is_default.desc(), TaxRate.id)
        .limit(1)
    ).first()


def pick_tax_rate(
    uow: UnitOfWork, actor_id: int | None, rate_id: int | None, rate_bp: int, included: bool
) -> TaxRate:
    """The rate a product is saved with, inside the caller's unit of work.

    ``rate_id`` names a rate of the table; without one, the active rate with the figures
    ``rate_bp`` and ``included``, added to the table (and audited) when there is none.

    Raises:
        FieldError: ``rate_id`` names no active rate.
    """
    if rate_id is not None:
        row = uow.session.get(TaxRate, rate_id) if storable_id(rate_id) else None
        if row is None or not row.active:
            raise FieldError("tax_rate", _("That tax rate no longer exists: choose another one."))
        return row
    found = _active_with(uow, rate_bp, included)
    if found is not None:
        return found
    name, suffix = rate_name(rate_bp, included), 1
    while uow.session.scalar(select(TaxRate.id).where(TaxRate.name_key == _name_key(name))):
        suffix += 1
        name = f"{rate_name(rate_bp, included)} ({suffix})"
    try:
        with uow.session.begin_nested():
            row = _insert(uow, name, rate_bp, included)
    except IntegrityError:
        # A product saved at the same moment on another register added these figures first
        # (PostgreSQL; SQLite writes one at a time): theirs is the rate, now committed.
        found = _active_with(uow, rate_bp, included)
        if found is None:
            raise
        return found
    if uow.session.scalar(select(func.count()).select_from(TaxRate)) == 1:
        row.is_default = True
    after = values_of(row, _AUDITED)
    uow.audit(AuditRecord("tax_rate.create", actor_id, "tax_rate", row.id, None, after))
    uow.record(SettingChanged(key=TAX_RATES_KEY, username="", at=uow.now()))
    return row
