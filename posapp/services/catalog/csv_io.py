"""Products as CSV: an all-or-nothing import with a line-numbered report, and a safe export.

File format (what the export writes and the import reads):
    A header line naming the columns, in any order, any case: ``sku``, ``name``, ``price``
    (required), ``barcode``, ``description``, ``category`` (a path such as ``Food > Fruit``),
    ``cost``, ``tax_rate`` (a percentage: ``20``, ``5.5``), ``tax_included`` and ``active``
    (``yes``/``no``, ``true``/``false``, ``1``/``0``), ``unit`` (``pc``, ``g``, ``kg``, ``m``,
    ``l``; empty or missing: ``pc``; prices and costs are per that unit, :mod:`posapp.units`).
    Unknown columns are ignored and reported as a warning; a missing required column or a
    column named twice stops the import.

Import:
    * Encoding: UTF-8 with or without a byte-order mark, or UTF-16 with one. Anything else is
      refused with the line of the first bad byte and a suggestion to save as "CSV UTF-8" —
      unless the caller explicitly chose Latin-1 (``latin-1``) or Windows-1252 (``cp1252``).
    * Delimiter: comma, semicolon, tab or ``|``, sniffed from the header line (the one that
      yields the most known column names). Line endings may be CRLF, LF or mixed.
    * Decimal separator: detected from the money cells (``12,50`` vs ``12.50``); a file where it
      cannot be told (whole numbers only) uses a comma after ``;`` delimiters, else a dot.
    * Every row is validated with the catalog's rules (:mod:`posapp.services.catalog.rules`);
      SKUs and barcodes must be unique within the file and, unless ``update_existing`` is set,
      new to the database (with it, a row whose SKU exists updates that product). Categories
      must exist. Cells that an export escaped (``'=…``) are unescaped.
    * All or nothing, in ONE transaction: rows are written in batches as they are checked, and
      the transaction commits only if no row had a problem and nobody cancelled. The report
      lists every bad row with its line number (the first ``MAX_LISTED``; the rest counted).
    * ``progress(done_lines, total_lines)`` is called after every batch and ``cancelled()``
      checked; both run on the importing thread.

Variants: ``template``, ``template_name`` and ``attribute:<name>`` columns, one row per variant
(:mod:`posapp.services.catalog.csv_variants`).

Export: UTF-8 with a byte-order mark (so spreadsheets detect it), CRLF line ends, every text
cell that starts with ``= + - @``, a tab or a carriage return prefixed with ``'`` so that a
spreadsheet shows it instead of running it as a formula.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING, Final, cast

from sqlalchemy import bindparam, func, insert, or_, select, update

from posapp.events import ProductsImported
from posapp.i18n import _
from posapp.models import OrderLine, Product, StockMovement
from posapp.money import to_major_str
from posapp.services.catalog.categories import paths_by_key
from posapp.services.catalog.csv_read import (
    COLUMNS,
    ENCODINGS,
    FIELDS,
    MAX_LISTED,
    CheckedRow,
    Checker,
    CsvFileError,
    Header,
    decode_csv,
    detect_decimal_comma,
    read_header,
    records,
    sniff_delimiter,
)
from posapp.services.catalog.csv_variants import (
    VariantRow,
    export_columns,
    link_variants,
    variant_row,
    write_rows,
)
from posapp.services.catalog.dto import ExportReport, ImportOptions, ImportReport
from posapp.services.catalog.images import display_name
from posapp.services.catalog.import_index import ImportSearchIndex
from posapp.services.catalog.rules import barcode_variants, escape_cell, format_tax_rate, sku_key
from posapp.services.catalog.search import category_paths, category_tree
from posapp.services.catalog.taxes import pick_tax_rate
from posapp.services.platform.audit import AuditRecord
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.files import FileTargetError, atomic_target
from posapp.services.platform.progress import Cancelled, Progress, never_cancelled, no_progress
from posapp.services.platform.uow import UnitOfWork
from posapp.services.staff import ACTIONS, Permission, authorize
from posapp.units import Unit, is_measured, scale_of

if TYPE_CHECKING:
    from sqlalchemy import Table

__all__ = [
    "COLUMNS",
    "ENCODINGS",
    "MAX_FILE_BYTES",
    "MAX_LISTED",
    "CsvFileError",
    "ImportOptions",
    "decode_csv",
    "export_products",
    "import_file",
    "import_products",
]

MAX_FILE_BYTES: Final = 512 * 1024 * 1024
BATCH: Final = 1_000
"""Rows checked, then written, at a time (progress is reported after each batch)."""


ACTIONS["catalog.csv_io.import_products"] = Permission.MANAGE_PRODUCTS
ACTIONS["catalog.csv_io.export_products"] = Permission.VIEW_CATALOG


class _CancelledError(Exception):
    pass


# --- import ----------------------------------------------------------------------------------


def import_products(
    uow: UnitOfWork,
    actor: UserDTO | None,
    data: bytes,
    *,
    options: ImportOptions | None = None,
    source_name: str = "",
    progress: Progress = no_progress,
    cancelled: Cancelled = never_cancelled,
) -> ImportReport:
    """Import products from CSV bytes in one transaction (see the module docstring).

    ``actor`` None is the local command line (trusted like a shell on the machine).

    Returns:
        The report: ``ok`` when every row was stored; otherwise nothing was.

    Raises:
        CsvFileError: the file as a whole cannot be read (the report covers row problems).
        PermissionDeniedError: the actor may not manage products.
    """
    opts = options or ImportOptions()
    if len(data) > MAX_FILE_BYTES:
        raise CsvFileError(
            _("The file is larger than {max_file_bytes} MB.").format(
                max_file_bytes=MAX_FILE_BYTES // (1024 * 1024)
            )
        )
    text, encoding = decode_csv(data, opts.encoding)
    empty = CsvFileError(_("The file is empty: it needs a header line and one line per product."))
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    if not first_line:
        raise empty
    delimiter = sniff_delimiter(first_line)
    total = text.count("\n") + (0 if text.endswith("\n") else 1)
    rows = records(text, delimiter)
    first = next(rows, None)  # None: only blank cells, e.g. a quoted line break ('"\n"')
    if first is None:
        raise empty
    header_line, header_cells = first
    header = read_header(header_cells, header_line)
    decimal_comma = (
        detect_decimal_comma(text, delimiter, header)
        if opts.decimal_comma is None
        else opts.decimal_comma
    )
    with uow:
        actor_id = None
        if actor is not None:
            actor_id = authorize(uow, actor, Permission.MANAGE_PRODUCTS).id
        checker = Checker(header, paths_by_key(category_tree(uow.session)), decimal_comma)
        writer = _Writer(uow, header, opts.update_existing, checker)
        writer.actor_id = actor_id
        try:
            batch: list[CheckedRow] = []
            variants: list[VariantRow] = []
            for line, record in rows:
                row = checker.check(record, line)
                if row is not None:
                    batch.append(row)
                    variant = variant_row(line, row.values)
                    if variant is not None:
                        variants.append(variant)
                if len(batch) >= BATCH:
                    writer.write(batch)
                    batch = []
                    _step(progress, cancelled, line, total)
            writer.write(batch)
            if variants and not checker.problem_count:
                link_variants(uow, checker, variants, writer.index)
            _step(progress, cancelled, total, total)
        except _CancelledError:
            uow.rollback()
            return ImportReport(0, 0, 0, cancelled=True, encoding=encoding, delimiter=delimiter)
        report = ImportReport(
            rows=writer.created + writer.updated if not checker.problem_count else 0,
            created=writer.created if not checker.problem_count else 0,
            updated=writer.updated if not checker.problem_count else 0,
            problems=tuple(sorted(checker.problems, key=lambda problem: problem.line)),
            more_problems=max(0, checker.problem_count - len(checker.problems)),
            warnings=header.warnings,
            encoding=encoding,
            delimiter=delimiter,
        )
        if checker.problem_count:
            uow.rollback()
            return report
        writer.finish(actor_id, display_name(source_name) if source_name else "")
        uow.commit()
    return report


def import_file(
    uow: UnitOfWork,
    actor: UserDTO | None,
    path: Path,
    *,
    options: ImportOptions | None = None,
    progress: Progress = no_progress,
    cancelled: Cancelled = never_cancelled,
) -> ImportReport:
    """Read a CSV file (refusing one over ``MAX_FILE_BYTES`` before reading) and import it.

    Raises:
        CsvFileError: the file cannot be read or decoded.
    """
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise CsvFileError(
                _("{path} is larger than {max_file_bytes} MB.").format(
                    path=display_name(path), max_file_bytes=MAX_FILE_BYTES // (1024 * 1024)
                )
            )
        data = path.read_bytes()
    except OSError as exc:
        raise CsvFileError(
            _("Cannot read {path}: {strerror}.").format(
                path=display_name(path), strerror=exc.strerror
            )
        ) from exc
    return import_products(
        uow,
        actor,
        data,
        options=options,
        source_name=str(path),
        progress=progress,
        cancelled=cancelled,
    )


def _step(progress: Progress, cancelled: Cancelled, done: int, total: int) -> None:
    progress(min(done, total), total)
    if cancelled():
        raise _CancelledError


_Found = tuple[int, str, int, int, int, bool]
"""A product the file names: id, name, price, cost, tax rate and whether tax is included."""


class _Writer:
    """Writes checked rows in batches while the file is read (all in the caller's transaction).

    Once any row has a problem nothing more is written: the transaction will roll back, and
    the rest of the file is only checked.
    """

    def __init__(
        self, uow: UnitOfWork, header: Header, update_existing: bool, checker: Checker
    ) -> None:
        self.uow = uow
        self.header = header
        self.update_existing = update_existing
        self.checker = checker
        self.created = 0
        self.updated = 0
        self.changed_ids: list[int] = []
        self.price_changes: list[AuditRecord] = []
        self.index = ImportSearchIndex(uow)
        self.actor_id: int | None = None
        self.rates: dict[tuple[int, bool], int] = {}  # each (rate, included) pair's tax rate

    def _rate_id(self, rate_bp: object, included: object) -> int:
        pair = (int(str(rate_bp)), bool(included))
        if pair not in self.rates:
            self.rates[pair] = pick_tax_rate(self.uow, self.actor_id, None, *pair).id
        return self.rates[pair]

    def write(self, rows: list[CheckedRow]) -> None:
        if not rows:
            return
        existing = self._existing(rows)
        taken_barcodes = self._taken_barcodes(rows, existing)
        new: list[dict[str, object]] = []
        changed: list[dict[str, object]] = []
        units_wanted: dict[int, tuple[int, str]] = {}
        for row in rows:
            values = row.values
            key = sku_key(str(values["sku"]))
            found = existing.get(key)
            barcode = values.get("barcode")
            owner = taken_barcodes.get(str(barcode)) if isinstance(barcode, str) else None
            if owner is not None and (found is None or owner[0] != found[0]):
                self.checker.problem(
                    row.line,
                    _("the barcode {barcode} already belongs to “{owner}”.").format(
                        barcode=barcode, owner=owner[1]
                    ),
                )
                continue
            if found is None:
                new.append(self._insert_values(values))
            elif self.update_existing:
                changed.append(self._update_values(values, found))
                if "unit" in values:
                    units_wanted[found[0]] = (row.line, str(values["unit"]))
            else:
                self.checker.problem(
                    row.line,
                    _(
                        "the SKU {values} already exists (“{found}”); choose “update "
                        "existing products” to change it."
                    ).format(values=values["sku"], found=found[1]),
                )
        self._check_unit_changes(units_wanted)
        if self.checker.problem_count:
            return
        session = self.uow.session
        table = cast("Table", Product.__table__)
        if new:
            # Plain executemany (RETURNING would send one row at a time on SQLite); the new ids
            # are then read back through the unique SKU index.
            session.execute(insert(table), new)
            keys = [str(values["sku_key"]) for values in new]
            ids = sorted(
                session.execute(select(Product.id).where(Product.sku_key.in_(keys))).scalars()
            )
            self.index.add(ids)
            self.changed_ids.extend(ids)
            self.created += len(new)
        if changed:
            changed_ids = [int(str(values["b_id"])) for values in changed]
            # The name, or the SKU's spelling (the same key in another case), may change.
            self.index.forget(changed_ids)
            # The SET clause comes from the parameter keys (the header's columns).
            session.execute(
                update(table)
                .where(table.c.id == bindparam("b_id"))
                .values(version=table.c.version + 1),
                changed,
            )
            self.index.add(changed_ids, updated=True)
            self.changed_ids.extend(changed_ids)
            self.updated += len(changed)

    def _check_unit_changes(self, wanted: dict[int, tuple[int, str]]) -> None:
        """A unit may not change between pieces and thousandths once stock or sales count it."""
        if not wanted:
            return
        used = select(StockMovement.id).where(StockMovement.product_id == Product.id).exists()
        sold = select(OrderLine.id).where(OrderLine.product_id == Product.id).exists()
        query = select(Product.id, Product.name, Product.unit).where(
            Product.id.in_(list(wanted)), or_(used, sold)
        )
        for product_id, name, unit in self.uow.session.execute(query):
            line, new_unit = wanted[int(product_id)]
            if scale_of(str(unit)) != scale_of(new_unit):
                self.checker.problem(
                    line,
                    _(
                        "unit: “{name}” already has stock or sales counted in "
                        "{unit}; its unit can change only to one counted the same "
                        "way."
                    ).format(name=name, unit=unit),
                )

    def _existing(self, rows: list[CheckedRow]) -> dict[str, _Found]:
        keys = [sku_key(str(row.values["sku"])) for row in rows]
        p = Product
        query = select(p.sku_key, p.id, p.name, p.price_minor, p.cost_minor, p.tax_rate_bp,
                       p.tax_included).where(p.sku_key.in_(keys))  # fmt: skip
        return {
            str(key): (int(pid), str(name), int(price), int(cost), int(rate), bool(included))
            for key, pid, name, price, cost, rate, included in self.uow.session.execute(query)
        }

    def _taken_barcodes(
        self, rows: list[CheckedRow], existing: dict[str, _Found]
    ) -> dict[str, tuple[int, str]]:
        wanted: dict[str, str] = {}
        for row in rows:
            barcode = row.values.get("barcode")
            if isinstance(barcode, str):
                for variant in barcode_variants(barcode):
                    wanted[variant] = barcode
        if not wanted:
            return {}
        query = select(Product.barcode, Product.id, Product.name).where(
            Product.barcode.in_(list(wanted))
        )
        return {
            wanted[str(code)]: (int(pid), str(name))
            for code, pid, name in self.uow.session.execute(query)
        }

    def _insert_values(self, values: dict[str, object]) -> dict[str, object]:
        now = self.uow.now()
        sku = str(values["sku"])
        return {
            "sku": sku,
            "sku_key": sku_key(sku),
            "barcode": values.get("barcode"),
            "name": values["name"],
            "description": values.get("description", ""),
            "category_id": values.get("category"),
            "price_minor": values["price"],
            "cost_minor": values.get("cost", 0),
            "tax_rate_bp": values.get("tax_rate", 0),
            "tax_included": values.get("tax_included", True),
            "tax_rate_id": self._rate_id(values.get("tax_rate", 0), values.get("tax_included", 1)),
            "unit": values.get("unit", Unit.PIECE),
            "sold_by_weight": is_measured(str(values.get("unit", Unit.PIECE))),
            "active": values.get("active", True),
            "created_at": now,
            "changed_at": now,
            "version": 1,
        }

    def _update_values(self, values: dict[str, object], found: _Found) -> dict[str, object]:
        """Only the header's columns change; the version moves on, so open editors conflict."""
        product_id, _unused, old_price, old_cost, old_rate, old_included = found
        full = self._insert_values({"tax_rate": old_rate, "tax_included": old_included} | values)
        result: dict[str, object] = {"b_id": product_id, "changed_at": full["changed_at"]}
        for column, field in FIELDS.items():
            if column in self.header.index:
                result[field] = full[field]
        if "tax_rate" in self.header.index or "tax_included" in self.header.index:
            result["tax_rate_id"] = full["tax_rate_id"]
        result["sku_key"] = full["sku_key"]
        if "unit" in result:
            result["sold_by_weight"] = full["sold_by_weight"]
        new_cost = result.get("cost_minor", old_cost)
        if result["price_minor"] != old_price or new_cost != old_cost:
            self.price_changes.append(
                AuditRecord(
                    "product.price",
                    None,
                    "product",
                    product_id,
                    {"price_minor": old_price, "cost_minor": old_cost},
                    {"price_minor": result["price_minor"], "cost_minor": new_cost},
                    reason="CSV import",
                )
            )
        return result

    def finish(self, actor_id: int | None, source: str) -> None:
        """Put the search triggers back, write the audit records, record the events."""
        self.index.restore()
        now = self.uow.now()
        for record in self.price_changes:
            self.uow.audit(
                AuditRecord(
                    record.action,
                    actor_id,
                    record.object_kind,
                    record.object_id,
                    record.before,
                    record.after,
                    reason=record.reason,
                )
            )
        summary = {"file": source, "created": self.created, "updated": self.updated}
        self.uow.audit(AuditRecord("product.import", actor_id, "product", None, None, summary))
        if self.changed_ids:
            self.uow.record(ProductsImported(self.created, self.updated, now))


# --- export ----------------------------------------------------------------------------------


def _export_row(product: Product, paths: dict[int, str]) -> list[str]:
    category = "" if product.category_id is None else paths.get(product.category_id, "")
    return [
        escape_cell(product.sku),
        escape_cell(product.barcode or ""),
        escape_cell(product.name),
        escape_cell(product.description),
        escape_cell(category),
        to_major_str(product.price_minor),
        to_major_str(product.cost_minor),
        format_tax_rate(product.tax_rate_bp),
        "yes" if product.tax_included else "no",
        "yes" if product.active else "no",
        product.unit,
    ]


def export_products(
    uow: UnitOfWork,
    actor: UserDTO | None,
    target: str | Path,
    *,
    include_archived: bool = True,
    progress: Progress = no_progress,
    cancelled: Cancelled = never_cancelled,
) -> ExportReport:
    """Write every product (by id) to ``target`` as CSV; see the module docstring.

    The file is written next to the target and renamed at the end, so a cancelled or failed
    export never leaves a half-written file. ``actor`` None is the local command line.

    Raises:
        CsvFileError: the file cannot be written.
        PermissionDeniedError: the actor may not view the catalog.
    """
    path = Path(target)
    with uow:
        if actor is not None:
            authorize(uow, actor, Permission.VIEW_CATALOG)
        session = uow.session
        query = select(Product).order_by(Product.id)
        count_query = select(func.count(Product.id))
        if not include_archived:
            query = query.where(Product.active.is_(True))
            count_query = count_query.where(Product.active.is_(True))
        total = int(session.scalar(count_query) or 0)
        paths = category_paths(session)
        rows = 0
        try:
            with (
                atomic_target(path, ".csv") as temp,
                temp.open("w", encoding="utf-8-sig", newline="") as stream,
            ):
                writer = csv.writer(stream, lineterminator="\r\n")
                extra = export_columns(session)
                writer.writerow((*COLUMNS, *extra))
                result = session.execute(query.execution_options(yield_per=BATCH))
                batch: list[list[str]] = []
                ids: list[int] = []
                for product in result.scalars():
                    batch.append(_export_row(product, paths))
                    ids.append(product.id)
                    rows += 1
                    if rows % BATCH == 0:
                        write_rows(writer, session, batch, ids, extra)
                        batch, ids = [], []
                        session.expunge_all()
                        _step(progress, cancelled, rows, total)
                write_rows(writer, session, batch, ids, extra)
                _step(progress, cancelled, total, total)
        except _CancelledError:
            return ExportReport(rows, cancelled=True)
        except FileTargetError as exc:
            raise CsvFileError(str(exc)) from exc
        except OSError as exc:
            raise CsvFileError(
                _("Cannot write {path}: {strerror}.").format(
                    path=display_name(path), strerror=exc.strerror
                )
            ) from exc
    return ExportReport(rows)
