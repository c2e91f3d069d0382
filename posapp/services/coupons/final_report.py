"""A campaign's final report: the run it covers, the file it is kept in, and its figures.

When a campaign ends, the composition root (:class:`posapp.app_services.FinalReports`) fetches
:func:`final_report` through ``backend.coupons``, has :mod:`posapp.reports` draw it and writes
the file into the reports folder; a notification links to it. Opening that link on another
register asks :func:`final_report_file` first (is the user allowed, what is the file called) and
fetches the figures only when that register has no copy yet. What the file is called is decided
here, once, for both.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from posapp.i18n import _
from posapp.models import CouponCampaign
from posapp.services.coupons.report_data import effectiveness_report
from posapp.services.coupons.report_model import EffectivenessReport
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import NotFoundError
from posapp.services.platform.uow import UnitOfWork
from posapp.services.platform.zone import shop_zone
from posapp.services.staff import ACTIONS, Permission, authorize

_NAME_MAX = 60


def safe_file_name(name: str) -> str:
    """A file-name-safe form of a campaign name (ASCII letters, digits and dashes)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_name).strip("-").lower()
    return slug[:_NAME_MAX] or "campaign"


@dataclass(frozen=True, slots=True)
class FinalReportFile:
    """What a campaign's final report covers and the file it is kept in.

    Attributes:
        campaign_id: The campaign.
        campaign_name: Its name when the report was asked for.
        first_day: The local day it started.
        last_day: The local day it ended (its end date, when it was used up, or today).
    """

    campaign_id: int
    campaign_name: str
    first_day: date
    last_day: date

    @property
    def title(self) -> str:
        """The report's title: ``Final report: <campaign name>``."""
        return _("Final report: {campaign}").format(campaign=self.campaign_name)

    @property
    def file_name(self) -> str:
        """``coupon-campaign-<id>-<name>.pdf``: a later report of the campaign replaces it."""
        return f"coupon-campaign-{self.campaign_id}-{safe_file_name(self.campaign_name)}.pdf"

    @property
    def pattern(self) -> str:
        """The glob every final report file of the campaign matches, whatever it was named."""
        return f"coupon-campaign-{int(self.campaign_id)}-*.pdf"


@dataclass(frozen=True, slots=True)
class FinalReport:
    """A campaign's final report: its file and the effectiveness report over its whole run."""

    file: FinalReportFile
    report: EffectivenessReport


def final_report_file(uow: UnitOfWork, actor: UserDTO | None, campaign_id: int) -> FinalReportFile:
    """A campaign's name and its whole run as local days (start → end or end of use).

    Args:
        uow: A unit of work (it only reads).
        actor: Who asks; None for the services themselves (the runner's report lane).
        campaign_id: The campaign.

    Raises:
        SessionEndedError: the actor's account was deactivated.
        PermissionDeniedError: the actor may not see coupons.
        NotFoundError: no such campaign.
    """
    with uow:
        if actor is not None:
            authorize(uow, actor, Permission.VIEW_COUPONS)
        campaign = uow.session.get(CouponCampaign, campaign_id)
        if campaign is None:
            raise NotFoundError(
                _("No coupon campaign with id {campaign_id}.").format(campaign_id=campaign_id)
            )
        zone = shop_zone(uow)
        last = campaign.ended_at or campaign.ends_at or uow.now()
        if campaign.ends_at is not None:
            last = min(last, campaign.ends_at - timedelta(microseconds=1))
        first_day = campaign.starts_at.astimezone(zone).date()
        last_day = max(first_day, last.astimezone(zone).date())
        return FinalReportFile(campaign.id, campaign.name, first_day, last_day)


def final_report(uow: UnitOfWork, actor: UserDTO | None, campaign_id: int) -> FinalReport:
    """A campaign's effectiveness report over its whole run, and the file it goes to.

    It takes and raises what :func:`final_report_file` does, and reads in two transactions
    with the same ``uow``, one after the other.
    """
    file = final_report_file(uow, actor, campaign_id)
    report = effectiveness_report(
        uow,
        None,  # authorized just above
        file.first_day,
        file.last_day,
        campaign_ids=[campaign_id],
        title=file.title,
    )
    return FinalReport(file, report)


for _name in ("final_report_file", "final_report"):
    ACTIONS[f"coupons.final_report.{_name}"] = Permission.VIEW_COUPONS
