"""Date-time fields in the shop's time zone, whatever the PC's zone: instants in, instants out.

Stored times are UTC instants; a person reads and types them as the shop's wall time. A plain
``QDateTimeEdit`` works in the PC's zone, so a PC set to another zone showed (and saved back)
other wall times, and a wall time that repeats when the clocks go back (02:30 on the last Sunday
of October in Berlin) was always read as its first occurrence. :class:`ZonedDateTimeEdit` runs
in the shop's zone (Qt's own time-zone support, ``QDateTimeEdit.setTimeZone``), takes and gives
aware ``datetime`` values, and gives back exactly the instant it was given while the person has
not changed it: the second 02:30 stays the second, and seconds are kept.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

from PySide6.QtCore import QDate, QDateTime, QTimeZone, Slot
from PySide6.QtWidgets import QDateTimeEdit, QWidget

_LOCAL_FILE_KEY = "localtime"
"""The key ``platform.zone.machine_zone`` gives the zone it read from /etc/localtime."""


def qt_time_zone(zone: tzinfo) -> QTimeZone:
    """The ``QTimeZone`` for a Python zone: by IANA name, the system's, or a fixed offset."""
    key = getattr(zone, "key", None)
    if isinstance(key, str) and key and key != _LOCAL_FILE_KEY:
        named = QTimeZone(key.encode())
        if named.isValid():
            return named
    if key == _LOCAL_FILE_KEY:
        return QTimeZone.systemTimeZone()
    offset = datetime.now(UTC).astimezone(zone).utcoffset() or timedelta(0)
    return QTimeZone(int(offset.total_seconds()))


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def to_qt(at: datetime, zone: QTimeZone) -> QDateTime:
    """An aware datetime as the same instant in ``zone``, cut to the millisecond.

    Never rounded up: 01:59:59.9999 must not show as 02:00 (across a clock change, 03:00).
    """
    return QDateTime.fromMSecsSinceEpoch((at - _EPOCH) // _MS, zone)


def from_qt(value: QDateTime) -> datetime:
    """The instant of a ``QDateTime`` as an aware UTC datetime."""
    return _EPOCH + value.toMSecsSinceEpoch() * _MS


class ZonedDateTimeEdit(QDateTimeEdit):
    """A date-time field showing and taking the wall time of ``zone``.

    :meth:`set_instant` fills it; :meth:`instant` reads it: the very ``datetime`` last set while
    the field still shows it, else the shown wall time read in ``zone`` to the minute (what a
    person types).
    """

    def __init__(self, zone: tzinfo, at: datetime, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._qt_zone = qt_time_zone(zone)
        self.setTimeZone(self._qt_zone)
        self._given: tuple[QDateTime, datetime] | None = None
        self.dateTimeChanged.connect(self._on_date_time_changed)
        self.set_instant(at)

    @property
    def zone_name(self) -> str:
        """The zone's IANA name (``Europe/Berlin``), or its offset when it has none."""
        return bytes(self._qt_zone.id().data()).decode()

    def set_instant(self, at: datetime) -> None:
        """Show the instant ``at`` as the zone's wall time."""
        self.setDateTime(to_qt(at, self._qt_zone))
        self._given = (self.dateTime(), at)
        self._on_date_time_changed()  # Qt is silent when only the occurrence of 02:30 changes

    @Slot()
    def _on_date_time_changed(self) -> None:
        # The repeated autumn hour shows twice the same wall time: the abbreviation and offset
        # (CEST, UTC+02:00 then CET, UTC+01:00) tell which one the field holds.
        shown = self.dateTime()
        offset = shown.offsetFromUtc()
        sign = "+" if offset >= 0 else "-"
        hours, minutes = divmod(abs(offset) // 60, 60)
        utc = f"UTC{sign}{hours:02d}:{minutes:02d}"
        text = f"{self.zone_name}: {shown.timeZoneAbbreviation()}, {utc}"
        self.setToolTip(text)
        self.setAccessibleDescription(text)

    def instant(self) -> datetime:
        """The instant the field holds (aware, UTC unless it is the one given)."""
        shown = self.dateTime()
        if self._given is not None and shown == self._given[0]:
            return self._given[1]
        return from_qt(shown).replace(second=0, microsecond=0)


def today_in(zone: tzinfo) -> QDate:
    """Today's date in ``zone`` (the shop's: its days are what date filters mean), not the PC's."""
    today = datetime.now(zone).date()
    return QDate(today.year, today.month, today.day)
