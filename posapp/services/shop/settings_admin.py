"""Listing, reading and changing the shop's settings (those of the settings registry).

Every change is one unit of work: the actor's permission is checked (the command line acts as
the trusted local admin, ``actor=None``), the typed text is validated by the setting's spec
before anything is written, the row is written with an audit row holding the value before and
after, and :class:`~posapp.events.SettingChanged` is published after the commit, so the running
app (and, on PostgreSQL, the other registers) apply it at once. Setting a value equal to the
stored one changes nothing and audits nothing. The currency cannot change once the database
holds money (:mod:`~posapp.services.shop.currency_guard`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from posapp.currency import Currency, currency_for, default_denominations
from posapp.events import SettingChanged
from posapp.i18n import N_
from posapp.money import current_currency, set_current_currency
from posapp.services.platform import registry
from posapp.services.platform.audit import AuditRecord
from posapp.services.platform.dto import ShopProfile, UserDTO
from posapp.services.platform.registry import SettingValueError
from posapp.services.platform.settings import get_setting, put_setting
from posapp.services.platform.uow import UnitOfWork
from posapp.services.shop.currency_guard import check_currency_change
from posapp.services.shop.dto import SettingDTO
from posapp.services.staff import Permission, authorize

_UNSET: Final = object()


def _authorize(uow: UnitOfWork, actor: UserDTO | None, spec: registry.AnySpec) -> str:
    """Check the actor may change ``spec``; return their username (``""``: the command line)."""
    if actor is None:
        return ""
    return authorize(uow, actor, Permission(spec.permission)).username


def _choices(spec: registry.AnySpec) -> tuple[tuple[str, str], ...]:
    if isinstance(spec, registry.ChoiceSpec):
        return spec.choices
    if isinstance(spec, registry.ZoneSpec):
        return (("", N_("This computer's time zone")), *((zone, zone) for zone in spec.zones()))
    if isinstance(spec, registry.CurrencySpec):
        return (("", N_("Not set (two decimals, this computer's symbol)")), *spec.choices())
    if isinstance(spec, registry.LocaleSpec):
        return (("", N_("Not set (posapp's neutral formats)")), *spec.choices())
    return ()


def _default_text(spec: registry.AnySpec) -> str:
    """The default as text; the notes and coins default to the shop currency's own."""
    if isinstance(spec, registry.DenominationsSpec):
        return spec.show(default_denominations(current_currency()))
    return spec.text_of(None)


def _dto(spec: registry.AnySpec, raw: object) -> SettingDTO:
    is_set = raw is not _UNSET and raw is not None
    default = _default_text(spec)
    return SettingDTO(
        key=spec.key,
        group=spec.group,
        label=spec.label,
        description=spec.description,
        kind=spec.kind,
        value=spec.text_of(raw) if is_set else default,
        default=default,
        bounds=spec.bounds,
        is_set=is_set,
        choices=_choices(spec),
        multiline=isinstance(spec, registry.TextSpec) and spec.multiline,
        limit=spec.limit if isinstance(spec, registry.TextSpec) else 0,
        unit=getattr(spec, "unit", ""),
    )


def list_settings(uow: UnitOfWork, actor: UserDTO | None) -> tuple[SettingDTO, ...]:
    """Every setting of the registry with its current value, in the registry's order.

    Raises:
        PermissionDeniedError: the actor may not manage the settings.
    """
    with uow:
        if actor is not None:
            authorize(uow, actor, Permission.MANAGE_SETTINGS)
        return tuple(_dto(spec, get_setting(uow, spec.key, _UNSET)) for spec in registry.SETTINGS)


def setting(uow: UnitOfWork, actor: UserDTO | None, key: str) -> SettingDTO:
    """The setting named ``key`` with its current value.

    Raises:
        SettingValueError: no such setting.
        PermissionDeniedError: the actor may not manage the settings.
    """
    spec = registry.spec_for(key)
    with uow:
        _authorize(uow, actor, spec)
        return _dto(spec, get_setting(uow, spec.key, _UNSET))


class SettingsRefusedError(SettingValueError):
    """Some of several values were refused; :attr:`problems` says why, by key."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        super().__init__(" ".join(problems.values()))
        self.problems = dict(problems)


def change_setting(uow: UnitOfWork, actor: UserDTO | None, key: str, text: str) -> SettingDTO:
    """Set the setting named ``key`` to the value typed as ``text``; return it as stored.

    Raises:
        SettingValueError: no such setting, or a value it refuses (nothing is written).
        PermissionDeniedError: the actor may not change it.
    """
    spec = registry.spec_for(key)
    (result,) = _change(uow, actor, {spec.key: (spec, spec.stored(text))})
    return result


def change_settings(
    uow: UnitOfWork, actor: UserDTO | None, changes: Mapping[str, str]
) -> tuple[SettingDTO, ...]:
    """Set several settings at once (the Settings page's Save): all of them, or none.

    Every value is checked before anything is written; each changed one gets its audit row and
    its event.

    Raises:
        SettingsRefusedError: some keys or values were refused (``problems`` by key); nothing
            is written.
        PermissionDeniedError: the actor may not change them.
    """
    checked: dict[str, tuple[registry.AnySpec, object]] = {}
    problems: dict[str, str] = {}
    for key, text in changes.items():
        try:
            spec = registry.spec_for(key)
            checked[spec.key] = (spec, spec.stored(text))
        except SettingValueError as exc:
            problems[key] = str(exc)
    if problems:
        raise SettingsRefusedError(problems)
    return _change(uow, actor, checked)


def _change(
    uow: UnitOfWork, actor: UserDTO | None, values: Mapping[str, tuple[registry.AnySpec, object]]
) -> tuple[SettingDTO, ...]:
    results = []
    currency: Currency | None = None
    with uow:
        for spec, value in values.values():
            username = _authorize(uow, actor, spec)
            before = get_setting(uow, spec.key, _UNSET)
            if before is _UNSET or before != value:
                if isinstance(spec, registry.CurrencySpec):
                    try:
                        check_currency_change(uow, spec.text_of(before), str(value))
                    except SettingValueError as exc:  # shown under its field on the page
                        raise SettingsRefusedError({spec.key: str(exc)}) from exc
                    currency = currency_for(str(value))
                put_setting(uow, spec.key, value)
                shown = None if before is _UNSET else before
                record_change(uow, actor, username, spec.key, (shown, value))
            results.append(_dto(spec, value))
        uow.commit()
    if currency is not None:  # this process formats in it at once; others on SettingChanged
        set_current_currency(currency)
    return tuple(results)


def record_change(
    uow: UnitOfWork,
    actor: UserDTO | None,
    username: str,
    key: str,
    change: tuple[object, object],
) -> None:
    """Audit the change of ``key`` and announce it after the commit.

    ``change`` is what the audit keeps of the value before and after.
    """
    before, after = change
    actor_id = None if actor is None else actor.id
    record = AuditRecord("setting.changed", actor_id, "setting", None, {key: before}, {key: after})
    uow.audit(record)
    uow.record(SettingChanged(key=key, username=username, at=uow.now()))


def shop_profile(uow: UnitOfWork) -> ShopProfile:
    """The shop profile printed on receipts, Z reports and statements (anyone may read it)."""
    with uow:
        return registry.shop_profile(uow)
