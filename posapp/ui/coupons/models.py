"""Table models of the Coupons tab: campaigns, a campaign's codes, the redemption log.

* Campaigns are few: a list of DTOs, sorted and filtered by a proxy.
* Codes may be 100,000 per campaign: the ids come first, rows are fetched a page at a time
  into a cache that a bus event marks stale (Anki's browser pattern, STYLE §5).
* The redemption log only grows: newest first, more rows fetched on scrolling with keyset pages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, tzinfo
from typing import Final, TypeVar

from PySide6.QtCore import QDate, QDateTime, QLocale, QModelIndex, QPersistentModelIndex, QTime
from typing_extensions import override

from posapp.i18n import N_, _, pgettext
from posapp.services.coupons import (
    SCOPE_LABELS,
    CampaignRow,
    CodeDTO,
    CouponsApi,
    PageCursor,
    RedemptionDTO,
    RedemptionFilter,
    rate_text,
)
from posapp.services.platform.dto import UserDTO
from posapp.ui.kit.formatting import count_text, money_text
from posapp.ui.kit.paged_ids import PagedIds
from posapp.ui.kit.qt_compat import emit
from posapp.ui.kit.table_model import RIGHT, Column, ColumnTableModel

T = TypeVar("T")
Index = QModelIndex | QPersistentModelIndex
_ROOT: Final = QModelIndex()
PAGE: Final = 200


def local_text(at: datetime | None, zone: tzinfo, empty: str = "") -> str:
    """A UTC timestamp in the shop's local time, to the minute (the month in the UI's locale)."""
    if at is None:
        return empty
    local = at.astimezone(zone)
    moment = QDateTime(QDate(local.year, local.month, local.day), QTime(local.hour, local.minute))
    return QLocale().toString(moment, "dd MMM yyyy HH:mm")


_WORDS: Final = (
    N_("disabled"),
    N_("scheduled"),
    N_("running"),
    N_("used up"),
    N_("ended"),
    N_("available"),
    N_("Whole order"),
    N_("Chosen products"),
    N_("Chosen categories"),
)
"""The words the coupon DTOs say in English (statuses, scopes): ``_()`` them where shown."""


class _ListModel(ColumnTableModel[T]):
    """Rows of DTOs in a list (a subclass may read them otherwise, see :meth:`item`)."""

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[T] = []

    @override
    def item(self, row: int) -> T | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_at(self, row: int) -> T | None:
        """The DTO of a row (None when out of range or not fetched)."""
        return self.item(row)

    @override
    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)


class CampaignTableModel(_ListModel[CampaignRow]):
    """Every campaign with its live counts (small: fully loaded)."""

    def __init__(self, zone: tzinfo, now: Callable[[], datetime]) -> None:
        super().__init__()
        self._zone = zone
        self._now = now
        self.columns = (
            Column(
                "campaign",
                _("Campaign"),
                lambda r: r.campaign.name,
                lambda r: r.campaign.name.casefold(),
            ),
            Column(
                "offer",
                _("Offer"),
                lambda r: r.campaign.value_text,
                lambda r: (r.campaign.kind, r.campaign.value),
            ),
            Column(
                "applies_to",
                _("Applies to"),
                lambda r: _(SCOPE_LABELS[r.campaign.scope]),
                lambda r: r.campaign.scope,
            ),
            Column(
                "status",
                _("Status"),
                lambda r: _(r.campaign.status(self._now())),
                lambda r: r.campaign.status(self._now()),
            ),
            Column(
                "starts",
                _("Starts"),
                lambda r: local_text(r.campaign.starts_at, zone),
                lambda r: r.campaign.starts_at,
            ),
            Column(
                "ends",
                _("Ends"),
                lambda r: local_text(r.campaign.ends_at, zone, _("no end")),
                lambda r: r.campaign.ends_at.timestamp() if r.campaign.ends_at else float("inf"),
            ),
            Column(
                "issued",
                _("Issued"),
                lambda r: count_text(r.codes_issued),
                lambda r: r.codes_issued,
                RIGHT,
            ),
            Column(
                "redeemed",
                _("Redeemed"),
                lambda r: count_text(r.codes_redeemed),
                lambda r: r.codes_redeemed,
                RIGHT,
            ),
            Column(
                "rate",
                pgettext("coupon", "Rate"),
                lambda r: rate_text(r.rate_bp),
                lambda r: r.rate_bp,
                RIGHT,
            ),
            Column(
                "uses",
                _("Uses"),
                lambda r: count_text(r.redemptions),
                lambda r: r.redemptions,
                RIGHT,
            ),
            Column(
                "discount_given",
                _("Discount given"),
                lambda r: money_text(r.discount_minor),
                lambda r: r.discount_minor,
                RIGHT,
            ),
        )

    def set_rows(self, rows: Sequence[CampaignRow]) -> None:
        """Replace every row."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_of(self, campaign_id: int) -> int:
        """The row showing a campaign, or -1."""
        for number, row in enumerate(self._rows):
            if row.campaign.id == campaign_id:
                return number
        return -1


class CodeTableModel(_ListModel[CodeDTO]):
    """A campaign's codes: ids first, rows a page at a time (``data()`` does one query at most)."""

    def __init__(self, coupons: CouponsApi, user: UserDTO, zone: tzinfo) -> None:
        super().__init__()
        self._codes = PagedIds(
            lambda ids: coupons.codes_page(user, ids), lambda code: code.id, PAGE
        )
        self.columns = (
            Column("code", _("Code"), lambda c: c.code, lambda c: c.code),
            Column("status", _("Status"), lambda c: _(c.status), lambda c: c.status),
            Column(
                "uses",
                _("Uses"),
                lambda c: (
                    _("{used} of {most}").format(used=c.used_count, most=c.max_uses)
                    if c.max_uses
                    else f"{c.used_count}"
                ),
                lambda c: c.used_count,
                RIGHT,
            ),
            Column(
                "discount_given",
                _("Discount given"),
                lambda c: money_text(c.discount_minor),
                lambda c: c.discount_minor,
                RIGHT,
            ),
            Column(
                "last_used",
                _("Last used"),
                lambda c: local_text(c.last_used_at, zone, "—"),
                lambda c: c.last_used_at,
            ),
        )

    def set_ids(self, ids: Sequence[int]) -> None:
        """Show these codes (rows are fetched when first shown)."""
        self.beginResetModel()
        self._codes.set_ids(ids)
        self.endResetModel()

    def mark_stale(self) -> None:
        """Forget fetched rows (after a redemption) and repaint."""
        self._codes.clear()
        if self._codes.ids:
            last = self.index(len(self._codes.ids) - 1, len(self.columns) - 1)
            emit(self.dataChanged, self.index(0, 0), last)

    @override
    def item(self, row: int) -> CodeDTO | None:
        return self._codes.item(row)

    @override
    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._codes.ids)


class RedemptionLogModel(_ListModel[RedemptionDTO]):
    """The redemption log, newest first; more rows are fetched as the view scrolls."""

    def __init__(self, coupons: CouponsApi, user: UserDTO, zone: tzinfo) -> None:
        super().__init__()
        self._coupons = coupons
        self._user = user
        self._filter = RedemptionFilter()
        self._more = False
        self.columns = (
            Column(
                "time",
                _("Time"),
                lambda r: local_text(r.redeemed_at, zone),
                lambda r: r.redeemed_at,
            ),
            Column("code", _("Code"), lambda r: r.code, lambda r: r.code),
            Column("campaign", _("Campaign"), lambda r: r.campaign_name, lambda r: r.campaign_name),
            Column("order", _("Order"), lambda r: r.order_number, lambda r: r.order_id),
            Column(
                "customer",
                _("Customer"),
                lambda r: r.customer_name or "—",
                lambda r: r.customer_name,
            ),
            Column("cashier", _("Cashier"), lambda r: r.cashier_name, lambda r: r.cashier_name),
            Column(
                "discount",
                _("Discount"),
                lambda r: money_text(r.discount_minor),
                lambda r: r.discount_minor,
                RIGHT,
            ),
            Column(
                "status",
                _("Status"),
                lambda r: (
                    _("used")
                    if r.reversed_at is None
                    else _("given back {when}").format(when=local_text(r.reversed_at, zone))
                ),
                lambda r: r.reversed_at is not None,
            ),
        )

    @property
    def filter(self) -> RedemptionFilter:
        """What the log shows."""
        return self._filter

    def set_filter(self, flt: RedemptionFilter) -> None:
        """Show the newest page matching ``flt``."""
        self._filter = flt
        self.reload()

    def reload(self) -> None:
        """Fetch the first page again."""
        rows = self._coupons.redemptions_page(self._user, self._filter, None, PAGE)
        self.beginResetModel()
        self._rows = rows
        self._more = len(rows) == PAGE
        self.endResetModel()

    @override
    def canFetchMore(self, parent: Index = _ROOT) -> bool:
        return not parent.isValid() and self._more

    @override
    def fetchMore(self, parent: Index = _ROOT) -> None:
        if parent.isValid() or not self._more or not self._rows:
            return
        last = self._rows[-1]
        rows = self._coupons.redemptions_page(
            self._user, self._filter, PageCursor(last.redeemed_at, last.id), PAGE
        )
        self._more = len(rows) == PAGE
        if rows:
            first = len(self._rows)
            self.beginInsertRows(_ROOT, first, first + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()
