"""The login window's word that the server is gone and sign-in goes against the register (#21).

:class:`OfflineSignInHint` shows, while the register's link to its server is offline, that
signing in still works (checked against this register's copy of the staff) and that only the
register sells until the server is back. It listens to the offline-capable sales facade as the
status bar's :class:`~posapp.ui.register.offline_banner.OfflineBanner` does: a queued signal
brings each change of the link to the GUI thread; nothing polls, and the listener goes with the
label.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QLabel, QWidget

from posapp.i18n import N_, _
from posapp.services.sales import LinkStatus, OfflineSales
from posapp.ui.kit.qt_compat import emit
from posapp.ui.register.offline_banner import follow_link

__all__ = ["OFFLINE_SIGN_IN", "OfflineSignInHint"]

OFFLINE_SIGN_IN = N_(
    "Offline: the server does not answer. Sign in as usual with your password or PIN; "
    "until the server is back, only the register sells (cash and card)."
)


class OfflineSignInHint(QLabel):
    """Shown while the register is offline (see the module's text).

    Signals:
        shown(bool): whether the hint shows now, after each change (for tests).
    """

    shown = Signal(bool)

    def __init__(self, sales: OfflineSales, parent: QWidget | None = None) -> None:
        super().__init__(_(OFFLINE_SIGN_IN), parent)
        self.setObjectName("offlineSignInHint")
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        self.setAccessibleName(_("Offline sign-in"))
        self._sales = sales
        follow_link(self, sales, self._on_bridge_changed)
        self.setVisible(not sales.online)

    @Slot(object)
    def _on_bridge_changed(self, _status: LinkStatus) -> None:
        offline = not self._sales.online
        self.setVisible(offline)
        emit(self.shown, offline)
