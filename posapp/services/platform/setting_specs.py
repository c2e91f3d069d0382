"""The kinds of shop setting: how each reads, checks, stores and shows its value.

A :class:`Spec` is one setting of :mod:`posapp.services.platform.registry`: its key, meaning,
default and who may change it, with the rules of its kind — a whole number, a number with
decimals, a percentage stored in basis points, an amount stored in minor units, free text, one
of a few choices, an IANA time zone, an ISO 4217 currency code, a locale, a list of notes and
coins, or a receipt printer's address.
:meth:`Spec.parse` reads what a person typed and says what is wrong in a
:class:`SettingValueError`; :meth:`Spec.coerce` reads what is stored (also what earlier
versions stored).
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Final, Generic, TypeVar
from zoneinfo import available_timezones

from posapp.currency import CurrencyError, currency_codes, currency_for, currency_name
from posapp.formats import LocaleError, locale_for, locale_names
from posapp.i18n import N_, _, language
from posapp.money import MoneyError, format_money, parse_money
from posapp.services.platform.errors import ValidationError
from posapp.services.platform.printer_address import FORMS, PrinterAddressError, parse_printer
from posapp.services.platform.text import clean_text

T = TypeVar("T")

ADMIN: Final = "manage_settings"
"""The permission (``Permission.MANAGE_SETTINGS``) needed to change a setting, by default."""


class SettingValueError(ValidationError):
    """A value a setting refuses; the message says what the setting accepts."""


@dataclass(frozen=True, slots=True)
class Spec(Generic[T]):
    """One setting: its key, what it means, and how its value is read, typed and shown."""

    key: str
    group: str
    label: str
    description: str
    default: T
    permission: str = ADMIN

    @property
    def kind(self) -> str:
        """The kind of value, for the edges: int, number, percent, money, text, choice, …."""
        raise NotImplementedError

    @property
    def bounds(self) -> str:
        """What the setting accepts, in words (``1 to 100``), or ``""``."""
        return ""

    def parse(self, text: str) -> T:
        """The value typed as ``text`` by a person.

        Raises:
            SettingValueError: the text is not an acceptable value; the message says why.
        """
        raise NotImplementedError

    def coerce(self, raw: object) -> T:
        """The value stored as JSON ``raw``.

        Raises:
            SettingValueError: ``raw`` is not an acceptable value.
        """
        if isinstance(raw, str):
            return self.parse(raw)
        raise self.refused(repr(raw))

    def to_json(self, value: T) -> object:
        """What is stored for ``value``."""
        return value

    def show(self, value: T) -> str:
        """``value`` as text that :meth:`parse` reads back."""
        return str(value)

    def stored(self, text: str) -> object:
        """The JSON value to store for ``text`` typed by a person (:meth:`parse`, then JSON).

        Raises:
            SettingValueError: the text is not an acceptable value.
        """
        return self.to_json(self.parse(text))

    def text_of(self, raw: object) -> str:
        """The stored JSON ``raw`` shown as text (the default's text when ``raw`` is refused)."""
        try:
            return self.show(self.coerce(raw))
        except SettingValueError:
            return self.show(self.default)

    def refused(self, text: str) -> SettingValueError:
        """The error for a value outside what the setting accepts."""
        if self.bounds:
            return SettingValueError(
                _("{label}: {text!r} is not accepted (expected {bounds}).").format(
                    label=_(self.label), text=text.strip()[:40], bounds=self.bounds
                )
            )
        return SettingValueError(
            _("{label}: {text!r} is not accepted.").format(
                label=_(self.label), text=text.strip()[:40]
            )
        )


def _whole(text: str) -> int | None:
    """A whole number typed as text (ASCII or other decimal digits, an optional sign), or None."""
    value = unicodedata.normalize("NFKC", text).strip().replace("_", "")
    if re.fullmatch(r"[+-]?\d{1,12}", value) is None:
        return None
    return int(value)


@dataclass(frozen=True, slots=True)
class IntSpec(Spec[int]):
    """A whole number between ``minimum`` and ``maximum``."""

    minimum: int = 0
    maximum: int = 0
    unit: str = ""

    @property
    def kind(self) -> str:  # noqa: D102
        return "int"

    @property
    def bounds(self) -> str:  # noqa: D102
        return _("a whole number from {low} to {high}{unit}").format(
            low=self.minimum, high=self.maximum, unit=_unit(self.unit)
        )

    def parse(self, text: str) -> int:  # noqa: D102
        value = _whole(text)
        if value is None:
            raise self.refused(text)
        return self.coerce(value)

    def coerce(self, raw: object) -> int:  # noqa: D102
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        if isinstance(raw, bool) or not isinstance(raw, int):
            return Spec.coerce(self, raw)  # zero-argument super() fails in a slots dataclass
        if not self.minimum <= raw <= self.maximum:
            raise self.refused(self.show(raw))
        return raw


@dataclass(frozen=True, slots=True)
class NumberSpec(Spec[float]):
    """A number (decimals allowed); stored values outside the bounds are clamped when ``clamp``."""

    minimum: float = 0.0
    maximum: float = 0.0
    unit: str = ""
    clamp: bool = False

    @property
    def kind(self) -> str:  # noqa: D102
        return "number"

    @property
    def bounds(self) -> str:  # noqa: D102
        return _("a number from {low} to {high}{unit}").format(
            low=f"{self.minimum:g}", high=f"{self.maximum:g}", unit=_unit(self.unit)
        )

    def parse(self, text: str) -> float:  # noqa: D102
        value = unicodedata.normalize("NFKC", text).strip()
        if re.fullmatch(r"[+-]?(\d{1,9}(\.\d{0,3})?|\.\d{1,3})", value) is None:
            raise self.refused(text)
        number = float(value)
        if not self.minimum <= number <= self.maximum:
            raise self.refused(text)
        return number

    def coerce(self, raw: object) -> float:  # noqa: D102
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            return Spec.coerce(self, raw)  # zero-argument super() fails in a slots dataclass
        if not math.isfinite(raw):
            raise self.refused(str(raw))
        if self.clamp:
            return min(self.maximum, max(self.minimum, float(raw)))
        if not self.minimum <= raw <= self.maximum:
            raise self.refused(str(raw))
        return float(raw)

    def show(self, value: float) -> str:  # noqa: D102
        return f"{value:g}"


@dataclass(frozen=True, slots=True)
class PercentSpec(IntSpec):
    """A percentage typed as ``12.5`` (or ``12.5%``) and stored in basis points (``1250``)."""

    @property
    def kind(self) -> str:  # noqa: D102
        return "percent"

    @property
    def bounds(self) -> str:  # noqa: D102
        return _("a percentage from {low} to {high}").format(
            low=self.show(self.minimum), high=self.show(self.maximum)
        )

    def parse(self, text: str) -> int:  # noqa: D102
        value = unicodedata.normalize("NFKC", text).strip().removesuffix("%").strip()
        match = re.fullmatch(r"(\d{1,3})(?:\.(\d{1,2}))?", value)
        if match is None:
            raise self.refused(text)
        return self.coerce(int(match[1]) * 100 + int((match[2] or "0").ljust(2, "0")))

    def show(self, value: int) -> str:  # noqa: D102
        whole, rest = divmod(value, 100)
        return f"{whole}%" if rest == 0 else f"{whole}.{rest:02d}".rstrip("0") + "%"


@dataclass(frozen=True, slots=True)
class MoneySpec(IntSpec):
    """An amount typed as ``200.00`` and stored in minor units."""

    @property
    def kind(self) -> str:  # noqa: D102
        return "money"

    @property
    def bounds(self) -> str:  # noqa: D102
        return _("an amount from {low} to {high}").format(
            low=format_money(self.minimum), high=format_money(self.maximum)
        )

    def parse(self, text: str) -> int:  # noqa: D102
        try:
            return self.coerce(parse_money(text, maximum=self.maximum))
        except MoneyError as exc:
            raise SettingValueError(
                _("{label}: {exc}.").format(label=_(self.label), exc=exc)
            ) from exc

    def show(self, value: int) -> str:  # noqa: D102
        return format_money(value)


@dataclass(frozen=True, slots=True)
class TextSpec(Spec[str]):
    """Free text of at most ``limit`` characters (several lines when ``multiline``)."""

    limit: int = 100
    multiline: bool = False
    pattern: str = ""
    """A regular expression a non-empty value must match fully (then ``hint`` says what)."""
    hint: str = ""

    @property
    def kind(self) -> str:  # noqa: D102
        return "text"

    @property
    def bounds(self) -> str:  # noqa: D102
        if self.hint:
            return _("{hint} (at most {limit} characters)").format(
                hint=_(self.hint), limit=self.limit
            )
        if self.multiline:
            return _("text of at most {limit} characters, several lines").format(limit=self.limit)
        return _("text of at most {limit} characters").format(limit=self.limit)

    def parse(self, text: str) -> str:  # noqa: D102
        if not self.multiline and ("\n" in text.strip() or "\r" in text.strip()):
            raise SettingValueError(_("{label}: one line only.").format(label=_(self.label)))
        try:
            # English reads "The legal name has ..."; the translations lead with the label.
            what = self.label.lower() if language() == "en" else _(self.label)
            value = clean_text(text, what, limit=self.limit, multiline=self.multiline)
        except ValidationError as exc:
            raise SettingValueError(f"{self.label}: {exc}") from exc
        if value and self.pattern and re.fullmatch(self.pattern, value) is None:
            raise SettingValueError(
                _("{label}: {value!r} is not {hint}.").format(
                    label=_(self.label), value=value[:40], hint=_(self.hint)
                )
            )
        return value


@dataclass(frozen=True, slots=True)
class ChoiceSpec(Spec[str]):
    """One of ``choices`` (value, label) pairs."""

    choices: tuple[tuple[str, str], ...] = ()

    @property
    def kind(self) -> str:  # noqa: D102
        return "choice"

    @property
    def bounds(self) -> str:  # noqa: D102
        return _("one of {values}").format(
            values=", ".join(value for value, _label in self.choices)
        )

    def parse(self, text: str) -> str:  # noqa: D102
        value = text.strip().lower().replace("-", "_").replace(" ", "_")
        if value not in dict(self.choices):
            raise self.refused(text)
        return value


@dataclass(frozen=True, slots=True)
class PrinterSpec(Spec[str]):
    """A receipt printer's address (:mod:`~posapp.services.platform.printer_address`), or none."""

    @property
    def kind(self) -> str:  # noqa: D102
        return "printer"

    @property
    def bounds(self) -> str:  # noqa: D102
        return _(FORMS)

    def parse(self, text: str) -> str:  # noqa: D102
        try:
            return parse_printer(text).text
        except PrinterAddressError as exc:
            raise SettingValueError(f"{self.label}: {exc}") from exc

    def show(self, value: str) -> str:  # noqa: D102
        return value or "none"


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


@dataclass(frozen=True, slots=True)
class ZoneSpec(Spec[str]):
    """An IANA time zone (``Europe/Berlin``), or ``""`` for the machine's own."""

    @property
    def kind(self) -> str:  # noqa: D102
        return "zone"

    @property
    def bounds(self) -> str:  # noqa: D102
        return _("an IANA time zone such as Europe/Berlin, or empty for this computer's")

    def parse(self, text: str) -> str:  # noqa: D102
        value = text.strip()
        if value and value not in _zones():
            folded = {zone.casefold(): zone for zone in _zones()}.get(value.casefold())
            if folded is None:
                raise SettingValueError(
                    _(
                        "{label}: unknown time zone {value!r} (use a name such as "
                        "Europe/Berlin or America/New_York)."
                    ).format(label=_(self.label), value=value[:40])
                )
            value = folded
        return value

    def zones(self) -> tuple[str, ...]:
        """Every zone name the setting accepts, sorted."""
        return tuple(sorted(_zones()))


@dataclass(frozen=True, slots=True)
class DenominationsSpec(Spec[tuple[int, ...]]):
    """Notes and coins as amounts (``50.00, 20.00, 0.01``), stored in minor units, largest first."""

    most: int = 30

    @property
    def kind(self) -> str:  # noqa: D102
        return "amounts"

    @property
    def bounds(self) -> str:  # noqa: D102
        return _("1 to {most} amounts separated by commas, such as 50.00, 20.00, 0.05").format(
            most=self.most
        )

    def parse(self, text: str) -> tuple[int, ...]:  # noqa: D102
        parts = [part for part in re.split(r"[,;\s]+", text.strip()) if part]
        if not parts:
            raise SettingValueError(
                _("{label}: enter at least one note or coin.").format(label=_(self.label))
            )
        values = []
        for part in parts:
            try:
                values.append(parse_money(part, group_sep="", allow_zero=False, maximum=10**8))
            except MoneyError as exc:
                raise SettingValueError(
                    _("{label}: {part!r}: {exc}.").format(
                        label=_(self.label), part=part[:20], exc=exc
                    )
                ) from exc
        return self.coerce(values)

    def coerce(self, raw: object) -> tuple[int, ...]:  # noqa: D102
        if isinstance(raw, list | tuple) and raw:
            if all(type(v) is int and v > 0 for v in raw) and len(set(raw)) <= self.most:
                return tuple(sorted(set(raw), reverse=True))
            raise self.refused(repr(raw))
        return Spec.coerce(self, raw)  # zero-argument super() fails in a slots dataclass

    def to_json(self, value: tuple[int, ...]) -> object:  # noqa: D102
        return list(value)

    def show(self, value: tuple[int, ...]) -> str:  # noqa: D102
        return ", ".join(format_money(v, group_sep="") for v in value)


@dataclass(frozen=True, slots=True)
class CurrencySpec(Spec[str]):
    """An ISO 4217 currency code (``EUR``, ``JPY``, ``KWD``), or ``""`` when not set."""

    @property
    def kind(self) -> str:  # noqa: D102
        return "currency"

    @property
    def bounds(self) -> str:  # noqa: D102
        return _("an ISO 4217 currency code such as EUR, JPY or KWD")

    def parse(self, text: str) -> str:  # noqa: D102
        try:
            return currency_for(text).code
        except CurrencyError as exc:
            raise SettingValueError(f"{self.label}: {exc}") from exc

    def show(self, value: str) -> str:  # noqa: D102
        return value

    def choices(self) -> tuple[tuple[str, str], ...]:
        """Every code the setting accepts with its name in the user's language, sorted by code."""
        return tuple(
            (code, f"{code} – {currency_name(code, language())}")
            for code in sorted(currency_codes())
        )


@dataclass(frozen=True, slots=True)
class LocaleSpec(Spec[str]):
    """A Babel locale id (``de_DE``, ``ja_JP``), or ``""`` for posapp's neutral formats.

    ``languages``, when given, limits the locale to those languages (a user's own language must
    be one posapp ships).
    """

    languages: tuple[str, ...] = ()

    @property
    def kind(self) -> str:  # noqa: D102
        return "locale"

    @property
    def bounds(self) -> str:  # noqa: D102
        if self.languages:
            return _("a locale of {languages} such as de_DE, or empty").format(
                languages=", ".join(self.languages)
            )
        return _("a locale such as de_DE, en_GB or ja_JP, or empty for posapp's neutral formats")

    def parse(self, text: str) -> str:  # noqa: D102
        try:
            return locale_for(text, languages=self.languages)
        except LocaleError as exc:
            raise SettingValueError(f"{self.label}: {exc}") from exc

    def choices(self) -> tuple[tuple[str, str], ...]:
        """Every locale the setting accepts with its name in the user's language, sorted by id."""
        return locale_names(self.languages, language())


UNITS: Final = (
    N_("digits"),
    N_("decimals"),
    N_("minutes"),
    N_("attempts"),
    N_("months"),
    N_("days"),
    N_("points"),
    N_("points per unit"),
)
"""The units the registry's settings use, marked for translation (shown with ``_()``)."""


def _unit(unit: str) -> str:
    return f" {_(unit)}" if unit else ""


_PREFIX_LOW, _PREFIX_HIGH = 20, 29  # GS1's in-store (restricted circulation) EAN-13 prefixes


@dataclass(frozen=True, slots=True)
class PrefixesSpec(Spec[tuple[int, ...]]):
    """GS1 in-store prefixes from 20 to 29: ``20-29``, ``21, 28``, or empty for none.

    Stored as a JSON list of numbers; shown with runs joined (``20-23, 28``).
    """

    @property
    def kind(self) -> str:  # noqa: D102
        return "text"

    @property
    def bounds(self) -> str:  # noqa: D102
        return _("prefixes from 20 to 29 like 20-29 or 21, 28; empty for none")

    def parse(self, text: str) -> tuple[int, ...]:  # noqa: D102
        found: set[int] = set()
        for part in unicodedata.normalize("NFKC", text).replace(";", ",").split(","):
            if not part.strip():
                continue
            low, dash, high = part.strip().partition("-")
            first, last = _whole(low), _whole(high) if dash else _whole(low)
            if first is None or last is None or not _PREFIX_LOW <= first <= last <= _PREFIX_HIGH:
                raise self.refused(text)
            found.update(range(first, last + 1))
        return tuple(sorted(found))

    def coerce(self, raw: object) -> tuple[int, ...]:  # noqa: D102
        if isinstance(raw, list) and all(type(item) is int for item in raw):
            return self.parse(", ".join(str(item) for item in raw))
        return Spec.coerce(self, raw)  # zero-argument super() fails in a slots dataclass

    def to_json(self, value: tuple[int, ...]) -> object:  # noqa: D102
        return list(value)

    def show(self, value: tuple[int, ...]) -> str:  # noqa: D102
        runs: list[list[int]] = []
        for prefix in value:
            if runs and runs[-1][-1] == prefix - 1:
                runs[-1].append(prefix)
            else:
                runs.append([prefix])
        return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


AnySpec = (
    IntSpec
    | NumberSpec
    | TextSpec
    | ChoiceSpec
    | ZoneSpec
    | DenominationsSpec
    | PrinterSpec
    | CurrencySpec
    | LocaleSpec
    | PrefixesSpec
)
"""Any one setting (percent and money settings are int settings)."""
