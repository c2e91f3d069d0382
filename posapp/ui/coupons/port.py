"""What the Coupons tab needs from the services, as a protocol (``backend.coupons``).

``posapp.services.coupons.api.CouponDesk`` implements it; the UI never imports it (it would
bring SQLAlchemy in), it receives it from the backend. Tests can pass a fake.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, tzinfo
from typing import Protocol, cast

from posapp.services.coupons.dto import (
    CampaignDraft,
    CampaignDTO,
    CampaignRow,
    Choice,
    CodeDTO,
    CodeSheet,
    GenerationResult,
    PageCursor,
    RedemptionDTO,
    RedemptionFilter,
)
from posapp.services.coupons.report_model import EffectivenessReport
from posapp.services.platform.dto import UserDTO

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]


class CouponsPort(Protocol):
    """The coupon use cases the tab calls; each runs in its own unit of work."""

    def zone(self) -> tzinfo:
        """The shop's time zone."""
        ...

    def list_campaigns(self, actor: UserDTO, search: str = "") -> list[CampaignRow]:
        """Campaigns with live counts."""
        ...

    def get_campaign(self, actor: UserDTO, campaign_id: int) -> CampaignDTO:
        """One campaign."""
        ...

    def create_campaign(
        self, actor: UserDTO, draft: CampaignDraft, shared_code: str = ""
    ) -> CampaignDTO:
        """Create a campaign."""
        ...

    def update_campaign(
        self, actor: UserDTO, campaign_id: int, draft: CampaignDraft
    ) -> CampaignDTO:
        """Change a campaign's rules."""
        ...

    def set_campaign_active(self, actor: UserDTO, campaign_id: int, active: bool) -> CampaignDTO:
        """Disable or enable a campaign."""
        ...

    def set_code_active(self, actor: UserDTO, code_id: int, active: bool) -> CodeDTO:
        """Disable or enable a code."""
        ...

    def generate_codes(
        self,
        actor: UserDTO,
        campaign_id: int,
        count: int,
        *,
        prefix: str = "",
        groups: int = 2,
        progress: Progress = ...,
        cancelled: Cancelled = ...,
    ) -> GenerationResult:
        """Generate unique codes, all or nothing."""
        ...

    def code_ids(self, actor: UserDTO, campaign_id: int, search: str = "") -> list[int]:
        """The ids of a campaign's codes."""
        ...

    def codes_page(self, actor: UserDTO, ids: Sequence[int]) -> list[CodeDTO]:
        """Codes by id."""
        ...

    def redemptions_page(
        self,
        actor: UserDTO,
        flt: RedemptionFilter,
        after: PageCursor | None = None,
        limit: int = ...,
    ) -> list[RedemptionDTO]:
        """One page of the redemption log."""
        ...

    def redemption_cashiers(self, actor: UserDTO) -> list[Choice]:
        """Staff who have redeemed codes."""
        ...

    def export_codes_csv(self, actor: UserDTO, campaign_id: int) -> str:
        """A campaign's codes as CSV."""
        ...

    def code_sheet(self, actor: UserDTO, campaign_id: int) -> CodeSheet:
        """The code sheet's content."""
        ...

    def effectiveness_report(
        self,
        actor: UserDTO,
        from_day: date,
        to_day: date,
        *,
        campaign_ids: Sequence[int] | None = None,
        progress: Progress = ...,
        cancelled: Cancelled = ...,
    ) -> EffectivenessReport:
        """The effectiveness report model."""
        ...

    def category_choices(self, actor: UserDTO) -> list[Choice]:
        """Categories as a tree."""
        ...

    def products_by_sku(self, actor: UserDTO, skus: list[str]) -> list[Choice]:
        """Products by SKU."""
        ...

    def product_labels(self, actor: UserDTO, ids: tuple[int, ...]) -> list[Choice]:
        """Products by id."""
        ...


def coupons_of(backend: object) -> CouponsPort | None:
    """The backend's coupon services, or None when the composition root has not wired them."""
    return cast("CouponsPort | None", getattr(backend, "coupons", None))
