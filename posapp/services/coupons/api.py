"""The coupon system as one object for the Coupons tab (``backend.coupons``).

Each method is one service call in a fresh unit of work from the :class:`ServiceContext`; DTOs
in, DTOs out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, tzinfo
from typing import TYPE_CHECKING

from posapp.services.coupons import campaigns, exports, generation, queries
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
from posapp.services.coupons.final_report import (
    FinalReport,
    FinalReportFile,
    final_report,
    final_report_file,
)
from posapp.services.coupons.report_data import effectiveness_report
from posapp.services.coupons.report_model import EffectivenessReport
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.progress import Cancelled, Progress, never_cancelled, no_progress
from posapp.services.platform.zone import shop_zone

if TYPE_CHECKING:
    from posapp.services.platform.context import ServiceContext


class CouponsApi:
    """Coupon use cases over one context; every call but :meth:`zone` names the acting user.

    The final report's two calls also take None for the services themselves (the background
    runner writes the report of a campaign that ended).
    """

    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    def zone(self) -> tzinfo:
        """The shop's time zone (to show and enter local times)."""
        with self._context.read_uow() as uow:
            return shop_zone(uow)

    def list_campaigns(self, actor: UserDTO, search: str = "") -> list[CampaignRow]:
        """Campaigns with live counts."""
        return queries.list_campaigns(self._context.read_uow(), actor, search)

    def get_campaign(self, actor: UserDTO, campaign_id: int) -> CampaignDTO:
        """One campaign."""
        return campaigns.get_campaign(self._context.read_uow(), actor, campaign_id)

    def create_campaign(
        self, actor: UserDTO, draft: CampaignDraft, shared_code: str = ""
    ) -> CampaignDTO:
        """Create a campaign (optionally with one shared code)."""
        return campaigns.create_campaign(self._context.uow(), actor, draft, shared_code=shared_code)

    def update_campaign(
        self, actor: UserDTO, campaign_id: int, draft: CampaignDraft
    ) -> CampaignDTO:
        """Change a campaign's rules."""
        return campaigns.update_campaign(self._context.uow(), actor, campaign_id, draft)

    def set_campaign_active(self, actor: UserDTO, campaign_id: int, active: bool) -> CampaignDTO:
        """Disable or enable a campaign at once."""
        return campaigns.set_campaign_active(self._context.uow(), actor, campaign_id, active)

    def set_code_active(self, actor: UserDTO, code_id: int, active: bool) -> CodeDTO:
        """Disable or enable one code at once."""
        return campaigns.set_code_active(self._context.uow(), actor, code_id, active)

    def generate_codes(
        self,
        actor: UserDTO,
        campaign_id: int,
        count: int,
        *,
        prefix: str = "",
        groups: int = 2,
        progress: Progress = no_progress,
        cancelled: Cancelled = never_cancelled,
    ) -> GenerationResult:
        """Generate unique codes, all or nothing (run it off the GUI thread)."""
        return generation.generate_codes(
            self._context.uow(),
            actor,
            campaign_id,
            count,
            prefix=prefix,
            groups=groups,
            progress=progress,
            cancelled=cancelled,
        )

    def code_ids(self, actor: UserDTO, campaign_id: int, search: str = "") -> list[int]:
        """The ids of a campaign's codes."""
        return queries.code_ids(self._context.read_uow(), actor, campaign_id, search)

    def codes_page(self, actor: UserDTO, ids: Sequence[int]) -> list[CodeDTO]:
        """Codes by id, with their uses."""
        return queries.codes_page(self._context.read_uow(), actor, ids)

    def redemptions_page(
        self,
        actor: UserDTO,
        flt: RedemptionFilter,
        after: PageCursor | None = None,
        limit: int = queries.PAGE_SIZE,
    ) -> list[RedemptionDTO]:
        """One page of the redemption log."""
        return queries.redemptions_page(self._context.read_uow(), actor, flt, after, limit)

    def redemption_cashiers(self, actor: UserDTO) -> list[Choice]:
        """Staff who have redeemed codes."""
        return queries.redemption_cashiers(self._context.read_uow(), actor)

    def export_codes_csv(self, actor: UserDTO, campaign_id: int) -> str:
        """A campaign's codes as CSV text."""
        return exports.export_codes_csv(self._context.read_uow(), actor, campaign_id)

    def code_sheet(self, actor: UserDTO, campaign_id: int) -> CodeSheet:
        """What the printable code sheet shows."""
        return exports.code_sheet(self._context.read_uow(), actor, campaign_id)

    def effectiveness_report(
        self,
        actor: UserDTO,
        from_day: date,
        to_day: date,
        *,
        campaign_ids: Sequence[int] | None = None,
        progress: Progress = no_progress,
        cancelled: Cancelled = never_cancelled,
    ) -> EffectivenessReport:
        """The effectiveness report model for local days ``from_day``…``to_day``."""
        return effectiveness_report(
            self._context.read_uow(),
            actor,
            from_day,
            to_day,
            campaign_ids=campaign_ids,
            progress=progress,
            cancelled=cancelled,
        )

    def final_report_file(self, actor: UserDTO | None, campaign_id: int) -> FinalReportFile:
        """What a campaign's final report covers and the file it is kept in (reads little)."""
        return final_report_file(self._context.read_uow(), actor, campaign_id)

    def final_report(self, actor: UserDTO | None, campaign_id: int) -> FinalReport:
        """A campaign's final report: the effectiveness report over its whole run, and its file."""
        return final_report(self._context.read_uow(), actor, campaign_id)

    def category_choices(self, actor: UserDTO) -> list[Choice]:
        """Categories as a tree, for the campaign form."""
        return exports.category_choices(self._context.read_uow(), actor)

    def products_by_sku(self, actor: UserDTO, skus: list[str]) -> list[Choice]:
        """Products by SKU, for the campaign form."""
        return exports.products_by_sku(self._context.read_uow(), actor, skus)

    def product_labels(self, actor: UserDTO, ids: tuple[int, ...]) -> list[Choice]:
        """Products by id, labelled with SKU and name."""
        return exports.product_labels(self._context.read_uow(), actor, ids)
