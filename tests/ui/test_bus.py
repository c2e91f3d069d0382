"""The Qt event bus: one signal per event type, hold/flush, and publishing from threads."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QObject, Signal, SignalInstance, Slot
from pytestqt.qtbot import QtBot

from posapp.events import ALL_EVENT_TYPES, DomainEvent, OrderPlaced, Publisher, StockLow
from posapp.services.backend import Backend
from posapp.services.platform.dto import UserDTO
from posapp.ui.kit.bus import SIGNAL_NAMES, EventBus
from tests.ui.helpers import NOW, sample_event
from tests.ui.seed import PASSWORD

pytestmark = pytest.mark.ui


class Recorder(QObject):
    """Records what it receives and in which thread (a QObject, so queued calls reach it)."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[DomainEvent] = []
        self.threads: list[int] = []

    @Slot(object)
    def record(self, event: DomainEvent) -> None:
        self.events.append(event)
        self.threads.append(threading.get_ident())


def _signal(bus: EventBus, event_type: type[DomainEvent]) -> SignalInstance:
    signal = getattr(bus, SIGNAL_NAMES[event_type])
    assert isinstance(signal, SignalInstance)
    return signal


def test_every_event_type_has_its_own_signal() -> None:
    assert set(SIGNAL_NAMES) == set(ALL_EVENT_TYPES)
    assert len(set(SIGNAL_NAMES.values())) == len(ALL_EVENT_TYPES)
    for name in SIGNAL_NAMES.values():
        assert isinstance(getattr(EventBus, name), Signal)
    assert isinstance(EventBus.any_event, Signal)


@pytest.mark.parametrize("event_type", ALL_EVENT_TYPES, ids=lambda t: t.__name__)
def test_publish_emits_the_event_on_its_signal_then_any_event(
    qtbot: QtBot, bus: EventBus, event_type: type[DomainEvent]
) -> None:
    event = sample_event(event_type)
    others = Recorder()
    for other_type in ALL_EVENT_TYPES:
        if other_type is not event_type:
            _signal(bus, other_type).connect(others.record)
    with (
        qtbot.wait_signal(_signal(bus, event_type)) as own,
        qtbot.wait_signal(bus.any_event) as any_event,
    ):
        bus.publish(event)
    assert own.args == [event]
    assert any_event.args == [event]
    assert others.events == []


def test_publish_refuses_what_is_not_a_domain_event(qtbot: QtBot, bus: EventBus) -> None:
    with qtbot.assert_not_emitted(bus.any_event), pytest.raises(TypeError, match="str"):
        bus.publish("order placed")  # type: ignore[arg-type]


def test_bus_is_a_publisher(qtbot: QtBot, bus: EventBus) -> None:
    publisher: Publisher = bus
    event = OrderPlaced(1, "A-1", 1, 500, NOW)
    with qtbot.wait_signal(bus.order_placed) as blocker:
        publisher(event)
    assert blocker.args == [event]


def test_services_publish_through_the_bus_after_commit(
    qtbot: QtBot, bus: EventBus, ui_backend: Backend, staff: dict[str, UserDTO]
) -> None:
    with qtbot.wait_signal(bus.user_logged_in) as blocker:
        ui_backend.staff.login("admin1", PASSWORD)
    assert blocker.args is not None
    assert blocker.args[0].username == "admin1"


def test_hold_queues_events_until_flush_then_emits_them_in_order(
    qtbot: QtBot, bus: EventBus
) -> None:
    first, second = OrderPlaced(1, "A-1", 1, 500, NOW), StockLow(1, 2, 3, 5, NOW)
    recorder = Recorder()
    bus.any_event.connect(recorder.record)
    bus.hold()
    bus.hold()  # holding twice is harmless
    assert bus.is_held()
    with qtbot.assert_not_emitted(bus.any_event):
        bus.publish(first)
        bus.publish(second)
    with qtbot.wait_signal(bus.stock_low):
        bus.flush()
    assert recorder.events == [first, second]
    assert not bus.is_held()
    bus.flush()  # nothing left: a no-op
    assert recorder.events == [first, second]


def test_publishing_from_a_worker_thread_reaches_slots_in_the_gui_thread(
    qtbot: QtBot, bus: EventBus
) -> None:
    recorder = Recorder()
    bus.order_placed.connect(recorder.record)
    event = OrderPlaced(1, "A-1", 1, 500, NOW)
    worker = threading.Thread(target=bus.publish, args=(event,))
    worker.start()
    worker.join()
    qtbot.wait_until(lambda: recorder.events == [event])
    assert recorder.threads == [threading.main_thread().ident]
