"""Signing in at the register while the server is gone (#21): the staff facade of a register.

:class:`OfflineStaff` is the :class:`~posapp.services.staff.StaffApi` the login window and the
lock screen use on a PostgreSQL register (``backend.register_staff``). While the
:class:`~posapp.services.sales.offline.link.ServerLink` says the server answers, every call goes
to the server as before. When the server is gone (the link is offline, or the call fails for want
of a connection), a log-in, the lock screen's unlock and its switch of user are checked against
the cache's copy of the active staff and their hashes:

- with the server's own rule for a secret (:func:`~posapp.services.staff.credentials_match`: the
  password, or a cashier's PIN) and the same Argon2 verification, never a second one;
- only for staff active when the cache was last filled, and only for roles that may sell (an
  offline session can do nothing else: only the register's
  :class:`~posapp.services.sales.offline.register.OfflineSales` answers without the server);
- with the server's messages and lock-out: an unknown name and a wrong secret are told the same,
  a lock the server had set still holds, and ``auth.lockout_attempts`` wrong secrets in a row
  (the cached setting) lock the name on this register for ``auth.lockout_minutes``, a real name
  and an unknown one alike. The count is this register's, in memory: it is not the server's
  count, which the server keeps counting once it is back.

The user signed in offline is the server's user (the same id): once the server is back, the
session simply goes on through the server, which checks the user again on every call (a user
deactivated meanwhile finds the session ended).

Each offline sign-in is kept in the cache file (durable at once, as the journal's sales) and
audited on the server as ``login.offline`` (the user, the register, when) by
:meth:`OfflineStaff.send_signins` once the server is back (a periodic job on the register's
``offline-cache`` lane). Wrong secrets offline are not sent: the server's failure counts are its
own. Nothing grows per attempt: the lock-out counts keep at most :data:`KEPT_NAMES` names.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy.exc import SQLAlchemyError

from posapp.i18n import N_, _
from posapp.services.platform import registry
from posapp.services.platform.context import ServiceContext
from posapp.services.platform.dto import DemoLogin, UserDTO
from posapp.services.platform.errors import AuthenticationError, DatabaseError, NotFoundError
from posapp.services.platform.setting_specs import Spec
from posapp.services.platform.settings import DEMO_LOGINS_KEY
from posapp.services.sales.api import SalesApi
from posapp.services.sales.offline.cache import CachedStaff, OfflineCache
from posapp.services.sales.offline.link import ServerLink
from posapp.services.sales.offline.reach import describe, server_gone
from posapp.services.sales.offline.register import CALL_REFUSED
from posapp.services.staff import (
    LOGIN_FAILED,
    AccountLockedError,
    Permission,
    StaffApi,
    credentials_match,
    locked_message,
    minutes_until,
    permissions_of,
    username_key,
    verify_password,
)

__all__ = ["KEPT_NAMES", "NOT_SELLING", "OfflineStaff"]

_log = logging.getLogger(__name__)
R = TypeVar("R")
T = TypeVar("T")

KEPT_NAMES = 256
"""How many user names' offline lock-out counts are kept (the oldest go first)."""

NOT_SELLING = N_("The server does not answer: only staff who sell can sign in until it is back.")
"""Why an offline sign-in of a role that may not sell is refused."""


class _Throttle:
    """Wrong secrets in a row per user name, and the lock they lead to (this register's)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._names: OrderedDict[str, tuple[int, datetime | None]] = OrderedDict()

    def locked_until(self, key: str, now: datetime) -> datetime | None:
        with self._lock:
            _count, until = self._names.get(key, (0, None))
        return until if until is not None and until > now else None

    def failed(self, key: str, now: datetime, attempts: int, minutes: int) -> None:
        with self._lock:
            count, _until = self._names.pop(key, (0, None))
            count += 1
            until = None
            if count >= attempts:
                count, until = 0, now + timedelta(minutes=minutes)
            self._names[key] = (count, until)
            while len(self._names) > KEPT_NAMES:
                self._names.popitem(last=False)

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._names.pop(key, None)


class OfflineStaff(StaffApi):
    """``backend.register_staff``: the staff facade signing in from the cache while offline.

    Args:
        context: The service context (as for :class:`~posapp.services.staff.StaffApi`).
        link: The register's link to its server.
        cache: The register's offline cache (the active staff and their hashes, the settings).
    """

    def __init__(self, context: ServiceContext, link: ServerLink, cache: OfflineCache) -> None:
        super().__init__(context)
        self.link = link
        self.cache = cache
        self._throttle = _Throttle()

    @property
    def online(self) -> bool:
        """Whether log-ins are checked by the server now (False: against the cache)."""
        return self.link.online

    # --- logging in ---------------------------------------------------------------------------

    def login(self, username: str, password: str) -> UserDTO:
        """Check a log-in (the server's; the cache's while offline) and return the user.

        Raises:
            AccountLockedError: the user (or the name) is locked out.
            AuthenticationError: unknown user, wrong password or PIN, or (offline) a role
                that may not sell.
        """
        return self._either(
            lambda: super(OfflineStaff, self).login(username, password),
            lambda: self.offline_login(username, password),
        )

    def offline_login(self, username: str, password: str) -> UserDTO:
        """Check a log-in against the cache only (see the module's text)."""
        now = self._context.clock()
        key = username_key(username)
        staff = self.cache.staff(username)
        locked = self._locked_until(key, staff, now)
        if locked is not None:
            self._hash_time(staff, password)
            raise AccountLockedError(locked_message(minutes_until(locked, now)))
        if staff is None:
            verify_password(None, password)  # the same hashing time as a real name
            ok = False
        else:
            ok, _hash = credentials_match(staff.role, staff.password_hash, staff.pin_hash, password)
        if not ok or staff is None:
            self._failed(key, now)
            raise AuthenticationError(_(LOGIN_FAILED))
        if Permission.SELL not in permissions_of(staff.role):
            raise AuthenticationError(_(NOT_SELLING))
        self._throttle.succeeded(key)
        self.cache.record_signin(staff.id, now)  # for the server's audit log, once it is back
        return _user(staff, None)

    def demo_logins(self) -> list[DemoLogin]:
        """The demo users' credentials (the cached setting while offline)."""

        def cached() -> list[DemoLogin]:
            text = self.cache.setting(DEMO_LOGINS_KEY)
            rows = [] if text is None else json.loads(text)
            return [DemoLogin(**row) for row in rows] if isinstance(rows, list) else []

        return self._either(lambda: super(OfflineStaff, self).demo_logins(), cached)

    def user_count(self) -> int:
        """How many staff users exist (offline: how many the cache holds)."""
        return self._either(
            lambda: super(OfflineStaff, self).user_count(), lambda: self.cache.counts()[1]
        )

    # --- the idle lock ------------------------------------------------------------------------

    def idle_lock_minutes(self) -> float:
        """Minutes of idle time before the till locks (the cached setting while offline)."""
        return self._either(
            lambda: super(OfflineStaff, self).idle_lock_minutes(),
            lambda: self._setting(registry.IDLE_LOCK_MINUTES),
        )

    def verify_password(self, user: UserDTO, password: str) -> bool:
        """Whether ``password`` is ``user``'s (the lock screen); offline, against the cache."""

        def cached() -> bool:
            now = self._context.clock()
            staff = self.cache.staff_by_id(user.id)
            key = username_key(user.username)
            if staff is None or self._locked_until(key, staff, now) is not None:
                self._hash_time(staff, password)
                return False
            ok, _hash = credentials_match(staff.role, staff.password_hash, staff.pin_hash, password)
            if ok:
                self._throttle.succeeded(key)
            else:
                self._failed(key, now)
            return ok

        return self._either(
            lambda: super(OfflineStaff, self).verify_password(user, password), cached
        )

    def find_user(self, username: str) -> UserDTO:
        """A user by name (offline: an active one in the cache, with any lock-out)."""

        def cached() -> UserDTO:
            staff = self.cache.staff(username)
            if staff is None:
                raise NotFoundError(
                    _("No user named {username!r}.").format(username=username.strip())
                )
            now = self._context.clock()
            return _user(staff, self._locked_until(username_key(username), staff, now))

        return self._either(lambda: super(OfflineStaff, self).find_user(username), cached)

    # --- the server's audit log ---------------------------------------------------------------

    def send_signins(self) -> int:
        """Audit on the server the sign-ins made offline (while online; a periodic job).

        The cache keeps each until the server's commit returns, so a lost answer audits it
        again rather than never (a ``login.offline`` row twice, never none). Returns how many
        were sent.
        """
        sent = 0
        send = super().record_offline_logins
        while self.link.online:
            waiting = self.cache.signins()
            if not waiting:
                break
            rows = [(user, at) for _id, user, at in waiting]
            try:
                SalesApi.policy(functools.partial(send, self._context.register, rows))
            except (DatabaseError, SQLAlchemyError) as exc:  # kept: sent at the next try
                if server_gone(exc):
                    self.link.lost(describe(exc))
                else:
                    _log.warning("the server refused the offline sign-ins' audit: %s", exc)
                break
            self.cache.forget_signins(waiting[-1][0])
            sent += len(waiting)
        return sent

    # --- inside -------------------------------------------------------------------------------

    def _either(self, online: Callable[[], R], offline: Callable[[], R]) -> R:
        """``online()`` while the link is up; ``offline()`` when it is down or is lost now.

        Only a lost server (:func:`.reach.server_gone`, the register's one rule) sends the
        register offline; any other error from the server is its answer and fails the call, as
        the sales facade does (``OfflineSales._either``).
        """
        if self.link.online:
            try:
                return online()
            except (DatabaseError, SQLAlchemyError) as exc:
                if not server_gone(exc):
                    if isinstance(exc, DatabaseError):
                        raise
                    raise DatabaseError(_(CALL_REFUSED).format(reason=describe(exc))) from exc
                self.link.lost(describe(exc))
        return offline()

    def _locked_until(self, key: str, staff: CachedStaff | None, now: datetime) -> datetime | None:
        """The later of the server's lock (as cached) and this register's, if either holds."""
        locks = [self._throttle.locked_until(key, now)]
        if staff is not None and staff.locked_until is not None and staff.locked_until > now:
            locks.append(staff.locked_until)
        held = [lock for lock in locks if lock is not None]
        return max(held) if held else None

    def _failed(self, key: str, now: datetime) -> None:
        attempts = self._setting(registry.LOCKOUT_ATTEMPTS)
        minutes = self._setting(registry.LOCKOUT_MINUTES)
        self._throttle.failed(key, now, attempts, minutes)

    @staticmethod
    def _hash_time(staff: CachedStaff | None, password: str) -> None:
        """Spend a check's hashing time, as the server does for a locked user."""
        verify_password(None if staff is None else staff.password_hash or staff.pin_hash, password)

    def _setting(self, spec: Spec[T]) -> T:
        text = self.cache.setting(spec.key)
        return registry.typed_value(spec, None if text is None else json.loads(text))


def _user(staff: CachedStaff, locked_until: datetime | None) -> UserDTO:
    """The user as the server would give them (active: the cache holds active staff only)."""
    return UserDTO(
        staff.id,
        staff.username or staff.username_key,
        staff.full_name,
        staff.role,
        active=True,
        locked_until=locked_until,
        store_id=staff.store_id,
        locale=staff.locale,
    )
