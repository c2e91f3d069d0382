"""Read models and inputs of the coupon system, and the text helpers both edges share.

Pure module (no database, no Qt): the UI and the report renderers import it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from posapp.i18n import N_, _
from posapp.money import BP_PER_UNIT, format_money
from posapp.services.platform.errors import ServiceError, ValidationError

PERCENT: Final = "percent"
FIXED: Final = "fixed"
KINDS: Final = (PERCENT, FIXED)
SCOPE_ORDER: Final = "order"
SCOPE_PRODUCTS: Final = "products"
SCOPE_CATEGORIES: Final = "categories"
SCOPES: Final = (SCOPE_ORDER, SCOPE_PRODUCTS, SCOPE_CATEGORIES)
SCOPE_LABELS: Final = {
    SCOPE_ORDER: N_("Whole order"),
    SCOPE_PRODUCTS: N_("Chosen products"),
    SCOPE_CATEGORIES: N_("Chosen categories"),
}


class OperationCancelledError(ServiceError):
    """Long work (generation, a report, an export) was cancelled by the user; nothing was kept."""


def value_text(kind: str, value: int) -> str:
    """Say what a campaign takes off: ``15 % off`` or ``5.00 off``."""
    if kind == PERCENT:
        return _("{percent} % off").format(percent=percent_text(value))
    return _("{amount} off").format(amount=format_money(value))


def percent_text(rate_bp: int) -> str:
    """Basis points as a percentage without needless zeros: 1500 → ``15``, 1250 → ``12.5``."""
    whole, rest = divmod(rate_bp, 100)
    return str(whole) if rest == 0 else f"{whole}.{rest:02d}".rstrip("0")


def parse_percent_bp(text: str) -> int:
    """Parse a percentage typed by a user (``15``, ``12.5``, ``12,5 %``) into basis points.

    Raises:
        ValidationError: not a number, more than two decimals, or outside 0.01 %-100 %.
    """
    clean = unicodedata.normalize("NFKC", text).strip().removesuffix("%").strip()
    clean = clean.replace(",", ".")
    whole, _unused, frac = clean.partition(".")
    if not (whole or frac) or not (whole + frac).isascii() or not (whole + frac).isdigit():
        if clean.startswith("-"):
            raise ValidationError(_("A percentage cannot be below 0 %."))
        raise ValidationError(_("Enter a percentage like 15 or 12.5."))
    if len(frac) > 2:  # noqa: PLR2004 - two decimals of a percent are whole basis points
        raise ValidationError(_("A percentage has at most two decimals."))
    if len(whole) > 3:  # noqa: PLR2004 - checked before int(): no huge conversions
        raise ValidationError(_("A percentage cannot be above 100 %."))
    rate = int(whole or "0") * 100 + int(frac.ljust(2, "0"))
    if rate > BP_PER_UNIT:
        raise ValidationError(_("A percentage cannot be above 100 %."))
    if rate == 0:
        raise ValidationError(_("A percentage must be more than 0 %."))
    return rate


@dataclass(frozen=True, slots=True)
class CampaignDraft:
    """What an admin enters for a campaign (create or edit).

    ``value`` is basis points for a percentage (1500 = 15 %) and minor units for a fixed amount.
    Times are aware datetimes (the UI converts the shop's local time); ``ends_at`` is exclusive.
    """

    name: str
    kind: str
    value: int
    starts_at: datetime
    ends_at: datetime | None = None
    description: str = ""
    scope: str = SCOPE_ORDER
    product_ids: tuple[int, ...] = ()
    category_ids: tuple[int, ...] = ()
    min_spend_minor: int = 0
    max_discount_minor: int | None = None
    usage_limit: int | None = None
    per_customer_limit: int | None = None
    single_use_codes: bool = True
    stacks: bool = False


@dataclass(frozen=True, slots=True)
class CampaignDTO:
    """A campaign's rules and state."""

    id: int
    name: str
    description: str
    kind: str
    value: int
    scope: str
    product_ids: tuple[int, ...]
    category_ids: tuple[int, ...]
    min_spend_minor: int
    max_discount_minor: int | None
    starts_at: datetime
    ends_at: datetime | None
    usage_limit: int | None
    per_customer_limit: int | None
    single_use_codes: bool
    stacks: bool
    active: bool
    used_count: int
    ended_at: datetime | None
    created_at: datetime

    @property
    def value_text(self) -> str:
        """``15 % off`` or ``5.00 off``."""
        return value_text(self.kind, self.value)

    def status(self, now: datetime) -> str:
        """One word for lists: disabled, scheduled, running, used up or ended."""
        if not self.active:
            return "disabled"
        if now < self.starts_at:
            return "scheduled"
        if self.ends_at is not None and now >= self.ends_at:
            return "ended"
        if self.usage_limit is not None and self.used_count >= self.usage_limit:
            return "used up"
        return "running"

    def to_draft(self) -> CampaignDraft:
        """The campaign as a draft, to edit."""
        return CampaignDraft(
            name=self.name,
            kind=self.kind,
            value=self.value,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            description=self.description,
            scope=self.scope,
            product_ids=self.product_ids,
            category_ids=self.category_ids,
            min_spend_minor=self.min_spend_minor,
            max_discount_minor=self.max_discount_minor,
            usage_limit=self.usage_limit,
            per_customer_limit=self.per_customer_limit,
            single_use_codes=self.single_use_codes,
            stacks=self.stacks,
        )


@dataclass(frozen=True, slots=True)
class CampaignRow:
    """A campaign with its live counts, for the campaigns list."""

    campaign: CampaignDTO
    codes_issued: int
    codes_redeemed: int
    redemptions: int
    discount_minor: int

    @property
    def rate_bp(self) -> int:
        """Codes redeemed per code issued, in basis points (0 without codes)."""
        if self.codes_issued == 0:
            return 0
        return self.codes_redeemed * BP_PER_UNIT // self.codes_issued


@dataclass(frozen=True, slots=True)
class CodeDTO:
    """One code of a campaign with its uses."""

    id: int
    campaign_id: int
    code: str
    max_uses: int | None
    used_count: int
    active: bool
    created_at: datetime
    discount_minor: int = 0
    last_used_at: datetime | None = None

    @property
    def status(self) -> str:
        """disabled, used up or available."""
        if not self.active:
            return "disabled"
        if self.max_uses is not None and self.used_count >= self.max_uses:
            return "used up"
        return "available"


@dataclass(frozen=True, slots=True)
class RedemptionDTO:
    """One use of a code, for the redemption log."""

    id: int
    redeemed_at: datetime
    code_id: int
    code: str
    campaign_id: int
    campaign_name: str
    order_id: int
    order_number: str
    customer_account_id: int | None
    customer_name: str
    cashier_id: int
    cashier_name: str
    discount_minor: int
    reversed_at: datetime | None
    reversed_by_name: str


@dataclass(frozen=True, slots=True)
class RedemptionFilter:
    """What the redemption log shows; empty fields do not filter."""

    campaign_id: int | None = None
    cashier_id: int | None = None
    text: str = ""
    """Part of a code or an order number."""
    from_at: datetime | None = None
    to_at: datetime | None = None
    """Exclusive."""
    include_reversed: bool = True


@dataclass(frozen=True, slots=True)
class PageCursor:
    """Where the previous page of a newest-first list ended (keyset pagination)."""

    at: datetime
    id: int


@dataclass(frozen=True, slots=True)
class Choice:
    """Something to pick in a form: a cashier, a category (with its depth in the tree)."""

    id: int
    label: str
    depth: int = 0


@dataclass(frozen=True, slots=True)
class GenerationResult:
    """What a bulk generation made."""

    campaign_id: int
    count: int
    sample: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class CodeSheet:
    """Everything printed on a campaign's code sheet."""

    campaign_name: str
    value_text: str
    conditions: str
    starts_at: datetime
    ends_at: datetime | None
    zone: str
    codes: tuple[str, ...]
