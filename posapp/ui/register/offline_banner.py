"""The status bar's word on the register's server: offline, syncing, or nothing at all (#21).

:class:`OfflineBanner` listens to the register's offline-capable sales facade
(:class:`~posapp.services.sales.OfflineSales`), whose link changes on the background runner's
threads; a queued signal brings each change to the GUI thread. It shows

- "Offline — 3 sales waiting to sync" in amber while the server is gone,
- "Syncing 3/12…" while the journal replays,
- nothing once the register is back online with nothing left to sync.

Nothing polls and nothing grows: one label, one listener, removed when the label goes.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QLabel, QWidget

from posapp.i18n import _, ngettext
from posapp.services.sales import LinkState, LinkStatus, OfflineSales
from posapp.ui.kit.qt_compat import emit
from posapp.ui.kit.widgets import SPACING

__all__ = ["OfflineBanner", "banner_text"]


def banner_text(status: LinkStatus) -> str:
    """What the banner says for ``status`` ("" when there is nothing to say)."""
    if status.state is LinkState.SYNCING:
        if status.total:
            return _("Syncing {done}/{total}…").format(done=status.done, total=status.total)
        return _("Syncing…")
    if status.state is LinkState.OFFLINE:
        return ngettext(
            "Offline — {n} sale waiting to sync",
            "Offline — {n} sales waiting to sync",
            status.unsynced,
        ).format(n=status.unsynced)
    if status.unsynced:
        return ngettext(
            "{n} sale not synced: the server refused it",
            "{n} sales not synced: the server refused them",
            status.unsynced,
        ).format(n=status.unsynced)
    return ""


class _Bridge(QObject):
    """Carries a link change from the runner's thread to the GUI thread (a queued signal).

    Signals:
        changed(object): a ``LinkStatus``.
    """

    changed = Signal(object)

    def send(self, status: LinkStatus) -> None:
        emit(self.changed, status)


def follow_link(widget: QWidget, sales: OfflineSales, slot: Callable[[LinkStatus], None]) -> None:
    """Call ``slot`` on the GUI thread with each change of ``sales``' link, while ``widget`` lives.

    Nothing polls; the listener goes with the widget (the facade outlives every window).
    """
    bridge = _Bridge(widget)
    bridge.changed.connect(slot, Qt.ConnectionType.QueuedConnection)
    listener: Callable[[LinkStatus], None] = bridge.send
    sales.subscribe(listener)
    widget.destroyed.connect(lambda _obj=None: sales.unsubscribe(listener))


class OfflineBanner(QLabel):
    """The status bar's offline banner (see the module's text).

    Signals:
        shown(str): the text now shown ("" when hidden), after each change (for tests).
    """

    shown = Signal(str)

    def __init__(self, sales: OfflineSales, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("offlineBanner")
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setContentsMargins(SPACING, 2, SPACING, 2)
        font = self.font()
        font.setBold(True)
        self.setFont(font)
        follow_link(self, sales, self._on_bridge_changed)
        self.show_status(sales.status)

    def show_status(self, status: LinkStatus) -> None:
        """Show what ``status`` means (hidden when all is well)."""
        text = banner_text(status)
        state = status.state.value
        if status.state is LinkState.ONLINE and text:
            state = LinkState.OFFLINE.value  # refused sales: amber too, a person must look
        self.setProperty("state", state)
        self.style().unpolish(self)  # the stylesheet's colours and padding follow the state
        self.style().polish(self)
        self.setText(text)
        self.setAccessibleName(text)
        self.setVisible(bool(text))
        self.updateGeometry()
        emit(self.shown, text)

    @Slot(object)
    def _on_bridge_changed(self, status: LinkStatus) -> None:
        self.show_status(status)
