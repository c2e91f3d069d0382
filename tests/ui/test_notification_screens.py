"""The notification centre and the rules dialog on a real SQLite backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from posapp.events import UserChanged
from posapp.models.base import utcnow
from posapp.services.notifications.dto import TRIGGERS, NotificationDTO
from posapp.services.platform.db import Database
from posapp.ui.kit.bus import EventBus
from posapp.ui.notifications.centre import (
    NotificationCentre,
    NotificationListModel,
    NotificationRole,
    when_text,
)
from posapp.ui.notifications.rules_dialog import NotificationRulesDialog, RulesTableModel
from tests.ui.notification_ui_support import Shop, open_shop

pytestmark = pytest.mark.ui


@pytest.fixture
def shop(sqlite_database: Database, bus: EventBus, tmp_path: Path) -> Iterator[Shop]:
    yield from open_shop(sqlite_database, bus, tmp_path)


def notify_admin(shop: Shop, count: int, change: str = "edited") -> None:
    now = utcnow()
    for i in range(count):
        shop.chain(UserChanged(shop.staff["cashier"].id, "<b>cashier1</b>", f"{change} {i}", now))
    assert shop.runner.wait_idle()


def make_centre(qtbot: QtBot, shop: Shop, bus: EventBus) -> NotificationCentre:
    centre = NotificationCentre(shop.backend.notifications, bus, shop.staff["admin"])
    qtbot.add_widget(centre)
    centre.show()
    centre.activateWindow()
    qtbot.wait_until(centre.isActiveWindow)
    return centre


# ---- the centre ------------------------------------------------------------------------------


def test_the_list_model_passes_the_model_tester(qtbot: QtBot, qtmodeltester, shop: Shop) -> None:
    notify_admin(shop, 5)
    model = NotificationListModel(shop.backend.notifications, shop.staff["admin"])
    model.reload()
    qtmodeltester.check(model)
    assert model.rowCount() == 8  # 5 + the three staff being added
    note = model.data(model.index(0), NotificationRole)
    assert isinstance(note, NotificationDTO)
    assert model.data(model.index(0)) == "Staff: <b>cashier1</b> edited 4"  # literal, not HTML
    assert model.rowCount(model.index(0)) == 0


def test_pages_are_fetched_as_the_list_scrolls(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    notify_admin(shop, 250)
    from posapp.ui.notifications import centre as notification_centre

    monkeypatch.setattr(notification_centre, "PAGE_SIZE", 100)
    model = NotificationListModel(shop.backend.notifications, shop.staff["admin"])
    model.reload()
    assert model.rowCount() == 100
    assert model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 253
    assert not model.canFetchMore(QModelIndex())
    ids = [model.notification(row).id for row in range(model.rowCount())]
    assert ids == sorted(ids, reverse=True)


def test_filters_mark_read_unread_and_all(qtbot: QtBot, shop: Shop, bus: EventBus) -> None:
    notify_admin(shop, 4)
    centre = make_centre(qtbot, shop, bus)
    assert centre.unread == 7
    assert centre.header.subtitle_label.text() == "7 unread"
    assert not centre.read_button.isEnabled()
    centre.view.setCurrentIndex(centre.model.index(0))
    assert centre.read_button.isEnabled()
    with qtbot.wait_signal(centre.unread_changed) as blocker:
        QTest.keyClick(centre, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert blocker.args == [6]
    assert not centre.model.notification(0).unread
    QTest.keyClick(centre, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)
    assert centre.unread == 7
    centre.unread_only.setChecked(True)
    assert centre.model.rowCount() == 7
    kind = centre.kind_combo.findData("stock_low")
    centre.kind_combo.setCurrentIndex(kind)
    assert centre.model.rowCount() == 0
    assert centre.stack.currentWidget() is centre.empty
    centre.kind_combo.setCurrentIndex(0)
    with qtbot.wait_signal(centre.unread_changed) as blocker:
        QTest.keyClick(
            centre,
            Qt.Key.Key_R,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
    assert blocker.args == [0]
    assert centre.model.rowCount() == 0  # unread only: nothing left
    assert shop.backend.notifications.unread_count(shop.staff["admin"]) == 0


def test_new_notifications_appear_in_an_open_centre(
    qtbot: QtBot, shop: Shop, bus: EventBus
) -> None:
    centre = make_centre(qtbot, shop, bus)
    before = centre.model.rowCount()
    notify_admin(shop, 30)
    qtbot.wait_until(lambda: centre.model.rowCount() == before + 30, timeout=5_000)
    assert centre.unread == before + 30


def test_opening_a_notification_asks_for_its_object(
    qtbot: QtBot, shop: Shop, bus: EventBus
) -> None:
    notify_admin(shop, 1)
    centre = make_centre(qtbot, shop, bus)
    first = centre.model.notification(0)
    with qtbot.wait_signal(centre.open_requested) as blocker:
        centre.view.activated.emit(centre.model.index(0))
    assert blocker.args == ["user", first.link_id]
    assert not centre.model.notification(0).unread


def test_when_text() -> None:
    from datetime import timedelta

    now = utcnow()
    assert when_text(now, now) == "just now"
    assert when_text(now - timedelta(minutes=5), now) == "5 min ago"
    assert when_text(now - timedelta(hours=3), now) == "3 h ago"
    assert when_text(now - timedelta(days=400), now).endswith(
        str((now - timedelta(days=400)).astimezone().year)
    )


# ---- the rules dialog ------------------------------------------------------------------------


def test_the_rules_model_passes_the_model_tester(qtmodeltester) -> None:
    from posapp.services.notifications.dto import default_rules

    model = RulesTableModel(default_rules())
    qtmodeltester.check(model)
    assert model.rowCount() == len(TRIGGERS)
    cashiers = model.index(0, 4)
    assert model.data(cashiers, Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Unchecked
    assert model.setData(cashiers, Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    assert model.rule(0).roles == ("admin", "manager", "cashier")
    assert not model.setData(model.index(0, 0), "x", Qt.ItemDataRole.EditRole)


def test_an_admin_edits_and_saves_the_rules(qtbot: QtBot, shop: Shop) -> None:
    api = shop.backend.notifications
    dialog = NotificationRulesDialog(api, shop.staff["admin"])
    qtbot.add_widget(dialog)
    dialog.show()
    model = dialog.model
    row = [t.key for t in TRIGGERS].index("account_large_movement")
    dialog.table.selectRow(row)
    assert dialog.threshold_edit.isEnabled()
    assert dialog.threshold_edit.text() == "500.00"
    dialog.threshold_edit.setText("-5")
    dialog.threshold_edit.editingFinished.emit()
    assert dialog.error_label.isVisible()
    dialog.save_button.click()
    assert dialog.isVisible()  # not saved with an error showing
    dialog.threshold_edit.setText("1,250.50")
    dialog.threshold_edit.editingFinished.emit()
    assert not dialog.error_label.isVisible()
    manager_item = next(
        dialog.users_list.item(i)
        for i in range(dialog.users_list.count())
        if dialog.users_list.item(i).data(Qt.ItemDataRole.UserRole) == shop.staff["cashier"].id
    )
    manager_item.setCheckState(Qt.CheckState.Checked)
    model.setData(model.index(0, 1), Qt.CheckState.Unchecked.value, Qt.ItemDataRole.CheckStateRole)
    with qtbot.wait_signal(dialog.accepted):
        dialog.save_button.click()
    rules = {r.trigger: r for r in api.get_rules(shop.staff["admin"])}
    assert rules["account_large_movement"].threshold == 125_050
    assert rules["account_large_movement"].user_ids == (shop.staff["cashier"].id,)
    assert rules["stock_low"].enabled is False


def test_a_manager_sees_why_the_rules_are_closed(qtbot: QtBot, shop: Shop) -> None:
    dialog = NotificationRulesDialog(shop.backend.notifications, shop.staff["manager"])
    qtbot.add_widget(dialog)
    assert "not allowed" in dialog.error_label.text()
    assert not dialog.save_button.isEnabled()
