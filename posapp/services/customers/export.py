"""A customer's data for a subject-access request: JSON or CSV, written as a private (0600) file."""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from posapp.i18n import _
from posapp.services.customers.dto import CustomerExport
from posapp.services.customers.manage import ERASED_ERROR, load, manager_id, to_dto
from posapp.services.customers.queries import history_rows
from posapp.services.platform.audit import AuditRecord
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ValidationError
from posapp.services.platform.private import FILE_MODE
from posapp.services.platform.uow import UnitOfWork
from posapp.services.staff import ACTIONS, Permission

FORMATS: Final = ("json", "csv")
ORDER_COLUMNS: Final = (
    "order",
    "placed_at",
    "status",
    "total_minor",
    "returned_minor",
    "returns",
    "coupons",
    "account",
    "points",
)
"""The header of the CSV export's order rows."""


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def as_json(export: CustomerExport) -> str:
    """The export as indented JSON (times in ISO 8601 UTC, money in minor units)."""
    return json.dumps(_plain(asdict(export)), indent=2, ensure_ascii=False) + "\n"


def as_csv(export: CustomerExport) -> str:
    """The export as CSV: one ``field,value`` block for the customer, then one row per order."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["field", "value"])
    customer = _plain(asdict(export.customer))
    for key, value in customer.items():
        if key == "accounts":
            shown = " ".join(f"{a['number']} ({a['status']})" for a in value)
        elif isinstance(value, list):
            shown = ", ".join(value)
        else:
            shown = "" if value is None else value
        writer.writerow([key, shown])
    writer.writerow([])
    writer.writerow(ORDER_COLUMNS)
    for o in export.orders:
        writer.writerow(
            [
                o.number,
                o.at.isoformat(),
                o.status,
                o.total_minor,
                o.returned_minor,
                o.returns,
                " ".join(o.coupon_codes),
                o.account_number,
                o.points,
            ]
        )
    return out.getvalue()


def format_of(path: Path) -> str:
    """``json`` or ``csv`` from the file's suffix.

    Raises:
        ValidationError: another suffix.
    """
    kind = path.suffix.lower().lstrip(".")
    if kind not in FORMATS:
        raise ValidationError(_("The export file's name must end in .json or .csv."))
    return kind


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to a new file only its owner may read (0600); an existing file is refused.

    Raises:
        ValidationError: the file exists or cannot be written (the message says which).
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError as exc:
        raise ValidationError(
            _("{path} exists already; choose a new file name.").format(path=path)
        ) from exc
    except OSError as exc:
        raise ValidationError(
            _("Cannot write {path}: {strerror}.").format(path=path, strerror=exc.strerror)
        ) from exc
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        os.fchmod(handle.fileno(), FILE_MODE)
        handle.write(text)


ACTIONS["customers.export.export_customer"] = Permission.MANAGE_CUSTOMERS


def export_customer(
    uow: UnitOfWork, actor: UserDTO | None, customer_id: int, out: Path
) -> CustomerExport:
    """Write everything kept about a customer to ``out`` (``.json``/``.csv``, 0600); audited.

    The audit entry records that the data was exported and where, not the data itself. The
    file is written before the audit entry commits; if the commit fails, the file is removed.

    ``actor`` None is the command line (``posapp customer export``), trusted like a shell.

    Raises:
        PermissionDeniedError: the actor may not manage customers.
        ValidationError: the suffix is neither, the file exists or cannot be written, or the
            customer was erased.
        NotFoundError: there is no such customer.
    """
    kind = format_of(out)
    with uow:
        user_id = manager_id(uow, actor)
        customer = load(uow, customer_id)
        if customer.erased_at is not None:
            raise ValidationError(_(ERASED_ERROR))
        export = CustomerExport(
            customer=to_dto(uow, customer),
            orders=tuple(history_rows(uow, customer_id, None, None)),
            exported_at=uow.now(),
        )
        uow.audit(
            AuditRecord(
                action="customer.exported",
                user_id=user_id,
                object_kind="customer",
                object_id=customer_id,
                after={"format": kind, "file": str(out), "orders": len(export.orders)},
            )
        )
        write_private(out, as_json(export) if kind == "json" else as_csv(export))
        try:
            uow.commit()
        except BaseException:
            out.unlink(missing_ok=True)
            raise
        return export
