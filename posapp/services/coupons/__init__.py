"""Coupons: campaigns, codes, their redemption at the till and the effectiveness report.

This is the package's face: other packages import only from here. The edges reach its use cases
through :class:`CouponsApi` (``Backend.coupons``); other service packages call the functions below
inside their own unit of work. Modules inside the package import each other directly, never this
face (so importing the package never runs into itself).
"""

from posapp.services.coupons.api import CouponsApi
from posapp.services.coupons.campaigns import create_campaign, end_due_campaigns, generate_codes
from posapp.services.coupons.codes import MAX_GROUPS, MIN_GROUPS, PREFIX_MAX
from posapp.services.coupons.dto import (
    FIXED,
    KINDS,
    PERCENT,
    SCOPE_CATEGORIES,
    SCOPE_LABELS,
    SCOPE_ORDER,
    SCOPE_PRODUCTS,
    SCOPES,
    CampaignDraft,
    CampaignDTO,
    CampaignRow,
    Choice,
    CodeDTO,
    CodeSheet,
    GenerationResult,
    OperationCancelledError,
    PageCursor,
    RedemptionDTO,
    RedemptionFilter,
    parse_percent_bp,
    percent_text,
    value_text,
)
from posapp.services.coupons.final_report import FinalReport, FinalReportFile
from posapp.services.coupons.queries import code_ids, codes_page
from posapp.services.coupons.redemption import (
    BasketLine,
    CouponQuote,
    CouponRefused,
    code_key,
    quote_coupon,
    redeem_coupon,
    release_redemptions,
)
from posapp.services.coupons.report_data import effectiveness_report
from posapp.services.coupons.report_model import (
    CampaignFact,
    CampaignSection,
    CashierRow,
    DayRow,
    EffectivenessData,
    EffectivenessReport,
    Figures,
    RedemptionFact,
    build_effectiveness,
    day_text,
    rate_text,
    validity_text,
)

__all__ = [
    "FIXED",
    "KINDS",
    "MAX_GROUPS",
    "MIN_GROUPS",
    "PERCENT",
    "PREFIX_MAX",
    "SCOPES",
    "SCOPE_CATEGORIES",
    "SCOPE_LABELS",
    "SCOPE_ORDER",
    "SCOPE_PRODUCTS",
    "BasketLine",
    "CampaignDTO",
    "CampaignDraft",
    "CampaignFact",
    "CampaignRow",
    "CampaignSection",
    "CashierRow",
    "Choice",
    "CodeDTO",
    "CodeSheet",
    "CouponQuote",
    "CouponRefused",
    "CouponsApi",
    "DayRow",
    "EffectivenessData",
    "EffectivenessReport",
    "Figures",
    "FinalReport",
    "FinalReportFile",
    "GenerationResult",
    "OperationCancelledError",
    "PageCursor",
    "RedemptionDTO",
    "RedemptionFact",
    "RedemptionFilter",
    "build_effectiveness",
    "code_ids",
    "code_key",
    "codes_page",
    "create_campaign",
    "day_text",
    "effectiveness_report",
    "end_due_campaigns",
    "generate_codes",
    "parse_percent_bp",
    "percent_text",
    "quote_coupon",
    "rate_text",
    "redeem_coupon",
    "release_redemptions",
    "validity_text",
    "value_text",
]
