"""Staff notifications: the rules an admin edits, and each user's list, unread count and reads.

Where notifications come from: :class:`NotificationListener` (re-exported here from
:mod:`posapp.services.notifications.listener`) turns committed events into rows by the rules of
:mod:`posapp.services.notifications.rules`. Rules live in the setting ``notifications.rules``;
their defaults are in :data:`posapp.services.notifications.dto.TRIGGERS`:

- stock falls to its reorder point → managers and admins (staff with a home store hear only
  of that store's stock, pickups, ready and refunded orders; see ``users.store_id``);
- a pickup order is placed, an order is ready for pickup → all staff;
- an order is refunded → managers;
- a campaign's redemptions reach 90 % of its usage limit → admins (once per campaign);
- a campaign ends, its final report is written, a staff user changes → admins;
- money of at least 500.00 moves on a customer account → managers;
- a product changes → managers (off by default).

Reading and marking one's own notifications needs no permission beyond being an active user;
reading and changing the rules needs :data:`RULES_PERMISSION`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from sqlalchemy import func, select, update

from posapp.i18n import _
from posapp.models import Notification, User
from posapp.services.notifications.dto import (
    RULES_PERMISSION,
    NotificationDTO,
    NotificationFilter,
    NotificationRule,
    StaffChoice,
)
from posapp.services.notifications.listener import NotificationListener
from posapp.services.notifications.rules import (
    RULES_KEY,
    load_rules,
    rule_to_json,
    store_rules,
    validate_rules,
)
from posapp.services.platform.audit import AuditRecord
from posapp.services.platform.dto import UserDTO, from_row
from posapp.services.platform.keyset import newest_first
from posapp.services.platform.uow import UnitOfWork
from posapp.services.staff import SESSION_ENDED, SessionEndedError, authorize, requires

__all__ = [
    "RULES_KEY",
    "RULES_PERMISSION",
    "NotificationListener",
    "get_rules",
    "list_notifications",
    "mark_all_read",
    "mark_read",
    "notifications_by_ids",
    "save_rules",
    "staff_choices",
    "unread_count",
]


PAGE_MAX: Final = 500
IDS_MAX: Final = 10_000


def _active_user(uow: UnitOfWork, actor: UserDTO) -> User:
    """Re-read ``actor``: a deactivated user's session ends at its next action."""
    user = uow.session.get(User, actor.id)
    if user is None or not user.active:
        raise SessionEndedError(_(SESSION_ENDED))
    return user


def to_dto(row: Notification) -> NotificationDTO:
    """The read model of a notification row."""
    return from_row(NotificationDTO, row)


def list_notifications(
    uow: UnitOfWork, actor: UserDTO, flt: NotificationFilter | None = None
) -> list[NotificationDTO]:
    """A page of the actor's notifications, newest first (keyset paging on ``before_id``)."""
    flt = flt or NotificationFilter()
    limit = max(1, min(flt.limit, PAGE_MAX))
    with uow:
        user = _active_user(uow, actor)
        stmt = select(Notification).where(Notification.user_id == user.id)
        if flt.unread_only:
            stmt = stmt.where(Notification.read_at.is_(None))
        if flt.kind:
            stmt = stmt.where(Notification.kind == flt.kind)
        rows = uow.session.scalars(newest_first(stmt, Notification.id, flt.before_id, limit))
        return [to_dto(row) for row in rows]


def notifications_by_ids(
    uow: UnitOfWork, actor: UserDTO, ids: Sequence[int]
) -> list[NotificationDTO]:
    """The actor's notifications among ``ids`` (others' are never returned), oldest first."""
    wanted = list(dict.fromkeys(ids))[:IDS_MAX]
    if not wanted:
        return []
    with uow:
        user = _active_user(uow, actor)
        rows = uow.session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id, Notification.id.in_(wanted))
            .order_by(Notification.id)
        )
        return [to_dto(row) for row in rows]


def unread_count(uow: UnitOfWork, actor: UserDTO) -> int:
    """How many of the actor's notifications are unread (the bell's badge)."""
    with uow:
        user = _active_user(uow, actor)
        count = uow.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        return int(count or 0)


def mark_read(uow: UnitOfWork, actor: UserDTO, ids: Sequence[int], *, read: bool = True) -> int:
    """Mark some of the actor's notifications read (or unread again); return how many changed."""
    wanted = list(dict.fromkeys(ids))[:IDS_MAX]
    if not wanted:
        return 0
    with uow:
        user = _active_user(uow, actor)
        stmt = update(Notification).where(
            Notification.user_id == user.id, Notification.id.in_(wanted)
        )
        if read:
            stmt = stmt.where(Notification.read_at.is_(None)).values(read_at=uow.now())
        else:
            stmt = stmt.where(Notification.read_at.is_not(None)).values(read_at=None)
        changed = uow.session.execute(stmt.execution_options(synchronize_session=False))
        uow.commit()
        return int(changed.rowcount)  # type: ignore[attr-defined]


def mark_all_read(uow: UnitOfWork, actor: UserDTO, kind: str = "") -> int:
    """Mark every unread notification of the actor (of one ``kind``, if given) read."""
    with uow:
        user = _active_user(uow, actor)
        stmt = update(Notification).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
        if kind:
            stmt = stmt.where(Notification.kind == kind)
        changed = uow.session.execute(
            stmt.values(read_at=uow.now()).execution_options(synchronize_session=False)
        )
        uow.commit()
        return int(changed.rowcount)  # type: ignore[attr-defined]


@requires(RULES_PERMISSION)
def get_rules(uow: UnitOfWork, actor: UserDTO) -> list[NotificationRule]:
    """Every trigger's rule, defaults included, in the order the dialog shows them."""
    with uow:
        authorize(uow, actor, RULES_PERMISSION)
        return load_rules(uow)


@requires(RULES_PERMISSION)
def save_rules(
    uow: UnitOfWork, actor: UserDTO, rules: Sequence[NotificationRule]
) -> list[NotificationRule]:
    """Replace the rules of the triggers in ``rules`` (others keep theirs); audited.

    Raises:
        ValidationError: an unknown trigger, role or user, or a threshold out of range.
    """
    with uow:
        user = authorize(uow, actor, RULES_PERMISSION)
        before = load_rules(uow)
        after = validate_rules(uow, before, rules)
        if after != before:
            store_rules(uow, after)
            uow.audit(
                AuditRecord(
                    action="notifications.rules_changed",
                    user_id=user.id,
                    object_kind="setting",
                    before={"rules": [rule_to_json(r) for r in before if r not in after]},
                    after={"rules": [rule_to_json(r) for r in after if r not in before]},
                )
            )
            uow.commit()
        return after


@requires(RULES_PERMISSION)
def staff_choices(uow: UnitOfWork, actor: UserDTO) -> list[StaffChoice]:
    """Every staff user, active first, for naming individual recipients in a rule."""
    with uow:
        authorize(uow, actor, RULES_PERMISSION)
        rows = uow.session.scalars(
            select(User).order_by(User.active.desc(), User.username_key)
        ).all()
        return [
            StaffChoice(u.id, u.username, u.full_name or u.username, u.role, u.active) for u in rows
        ]
