"""The customer of a sale (issue #19): found and added at the register (F4), checked at checkout.

A customer is the person; an account is something a customer may have. The register attaches a
customer with or without an account: :func:`find_sale_customers` is the customers' own search
(any field) with each customer's open account, :func:`add_sale_customer` the quick add of a
walk-in (name and a phone or an email). Checkout records the customer on the order
(``orders.customer_id``) through :func:`order_customer`, in the sale's transaction: an attached
account implies its customer, and a customer id from the caller is checked to name a customer
whose data was not erased.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import bindparam, select

from posapp.i18n import N_, _
from posapp.models import Customer, CustomerAccount
from posapp.services.customers import CustomerRow, register_customer, search_customers
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import NotFoundError, ValidationError
from posapp.services.platform.fastsql import Prepared
from posapp.services.platform.ids import storable_id
from posapp.services.platform.uow import UnitOfWork
from posapp.services.sales.dto import SaleCustomerDTO
from posapp.services.sales.lookup import customer_dto
from posapp.services.staff import Permission, requires

__all__ = ["add_sale_customer", "find_sale_customers", "order_customer"]

FIND_MAX: Final = 20
"""Customers the register's picker lists at most (narrow the search for others)."""
GONE_ACCOUNT: Final = N_("The customer's account no longer exists.")
GONE: Final = N_("The customer attached to the sale no longer exists: attach them again.")
ERASED: Final = N_(
    "The customer's data was erased on request: attach another customer, or none, and pay again."
)
NOT_THEIRS: Final = N_("That account belongs to another customer: attach the customer again.")

_ACCOUNT = Prepared(
    select(CustomerAccount.id, CustomerAccount.customer_id).where(
        CustomerAccount.id == bindparam("account_id")
    )
)
_CUSTOMER = Prepared(
    select(Customer.id, Customer.erased_at).where(Customer.id == bindparam("customer_id"))
)


@requires(Permission.SELL)
def find_sale_customers(
    uow: UnitOfWork, actor: UserDTO, text: str, limit: int = FIND_MAX
) -> list[SaleCustomerDTO]:
    """Customers matching ``text`` in any field, each with their open account if they have one.

    The search is the customers' own (:func:`posapp.services.customers.search_customers`: name,
    email, address, notes, tags, phone digits, account numbers). An empty text finds nobody: the
    register never lists every customer.

    Raises:
        ValidationError: the text holds control or invisible characters.
    """
    if not text.strip():
        return []
    rows = search_customers(uow, actor, text, limit=max(1, min(limit, FIND_MAX)))
    return _with_accounts(uow, rows)


def _with_accounts(uow: UnitOfWork, rows: list[CustomerRow]) -> list[SaleCustomerDTO]:
    wanted = [row.account_id for row in rows if row.account_id is not None]
    accounts = {}
    points: dict[int, int] = {}
    if rows:
        with uow:
            points = dict(  # the loyalty points, shown beside each name (F4)
                uow.session.execute(
                    select(Customer.id, Customer.points_balance).where(
                        Customer.id.in_([row.id for row in rows])
                    )
                ).all()
            )
            accounts = {
                account.id: customer_dto(account)
                for account in uow.session.scalars(
                    select(CustomerAccount).where(CustomerAccount.id.in_(wanted))
                )
            }
    return [
        SaleCustomerDTO(
            row.id,
            row.name,
            row.phone,
            row.email,
            accounts.get(row.account_id) if row.account_id is not None else None,
            points.get(row.id, 0),
        )
        for row in rows
    ]


def add_sale_customer(
    uow: UnitOfWork, actor: UserDTO, name: str, phone: str = "", email: str = ""
) -> SaleCustomerDTO:
    """Record a walk-in as a customer from the register (F4, Ctrl+N) and return them to attach.

    Raises:
        ValidationError: no name, neither a phone nor an email, or a field not acceptable.
    """
    customer = register_customer(uow, actor, name, phone, email)
    return SaleCustomerDTO(customer.id, customer.name, customer.phone, customer.email)


def order_customer(uow: UnitOfWork, account_id: int | None, customer_id: int | None) -> int | None:
    """The customer an order records, checked inside the sale's transaction.

    An attached account implies its customer; a customer given with an account must be the
    account's.

    Raises:
        NotFoundError: the account or the customer does not exist.
        ValidationError: the customer was erased, or the account is another customer's.
    """
    conn = uow.session.connection()
    if account_id is not None:
        row = _ACCOUNT.one(conn, {"account_id": account_id}) if storable_id(account_id) else None
        if row is None:
            raise NotFoundError(_(GONE_ACCOUNT))
        owner = None if row[1] is None else int(row[1])
        if customer_id is not None and owner != customer_id:
            raise ValidationError(_(NOT_THEIRS))
        customer_id = owner
    if customer_id is None:
        return None
    found = _CUSTOMER.one(conn, {"customer_id": customer_id}) if storable_id(customer_id) else None
    if found is None:
        raise NotFoundError(_(GONE))
    if found[1] is not None:
        raise ValidationError(_(ERASED))
    return customer_id
