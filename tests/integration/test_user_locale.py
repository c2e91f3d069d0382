"""Each user's own locale (issue #18): set by themselves or by an admin, checked, audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from posapp.events import RecordingPublisher, UserChanged
from posapp.models import AuditEntry
from posapp.services.backend import Backend
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import NotFoundError, PermissionDeniedError
from posapp.services.shop import SettingValueError
from tests.checkout_seed import add_staff


@pytest.fixture
def staff(backend: Backend) -> dict[str, UserDTO]:
    return add_staff(backend)


def test_a_user_sets_their_own_and_an_admin_anyones(
    backend: Backend, staff: dict[str, UserDTO], publisher: RecordingPublisher
) -> None:
    cashier, manager, admin = staff["cashier"], staff["manager"], staff["admin"]
    publisher.events.clear()
    mine = backend.staff.set_user_locale(cashier, cashier.id, "de-de")
    assert mine.locale == "de_DE"
    assert [e.change for e in publisher.events if isinstance(e, UserChanged)] == ["locale"]
    assert backend.staff.set_user_locale(admin, manager.id, "fr_CH").locale == "fr_CH"
    with pytest.raises(PermissionDeniedError):
        backend.staff.set_user_locale(manager, cashier.id, "es")
    assert backend.staff.set_user_locale(cashier, cashier.id, "").locale == ""  # the shop's
    assert backend.staff.find_user("boss").locale == "fr_CH"
    with backend.read_uow() as uow:
        rows = uow.session.execute(
            select(AuditEntry.user_id, AuditEntry.object_id).where(
                AuditEntry.action == "user.locale"
            )
        ).all()
    assert rows == [(cashier.id, cashier.id), (admin.id, manager.id), (cashier.id, cashier.id)]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("ja_JP", "posapp speaks en, de, fr, es"),
        ("Klingon", "Unknown locale"),
        ("de_XX_YY_ZZ", "Unknown locale"),
        ("x" * 300, "Unknown locale"),
    ],
)
def test_a_language_posapp_does_not_ship_is_refused(
    backend: Backend,
    staff: dict[str, UserDTO],
    publisher: RecordingPublisher,
    text: str,
    words: str,
) -> None:
    cashier = staff["cashier"]
    publisher.events.clear()
    with pytest.raises(SettingValueError, match=words):
        backend.staff.set_user_locale(cashier, cashier.id, text)
    assert backend.staff.find_user("till").locale == ""
    assert publisher.events == []


def test_an_unknown_user_is_not_found(backend: Backend, staff: dict[str, UserDTO]) -> None:
    for user_id in (999, 2**63):
        with pytest.raises(NotFoundError):
            backend.staff.set_user_locale(staff["admin"], user_id, "de")
