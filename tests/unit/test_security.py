"""Lock-out, sessions of deactivated users, the last admin, approvals and the permission matrix."""

from __future__ import annotations

import importlib
import pkgutil
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

import posapp.services
from posapp import i18n
from posapp.models import AuditEntry, User
from posapp.services.backend import Backend
from posapp.services.platform import settings
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import (
    AuthenticationError,
    ConflictError,
    PermissionDeniedError,
    ServiceError,
    ValidationError,
)
from posapp.services.platform.uow import UnitOfWork
from posapp.services.staff import auth, users
from posapp.services.staff.permissions import ROLE_PERMISSIONS, Permission, denied, permission_label
from posapp.services.staff.security import ACTIONS, Approval, SessionEndedError, check_approval

PW = "correct horse battery"


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def staff(backend: Backend, clock: FakeClock) -> dict[str, UserDTO]:
    backend.clock = clock
    return {
        "admin": users.add_user(backend.uow(), None, "root", PW, "admin"),
        "manager": users.add_user(backend.uow(), None, "boss", PW, "manager"),
        "cashier": users.add_user(backend.uow(), None, "till", "4321", "cashier"),
    }


def test_lockout_after_five_failures_even_with_right_password(
    backend: Backend, staff: dict[str, UserDTO], clock: FakeClock
) -> None:
    for _ in range(5):
        with pytest.raises(AuthenticationError, match="Unknown username or wrong password"):
            backend.staff.login("boss", "wrong wrong wrong")
    with pytest.raises(auth.AccountLockedError, match="locked for about 15"):
        backend.staff.login("boss", PW)
    clock.advance(minutes=14, seconds=59)
    with pytest.raises(auth.AccountLockedError):
        backend.staff.login("boss", PW)
    clock.advance(seconds=2)
    assert backend.staff.login("boss", PW).username == "boss"


def test_eleven_quick_failures_then_right_password(
    backend: Backend, staff: dict[str, UserDTO]
) -> None:
    for _ in range(11):
        with pytest.raises(AuthenticationError):
            backend.staff.login("boss", "nope nope nope")
    with pytest.raises(auth.AccountLockedError):
        backend.staff.login("boss", PW)


def test_admin_unlocks(backend: Backend, staff: dict[str, UserDTO]) -> None:
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            backend.staff.login("till", "0000")
    with pytest.raises(auth.AccountLockedError):
        backend.staff.login("till", "4321")
    users.unlock_user(backend.uow(), staff["admin"], staff["cashier"].id)
    assert backend.staff.login("till", "4321").role == "cashier"


def test_lockout_is_configurable(
    backend: Backend, staff: dict[str, UserDTO], clock: FakeClock
) -> None:
    with backend.uow() as uow:
        settings.put_setting(uow, auth.LOCKOUT_ATTEMPTS_KEY, 2)
        settings.put_setting(uow, auth.LOCKOUT_MINUTES_KEY, 1)
        uow.commit()
    for _ in range(2):
        with pytest.raises(AuthenticationError):
            backend.staff.login("boss", "nope nope nope")
    with pytest.raises(auth.AccountLockedError):
        backend.staff.login("boss", PW)
    clock.advance(minutes=1, seconds=1)
    assert backend.staff.login("boss", PW).role == "manager"


def test_unknown_user_and_wrong_password_take_similar_time(
    backend: Backend, staff: dict[str, UserDTO]
) -> None:
    def timed(name: str) -> float:
        samples = []
        for _ in range(3):
            start = time.perf_counter()
            with pytest.raises(AuthenticationError):
                backend.staff.login(name, "wrong wrong wrong")
            samples.append(time.perf_counter() - start)
        return sorted(samples)[1]

    unknown, wrong = timed("ghost"), timed("root")
    assert 0.4 < unknown / wrong < 2.5


def test_inactive_user_cannot_log_in(backend: Backend, staff: dict[str, UserDTO]) -> None:
    users.set_active(backend.uow(), staff["admin"], staff["manager"].id, False)
    with pytest.raises(AuthenticationError, match="Unknown username or wrong password"):
        backend.staff.login("boss", PW)


def test_deactivated_users_session_ends_at_next_action(
    backend: Backend, staff: dict[str, UserDTO]
) -> None:
    manager = backend.staff.login("boss", PW)
    users.set_active(backend.uow(), staff["admin"], manager.id, False)
    with pytest.raises(SessionEndedError, match="session has ended"):
        users.list_users(backend.uow(), manager)


def test_demoted_user_loses_permissions_at_once(
    backend: Backend, staff: dict[str, UserDTO]
) -> None:
    users.update_user(backend.uow(), staff["admin"], staff["manager"].id, role="cashier")
    with pytest.raises(PermissionDeniedError):
        users.list_users(backend.uow(), staff["manager"])


def test_last_admin_cannot_be_deactivated_or_demoted(
    backend: Backend, staff: dict[str, UserDTO]
) -> None:
    admin = staff["admin"]
    with pytest.raises(ValidationError, match="cannot deactivate yourself"):
        users.set_active(backend.uow(), admin, admin.id, False)
    with pytest.raises(ConflictError, match="last active admin"):
        users.set_active(backend.uow(), None, admin.id, False)
    with pytest.raises(ConflictError, match="last active admin"):
        users.update_user(backend.uow(), admin, admin.id, role="manager")
    second = users.add_user(backend.uow(), admin, "root2", PW, "admin")
    users.update_user(backend.uow(), second, admin.id, role="manager")
    with pytest.raises(ConflictError, match="last active admin"):
        users.set_active(backend.uow(), None, second.id, False)


def test_managers_see_users_but_only_admins_change_them(
    backend: Backend, staff: dict[str, UserDTO]
) -> None:
    assert len(users.list_users(backend.uow(), staff["manager"])) == 3
    with pytest.raises(PermissionDeniedError):
        users.add_user(backend.uow(), staff["manager"], "newbie", PW, "cashier")
    with pytest.raises(PermissionDeniedError):
        users.list_users(backend.uow(), staff["cashier"])
    assert users.count_users(backend.read_uow()) == 3


def test_list_filters(backend: Backend, staff: dict[str, UserDTO]) -> None:
    admin = staff["admin"]
    users.set_active(backend.uow(), admin, staff["cashier"].id, False)
    flt = users.UserFilter
    assert [u.username for u in users.list_users(backend.uow(), admin, flt(role="cashier"))] == [
        "till"
    ]
    assert len(users.list_users(backend.uow(), admin, flt(active=True))) == 2
    assert [u.username for u in users.list_users(backend.uow(), admin, flt(search="BOS"))] == [
        "boss"
    ]
    assert users.list_users(backend.uow(), admin, flt(search="%")) != []


@pytest.mark.parametrize(
    ("approver", "password", "reason", "error", "message"),
    [
        ("boss", PW, "damaged box", None, ""),
        ("boss", "wrong wrong wrong", "x", AuthenticationError, "wrong password"),
        # Issue #16: a till PIN is never an approver's credential, whoever holds it.
        ("till", "4321", "x", AuthenticationError, "unknown approver or wrong password"),
        ("boss", PW, "   ", ServiceError, "reason"),
        ("nobody", PW, "x", AuthenticationError, "unknown approver"),
    ],
)
def test_manager_approval(
    backend: Backend,
    staff: dict[str, UserDTO],
    approver: str,
    password: str,
    reason: str,
    error: type[Exception] | None,
    message: str,
) -> None:
    with backend.uow() as uow:
        if error is None:
            user = check_approval(
                uow, staff["admin"], Approval(approver, password, reason), Permission.OVERRIDE_PRICE
            )
            assert user.username == "boss"
        else:
            with pytest.raises(error, match=message):
                check_approval(
                    uow,
                    staff["admin"],
                    Approval(approver, password, reason),
                    Permission.OVERRIDE_PRICE,
                )


def test_approval_must_come_from_someone_else(backend: Backend, staff: dict[str, UserDTO]) -> None:
    with backend.uow() as uow, pytest.raises(PermissionDeniedError, match="different person"):
        check_approval(uow, staff["manager"], Approval("boss", PW, "r"), Permission.VOID)


def _approve(backend: Backend, staff: dict[str, UserDTO], password: str) -> None:
    """One approval attempt in its own unit of work, as each opening of the dialog makes."""
    with backend.uow() as uow:
        check_approval(
            uow, staff["cashier"], Approval("boss", password, "price match"), Permission.VOID
        )


def test_wrong_approval_passwords_count_across_attempts_and_lock_the_approver(
    backend: Backend, staff: dict[str, UserDTO], clock: FakeClock
) -> None:
    for _ in range(auth.DEFAULT_LOCKOUT_ATTEMPTS):
        with pytest.raises(AuthenticationError, match="wrong password"):
            _approve(backend, staff, "guess guess guess")
    # Locked now, even with the right password; and the same lock holds at the login window.
    with pytest.raises(AuthenticationError, match=r"boss is locked out .* about 15 more minutes"):
        _approve(backend, staff, PW)
    with pytest.raises(auth.AccountLockedError):
        backend.staff.login("boss", PW)
    with backend.read_uow() as uow:
        actions = uow.session.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("approval.%"))
        ).all()
    assert sorted(actions) == ["approval.failed"] * 5 + ["approval.lockout"]
    clock.advance(minutes=15, seconds=1)
    _approve(backend, staff, PW)


def test_a_wrong_approval_password_costs_the_approver_one_attempt(
    backend: Backend, staff: dict[str, UserDTO]
) -> None:
    with pytest.raises(AuthenticationError):
        _approve(backend, staff, "guess guess guess")
    with backend.read_uow() as uow:
        assert uow.session.get(User, staff["manager"].id).failed_attempts == 1  # type: ignore[union-attr]
    _approve(backend, staff, PW)
    with pytest.raises(AuthenticationError, match="unknown approver"), backend.uow() as uow:
        check_approval(
            uow, staff["cashier"], Approval("ghost", PW, "r"), Permission.VOID
        )  # an unknown name counts against nobody


# --- the permission matrix: every registered service action × every role --------------------

Call = Callable[[UnitOfWork, UserDTO, dict[str, UserDTO]], object]

CALLS: dict[str, Call] = {
    "staff.users.add_user": lambda uow, a, s: users.add_user(uow, a, "matrixuser", PW, "cashier"),
    "staff.users.update_user": lambda uow, a, s: users.update_user(
        uow, a, s["cashier"].id, full_name="X"
    ),
    "staff.users.set_active": lambda uow, a, s: users.set_active(uow, a, s["cashier"].id, True),
    "staff.users.reset_password": lambda uow, a, s: users.reset_password(
        uow, a, s["cashier"].id, "9876"
    ),
    "staff.users.unlock_user": lambda uow, a, s: users.unlock_user(uow, a, s["cashier"].id),
    "staff.users.list_users": lambda uow, a, s: users.list_users(uow, a),
}


# Each system's tests walk its own actions role by role with an ACTION_CALLS table like CALLS;
# this test makes sure no registered service action escapes every table.
MATRIX_MODULES = sorted(
    path.with_suffix("").as_posix().replace("/", ".")
    for path in Path("tests").rglob("test_*.py")
    if "\nACTION_CALLS" in path.read_text(encoding="utf-8")
)


def test_every_action_is_in_a_matrix() -> None:
    for module in pkgutil.walk_packages(posapp.services.__path__, "posapp.services."):
        importlib.import_module(module.name)
    covered = set(CALLS)
    for name in MATRIX_MODULES:
        covered |= set(importlib.import_module(name).ACTION_CALLS)
    missing = sorted(set(ACTIONS) - covered)
    assert missing == [], f"service actions no permission-matrix test walks: {missing}"


def test_users_matrix_is_complete() -> None:
    assert {name for name in ACTIONS if name.startswith("staff.users.")} == set(CALLS)


@pytest.mark.parametrize("role", ["admin", "manager", "cashier"])
def test_permission_matrix(backend: Backend, staff: dict[str, UserDTO], role: str) -> None:
    actor = staff[role]
    for action, call in CALLS.items():
        if ACTIONS[action] in ROLE_PERMISSIONS[role]:
            call(backend.uow(), actor, staff)
        else:
            with pytest.raises(PermissionDeniedError):
                call(backend.uow(), actor, staff)


def test_every_permission_reads_as_words_in_every_language() -> None:
    """A refusal names what was refused in the user's language, never the permission's key."""
    try:
        for code in ("en", "de", "fr", "es"):
            i18n.set_language(code)
            labels = {permission_label(p) for p in Permission}
            assert len(labels) == len(Permission), code  # one label each, none shared
            assert not {p.value for p in Permission if "_" in p.value} & labels
        i18n.set_language("de")
        text = str(denied("bob", "cashier", Permission.MANAGE_SETTINGS))
        assert text == "bob (Kassierer) hat keine Berechtigung für: Einstellungen verwalten."
    finally:
        i18n.set_language("en")
    assert str(denied("bob", "cashier", Permission.NO_SALE_DRAWER)) == (
        "bob (cashier) is not allowed to open the drawer without a sale."
    )
