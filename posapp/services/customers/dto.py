"""Read models and requests of customers (Qt- and SQLAlchemy-free, for every edge)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class CustomerDraft:
    """What a form or the command line asks a customer to be.

    ``tags`` is typed as people type it: words or phrases separated by commas.
    """

    name: str
    phone: str = ""
    email: str = ""
    address: str = ""
    marketing_opt_in: bool = False
    notes: str = ""
    tags: str = ""


@dataclass(frozen=True, slots=True)
class CustomerAccountRef:
    """A prepaid/credit account a customer has (its own screen has the rest)."""

    id: int
    number: str
    status: str


@dataclass(frozen=True, slots=True)
class CustomerDTO:
    """A customer record, with the accounts the customer has."""

    id: int
    name: str
    phone: str
    email: str
    address: str
    marketing_opt_in: bool
    opt_changed_at: datetime | None
    notes: str
    tags: tuple[str, ...]
    erased_at: datetime | None
    created_at: datetime
    changed_at: datetime
    version: int
    accounts: tuple[CustomerAccountRef, ...] = ()
    points_balance: int = 0
    """The customer's loyalty points (the sum of their point movements)."""

    @property
    def erased(self) -> bool:
        """Whether the customer's personal data was erased on request."""
        return self.erased_at is not None


@dataclass(frozen=True, slots=True)
class CustomerRow:
    """One line of a customer search (the register's F4 and the Customers view)."""

    id: int
    name: str
    phone: str
    email: str
    tags: tuple[str, ...]
    account_id: int | None
    """The customer's first open account, if any (what a sale can be charged to)."""
    account_number: str


CustomerCursor = tuple[str, int]
"""Where the next page of a customer search starts: the last row's folded name and id."""


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One order of a customer's purchase history: what came back, the coupons and points."""

    order_id: int
    number: str
    at: datetime
    status: str
    total_minor: int
    returned_minor: int
    returns: int
    coupon_codes: tuple[str, ...]
    account_number: str
    points: int = 0
    """What the order did to the customer's loyalty points, net: earned and given back on a
    refund, less spent and taken back on a return (``0``: none moved)."""


HistoryCursor = tuple[datetime, int]
"""Where the next page of a purchase history starts: the last order's time and id."""


@dataclass(frozen=True, slots=True)
class CustomerExport:
    """Everything posapp keeps about one customer, for a subject-access request."""

    customer: CustomerDTO
    orders: tuple[HistoryEntry, ...]
    exported_at: datetime
