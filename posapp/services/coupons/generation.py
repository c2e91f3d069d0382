"""Coupon codes in bulk: generate up to a million unique codes for a campaign, all or nothing.

Codes are made in memory from ``secrets`` (:mod:`posapp.services.coupons.codes`) and inserted
batch by batch with the driver's fastest path (an executemany on SQLite, COPY on PostgreSQL); the
caller sees progress after each batch and may cancel, which rolls everything back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import Connection, select

from posapp.i18n import _
from posapp.models import CouponCode
from posapp.services.coupons.campaigns import authorize_or_system, load_campaign
from posapp.services.coupons.codes import MAX_GROUPS, MIN_GROUPS, clean_prefix, new_codes
from posapp.services.coupons.dto import GenerationResult, OperationCancelledError
from posapp.services.platform.audit import AuditRecord
from posapp.services.platform.dto import UserDTO
from posapp.services.platform.errors import ValidationError
from posapp.services.platform.progress import Cancelled, Progress, never_cancelled, no_progress
from posapp.services.platform.uow import UnitOfWork
from posapp.services.staff import Permission, requires

GENERATE_MAX: Final = 1_000_000
GENERATE_BATCH: Final = 5_000


class GenerationCancelledError(OperationCancelledError):
    """The generation was cancelled: no code was kept."""


_CODE_COLUMNS: Final = (
    "campaign_id",
    "code",
    "code_key",
    "max_uses",
    "used_count",
    "active",
    "created_at",
)


def _insert_codes(uow: UnitOfWork, rows: Sequence[tuple[Any, ...]]) -> int:
    """Insert code rows with one driver-level executemany.

    SQLAlchemy's executemany processes every row's parameters in Python, which costs more than
    the database itself for 100,000 rows; the rows here are plain values already bound (the
    timestamp went through its column type once), so they go straight to the driver.
    """
    if not rows:
        return 0
    connection = uow.session.connection()
    columns = ", ".join(_CODE_COLUMNS)
    if connection.dialect.paramstyle == "qmark":  # SQLite: executemany is fast in-process
        marks = ", ".join("?" * len(_CODE_COLUMNS))
        connection.exec_driver_sql(f"INSERT INTO coupon_codes ({columns}) VALUES ({marks})", rows)
        return len(rows)
    return _copy_codes(connection, rows)


def _copy_codes(connection: Connection, rows: Sequence[tuple[Any, ...]]) -> int:
    """PostgreSQL: COPY the rows in (the fastest way in), through a temporary table.

    The codes come from an alphabet without tabs, backslashes or newlines, so the COPY text is
    built with one join. Keys taken meanwhile by another register (checked just before, so this
    or by another campaign are skipped by ``ON CONFLICT`` instead of failing the whole run: the
    caller counts what went in and makes up the difference with fresh codes.
    """
    raw = connection.connection.dbapi_connection
    assert raw is not None  # the unit of work holds its connection
    payload = "".join(
        _COPY_LINE.format(
            campaign,
            code,
            key,
            _COPY_NULL if max_uses is None else max_uses,
            used,
            "t" if active else "f",
            created,
        )
        for campaign, code, key, max_uses, used, active, created in rows
    )
    columns = ", ".join(_CODE_COLUMNS)
    cursor = raw.cursor()
    try:
        cursor.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS posapp_new_codes (campaign_id bigint, "
            "code text, code_key text, max_uses integer, used_count integer, active boolean, "
            "created_at timestamptz) ON COMMIT DROP"
        )
        with cursor.copy(f"COPY posapp_new_codes ({columns}) FROM STDIN") as copy:
            copy.write(payload)
        cursor.execute(
            f"INSERT INTO coupon_codes ({columns}) SELECT {columns} FROM posapp_new_codes "
            "ON CONFLICT (code_key) DO NOTHING"
        )
        inserted = int(cursor.rowcount)
        cursor.execute("TRUNCATE posapp_new_codes")
    finally:
        cursor.close()
    return inserted


_COPY_LINE: Final = "{}\t{}\t{}\t{}\t{}\t{}\t{}\n"
_COPY_NULL: Final = "\\N"


def _taken_keys(uow: UnitOfWork, keys: list[str]) -> set[str]:
    """The keys of ``keys`` some campaign has already (SQLite)."""
    return set(
        uow.session.scalars(select(CouponCode.code_key).where(CouponCode.code_key.in_(keys)))
    )


@requires(Permission.MANAGE_COUPONS)
def generate_codes(
    uow: UnitOfWork,
    actor: UserDTO,
    campaign_id: int,
    count: int,
    *,
    prefix: str = "",
    groups: int = MIN_GROUPS,
    progress: Progress = no_progress,
    cancelled: Cancelled = never_cancelled,
) -> GenerationResult:
    """Generate ``count`` new unique codes for a campaign, all or nothing.

    Codes are made in memory in batches from ``secrets``, checked against every campaign's codes,
    and inserted with one executemany per batch; a collision (with a code inserted meanwhile)
    is simply replaced by a fresh code. ``progress`` is called after each batch; when
    ``cancelled()`` turns true, everything made so far is rolled back.

    Raises:
        ValidationError: ``count`` is not 1…1,000,000, or the prefix or group count is wrong.
        GenerationCancelledError: the caller cancelled; no code was kept.
    """
    if not 1 <= count <= GENERATE_MAX:
        raise ValidationError(
            _("Generate between 1 and {generate_max:,} codes at a time.").format(
                generate_max=GENERATE_MAX
            )
        )
    if not MIN_GROUPS <= groups <= MAX_GROUPS:
        raise ValidationError(
            _("A code has {min_groups} to {max_groups} groups of characters.").format(
                min_groups=MIN_GROUPS, max_groups=MAX_GROUPS
            )
        )
    clean = clean_prefix(prefix)
    with uow:
        actor_id = authorize_or_system(uow, actor, Permission.MANAGE_COUPONS)
        campaign = load_campaign(uow, campaign_id)
        max_uses = 1 if campaign.single_use_codes else None
        now = uow.now()
        bind = CouponCode.__table__.c.created_at.type.bind_processor(uow.session.get_bind().dialect)
        created = bind(now) if bind else now
        seen: set[str] = set()
        sample: list[str] = []
        # SQLite has one writer at a time: checked keys stay free until the insert. PostgreSQL
        # inserts with ON CONFLICT DO NOTHING instead (another register may be generating too).
        is_sqlite = uow.session.get_bind().dialect.name == "sqlite"
        done = 0
        while done < count:
            if cancelled():
                raise GenerationCancelledError(
                    _("Code generation was cancelled: no code was kept.")
                )
            batch = new_codes(
                min(GENERATE_BATCH, count - done), prefix=clean, groups=groups, taken=seen
            )
            clash = _taken_keys(uow, [key for _unused, key in batch]) if is_sqlite else set()
            rows = [
                (campaign.id, code, key, max_uses, 0, True, created)
                for code, key in batch
                if key not in clash
            ]
            inserted = _insert_codes(uow, rows)
            if inserted == len(rows):  # else a code of the batch was taken: skip the sample
                sample.extend(row[1] for row in rows[: max(0, 5 - len(sample))])
            done += inserted
            progress(done, count)
        uow.audit(
            AuditRecord(
                "coupon.codes_generate",
                actor_id,
                "coupon_campaign",
                campaign.id,
                None,
                {"count": count, "prefix": clean},
            )
        )
        uow.commit()
    return GenerationResult(campaign_id=campaign_id, count=count, sample=tuple(sample))
