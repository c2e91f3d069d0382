"""Notification rules stored as the setting ``notifications.rules``: read, validate, write.

The setting holds ``{"version": 1, "rules": [{"trigger": …, "enabled": …, "roles": […],
"user_ids": […], "threshold": …}, …]}``. Reading is forgiving: triggers missing from the setting
take their defaults, unknown triggers are ignored and a malformed entry falls back to its default
(and is logged), so a hand-edited or older setting can never stop notifications altogether.
Writing is strict: :func:`validate_rules` refuses anything the dialog should not have produced.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from sqlalchemy import select

from posapp.i18n import _
from posapp.models import User
from posapp.services.notifications.dto import (
    MONEY_THRESHOLD_MAX,
    PERCENT_RANGE,
    ROLES,
    TRIGGERS,
    TRIGGERS_BY_KEY,
    NotificationRule,
    TriggerSpec,
)
from posapp.services.platform.errors import ValidationError
from posapp.services.platform.settings import get_setting, put_setting
from posapp.services.platform.uow import UnitOfWork

_log = logging.getLogger(__name__)

RULES_KEY: Final = "notifications.rules"
RULES_VERSION: Final = 1


def rule_to_json(rule: NotificationRule) -> dict[str, Any]:
    """The JSON form of a rule, as stored in the setting."""
    return {
        "trigger": rule.trigger,
        "enabled": rule.enabled,
        "roles": list(rule.roles),
        "user_ids": list(rule.user_ids),
        "threshold": rule.threshold,
    }


def _ints(value: object) -> tuple[int, ...]:
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        raise TypeError("expected a list of integers")
    return tuple(dict.fromkeys(value))


def _strs(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError("expected a list of strings")
    return tuple(dict.fromkeys(value))


def rule_from_json(raw: Mapping[str, Any], spec: TriggerSpec) -> NotificationRule:
    """Parse one stored rule for ``spec``; missing keys take the trigger's defaults.

    Raises:
        TypeError: a value has the wrong type.
        ValidationError: a value is out of range.
    """
    default = spec.default_rule()
    enabled = raw.get("enabled", default.enabled)
    if not isinstance(enabled, bool):
        raise TypeError("enabled must be true or false")
    roles = _strs(raw["roles"]) if "roles" in raw else default.roles
    user_ids = _ints(raw["user_ids"]) if "user_ids" in raw else default.user_ids
    threshold = raw.get("threshold", default.threshold)
    if threshold is not None and (not isinstance(threshold, int) or isinstance(threshold, bool)):
        raise TypeError("threshold must be a whole number")
    rule = NotificationRule(spec.key, enabled, roles, user_ids, threshold)
    check_rule(rule)
    return rule


def check_rule(rule: NotificationRule) -> NotificationRule:
    """Check one rule on its own (not whether its users exist).

    Raises:
        ValidationError: unknown trigger or role, or a threshold out of range for its kind.
    """
    spec = TRIGGERS_BY_KEY.get(rule.trigger)
    if spec is None:
        raise ValidationError(
            _("Unknown notification trigger {trigger!r}.").format(trigger=rule.trigger)
        )
    unknown = [role for role in rule.roles if role not in ROLES]
    if unknown:
        raise ValidationError(
            _("Unknown role {unknown!r} in the rule {label!r}.").format(
                unknown=unknown[0], label=spec.label
            )
        )
    if spec.threshold == "none":
        if rule.threshold is not None:
            raise ValidationError(
                _("The rule {label!r} takes no threshold.").format(label=spec.label)
            )
        return rule
    if rule.threshold is None:
        raise ValidationError(
            _("Enter a threshold for the rule {label!r}.").format(label=spec.label)
        )
    if spec.threshold == "percent":
        low, high = PERCENT_RANGE
        if not low <= rule.threshold <= high:
            raise ValidationError(
                _("{label}: the threshold is a percentage from 1 to 100.").format(label=spec.label)
            )
    elif not 1 <= rule.threshold <= MONEY_THRESHOLD_MAX:
        raise ValidationError(
            _("{label}: the threshold must be an amount above zero.").format(label=spec.label)
        )
    return rule


def load_rules(uow: UnitOfWork) -> list[NotificationRule]:
    """Every trigger's rule, in :data:`TRIGGERS` order, inside a running unit of work."""
    stored = get_setting(uow, RULES_KEY, None)
    entries: dict[str, Mapping[str, Any]] = {}
    if isinstance(stored, dict) and isinstance(stored.get("rules"), list):
        for raw in stored["rules"]:
            if isinstance(raw, dict) and isinstance(raw.get("trigger"), str):
                entries.setdefault(raw["trigger"], raw)
    elif stored is not None:
        _log.warning("setting %s is malformed; using the default rules", RULES_KEY)
    rules = []
    for spec in TRIGGERS:
        raw = entries.get(spec.key)
        if raw is None:
            rules.append(spec.default_rule())
            continue
        try:
            rules.append(rule_from_json(raw, spec))
        except (TypeError, ValidationError) as exc:
            _log.warning("notification rule %s is malformed (%s); using its default", spec.key, exc)
            rules.append(spec.default_rule())
    return rules


def validate_rules(
    uow: UnitOfWork, current: Sequence[NotificationRule], changes: Iterable[NotificationRule]
) -> list[NotificationRule]:
    """Merge ``changes`` over ``current`` after checking them; return every trigger's rule.

    Raises:
        ValidationError: a trigger appears twice, or a rule is invalid or names an unknown user.
    """
    merged = {rule.trigger: rule for rule in current}
    seen: set[str] = set()
    wanted_users: set[int] = set()
    for rule in changes:
        check_rule(rule)
        if rule.trigger in seen:
            raise ValidationError(
                _("The rule {trigger!r} is given twice.").format(trigger=rule.trigger)
            )
        seen.add(rule.trigger)
        wanted_users.update(rule.user_ids)
        merged[rule.trigger] = NotificationRule(
            rule.trigger,
            rule.enabled,
            tuple(dict.fromkeys(rule.roles)),
            tuple(dict.fromkeys(rule.user_ids)),
            rule.threshold,
        )
    if wanted_users:
        found = set(uow.session.scalars(select(User.id).where(User.id.in_(wanted_users))))
        missing = sorted(wanted_users - found)
        if missing:
            raise ValidationError(
                _("No staff user has the id {missing}.").format(missing=missing[0])
            )
    return [merged.get(spec.key, spec.default_rule()) for spec in TRIGGERS]


def store_rules(uow: UnitOfWork, rules: Sequence[NotificationRule]) -> None:
    """Write every rule into the setting (inside a running unit of work; the caller commits)."""
    put_setting(
        uow,
        RULES_KEY,
        {"version": RULES_VERSION, "rules": [rule_to_json(rule) for rule in rules]},
    )
