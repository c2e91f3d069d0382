"""The receipt printer and the cash drawer, through python-escpos's File printer (a real file).

A cash sale prints its receipt and opens the drawer (once), a card-only sale does not open it,
a no-sale needs a manager (refused without, audited with) and is counted on the X and Z reports,
and a printer that cannot be reached leaves the sale as it was. On SQLite and PostgreSQL.
"""

# ruff: noqa: F811 - the shop fixture comes from tests.unit.test_receipt

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from escpos.constants import CD_KICK_2
from pypdf import PdfReader
from sqlalchemy import select

from posapp.models import AuditEntry, Order
from posapp.reports.till_reports import till_report_pdf
from posapp.services.backend import Backend
from posapp.services.platform import registry
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import (
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
)
from posapp.services.platform.printer import PrinterError
from posapp.services.platform.settings import put_setting
from posapp.services.platform.uow import UnitOfWork
from posapp.services.sales import checkout, drawer, tills
from posapp.services.sales.dto import (
    ApprovalRequiredError,
    DraftLine,
    ManagerApproval,
    PaymentDraft,
    PaymentKind,
    SaleDraft,
)
from posapp.services.shop import SettingValueError, try_printer
from posapp.services.staff.permissions import ROLE_PERMISSIONS
from posapp.services.staff.security import ACTIONS
from tests.checkout_seed import PASSWORD, Shop, open_shop_till
from tests.unit.test_orders_matrix import _approval, _order, _world
from tests.unit.test_receipt import shop  # noqa: F401 - the fixture: a seeded shop, till open

Call = Callable[[UnitOfWork, UserDTO, dict[str, UserDTO]], object]


def _no_sale(uow: UnitOfWork, actor: UserDTO, staff: dict[str, UserDTO]) -> object:
    """A no-sale at an open till with a printer (the manager approves for a cashier)."""
    _world(uow, staff)
    with uow:
        put_setting(uow, registry.RECEIPT_PRINTER.key, "file:" + os.devnull)
        uow.commit()
    return drawer.no_sale(uow, actor, _approval(staff))


ACTION_CALLS: dict[str, Call] = {
    "sales.drawer.sale_print_job": lambda uow, a, s: drawer.sale_print_job(uow, a, _order(uow, s)),
    "sales.drawer.no_sale": _no_sale,
    "shop.printer_test.try_printer": lambda uow, a, s: try_printer(uow, a, "file:" + os.devnull),
}


@pytest.fixture
def paper(backend: Backend, shop: Shop, tmp_path: Path) -> Path:
    """The receipt printer: a file that collects what is sent to it."""
    path = tmp_path / "printer.bin"
    backend.shop.change_setting(shop.staff["admin"], registry.RECEIPT_PRINTER.key, f"file:{path}")
    return path


def _sale(backend: Backend, shop: Shop, *methods: PaymentKind) -> int:
    """An apple and a mug, paid by ``methods`` (the last one takes what is left)."""
    lines = (DraftLine(1, shop.products["apple"], 1), DraftLine(2, shop.products["mug"], 1))
    placed = checkout.place_order(backend.uow(), shop.cashier, SaleDraft(uuid.uuid4(), lines))
    left, payments = placed.total_minor, []
    for index, method in enumerate(methods):
        amount = left if index == len(methods) - 1 else 100
        left -= amount
        if method is PaymentKind.CARD:
            payment = PaymentDraft(
                uuid.uuid4(), method, amount, card_reference="AUTH 1", card_last4="4242"
            )
        else:
            payment = PaymentDraft(uuid.uuid4(), method, amount, amount + 500)
        payments.append(payment)
    return checkout.pay_order(backend.uow(), shop.cashier, placed.order_id, payments).order_id


def _audit(backend: Backend, action: str) -> list[tuple[object, ...]]:
    """(user, approver, object kind, object id, reason, register) of each row of ``action``."""
    with backend.read_uow() as uow:
        rows = uow.session.execute(
            select(
                AuditEntry.user_id,
                AuditEntry.approver_id,
                AuditEntry.object_kind,
                AuditEntry.object_id,
                AuditEntry.reason,
                AuditEntry.register,
            ).where(AuditEntry.action == action)
        )
        return [tuple(row) for row in rows]


def test_a_cash_sale_prints_the_receipt_and_opens_the_drawer_once(
    backend: Backend, shop: Shop, paper: Path
) -> None:
    order_id = _sale(backend, shop, PaymentKind.CARD, PaymentKind.CASH)
    done = backend.sales.after_sale(shop.cashier, order_id)
    assert (done.printed, done.drawer_opened) == (True, True)
    sent = paper.read_bytes()
    assert sent.startswith(CD_KICK_2)  # the drawer first: change is given while it prints
    assert sent.count(CD_KICK_2) == 1
    assert b"Main Street Market" in sent
    assert b"Card **** 4242" in sent
    assert sent.endswith(b"\x1dV\x00")  # the paper is cut
    (opened,) = _audit(backend, drawer.DRAWER_OPENED_ACTION)
    assert opened[:4] == (shop.cashier.id, None, "order", order_id)
    again = backend.sales.after_sale(shop.cashier, order_id)  # a second call is a reprint
    assert (again.printed, again.drawer_opened) == (True, False)
    assert paper.read_bytes().count(CD_KICK_2) == 1
    assert paper.read_bytes().count(b"Main Street Market") == 2


def test_a_card_only_sale_prints_but_keeps_the_drawer_shut(
    backend: Backend, shop: Shop, paper: Path
) -> None:
    order_id = _sale(backend, shop, PaymentKind.CARD)
    done = backend.sales.after_sale(shop.cashier, order_id)
    assert (done.printed, done.drawer_opened) == (True, False)
    assert CD_KICK_2 not in paper.read_bytes()
    assert b"Main Street Market" in paper.read_bytes()
    assert _audit(backend, drawer.DRAWER_OPENED_ACTION) == []


def test_the_drawer_setting_and_no_printer(backend: Backend, shop: Shop, paper: Path) -> None:
    backend.shop.change_setting(shop.staff["admin"], registry.DRAWER_KICK.key, "never")
    done = backend.sales.after_sale(shop.cashier, _sale(backend, shop, PaymentKind.CASH))
    assert (done.printed, done.drawer_opened) == (True, False)
    assert CD_KICK_2 not in paper.read_bytes()
    backend.shop.change_setting(shop.staff["admin"], registry.RECEIPT_PRINTER.key, "none")
    done = backend.sales.after_sale(shop.cashier, _sale(backend, shop, PaymentKind.CASH))
    assert (done.printed, done.drawer_opened) == (False, False)
    assert backend.sales.print_receipt(shop.cashier, 1) is False


def test_only_a_sale_of_this_till_opens_the_drawer(
    backend: Backend, shop: Shop, paper: Path
) -> None:
    order_id = _sale(backend, shop, PaymentKind.CASH)
    with pytest.raises(NotFoundError, match="not a sale of this register's open till"):
        backend.sales.after_sale(shop.cashier, order_id + 1000)
    tills.close_till(backend.uow(), shop.cashier, 0)
    open_shop_till(backend, shop)
    with pytest.raises(NotFoundError):
        backend.sales.after_sale(shop.cashier, order_id)  # an earlier shift's sale
    assert not paper.exists() or CD_KICK_2 not in paper.read_bytes()


@pytest.mark.parametrize(
    ("address", "words"),
    [
        ("network:127.0.0.1:1", "The printer at 127.0.0.1:1 refused the connection"),
        ("file:/no/such/folder/lp0", "The printer at /no/such/folder/lp0 is not there"),
        ("file:/", "The printer at / is unreachable: Is a directory"),
    ],
)
def test_a_printer_failure_leaves_the_sale_placed(
    backend: Backend, shop: Shop, paper: Path, address: str, words: str
) -> None:
    backend.shop.change_setting(shop.staff["admin"], registry.RECEIPT_PRINTER.key, address)
    order_id = _sale(backend, shop, PaymentKind.CASH)
    with pytest.raises(PrinterError) as failed:
        backend.sales.after_sale(shop.cashier, order_id)
    assert str(failed.value).startswith(words)
    assert "Traceback" not in str(failed.value)
    with backend.read_uow() as uow:
        order = uow.session.get(Order, order_id)
        assert order is not None
        assert order.status == "fulfilled"  # paid and handed over, as before
    report = backend.sales.x_report(shop.manager)
    assert report.orders_count == 1
    assert report.cash_sales_minor > 0


def test_a_no_sale_needs_a_manager_and_is_audited(
    backend: Backend, shop: Shop, paper: Path
) -> None:
    with pytest.raises(ApprovalRequiredError, match="needs a manager's approval"):
        backend.sales.open_drawer(shop.cashier)
    wrong = ManagerApproval(shop.manager.username, "not the password", "change for a note")
    with pytest.raises(AuthenticationError):
        backend.sales.open_drawer(shop.cashier, wrong)
    cashier_two = ManagerApproval(shop.cashier.username, "4321", "change for a note")
    with pytest.raises(AuthenticationError):  # an approval never takes a till PIN (#16)
        backend.sales.open_drawer(shop.cashier, cashier_two)
    assert _audit(backend, tills.NO_SALE_ACTION) == []
    assert not paper.exists()

    approval = ManagerApproval(shop.manager.username, PASSWORD, "change for a note")
    assert backend.sales.open_drawer(shop.cashier, approval) == shop.manager.username
    assert paper.read_bytes() == CD_KICK_2
    (row,) = _audit(backend, tills.NO_SALE_ACTION)
    till = backend.sales.current_till(shop.cashier)
    assert till is not None
    assert row == (
        shop.cashier.id,
        shop.manager.id,
        "till_session",
        till.id,
        "change for a note",
        "test-till",
    )
    assert backend.sales.open_drawer(shop.manager) == ""  # a manager's own role allows it
    assert paper.read_bytes() == CD_KICK_2 * 2
    assert backend.sales.x_report(shop.manager).no_sale_count == 2


def test_no_sale_opens_are_counted_on_the_z_report(
    backend: Backend, shop: Shop, paper: Path
) -> None:
    approval = ManagerApproval(shop.manager.username, PASSWORD, "customer wants change")
    for _ in range(3):
        backend.sales.open_drawer(shop.cashier, approval)
    z = tills.close_till(backend.uow(), shop.cashier, 10_000)
    assert z.no_sale_count == 3
    text = PdfReader(io.BytesIO(till_report_pdf(z))).pages[0].extract_text()
    assert "No-sale drawer opens\n3\n" in text
    open_shop_till(backend, shop)  # a new shift starts from zero
    assert backend.sales.x_report(shop.manager).no_sale_count == 0
    assert backend.sales.z_report(shop.manager, z.session.id).no_sale_count == 3


def test_a_no_sale_is_refused_without_a_printer_or_a_till(backend: Backend, shop: Shop) -> None:
    with pytest.raises(PrinterError, match="No receipt printer is set up"):
        backend.sales.open_drawer(shop.manager)
    backend.shop.change_setting(
        shop.staff["admin"], registry.RECEIPT_PRINTER.key, "file:" + os.devnull
    )
    tills.close_till(backend.uow(), shop.cashier, 10_000)
    with pytest.raises(tills.TillClosedError):
        backend.sales.open_drawer(shop.manager)
    assert _audit(backend, tills.NO_SALE_ACTION) == []


def test_a_no_sale_whose_drawer_fails_is_recorded_and_said(backend: Backend, shop: Shop) -> None:
    backend.shop.change_setting(
        shop.staff["admin"], registry.RECEIPT_PRINTER.key, "network:127.0.0.1:1"
    )
    with pytest.raises(
        PrinterError, match=r"^The drawer did not open: The printer at 127\.0\.0\.1"
    ):
        backend.sales.open_drawer(shop.manager)
    assert len(_audit(backend, tills.NO_SALE_ACTION)) == 1


def test_the_test_page(backend: Backend, shop: Shop, paper: Path, tmp_path: Path) -> None:
    admin = shop.staff["admin"]
    assert backend.shop.try_printer(admin) == f"file:{paper}"
    assert b"TEST PAGE" in paper.read_bytes()
    other = tmp_path / "other.bin"
    assert backend.shop.try_printer(admin, f" file:{other} ") == f"file:{other}"  # unsaved
    assert b"If you can read this" in other.read_bytes()
    with pytest.raises(SettingValueError, match="Receipt printer: 'lpt1' names no kind"):
        backend.shop.try_printer(admin, "lpt1")
    with pytest.raises(PrinterError, match="refused the connection"):
        backend.shop.try_printer(admin, "network:127.0.0.1:1")
    with pytest.raises(PermissionDeniedError):
        backend.shop.try_printer(shop.manager)


@pytest.mark.parametrize("role", ["admin", "manager", "cashier"])
def test_drawer_permission_matrix(backend: Backend, role: str) -> None:
    from tests.checkout_seed import add_staff

    staff = add_staff(backend)
    for action, call in ACTION_CALLS.items():
        if ACTIONS[action] in ROLE_PERMISSIONS[role]:
            call(backend.uow(), staff[role], staff)
        else:
            with pytest.raises(PermissionDeniedError):
                call(backend.uow(), staff[role], staff)


def test_every_drawer_action_has_a_call() -> None:
    mine = {name for name in ACTIONS if name.startswith(("sales.drawer.", "shop.printer_test."))}
    assert mine == set(ACTION_CALLS)
