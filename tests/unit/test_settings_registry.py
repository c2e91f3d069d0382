"""The settings registry: every key once, values typed, bounds kept, old rows still read."""

from __future__ import annotations

import pytest

from posapp.services.backend import Backend
from posapp.services.platform import registry, settings
from posapp.services.platform.registry import SettingValueError


def test_every_key_once_with_a_group_a_label_and_a_description() -> None:
    keys = [spec.key for spec in registry.SETTINGS]
    assert len(keys) == len(set(keys))
    for spec in registry.SETTINGS:
        assert spec.group in registry.GROUPS
        assert spec.label
        assert spec.description.endswith(".")
        assert spec.permission == registry.ADMIN
        # the default is an accepted value and its text reads back as itself
        assert spec.coerce(spec.stored(spec.text_of(None))) == spec.default
    assert not set(keys) & set(registry.MANAGED_ELSEWHERE)


@pytest.mark.parametrize(
    ("spec", "text", "value"),
    [
        (registry.DISCOUNT_CAP_BP, "12.5%", 1250),
        (registry.DISCOUNT_CAP_BP, " 15 ", 1500),
        (registry.DISCOUNT_CAP_BP, "０", 0),
        (registry.LOCKOUT_ATTEMPTS, "3", 3),
        (registry.LOCKOUT_MINUTES, "1440", 1440),
        (registry.IDLE_LOCK_MINUTES, "0.5", 0.5),
        (registry.IDLE_LOCK_MINUTES, "0", 0.0),
        (registry.WITHDRAWAL_APPROVAL, "150", 15000),
        (registry.WITHDRAWAL_APPROVAL, "1,000.50", 100050),
        (registry.DENOMINATIONS, "0.5, 2, 1 1", (200, 100, 50)),
        (registry.SHOP_TIMEZONE, "europe/berlin", "Europe/Berlin"),
        (registry.SHOP_TIMEZONE, "  ", ""),
        (registry.CARD_DETAILS, "Last four", "last_four"),
        (registry.OFFLINE_COUPONS, "Shared", "shared"),
        (registry.LEGAL_NAME, "  Müller & Söhne GmbH ", "Müller & Söhne GmbH"),
        (registry.ADDRESS, "Hauptstr. 1 \r\n 10115 Berlin", "Hauptstr. 1\n10115 Berlin"),
        (registry.RECEIPT_PRINTER, "tcp:192.168.1.50:9100", "network:192.168.1.50:9100"),
        (registry.RECEIPT_PRINTER, "network:Printer.local", "network:printer.local:9100"),
        (registry.RECEIPT_PRINTER, "network:[fe80::1]:9101", "network:[fe80::1]:9101"),
        (registry.RECEIPT_PRINTER, "serial:/dev/ttyUSB0", "serial:/dev/ttyUSB0:9600"),
        (registry.RECEIPT_PRINTER, "serial:COM3:19200", "serial:COM3:19200"),
        (registry.RECEIPT_PRINTER, "USB:0x04B8:0E15", "usb:04b8:0e15"),
        (registry.RECEIPT_PRINTER, " file:/dev/usb/lp0 ", "file:/dev/usb/lp0"),
        (registry.RECEIPT_PRINTER, "none", ""),
        (registry.RECEIPT_PRINTER, "", ""),
    ],
)
def test_typed_values(spec: registry.AnySpec, text: str, value: object) -> None:
    assert spec.parse(text) == value


@pytest.mark.parametrize(
    ("spec", "text", "message"),
    [
        (registry.DISCOUNT_CAP_BP, "101", r"'101%' is not accepted \(expected a percentage from"),
        (registry.DISCOUNT_CAP_BP, "-1", "not accepted"),
        (registry.DISCOUNT_CAP_BP, "12.345", "not accepted"),
        (registry.LOCKOUT_ATTEMPTS, "0", "from 1 to 100 attempts"),
        (registry.LOCKOUT_ATTEMPTS, "1.5", "whole number"),
        (registry.LOCKOUT_ATTEMPTS, "five", "whole number"),
        (registry.LOCKOUT_ATTEMPTS, "9" * 40, "whole number"),
        (registry.IDLE_LOCK_MINUTES, "-1", "from 0 to 480 minutes"),
        (registry.IDLE_LOCK_MINUTES, "NaN", "not accepted"),
        (registry.IDLE_LOCK_MINUTES, "1e3", "not accepted"),
        (registry.WITHDRAWAL_APPROVAL, "-5", "cannot be negative"),
        (registry.WITHDRAWAL_APPROVAL, "$5", "Withdrawal approval above"),
        (registry.DENOMINATIONS, "", "at least one"),
        (registry.DENOMINATIONS, "5, 0", "more than zero"),
        (registry.SHOP_TIMEZONE, "Mars/Olympus", "unknown time zone 'Mars/Olympus'"),
        (registry.SHOP_TIMEZONE, "../../etc/passwd", "unknown time zone"),
        (registry.CARD_DETAILS, "everything", "one of reference_and_last_four"),
        (registry.OFFLINE_COUPONS, "single", "one of refuse"),
        (registry.LEGAL_NAME, "two\nlines", "one line only"),
        (registry.LEGAL_NAME, "x" * 121, "at most 120 characters"),
        (registry.LEGAL_NAME, "a\x00b", "control characters"),
        (registry.RECEIPT_FOOTER, "card 4111 1111 1111 1111", "card number"),
        (registry.RECEIPT_PRINTER, "lpt1", "names no kind of printer: type none, network:HOST"),
        (registry.RECEIPT_PRINTER, "192.168.1.50:9100", "names no kind of printer"),
        (registry.RECEIPT_PRINTER, "network:", "host name or IP address"),
        (registry.RECEIPT_PRINTER, "network:printer:0", "port '0' is not a number from 1 to 65535"),
        (registry.RECEIPT_PRINTER, "network:printer:http", "port 'http'"),
        (registry.RECEIPT_PRINTER, "network:bad_host!", "not a host name or IP address"),
        (registry.RECEIPT_PRINTER, "network:999.1.1.1", "not a valid IP address"),
        (registry.RECEIPT_PRINTER, "serial:/dev/ttyUSB0:9601", "9601 baud is not a serial speed"),
        (registry.RECEIPT_PRINTER, "serial:", "enter the serial port"),
        (registry.RECEIPT_PRINTER, "usb:04b8", "usb:VENDOR:PRODUCT"),
        (registry.RECEIPT_PRINTER, "usb:zzzz:0202", "usb:VENDOR:PRODUCT"),
        (registry.RECEIPT_PRINTER, "usb:0000:0000", "name no device"),
        (registry.RECEIPT_PRINTER, "file:lp0", "not a full path"),
        (registry.RECEIPT_PRINTER, "file:/dev/../etc/passwd", "without '..'"),
        (registry.RECEIPT_PRINTER, "file:/" + "x" * 300, "longer than 200"),
        (registry.RECEIPT_PRINTER, "file:/dev/a\x00b", "control characters"),
    ],
)
def test_bad_values_are_refused_with_a_clear_message(
    spec: registry.AnySpec, text: str, message: str
) -> None:
    with pytest.raises(SettingValueError, match=message):
        spec.parse(text)


def test_unknown_keys_and_keys_changed_elsewhere() -> None:
    assert registry.spec_for(" auth.lockout_minutes ") is registry.LOCKOUT_MINUTES
    with pytest.raises(SettingValueError, match=r"Unknown setting 'no\.such'.*settings list"):
        registry.spec_for("no.such")
    with pytest.raises(SettingValueError, match="mail server settings"):
        registry.spec_for("mail.smtp")


def test_stored_rows_of_earlier_versions_are_read_as_they_were(backend: Backend) -> None:
    rows = {
        registry.DISCOUNT_CAP_BP.key: 2500,
        registry.IDLE_LOCK_MINUTES.key: 2,
        registry.DENOMINATIONS.key: [100, 500, 200],
        registry.LOCKOUT_ATTEMPTS.key: "3",
        registry.WITHDRAWAL_APPROVAL.key: 10_00,
        registry.SHOP_TIMEZONE.key: "Asia/Tokyo",
        registry.RECEIPT_PRINTER.key: "tcp:192.168.1.50",
    }
    with backend.uow() as uow:
        for key, value in rows.items():
            settings.put_setting(uow, key, value)
        uow.commit()
    with backend.read_uow() as uow:
        assert registry.read(uow, registry.DISCOUNT_CAP_BP) == 2500
        assert registry.read(uow, registry.IDLE_LOCK_MINUTES) == 2.0
        assert registry.read(uow, registry.DENOMINATIONS) == (500, 200, 100)
        assert registry.read(uow, registry.LOCKOUT_ATTEMPTS) == 3
        assert registry.read(uow, registry.WITHDRAWAL_APPROVAL) == 10_00
        assert registry.read(uow, registry.SHOP_TIMEZONE) == "Asia/Tokyo"
        assert registry.read(uow, registry.RECEIPT_PRINTER) == "network:192.168.1.50:9100"
        assert registry.read(uow, registry.LOCKOUT_MINUTES) == 15  # unset: the default


def test_a_bad_stored_value_reads_as_the_default(
    backend: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    with backend.uow() as uow:
        settings.put_setting(uow, registry.DISCOUNT_CAP_BP.key, 20_000)
        settings.put_setting(uow, registry.LOCKOUT_ATTEMPTS.key, True)
        settings.put_setting(uow, registry.SHOP_TIMEZONE.key, "Nowhere/Land")
        settings.put_setting(uow, registry.DENOMINATIONS.key, [100, -5])
        settings.put_setting(uow, registry.IDLE_LOCK_MINUTES.key, 10_000)
        uow.commit()
    with backend.read_uow() as uow:
        assert registry.read(uow, registry.DISCOUNT_CAP_BP) == 1000
        assert registry.read(uow, registry.LOCKOUT_ATTEMPTS) == 5
        assert registry.read(uow, registry.SHOP_TIMEZONE) == ""
        assert registry.read(uow, registry.DENOMINATIONS) == registry.DENOMINATIONS.default
        assert registry.read(uow, registry.IDLE_LOCK_MINUTES) == 480  # clamped, as ever
    assert "ignoring setting orders.discount_cap_bp = 20000" in caplog.text
