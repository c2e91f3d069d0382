"""Customer records: create, change, read one, and erase one on request.

A customer is the person; a prepaid/credit account (``services.accounts``) is something a
customer may have (``customer_accounts.customer_id``). The customer's row is the one place the
marketing consent lives: the account shows it and the email outbox honours it.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import delete, or_, select, update

from posapp.i18n import N_, _
from posapp.models import (
    AccountStatus,
    Customer,
    CustomerAccount,
    LedgerAccount,
    Order,
    OutboxAttachment,
    OutboxEmail,
)
from posapp.models.notifications import OutboxStatus
from posapp.services.customers.dto import CustomerAccountRef, CustomerDraft, CustomerDTO
from posapp.services.customers.validation import clean_draft
from posapp.services.platform.audit import AuditRecord, values_of
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ConflictError, NotFoundError, ValidationError
from posapp.services.platform.ids import storable_id
from posapp.services.platform.uow import UnitOfWork
from posapp.services.staff import ACTIONS, Permission, authorize, requires

ERASED_NAME: Final = "Erased customer"
ERASED_ERROR: Final = N_("The customer's data was erased on request.")
STALE: Final = N_("Someone else changed this customer; reopen it to see their change.")

_AUDITED: Final = ("name", "phone", "email", "address", "marketing_opt_in", "notes", "tags")


def split_tags(tags: str) -> tuple[str, ...]:
    """The stored ``"a, b"`` form of tags as a tuple."""
    return tuple(tag for tag in tags.split(", ") if tag)


def accounts_of(uow: UnitOfWork, customer_id: int) -> tuple[CustomerAccountRef, ...]:
    """The accounts a customer has, oldest first."""
    rows = uow.session.execute(
        select(CustomerAccount.id, CustomerAccount.number, CustomerAccount.status)
        .where(CustomerAccount.customer_id == customer_id)
        .order_by(CustomerAccount.id)
    ).all()
    return tuple(CustomerAccountRef(int(r.id), r.number, r.status) for r in rows)


def to_dto(uow: UnitOfWork, customer: Customer) -> CustomerDTO:
    """The read model of ``customer`` (one query for its accounts)."""
    return CustomerDTO(
        id=customer.id,
        name=customer.name,
        phone=customer.phone,
        email=customer.email,
        address=customer.address,
        marketing_opt_in=customer.marketing_opt_in,
        opt_changed_at=customer.opt_changed_at,
        notes=customer.notes,
        tags=split_tags(customer.tags),
        erased_at=customer.erased_at,
        created_at=customer.created_at,
        changed_at=customer.changed_at,
        version=customer.version,
        accounts=accounts_of(uow, customer.id),
        points_balance=customer.points_balance,
    )


def load(uow: UnitOfWork, customer_id: int, *, lock: bool = False) -> Customer:
    """The customer ``customer_id`` (locked for update with ``lock``).

    Raises:
        NotFoundError: there is no such customer.
    """
    query = select(Customer).where(Customer.id == customer_id)
    if lock:
        query = query.with_for_update()
    customer = uow.session.scalars(query).one_or_none() if storable_id(customer_id) else None
    if customer is None:
        raise NotFoundError(
            _("There is no customer {customer_id}.").format(customer_id=customer_id)
        )
    return customer


def _audit(
    uow: UnitOfWork,
    user_id: int | None,
    customer_id: int,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    reason: str = "",
) -> None:
    uow.audit(
        AuditRecord(
            action=action,
            user_id=user_id,
            object_kind="customer",
            object_id=customer_id,
            before=before,
            after=after,
            reason=reason,
        )
    )


@requires(Permission.MANAGE_CUSTOMERS)
def create_customer(uow: UnitOfWork, actor: UserDTO, draft: CustomerDraft) -> CustomerDTO:
    """Record a new customer; audited.

    Raises:
        ValidationError: a field is not acceptable (the message names it).
    """
    clean, _tags = clean_draft(draft)
    with uow:
        user = authorize(uow, actor, Permission.MANAGE_CUSTOMERS)
        now = uow.now()
        customer = Customer(
            name=clean.name,
            phone=clean.phone,
            email=clean.email,
            address=clean.address,
            marketing_opt_in=clean.marketing_opt_in,
            opt_changed_at=now if clean.marketing_opt_in else None,
            notes=clean.notes,
            tags=clean.tags,
            created_at=now,
            changed_at=now,
        )
        uow.session.add(customer)
        uow.flush()
        _audit(uow, user.id, customer.id, "customer.created", None, values_of(customer, _AUDITED))
        dto = to_dto(uow, customer)
        uow.commit()
        return dto


def _forget_emails(uow: UnitOfWork, customer_id: int, account_ids: list[int]) -> None:
    """Blank the emails to an erased customer; cancel those still waiting; drop their files.

    They are the emails to the customer's accounts and those about the customer's orders (a
    receipt emailed at the register to a customer without an account, issue #19).
    """
    orders = select(Order.id).where(Order.customer_id == customer_id)
    to_customer = or_(
        OutboxEmail.order_id.in_(orders),
        OutboxEmail.customer_account_id.in_(account_ids),
    )
    uow.session.execute(
        delete(OutboxAttachment)
        .where(OutboxAttachment.email_id.in_(select(OutboxEmail.id).where(to_customer)))
        .execution_options(synchronize_session=False)
    )
    uow.session.execute(
        update(OutboxEmail)
        .where(to_customer)
        .values(to_address="", to_name="", body=ERASED_ERROR)
        .execution_options(synchronize_session=False)
    )
    uow.session.execute(
        update(OutboxEmail)
        .where(to_customer, OutboxEmail.status == OutboxStatus.PENDING.value)
        .values(status=OutboxStatus.FAILED.value, next_attempt_at=None, last_error=ERASED_ERROR)
        .execution_options(synchronize_session=False)
    )


@requires(Permission.SELL)
def register_customer(
    uow: UnitOfWork, actor: UserDTO, name: str, phone: str = "", email: str = ""
) -> CustomerDTO:
    """Record a new customer at the register (F4's quick add): a name and a phone or an email.

    Taking a walk-in's name and contact is part of selling (Square, Odoo POS and Lightspeed let
    the cashier do it), so it needs only :attr:`Permission.SELL`; the rest of the record
    (address, notes, tags, marketing consent) stays with those who manage customers. Consent is
    never given here: a customer added at the till gets no marketing until they opt in.
    Audited as ``customer.created``, with ``at the register`` as the reason.

    Raises:
        ValidationError: no name, neither a phone nor an email, or a field not acceptable.
    """
    clean, _tags = clean_draft(CustomerDraft(name=name, phone=phone, email=email))
    if not clean.phone and not clean.email:
        raise ValidationError(_("Enter the customer's phone number or email address."))
    with uow:
        user = authorize(uow, actor, Permission.SELL)
        now = uow.now()
        customer = Customer(
            name=clean.name,
            phone=clean.phone,
            email=clean.email,
            address="",
            marketing_opt_in=False,
            notes="",
            tags="",
            created_at=now,
            changed_at=now,
        )
        uow.session.add(customer)
        uow.flush()
        _audit(
            uow,
            user.id,
            customer.id,
            "customer.created",
            None,
            values_of(customer, _AUDITED),
            "at the register",
        )
        dto = to_dto(uow, customer)
        uow.commit()
        return dto


@requires(Permission.MANAGE_CUSTOMERS)
def edit_customer(
    uow: UnitOfWork,
    actor: UserDTO,
    customer_id: int,
    draft: CustomerDraft,
    *,
    expected_version: int | None = None,
) -> CustomerDTO:
    """Change a customer's details; audited (field by field, before and after).

    Raises:
        ValidationError: a field is not acceptable, or the customer was erased.
        ConflictError: someone changed the customer since ``expected_version``.
        NotFoundError: there is no such customer.
    """
    clean, _tags = clean_draft(draft)
    with uow:
        user = authorize(uow, actor, Permission.MANAGE_CUSTOMERS)
        customer = load(uow, customer_id, lock=True)
        if customer.erased_at is not None:
            raise ValidationError(_(ERASED_ERROR))
        if expected_version is not None and customer.version != expected_version:
            raise ConflictError(_(STALE))
        before = values_of(customer, _AUDITED)
        now = uow.now()
        if clean.marketing_opt_in != customer.marketing_opt_in:
            customer.opt_changed_at = now
        for name in _AUDITED:
            setattr(customer, name, getattr(clean, name))
        after = values_of(customer, _AUDITED)
        if after != before:
            customer.changed_at = now
            changed = [k for k in _AUDITED if before[k] != after[k]]
            _audit(
                uow,
                user.id,
                customer.id,
                "customer.edited",
                {k: before[k] for k in changed},
                {k: after[k] for k in changed},
            )
        uow.flush()
        dto = to_dto(uow, customer)
        uow.commit()
        return dto


@requires(Permission.VIEW_CUSTOMERS)
def get_customer(uow: UnitOfWork, actor: UserDTO, customer_id: int) -> CustomerDTO:
    """One customer with their accounts.

    Raises:
        NotFoundError: there is no such customer.
    """
    with uow:
        authorize(uow, actor, Permission.VIEW_CUSTOMERS)
        return to_dto(uow, load(uow, customer_id))


def manager_id(uow: UnitOfWork, actor: UserDTO | None) -> int | None:
    """Check that ``actor`` may manage customers; the command line (None) is the trusted admin.

    Returns:
        The actor's id for the audit log (None for the command line).
    """
    if actor is None:
        return None
    return authorize(uow, actor, Permission.MANAGE_CUSTOMERS).id


ACTIONS["customers.manage.erase_customer"] = Permission.MANAGE_CUSTOMERS


def erase_customer(
    uow: UnitOfWork, actor: UserDTO | None, customer_id: int, reason: str
) -> CustomerDTO:
    """Erase a customer's personal data on their request; audited without the erased data.

    The customer's row stays (orders and accounts point at it) with the name replaced by
    ``Erased customer <id>`` and every other personal field blanked; the accounts' holder
    details and the ledger accounts' names are blanked the same way. Orders, returns, coupon
    uses and every ledger row stay as they were, so every total and balance still adds up.
    Emails to the customer in the outbox lose their address and body; those still waiting are
    cancelled.

    ``actor`` None is the command line (``posapp customer erase``), trusted like a shell.

    Raises:
        PermissionDeniedError: the actor may not manage customers.
        ValidationError: no reason was given, the customer was already erased, or an account
            of the customer is not closed (its balance must be settled and the account closed
            first, so no money is left without an owner).
        NotFoundError: there is no such customer.
    """
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError(
            _("Say why the customer is erased (for example: their request of 3 May).")
        )
    with uow:
        user_id = manager_id(uow, actor)
        customer = load(uow, customer_id, lock=True)
        if customer.erased_at is not None:
            raise ValidationError(_(ERASED_ERROR))
        accounts = uow.session.scalars(
            select(CustomerAccount)
            .where(CustomerAccount.customer_id == customer_id)
            .order_by(CustomerAccount.id)
            .with_for_update()
        ).all()
        still_open = [a.number for a in accounts if a.status != AccountStatus.CLOSED.value]
        if still_open:
            raise ValidationError(
                _(
                    "Close the customer's account {still_open} first (settle its "
                    "balance), then erase the customer."
                ).format(still_open=still_open[0])
            )
        now = uow.now()
        placeholder = f"{ERASED_NAME} {customer.id}"
        customer.name = placeholder
        customer.phone = customer.email = customer.address = customer.notes = customer.tags = ""
        if customer.marketing_opt_in:
            customer.opt_changed_at = now
        customer.marketing_opt_in = False
        customer.erased_at = customer.changed_at = now
        for account in accounts:
            account.holder_name, account.email, account.phone = placeholder, "", ""
            account.changed_at = now
        account_ids = [a.id for a in accounts]
        if account_ids:
            uow.session.execute(
                update(LedgerAccount)
                .where(LedgerAccount.id.in_([a.ledger_account_id for a in accounts]))
                .values(name=placeholder)
                .execution_options(synchronize_session=False)
            )
        _forget_emails(uow, customer.id, account_ids)
        _audit(
            uow,
            user_id,
            customer.id,
            "customer.erased",
            None,
            {"erased": True, "accounts": [a.number for a in accounts]},
            reason,
        )
        uow.flush()
        dto = to_dto(uow, customer)
        uow.commit()
        return dto
