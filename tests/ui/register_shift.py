"""A cashier's shift on the real main window, by keyboard: the driver of the register soak.

One log-in (the login dialog, typed credentials), the real :class:`MainWindow`, Ctrl+3 to the
Orders tab, then sale after sale: 3–6 scans paid in exact cash (F12, Enter, Enter), with the
product search (F2), the coupon dialog (F8), park and resume (F9, F10), the customer picker (F4)
and a return (Alt+O, Ctrl+F, the order number, Ctrl+R, Up, Enter, Alt+R) mixed in. After each sale
it notes what is alive (top-level widgets, widgets, QObjects), the RSS, and how long F12 took to
paint the payment dialog, in wall-clock time and in the GUI thread's CPU time, with a small CPU
probe timed just before it (how busy the machine was then).

Used by tests/reliability/test_register_soak.py (the assertions) and benchmarks/bench_soak.py
(the figures). Keys go to the focused widget, as a keyboard's do.
"""

from __future__ import annotations

import dataclasses
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from posapp.services.backend import Backend
from posapp.ui.kit.bus import EventBus
from posapp.ui.login_dialog import LoginDialog
from posapp.ui.main_window import MainWindow
from posapp.ui.orders.return_dialog import ReturnDialog
from posapp.ui.orders.tab import OrdersTab
from posapp.ui.register.dialogs import CouponDialog
from posapp.ui.register.payment import PaymentDialog
from posapp.ui.register.pickers import CustomerPicker, ParkedPicker, PickerDialog
from posapp.ui.register.view import RegisterView
from tests.checkout_seed import (
    CASHIER_PIN,
    ITEMS,
    add_coupon,
    add_customer,
    open_shop_till,
    seed_shop,
)
from tests.ui.lifetime_support import (
    Census,
    answering,
    census,
    keys_in_dialog,
    press,
    rss_bytes,
    spin_until,
    type_text,
)

Key = Qt.Key
ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier

# Every how many sales each extra happens (offset by a few so that they fall on different sales).
SEARCH_EVERY, COUPON_EVERY, PARK_EVERY, CUSTOMER_EVERY, RETURN_EVERY = 10, 25, 50, 100, 200
WARMUP = 6
"""Sales 0-5 do each extra once (search, coupon, park, customer, return) before counting."""
PROBE_LOOPS = 20_000
STOCK = 10_000_000


@dataclass(frozen=True, slots=True)
class ShiftSetup:
    """What the shift needs of the shop: a cashier's log-in and things to type."""

    username: str
    password: str
    codes: tuple[str, ...]
    """Barcodes of products in stock (plenty of it)."""
    search_text: str
    """Typed into the product search (F2); its first result is taken."""
    coupon: str
    customer_text: str
    """Typed into the customer picker (F4); its first result is attached."""


@dataclass(frozen=True, slots=True)
class SaleSample:
    """One sale: what F12 took, the probe next to it, and what was alive afterwards."""

    sale: int
    f12_ms: float
    """Wall-clock ms from F12 to the payment dialog's first paint."""
    f12_cpu_ms: float
    """The GUI thread's CPU ms over the same span (another process's load barely moves it)."""
    probe_ms: float
    alive: Census
    rss: int


@dataclass
class Shift:
    """The running shift (see the module's docstring)."""

    backend: Backend
    bus: EventBus
    setup: ShiftSetup
    seed: int = 17
    samples: list[SaleSample] = field(default_factory=list)
    extras: dict[str, int] = field(default_factory=dict)
    window: MainWindow | None = None
    _last_number: str = ""

    # --- the start of the shift -------------------------------------------------------------

    def log_in(self) -> None:
        """Log in through the login dialog, show the main window, Ctrl+3 to the register."""
        dialog = LoginDialog(self.backend)
        dialog.show()
        dialog.activateWindow()
        spin_until(lambda: dialog.isActiveWindow() and dialog.focusWidget() is not None)
        type_text(self.setup.username)
        press(Key.Key_Tab)
        type_text(self.setup.password)
        press(Key.Key_Return)
        spin_until(lambda: dialog.user is not None and not dialog.isVisible())
        user = dialog.user
        assert user is not None
        dialog.deleteLater()
        window = MainWindow(self.backend, self.bus, user, lazy_tabs=True)
        self.window = window
        window.show()
        window.activateWindow()
        spin_until(window.isActiveWindow)
        orders = window.tab_titles().index("Orders") + 1
        press(Key(Key.Key_0 + orders), CTRL)
        register = self.register
        spin_until(register.isVisible)
        spin_until(register.scan_edit.hasFocus)  # Ctrl+3 focuses the scan field (#17)

    @property
    def register(self) -> RegisterView:
        """The register of the Orders tab."""
        assert self.window is not None
        orders = self.window.findChild(OrdersTab)
        assert orders is not None
        assert orders.register is not None
        return orders.register

    def close(self) -> None:
        """Close the main window (the end of the shift)."""
        if self.window is not None:
            self.window.close()
            self.window.deleteLater()
            self.window = None

    # --- one sale ---------------------------------------------------------------------------

    def sale(self, index: int) -> SaleSample:
        """Ring up sale ``index`` by keyboard, with its extras; note what is alive after it."""
        rng = random.Random(self.seed * 1_000_003 + index)
        register = self.register
        codes = [rng.choice(self.setup.codes) for _ in range(rng.randint(3, 6))]
        for n, code in enumerate(codes):
            if n == 1 and self._due(index, SEARCH_EVERY, 3, 0):
                self._search()
            else:
                self._scan(code)
        if self._due(index, CUSTOMER_EVERY, 19, 3):
            self._customer()
        if self._due(index, COUPON_EVERY, 7, 1):
            self._coupon()
        if self._due(index, PARK_EVERY, 11, 2):
            self._park_and_resume()
        units = sum(line.quantity for line in register.cart.lines)
        assert units == len(codes), f"sale {index}: {units} units for {len(codes)} scans"
        f12_ms, f12_cpu_ms, probe_ms = self._pay()
        if self._due(index, RETURN_EVERY, 37, 4):
            self._return_last()
        sample = SaleSample(index, f12_ms, f12_cpu_ms, probe_ms, census(), rss_bytes())
        self.samples.append(sample)
        return sample

    @staticmethod
    def _due(index: int, every: int, offset: int, warmup_at: int) -> bool:
        return index == warmup_at or (index >= WARMUP and index % every == offset)

    def _count(self, extra: str) -> None:
        self.extras[extra] = self.extras.get(extra, 0) + 1

    def _scan(self, code: str) -> None:
        before = len(self.register.cart.lines)
        type_text(code)
        press(Key.Key_Return)
        after = self.register.cart
        assert len(after.lines) >= before, "a scan lost a line"
        assert after.lines, f"the scan of {code} added nothing"

    def _search(self) -> None:
        before = sum(line.quantity for line in self.register.cart.lines)
        with answering(keys_in_dialog(self.setup.search_text, Key.Key_Return), PickerDialog):
            press(Key.Key_F2)
        self._back_on_register()
        assert sum(line.quantity for line in self.register.cart.lines) == before + 1
        self._count("search (F2)")

    def _customer(self) -> None:
        with answering(keys_in_dialog(self.setup.customer_text, Key.Key_Return), CustomerPicker):
            press(Key.Key_F4)
        self._back_on_register()
        assert self.register.cart.customer is not None, "no customer attached"
        self._count("customer (F4)")

    def _coupon(self) -> None:
        act = keys_in_dialog(self.setup.coupon, Key.Key_Return, Key.Key_Return)  # empty: close
        with answering(act, CouponDialog):
            press(Key.Key_F8)
        self._back_on_register()
        assert self.register.cart.coupons, "the coupon was not applied"
        self._count("coupon (F8)")

    def _park_and_resume(self) -> None:
        lines = len(self.register.cart.lines)
        press(Key.Key_F9)
        assert self.register.cart.empty, "F9 did not park the sale"
        with answering(keys_in_dialog(Key.Key_Return), ParkedPicker):
            press(Key.Key_F10)
        self._back_on_register()
        assert len(self.register.cart.lines) == lines, "the resumed sale lost lines"
        self._count("park (F9) and resume (F10)")

    def _pay(self) -> tuple[float, float, float]:
        """F12, Enter (exact cash is prefilled), Enter; F12 to paint in wall and CPU ms, probe."""
        register = self.register
        probe_ms = _probe_ms()
        with answering(keys_in_dialog(Key.Key_Return, Key.Key_Return), PaymentDialog) as answer:
            start, start_cpu = time.perf_counter(), time.thread_time()
            press(Key.Key_F12)
        self._back_on_register()
        assert answer.painted_at is not None
        assert register.cart.empty, "the sale was not placed"
        number = register.flow.last_order.number if register.flow.last_order else ""
        assert number, "no order placed"
        assert number != self._last_number, "no new order"
        self._last_number = number
        wall, cpu = answer.painted_at - start, answer.painted_cpu - start_cpu
        return wall * 1000, cpu * 1000, probe_ms

    def _return_last(self) -> None:
        """Return one unit of the sale just made, from the Orders page, then back to selling."""
        assert self.window is not None
        orders = self.window.findChild(OrdersTab)
        assert orders is not None
        assert orders.orders is not None
        listing = orders.orders
        press(Key.Key_O, ALT)
        spin_until(listing.isVisible)
        press(Key.Key_F, CTRL)
        spin_until(listing.search_edit.hasFocus)
        type_text(self._last_number)
        press(Key.Key_Return)
        spin_until(lambda: listing.detail.order is not None)
        assert listing.detail.order is not None
        assert listing.detail.order.number == self._last_number
        returned = sum(line.returned_qty for line in listing.detail.order.lines)
        with answering(keys_in_dialog(Key.Key_Up, Key.Key_Return), ReturnDialog):
            press(Key.Key_R, CTRL)
        spin_until(
            lambda: (
                listing.detail.order is not None
                and sum(line.returned_qty for line in listing.detail.order.lines) == returned + 1
            )
        )
        self._window_active()
        listing.search_edit.clear()
        press(Key.Key_R, ALT)
        spin_until(self.register.isVisible)
        self._back_on_register()
        self._count("return (Alt+O, Ctrl+R)")

    def _window_active(self) -> None:
        """Wait until the main window is active again after a dialog closed.

        A desktop activates the window under a closing dialog; the offscreen platform of the
        tests leaves no window active, so it is activated here as the desktop would.
        """
        window = self.window
        assert window is not None
        spin_until(lambda: QApplication.activeModalWidget() is None)
        if not window.isActiveWindow():
            window.activateWindow()
        spin_until(lambda: window.isActiveWindow() and QApplication.focusWidget() is not None)

    def _back_on_register(self) -> None:
        """Wait until the register has the keyboard again (its scan field focused)."""
        register = self.register
        spin_until(
            lambda: (
                QApplication.activeModalWidget() is None
                and register.isActiveWindow()
                and register.scan_edit.hasFocus()
            )
        )


def _probe_ms() -> float:
    """A fixed piece of pure-Python work, timed: how fast the machine runs Python right now."""
    start = time.perf_counter()
    total = 0
    for n in range(PROBE_LOOPS):
        total += n * n % 7
    assert total >= 0
    return (time.perf_counter() - start) * 1000


# --- figures -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Growth:
    """What a shift grew by, per 1,000 sales, from the first sale after the warm-up to the last."""

    sales: int
    windows: float
    widgets: float
    objects: float
    rss_mb: float
    f12_first_ms: float
    """Median wall-clock ms of F12 → payment dialog painted over the first ``window`` sales."""
    f12_last_ms: float
    """The same over the last ``window`` sales."""
    cpu_first_ms: float
    """Median GUI-thread CPU ms of the same span over the first ``window`` sales."""
    cpu_last_ms: float
    probe_first_ms: float
    """Median of the CPU probe timed before each F12 (how busy the machine was)."""
    probe_last_ms: float


def growth(samples: list[SaleSample], window: int = 100) -> Growth:
    """Per-1,000-sales growth of ``samples`` (the warm-up sales left out)."""
    counted = [s for s in samples if s.sale >= WARMUP]
    assert len(counted) >= 2 * window, f"{len(counted)} sales: too few for two windows of {window}"
    first, last = counted[0], counted[-1]
    per = 1_000 / max(1, last.sale - first.sale)
    head, tail = counted[:window], counted[-window:]

    def median(part: list[SaleSample], value: Callable[[SaleSample], float]) -> float:
        return statistics.median(value(s) for s in part)

    return Growth(
        sales=len(samples),
        windows=(last.alive.windows - first.alive.windows) * per,
        widgets=(last.alive.widgets - first.alive.widgets) * per,
        objects=(last.alive.objects - first.alive.objects) * per,
        rss_mb=(last.rss - first.rss) / 1e6 * per,
        f12_first_ms=median(head, lambda s: s.f12_ms),
        f12_last_ms=median(tail, lambda s: s.f12_ms),
        cpu_first_ms=median(head, lambda s: s.f12_cpu_ms),
        cpu_last_ms=median(tail, lambda s: s.f12_cpu_ms),
        probe_first_ms=median(head, lambda s: s.probe_ms),
        probe_last_ms=median(tail, lambda s: s.probe_ms),
    )


def seed_shift(backend: Backend) -> ShiftSetup:
    """A shop with stock for thousands of sales, a coupon, a customer, this register's till open."""
    items = tuple(dataclasses.replace(item, stock=STOCK) for item in ITEMS if item.barcode)
    shop = seed_shop(backend, items=items)
    open_shop_till(backend, shop)
    add_coupon(backend, "SHIFT-10", percent_bp=1000)
    add_customer(backend, "Jane Doe")
    return ShiftSetup(
        username="till",
        password=CASHIER_PIN,
        codes=tuple(item.barcode for item in items if item.barcode),
        search_text="Coffee",
        coupon="shift10",
        customer_text="Jane",
    )
