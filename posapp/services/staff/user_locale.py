"""Each user's own language and locale: the formats of their screens (issue #18).

A user may set their own; an admin (``MANAGE_USERS``) may set anyone's; the command line acts as
the trusted local admin (``actor=None``). The value is a locale of a language posapp ships (en,
de, fr, es: ``de_DE``, ``fr_CH``…) or ``""`` to follow the shop's locale; the screens translate
nothing yet, but write numbers, money and dates the user's way. A change is audited (before and
after) and announced with :class:`~posapp.events.UserChanged` after the commit.
"""

from __future__ import annotations

from typing import Final

from posapp.events import UserChanged
from posapp.formats import SHIPPED_LANGUAGES
from posapp.i18n import N_, _
from posapp.models import User
from posapp.services.platform import registry
from posapp.services.platform.audit import AuditRecord
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import NotFoundError
from posapp.services.platform.ids import storable_id
from posapp.services.platform.uow import UnitOfWork
from posapp.services.staff.permissions import Permission
from posapp.services.staff.security import SESSION_ENDED, SessionEndedError, authorize
from posapp.services.staff.users import to_dto

USER_LOCALE: Final = registry.LocaleSpec(
    "user.locale",
    "",
    "Language",
    "The language and locale of this user's screens; empty follows the shop's.",
    "",
    languages=SHIPPED_LANGUAGES,
)
"""How a user's own locale is typed, checked and shown."""


def user_locale_choices() -> tuple[tuple[str, str], ...]:
    """The locales a user may choose (value, label), "the shop's" first."""
    return (("", N_("As the shop (its locale)")), *USER_LOCALE.choices())


def set_user_locale(uow: UnitOfWork, actor: UserDTO | None, user_id: int, text: str) -> UserDTO:
    """Set ``user_id``'s own locale to the one typed as ``text`` (``""``: the shop's).

    Raises:
        SettingValueError: not a locale of a language posapp ships (nothing is written).
        PermissionDeniedError: another user's, without ``MANAGE_USERS``.
        NotFoundError: no such user.
    """
    value = USER_LOCALE.parse(text)
    with uow:
        actor_id = None
        if actor is not None:
            if actor.id == user_id:
                me = uow.session.get(User, actor.id)
                if me is None or not me.active:
                    raise SessionEndedError(_(SESSION_ENDED))
                actor_id = me.id
            else:
                actor_id = authorize(uow, actor, Permission.MANAGE_USERS).id
        user = uow.session.get(User, user_id) if storable_id(user_id) else None
        if user is None:
            raise NotFoundError(_("No user with id {user_id}.").format(user_id=str(user_id)[:20]))
        if user.locale == value:
            return to_dto(user)
        before = {"locale": user.locale}
        user.locale = value
        user.changed_at = uow.now()
        user.changed_by_id = actor_id
        uow.flush()
        uow.record(UserChanged(user_id=user.id, username=user.username, change="locale",
                               at=user.changed_at))  # fmt: skip
        dto = to_dto(user)
        uow.audit(AuditRecord("user.locale", actor_id, "user", user.id, before, {"locale": value}))
        uow.commit()
    return dto
