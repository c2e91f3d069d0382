"""Stock actions: receive, adjust, transfer, count and reorder settings.

Every change of on-hand goes through :func:`posapp.services.stock.ledger.move_stock` (one
conditional ``UPDATE … RETURNING`` per level, never below zero), so the movement ledger stays
the single source of truth: after any action, a level's ``on_hand`` equals the sum of its
movements. Each action is one unit of work, retried as a whole on PostgreSQL serialization
failures and deadlocks (:func:`posapp.services.platform.retry.with_retry`).

Lock order:
    An action that touches several levels applies its movements sorted by
    ``(store_id, product_id)``. Two transfers in opposite directions, or two deliveries whose
    lines come in a different order, then lock rows in the same order and wait for each other
    instead of deadlocking.

Idempotency:
    Every action takes an optional ``request_id``; it becomes the batch UUID of the movements.
    Submitting the same request again (a double click, a retry after a lost reply) records
    nothing and returns the current levels with ``replayed=True``.

Inactive locations: see :mod:`posapp.services.stock.stores` (stock may leave them, never enter).
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Callable, Iterable, Sequence

from sqlalchemy import func, select, update

from posapp.i18n import N_, _
from posapp.models import MovementKind, Product, StockLevel, StockMovement, User
from posapp.services.platform.audit import AuditRecord
from posapp.services.platform.cards import refuse_card_number
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import NotFoundError, ValidationError
from posapp.services.platform.retry import with_retry
from posapp.services.platform.uow import UnitOfWork
from posapp.services.staff import Permission, authorize, requires
from posapp.services.stock.costing import delivery_values
from posapp.services.stock.dto import (
    MAX_QUANTITY,
    NOTE_MAX,
    REFERENCE_MAX,
    AdjustReason,
    CountLine,
    LevelAfter,
    StockLine,
    StockResult,
)
from posapp.services.stock.ledger import ensure_levels, move_between, move_stock, put_stock
from posapp.services.stock.stores import (
    INACTIVE_CANNOT_BE_COUNTED,
    INACTIVE_CANNOT_RECEIVE,
    INACTIVE_CANNOT_RECEIVE_TRANSFER,
    INACTIVE_CANNOT_TAKE_IN,
    load_store,
    require_active_store,
)

MAX_LINES = 10_000
"""Products in one delivery, transfer or stocktake; a bigger stocktake is split by aisle (5,000
until a delivery was booked in bulk, issue #23: 10,000 lines now take well under a second)."""
_CHUNK = 500  # ids per IN (...): well under SQLite's bound-parameter limit


WHOLE_UNITS = N_("Quantities are whole numbers of units (grams for items sold by weight).")


# -- input checks ----------------------------------------------------------------------------


def check_quantity(quantity: object, *, allow_zero: bool = False, label: str = "quantity") -> int:
    """Return ``quantity`` if it is an ``int`` from 1 (or 0) to :data:`MAX_QUANTITY`.

    Raises:
        ValidationError: not an ``int`` (``1.5``, ``True``, a ``Decimal``), below the minimum,
            or above :data:`MAX_QUANTITY` (``2**31``, ``2**63``, ``10**12``).
    """
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise ValidationError(_(WHOLE_UNITS))
    if quantity < 0 or (quantity == 0 and not allow_zero):
        raise ValidationError(_("Enter a {label} above zero.").format(label=label))
    if quantity > MAX_QUANTITY:
        raise ValidationError(
            _("A {label} is at most {max_quantity:,} units.").format(
                label=label, max_quantity=MAX_QUANTITY
            )
        )
    return quantity


def clean_note(text: str, label: str = "note", limit: int = NOTE_MAX) -> str:
    """Normalise a free-text note or reference: one line, no control characters, not too long.

    Raises:
        ValidationError: control characters (NUL, tab, newline) or too long.
    """
    clean = unicodedata.normalize("NFKC", text).strip()
    if any(unicodedata.category(ch) in {"Cc", "Cs"} for ch in clean):
        raise ValidationError(
            _("The {label} must be one line without control characters.").format(label=label)
        )
    if len(clean) > limit:
        raise ValidationError(
            _("The {label} has at most {limit} characters.").format(label=label, limit=limit)
        )
    return refuse_card_number(clean)


def _merge(lines: Iterable[StockLine]) -> dict[int, int]:
    """Sum the quantities of each product; check every line and every total."""
    merged: dict[int, int] = {}
    for line in lines:
        quantity = check_quantity(line.quantity)
        merged[line.product_id] = merged.get(line.product_id, 0) + quantity
        check_quantity(merged[line.product_id])
    if not merged:
        raise ValidationError(_("Add at least one product line."))
    if len(merged) > MAX_LINES:
        raise ValidationError(
            _("At most {max_lines:,} products at once.").format(max_lines=MAX_LINES)
        )
    return merged


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _products(uow: UnitOfWork, product_ids: Iterable[int]) -> dict[int, Product]:
    wanted = sorted(set(product_ids))
    found: dict[int, Product] = {}
    for chunk in _chunks(wanted):
        for product in uow.session.scalars(select(Product).where(Product.id.in_(chunk))):
            found[product.id] = product
    missing = [pid for pid in wanted if pid not in found]
    if missing:
        raise NotFoundError(_("No product with id {missing}.").format(missing=missing[0]))
    return found


def _product_states(uow: UnitOfWork, product_ids: Iterable[int]) -> dict[int, tuple[str, bool]]:
    """(name, active) of each product, in id order; like :func:`_products`, without ORM objects.

    Raises:
        NotFoundError: a product does not exist (the lowest missing id is named).
    """
    wanted = sorted(set(product_ids))
    found: dict[int, tuple[str, bool]] = {}
    for chunk in _chunks(wanted):
        rows = uow.session.execute(
            select(Product.id, Product.name, Product.active).where(Product.id.in_(chunk))
        )
        found.update({int(pid): (str(name), bool(active)) for pid, name, active in rows})
    missing = [pid for pid in wanted if pid not in found]
    if missing:
        raise NotFoundError(_("No product with id {missing}.").format(missing=missing[0]))
    return {pid: found[pid] for pid in wanted}


def _replay(uow: UnitOfWork, batch: uuid.UUID) -> StockResult | None:
    """The result of an earlier submission of the same request, if there was one."""
    rows = uow.session.execute(
        select(StockMovement.store_id, StockMovement.product_id, StockLevel.on_hand)
        .join(
            StockLevel,
            (StockLevel.store_id == StockMovement.store_id)
            & (StockLevel.product_id == StockMovement.product_id),
        )
        .where(StockMovement.batch_uuid == batch)
        .order_by(StockMovement.id)
    ).all()
    if not rows:
        return None
    levels = tuple(LevelAfter(int(s), int(p), int(q)) for s, p, q in rows)
    return StockResult(batch, len(rows), levels, replayed=True)


def _book(
    uow: UnitOfWork,
    actor: UserDTO,
    permission: Permission,
    batch: uuid.UUID,
    work: Callable[[User], StockResult],
) -> StockResult:
    """Run ``work`` as one idempotent unit of work, retried as a whole (see the module docstring).

    The actor is checked first; a batch already booked returns its levels (``replayed``) without
    calling ``work``; what ``work`` writes commits with its result.
    """

    def once() -> StockResult:
        with uow:
            user = authorize(uow, actor, permission)
            if (replayed := _replay(uow, batch)) is not None:
                return replayed
            result = work(user)
            uow.commit()
            return result

    return with_retry(once)


# -- actions ---------------------------------------------------------------------------------


@requires(Permission.ADJUST_STOCK)
def receive_stock(
    uow: UnitOfWork,
    actor: UserDTO,
    store_id: int,
    lines: Sequence[StockLine],
    *,
    reference: str,
    note: str = "",
    request_id: uuid.UUID | None = None,
) -> StockResult:
    """Book a delivery into an active store: one ``receive`` movement per product.

    Args:
        uow: The unit of work.
        actor: Who receives (needs ADJUST_STOCK).
        store_id: The receiving store or warehouse.
        lines: Products and quantities; repeated products are added up. Lines with a unit cost
            bring that value in (every line of a product has one, or none does); the others
            come in at the store's average cost.
        reference: The supplier's delivery note or invoice number (required).
        note: Optional remark kept as the movements' reason.
        request_id: Idempotency key (see the module docstring).

    Raises:
        ValidationError: bad quantity, no lines, no reference, an inactive store, an archived
            product.
        NotFoundError: unknown store or product.
    """
    merged = _merge(lines)
    delivery_values(lines)  # the costs checked before the unit of work
    ref = clean_note(reference, "supplier reference", REFERENCE_MAX)
    if not ref:
        raise ValidationError(_("Enter the supplier's reference (delivery note or invoice)."))
    remark = clean_note(note)
    batch = request_id or uuid.uuid4()

    def work(user: User) -> StockResult:
        require_active_store(uow, store_id, INACTIVE_CANNOT_RECEIVE)
        archived = [name for name, active in _product_states(uow, merged).values() if not active]
        if archived:
            raise ValidationError(
                _("{archived} is archived: restore it first.").format(archived=archived[0])
            )
        costed = sorted({line.product_id for line in lines if line.unit_cost_minor is not None})
        weighed: set[int] = set()
        for chunk in _chunks(costed):
            weighed.update(
                uow.session.scalars(
                    select(Product.id).where(Product.id.in_(chunk), Product.sold_by_weight)
                )
            )
        values = delivery_values(lines, weighed)
        on_hand = put_stock(
            uow,
            store_id=store_id,
            quantities=merged,
            kind=MovementKind.RECEIVE,
            batch_uuid=batch,
            user_id=user.id,
            reason=remark,
            reference=ref,
            values=values,
        )
        levels = tuple(LevelAfter(store_id, pid, on_hand[pid]) for pid in sorted(merged))
        return StockResult(batch, len(levels), levels)

    return _book(uow, actor, Permission.ADJUST_STOCK, batch, work)


def _adjust_reason(reason: AdjustReason | str, note: str, quantity: int) -> str:
    try:
        code = AdjustReason(reason)
    except ValueError:
        raise ValidationError(
            _("Choose a reason for the adjustment: damage, theft, correction or other.")
        ) from None
    if code is AdjustReason.OTHER and not note:
        raise ValidationError(_("Say what happened when the reason is Other."))
    if code in {AdjustReason.DAMAGE, AdjustReason.THEFT} and quantity > 0:
        raise ValidationError(_("{label} can only take stock away.").format(label=code.label))
    return f"{code.value}: {note}" if note else code.value


@requires(Permission.ADJUST_STOCK)
def adjust_stock(
    uow: UnitOfWork,
    actor: UserDTO,
    store_id: int,
    product_id: int,
    quantity: int,
    reason: AdjustReason | str,
    *,
    note: str = "",
    request_id: uuid.UUID | None = None,
) -> StockResult:
    """Add (positive) or take away (negative) stock by hand, with a reason.

    Damage and theft only take stock away; other needs a note. An inactive store may only be
    adjusted downwards (a write-off while it is being emptied).

    Raises:
        ValidationError: zero, fractional or absurd quantity, no reason, an inactive store.
        InsufficientStockError: taking away more than is on hand (nothing is written).
        NotFoundError: unknown store or product.
    """
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise ValidationError(_(WHOLE_UNITS))
    if quantity == 0:
        raise ValidationError(_("An adjustment needs a quantity other than zero."))
    check_quantity(abs(quantity))
    remark = clean_note(note)
    stored_reason = _adjust_reason(reason, remark, quantity)
    batch = request_id or uuid.uuid4()

    def work(user: User) -> StockResult:
        if quantity > 0:
            require_active_store(uow, store_id, INACTIVE_CANNOT_TAKE_IN)
        else:
            load_store(uow, store_id)
        _products(uow, [product_id])
        moved = move_stock(
            uow,
            store_id=store_id,
            product_id=product_id,
            quantity=quantity,
            kind=MovementKind.ADJUST,
            batch_uuid=batch,
            user_id=user.id,
            reason=stored_reason,
        )
        uow.audit(
            AuditRecord(
                "stock.adjust",
                user.id,
                "product",
                product_id,
                before={"store_id": store_id, "on_hand": moved.on_hand - quantity},
                after={
                    "store_id": store_id,
                    "on_hand": moved.on_hand,
                    "value_minor": moved.value_minor,
                },
                reason=stored_reason,
            )
        )
        return StockResult(batch, 1, (LevelAfter(store_id, product_id, moved.on_hand),))

    return _book(uow, actor, Permission.ADJUST_STOCK, batch, work)


@requires(Permission.TRANSFER_STOCK)
def transfer_stock(
    uow: UnitOfWork,
    actor: UserDTO,
    from_store_id: int,
    to_store_id: int,
    lines: Sequence[StockLine],
    *,
    note: str = "",
    request_id: uuid.UUID | None = None,
) -> StockResult:
    """Move stock between two locations: both sides in one transaction and one batch.

    The source may be inactive (emptying a closed store); the destination must be active.
    Both sides' levels are locked in ``(store_id, product_id)`` order, so concurrent transfers
    never deadlock, and the cost travels with the goods: each product arrives with the value it
    left the source with (:func:`~posapp.services.stock.ledger.move_between`). The reference of
    both sides reads ``SOURCE→DEST`` (store codes).

    Raises:
        ValidationError: the same location twice, a bad quantity, an inactive destination, a
            line with a unit cost (a transfer's cost is the source's).
        InsufficientStockError: the source has less than a line asks for (nothing is written).
        NotFoundError: unknown store or product.
    """
    if from_store_id == to_store_id:
        raise ValidationError(_("Choose another destination: a transfer needs two locations."))
    merged = _merge(lines)
    if any(line.unit_cost_minor is not None for line in lines):
        raise ValidationError(_("A transfer takes the sending store's cost: give no unit cost."))
    remark = clean_note(note)
    batch = request_id or uuid.uuid4()

    def work(user: User) -> StockResult:
        source = load_store(uow, from_store_id)
        dest = require_active_store(uow, to_store_id, INACTIVE_CANNOT_RECEIVE_TRANSFER)
        _products(uow, merged)
        levels = move_between(
            uow,
            from_store_id=from_store_id,
            to_store_id=to_store_id,
            quantities=merged,
            batch_uuid=batch,
            user_id=user.id,
            reason=remark,
            reference=f"{source.code}→{dest.code}",
        )
        return StockResult(batch, len(levels), tuple(LevelAfter(*level) for level in levels))

    return _book(uow, actor, Permission.TRANSFER_STOCK, batch, work)


def _lock_levels(uow: UnitOfWork, store_id: int, counts: dict[int, int]) -> dict[int, int]:
    """Create missing levels that will receive stock, lock the counted ones, return on-hand.

    Rows are locked in product order (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's
    ``BEGIN IMMEDIATE`` already serialises writers), so nothing changes a counted level
    between reading it and booking the difference.
    """
    ensure_levels(uow, store_id, [pid for pid, counted in counts.items() if counted > 0])
    on_hand: dict[int, int] = {}
    for chunk in _chunks(sorted(counts)):
        rows = uow.session.execute(
            select(StockLevel.product_id, StockLevel.on_hand)
            .where(StockLevel.store_id == store_id, StockLevel.product_id.in_(chunk))
            .order_by(StockLevel.product_id)
            .with_for_update()
        )
        on_hand.update((int(pid), int(qty)) for pid, qty in rows)
    return on_hand


@requires(Permission.ADJUST_STOCK)
def count_stock(
    uow: UnitOfWork,
    actor: UserDTO,
    store_id: int,
    lines: Sequence[CountLine],
    *,
    note: str = "",
    request_id: uuid.UUID | None = None,
) -> StockResult:
    """Book a stocktake: each counted quantity replaces on-hand through a ``count`` movement.

    The difference is taken against on-hand at the moment of booking, with the levels locked,
    so a sale rung up while the shelf was being counted is not lost twice. Lines whose count
    matches on-hand write no movement (the audit log keeps every counted line).

    Returns:
        The result; ``movements`` is the number of differences booked.

    Raises:
        ValidationError: a product counted twice, a bad quantity, an inactive store.
        NotFoundError: unknown store or product.
    """
    counts: dict[int, int] = {}
    for line in lines:
        if line.product_id in counts:
            raise ValidationError(_("A product appears twice in the count: enter it once."))
        counts[line.product_id] = check_quantity(line.counted, allow_zero=True, label="count")
    if not counts:
        raise ValidationError(_("Count at least one product."))
    if len(counts) > MAX_LINES:
        raise ValidationError(
            _("At most {max_lines:,} products at once.").format(max_lines=MAX_LINES)
        )
    remark = clean_note(note)
    batch = request_id or uuid.uuid4()

    def work(user: User) -> StockResult:
        require_active_store(uow, store_id, INACTIVE_CANNOT_BE_COUNTED)
        _products(uow, counts)
        current = _lock_levels(uow, store_id, counts)
        levels, booked, lines_seen = [], 0, {}
        for product_id in sorted(counts):
            expected, counted = current.get(product_id, 0), counts[product_id]
            lines_seen[str(product_id)] = {"expected": expected, "counted": counted}
            if counted != expected:
                move_stock(
                    uow,
                    store_id=store_id,
                    product_id=product_id,
                    quantity=counted - expected,
                    kind=MovementKind.COUNT,
                    batch_uuid=batch,
                    user_id=user.id,
                    reason=remark or "Stocktake",
                )
                booked += 1
            levels.append(LevelAfter(store_id, product_id, counted))
        uow.audit(
            AuditRecord("stock.count", user.id, "store", store_id, after=lines_seen, reason=remark)
        )
        return StockResult(batch, booked, tuple(levels))

    return _book(uow, actor, Permission.ADJUST_STOCK, batch, work)


@requires(Permission.ADJUST_STOCK)
def set_reorder_levels(
    uow: UnitOfWork,
    actor: UserDTO,
    store_id: int,
    product_id: int,
    reorder_point: int,
    reorder_qty: int,
) -> LevelAfter:
    """Set when a product is low at a store (``reorder_point``) and how much to reorder.

    A reorder point of 0 switches low-stock alerts off for that level. Changing the point is
    not a movement, so it never publishes ``StockLow`` by itself.

    Raises:
        ValidationError: negative, fractional or absurd values.
        NotFoundError: unknown store or product.
    """
    point = check_quantity(reorder_point, allow_zero=True, label="reorder point")
    qty = check_quantity(reorder_qty, allow_zero=True, label="reorder quantity")

    def once() -> LevelAfter:
        with uow:
            user = authorize(uow, actor, Permission.ADJUST_STOCK)
            load_store(uow, store_id)
            _products(uow, [product_id])
            ensure_levels(uow, store_id, [product_id])
            before = uow.session.execute(
                select(StockLevel.reorder_point, StockLevel.reorder_qty).where(
                    StockLevel.store_id == store_id, StockLevel.product_id == product_id
                )
            ).one()
            on_hand = uow.session.execute(
                update(StockLevel)
                .where(StockLevel.store_id == store_id, StockLevel.product_id == product_id)
                .values(reorder_point=point, reorder_qty=qty)
                .returning(StockLevel.on_hand)
                .execution_options(synchronize_session=False)
            ).scalar_one()
            if (before[0], before[1]) != (point, qty):
                uow.audit(
                    AuditRecord(
                        "stock.reorder",
                        user.id,
                        "product",
                        product_id,
                        before={"store_id": store_id, "point": before[0], "qty": before[1]},
                        after={"store_id": store_id, "point": point, "qty": qty},
                    )
                )
            uow.commit()
            return LevelAfter(store_id, product_id, int(on_hand))

    return with_retry(once)


# -- integrity -------------------------------------------------------------------------------


def ledger_mismatches(uow: UnitOfWork) -> list[tuple[int, int, int, int]]:
    """Levels whose on-hand differs from the sum of their movements (should be none).

    Returns:
        ``(store_id, product_id, on_hand, ledger_sum)`` for every disagreement, including
        movements without a level row.
    """
    with uow:
        sums = (
            select(
                StockMovement.store_id,
                StockMovement.product_id,
                func.sum(StockMovement.quantity).label("total"),
            )
            .group_by(StockMovement.store_id, StockMovement.product_id)
            .subquery()
        )
        joined = (StockLevel.store_id == sums.c.store_id) & (
            StockLevel.product_id == sums.c.product_id
        )
        total = func.coalesce(sums.c.total, 0)
        rows = uow.session.execute(
            select(StockLevel.store_id, StockLevel.product_id, StockLevel.on_hand, total)
            .outerjoin(sums, joined)
            .where(StockLevel.on_hand != total)
        ).all()
        orphans = uow.session.execute(
            select(sums.c.store_id, sums.c.product_id, sums.c.total)
            .outerjoin(StockLevel, joined)
            .where(StockLevel.store_id.is_(None), sums.c.total != 0)
        ).all()
    found = [(int(s), int(p), int(q), int(t)) for s, p, q, t in rows]
    found += [(int(s), int(p), 0, int(t)) for s, p, t in orphans]
    return sorted(found)
