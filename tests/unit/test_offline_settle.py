"""A sale the server refused on replay, settled by a manager so the Z report can close (#21)."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from posapp.models import AuditEntry
from posapp.reports.till_reports import till_report_sections
from posapp.services.backend import Backend
from posapp.services.platform.chain_key import chain_key
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from posapp.services.platform.uow import UnitOfWork
from posapp.services.sales.offline import (
    PENDING,
    REFUSED,
    SETTLED,
    OfflineJournal,
    OfflineSale,
    OfflineSalesWaitingError,
    OfflineTender,
    OfflineTill,
    TenderKind,
    cache_path,
    journal_path,
    replay,
)
from posapp.services.sales.offline.cache import OfflineCache, snapshot
from posapp.services.sales.offline.settle import (
    SETTLED_ACTION,
    refused_offline_sales,
    settle_offline_sale,
)
from posapp.services.sales.offline.till import OfflineItem
from posapp.services.staff import ROLE_PERMISSIONS
from posapp.services.staff.security import ACTIONS
from tests.checkout_seed import CASHIER_PIN, Shop, open_shop_till, seed_shop

ACTION_CALLS: dict[str, Callable[[UnitOfWork, UserDTO, dict[str, UserDTO]], object]] = {
    "sales.offline.settle.refused_offline_sales": lambda uow, actor, _s: refused_offline_sales(
        uow, actor
    ),
    "sales.offline.settle.settle_offline_sale": lambda uow, actor, _s: settle_offline_sale(
        uow, actor, "R1", uuid.uuid4(), "written off"
    ),
}


@pytest.fixture
def shop(backend: Backend) -> Shop:
    shop = seed_shop(backend)
    open_shop_till(backend, shop)
    return shop


@pytest.fixture
def till(
    backend: Backend, shop: Shop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> OfflineTill:
    """The till writing to the register's own journal, under the shop's audit key."""
    monkeypatch.setenv("POSAPP_DATA_DIR", str(tmp_path / "data"))
    key = chain_key(backend.database.url, None, create=True)
    assert key is not None
    cache = OfflineCache.open(cache_path(backend.database.url, backend.register))
    cache.apply(snapshot(backend.read_uow(), None))
    journal = OfflineJournal.open(journal_path(backend.database.url, backend.register), key)
    return OfflineTill(cache, journal, backend.register)


def _sell(till: OfflineTill, shop: Shop) -> OfflineSale:
    cashier = till.sign_in("till", CASHIER_PIN)
    items = [OfflineItem(1, shop.products["coffee"], 1)]
    total = till.price(items).total_minor
    receipt = till.take(
        cashier,
        items,
        [OfflineTender(uuid.uuid4(), TenderKind.CASH, total, total)],
        sale_uuid=uuid.uuid4(),
        expected_total_minor=total,
    )
    return receipt.entry.sale


def _refused(backend: Backend, till: OfflineTill, shop: Shop) -> OfflineSale:
    """One sale synced, one the server refuses on replay (its cashier is unknown there)."""
    good = _sell(till, shop)
    bad = dataclasses.replace(good, sale_uuid=uuid.uuid4(), cashier_id=999_999)
    till.journal.record(bad)
    result = replay(till.journal, backend.sales.place_offline_sale)
    assert (result.synced, result.refused) == (1, 1)
    return bad


def _settled_rows(backend: Backend) -> list[tuple[int | None, dict[str, object]]]:
    """Who settled and what the audit kept, per settle audit row."""
    with backend.read_uow() as uow:
        rows = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == SETTLED_ACTION))
        return [(row.user_id, json.loads(row.after or "{}")) for row in rows]


def test_a_manager_settles_a_refused_sale_and_the_z_closes(
    backend: Backend, shop: Shop, till: OfflineTill
) -> None:
    bad = _refused(backend, till, shop)
    with pytest.raises(OfflineSalesWaitingError, match=r"^1 sale taken offline is not"):
        backend.sales.check_close_till(shop.manager)

    listed = backend.sales.refused_offline_sales(shop.manager)
    assert [(s.sale_uuid, s.total_minor) for s in listed] == [(bad.sale_uuid, bad.total_minor)]
    assert "cashier" in listed[0].problem

    with pytest.raises(ValidationError, match="Say what was done"):
        backend.sales.settle_offline_sale(shop.manager, backend.register, bad.sale_uuid, "  ")
    with pytest.raises(PermissionDeniedError):
        backend.sales.settle_offline_sale(
            shop.cashier, backend.register, bad.sale_uuid, "written off"
        )
    assert _settled_rows(backend) == []
    assert till.journal.find(bad.sale_uuid).state == REFUSED  # type: ignore[union-attr]

    done = backend.sales.settle_offline_sale(
        shop.manager, backend.register, bad.sale_uuid, "Cash counted, sale written off"
    )
    assert (done.state, done.note) == (SETTLED, "Cash counted, sale written off")
    entry = till.journal.find(bad.sale_uuid)
    assert entry is not None
    assert (entry.state, entry.settled_by) == (SETTLED, shop.manager.username)
    till.journal.verify()  # settling is a state change: the chain still holds
    assert till.journal.unsynced() == 0
    assert backend.sales.refused_offline_sales(shop.manager) == []

    [(user_id, after)] = _settled_rows(backend)
    assert user_id == shop.manager.id
    assert after["sale_uuid"] == str(bad.sale_uuid)
    assert after["total_minor"] == bad.total_minor
    assert after["register"] == backend.register
    assert "cashier" in str(after["problem"])
    assert after["note"] == "Cash counted, sale written off"

    backend.sales.check_close_till(shop.manager)
    report = backend.sales.close_till(shop.manager, counted_minor=100_000)
    assert report.orders_count == 1  # the settled sale is not on the server's books
    assert (report.offline_settled_count, report.offline_settled_minor) == (1, bad.total_minor)
    [sales] = [s for s in till_report_sections(report) if s.title == "Sales"]
    rows = {row[0]: row[1:] for row in sales.rows}
    assert rows["Refused offline sales settled"] == ("1",)
    assert "Settled offline sales total" in rows

    with pytest.raises(ConflictError, match="Only a sale the server refused"):
        backend.sales.settle_offline_sale(shop.manager, backend.register, bad.sale_uuid, "again")


def test_bad_settles_are_refused_clearly(backend: Backend, shop: Shop, till: OfflineTill) -> None:
    bad = _refused(backend, till, shop)
    waiting = _sell(till, shop)  # pending: it replays by itself
    assert till.journal.find(waiting.sale_uuid).state == PENDING  # type: ignore[union-attr]
    settle = backend.sales.settle_offline_sale
    with pytest.raises(NotFoundError, match="no such sale"):
        settle(shop.manager, backend.register, uuid.uuid4(), "written off")
    with pytest.raises(ConflictError, match="Only a sale the server refused"):
        settle(shop.manager, backend.register, waiting.sale_uuid, "written off")
    with pytest.raises(ValidationError, match="settles only its own"):
        settle(shop.manager, "OTHER", bad.sale_uuid, "written off")
    with pytest.raises(ValidationError):
        settle(shop.manager, backend.register, bad.sale_uuid, "x" * 201)
    assert _settled_rows(backend) == []
    assert till.journal.unsynced() == 2


def test_a_register_without_a_journal_has_nothing_to_settle(
    backend: Backend, shop: Shop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POSAPP_DATA_DIR", str(tmp_path / "empty"))
    assert backend.sales.refused_offline_sales(shop.manager) == []
    with pytest.raises(NotFoundError):
        backend.sales.settle_offline_sale(shop.manager, backend.register, uuid.uuid4(), "n")


@pytest.mark.parametrize("role", ["admin", "manager", "cashier"])
def test_only_managers_settle(backend: Backend, shop: Shop, role: str) -> None:
    actor = shop.staff[role]
    for name, call in ACTION_CALLS.items():
        if ACTIONS[name] in ROLE_PERMISSIONS[role]:
            with contextlib.suppress(NotFoundError, ValidationError):
                call(backend.uow(), actor, shop.staff)
        else:
            with pytest.raises(PermissionDeniedError):
                call(backend.uow(), actor, shop.staff)
    assert (
        role == "cashier"
        or ACTIONS["sales.offline.settle.settle_offline_sale"] in (ROLE_PERMISSIONS[role])
    )
