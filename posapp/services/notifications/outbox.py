"""The customer email outbox: order status messages, promotions and the customers' opt-in.

Every email is first a row of ``email_outbox`` written in the transaction of the event that
caused it: if that transaction rolls back, no email exists; if it commits, the email will be
sent (by :mod:`posapp.services.notifications.mailer`, retried with backoff) or end up visibly
``failed``.

- Order status (placed, ready for pickup, collected, refunded): the orders service calls
  :func:`enqueue_order_status_email` inside its own unit of work. These are service messages
  about a purchase, not marketing, so they go to the order's customer whatever the marketing
  opt-in says (as long as the account has an email and is not closed).
- Promotions: a manager's or admin's :func:`send_promotion` writes one row per customer who
  opted in, each with its own unused code of a campaign if one is chosen. A customer who opts
  out before a promotion is sent never gets it: :func:`set_opt_in` cancels their waiting
  promotions, and the sender checks the opt-in again just before sending.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import ColumnExpressionArgument, Row, exists, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from posapp.i18n import _
from posapp.models import (
    AccountStatus,
    CouponCampaign,
    CouponCode,
    Customer,
    CustomerAccount,
    Order,
    OutboxEmail,
    OutboxStatus,
    Store,
    WebOrder,
)
from posapp.money import format_money
from posapp.services.notifications.outbox_dto import (
    OPT_IN_PERMISSION,
    OUTBOX_PERMISSION,
    PROMOTION_PERMISSION,
    CampaignChoice,
    OutboxCounts,
    OutboxFilter,
    OutboxMessageDTO,
    OutboxRowDTO,
    PromotionAudience,
)
from posapp.services.notifications.outbox_sending import (
    OPTED_OUT,
    ClaimedEmail,
    RetryPolicy,
    claim_next,
    one_line,
    record_failure,
    record_sent,
)
from posapp.services.platform.audit import AuditRecord
from posapp.services.platform.cards import refuse_card_number
from posapp.services.platform.dto import UserDTO, from_row
from posapp.services.platform.errors import ConflictError, NotFoundError, ValidationError
from posapp.services.platform.keyset import newest_first
from posapp.services.platform.uow import UnitOfWork
from posapp.services.staff import authorize, requires

__all__ = [
    "OPTED_OUT",
    "ORDER_EMAIL_KINDS",
    "ClaimedEmail",
    "RetryPolicy",
    "check_message",
    "claim_next",
    "enqueue_order_status_email",
    "list_outbox",
    "outbox_counts",
    "outbox_message",
    "promotion_audience",
    "promotion_campaigns",
    "record_failure",
    "record_sent",
    "retry_emails",
    "send_promotion",
    "set_opt_in",
]


SUBJECT_MAX: Final = 200
BODY_MAX: Final = 100_000
PAGE_MAX: Final = 500
NAME_PLACEHOLDER: Final = "{name}"
CODE_PLACEHOLDER: Final = "{code}"
PROMOTION_FOOTER: Final = (
    "\n\n--\nYou receive this email because you agreed to hear about our offers. "
    "To stop them, reply to this email or tell us at the till."
)

ORDER_EMAIL_KINDS: Final = {
    "placed": "order_placed",
    "ready": "order_ready",
    "collected": "order_collected",
    "refunded": "order_refunded",
    "partly_refunded": "order_refunded",
}
"""Order statuses that email the customer, and the outbox kind of each."""


def _row_dto(row: OutboxEmail) -> OutboxRowDTO:
    return from_row(OutboxRowDTO, row)


def _order_texts(kind: str, number: str, name: str, store: str, amount: str) -> tuple[str, str]:
    greeting = f"Hello {name}," if name else "Hello,"
    subject, middle = {
        "order_placed": (
            f"Your order {number}",
            f"thank you for your order {number} of {amount}.",
        ),
        "order_ready": (
            f"Your order {number} is ready for pickup",
            f"your order {number} is ready: you can collect it at {store}.",
        ),
        "order_collected": (
            f"Your order {number} was collected",
            f"your order {number} was collected today. Enjoy it!",
        ),
        "order_refunded": (
            f"Refund for your order {number}",
            f"we have refunded {amount} on your order {number}.",
        ),
    }[kind]
    body = f"{greeting}\n\n{middle[0].upper()}{middle[1:]}\n\n{store}"
    return subject[:SUBJECT_MAX], body


_ORDER_FIGURES: Final = (
    Order.number,
    Order.total_minor,
    Order.refunded_minor,
    Store.name.label("store"),
)
"""What an order's email says of it, whoever it is written to (an account's holder, a web buyer)."""


def _order_with(
    uow: UnitOfWork,
    order_id: int,
    who: tuple[type[CustomerAccount | WebOrder], ColumnElement[bool]],
    *columns: ColumnExpressionArgument[Any],
) -> Row[*tuple[Any, ...]] | None:
    """An order's :data:`_ORDER_FIGURES` with ``columns`` of whom it is written to (``who``)."""
    return uow.session.execute(
        select(*_ORDER_FIGURES, *columns)
        .join(*who)
        .join(Store, Store.id == Order.store_id)
        .where(Order.id == order_id)
    ).one_or_none()


def enqueue_order_status_email(uow: UnitOfWork, order_id: int, status: str) -> int | None:
    """Write the customer's email about ``order_id`` reaching ``status``, in the caller's uow.

    Call it inside the orders service's own unit of work (no ``with``, no commit): the email
    then commits or rolls back with the status change itself.

    Returns:
        The outbox row's id, or None when nobody is to be emailed: a status without a message
        (paid, cancelled…), no customer on the order, no email, or a closed account.
    """
    kind = ORDER_EMAIL_KINDS.get(str(status))
    if kind is None:
        return None
    row = _order_with(
        uow,
        order_id,
        (CustomerAccount, CustomerAccount.id == Order.customer_account_id),
        CustomerAccount.id.label("customer_id"),
        CustomerAccount.email,
        CustomerAccount.holder_name,
        CustomerAccount.status,
    )
    if row is None:
        return _enqueue_web_order_email(uow, order_id, kind)
    if not row.email.strip() or row.status == AccountStatus.CLOSED.value:
        return None
    return _add_order_email(uow, order_id, kind, row, (row.email, row.holder_name), row.customer_id)


def _enqueue_web_order_email(uow: UnitOfWork, order_id: int, kind: str) -> int | None:
    """The email of an order placed online, to the address its customer gave (no account)."""
    row = _order_with(
        uow,
        order_id,
        (WebOrder, WebOrder.order_id == Order.id),
        WebOrder.email,
        WebOrder.customer_name,
    )
    if row is None or not row.email.strip():
        return None
    return _add_order_email(uow, order_id, kind, row, (row.email, row.customer_name), None)


def _add_order_email(
    uow: UnitOfWork,
    order_id: int,
    kind: str,
    order: Row[*tuple[Any, ...]],
    to: tuple[str, str],
    customer_id: int | None,
) -> int:
    """Queue the email of ``kind`` about an order (``order``: its :data:`_ORDER_FIGURES`)."""
    amount = order.refunded_minor if kind == "order_refunded" else order.total_minor
    texts = _order_texts(kind, order.number, one_line(to[1]), order.store, format_money(amount))
    email = OutboxEmail(
        to_address=to[0].strip(),
        to_name=one_line(to[1])[:200],
        customer_account_id=customer_id,
        order_id=order_id,
        subject=texts[0],
        body=texts[1],
        kind=kind,
        status=OutboxStatus.PENDING.value,
        attempts=0,
        next_attempt_at=uow.now(),
        created_at=uow.now(),
    )
    uow.session.add(email)
    uow.flush()
    return email.id


def check_message(subject: str, body: str) -> tuple[str, str]:
    """Check and tidy a promotion's subject and body.

    Raises:
        ValidationError: empty, too long, a subject on several lines, or control characters.
        CardNumberError: either holds something that looks like a full card number (the rule of
            every text posapp stores: :mod:`posapp.services.platform.cards`).
    """
    subject = subject.strip()
    if not subject:
        raise ValidationError(_("Enter a subject."))
    if any(ch in subject for ch in "\r\n") or any(not ch.isprintable() for ch in subject):
        raise ValidationError(_("The subject must be one line of text."))
    if len(subject) > SUBJECT_MAX:
        raise ValidationError(
            _("The subject is at most {subject_max} characters.").format(subject_max=SUBJECT_MAX)
        )
    body = "\n".join(line.rstrip() for line in body.replace("\r\n", "\n").split("\n")).strip()
    if not body:
        raise ValidationError(_("Write the message."))
    if "\x00" in body:
        raise ValidationError(_("The message contains a NUL character."))
    if len(body) > BODY_MAX:
        raise ValidationError(
            _("The message is at most {body_max:,} characters.").format(body_max=BODY_MAX)
        )
    return refuse_card_number(subject), refuse_card_number(body)


def _audience(uow: UnitOfWork) -> list[tuple[int, str, str]]:
    rows = uow.session.execute(
        select(CustomerAccount.id, CustomerAccount.email, CustomerAccount.holder_name)
        .where(
            CustomerAccount.marketing_opt_in.is_(True),
            CustomerAccount.email != "",
            CustomerAccount.status != AccountStatus.CLOSED.value,
        )
        .order_by(CustomerAccount.id)
    ).all()
    return [(r.id, r.email.strip(), one_line(r.holder_name)) for r in rows if r.email.strip()]


def _unused_condition(campaign_id: int) -> tuple[ColumnElement[bool], ...]:
    """Active, never used codes of the campaign that no email has handed out yet."""
    handed_out = exists().where(OutboxEmail.coupon_code_id == CouponCode.id)
    return (
        CouponCode.campaign_id == campaign_id,
        CouponCode.active.is_(True),
        CouponCode.used_count == 0,
        ~handed_out,
    )


def _unused_codes(uow: UnitOfWork, campaign_id: int, limit: int) -> list[tuple[int, str]]:
    stmt = (
        select(CouponCode.id, CouponCode.code)
        .where(*_unused_condition(campaign_id))
        .order_by(CouponCode.id)
        .limit(limit)
    )
    return [(r.id, r.code) for r in uow.session.execute(stmt)]


def _unused_count(uow: UnitOfWork, campaign_id: int) -> int:
    stmt = select(func.count()).select_from(CouponCode).where(*_unused_condition(campaign_id))
    return int(uow.session.scalar(stmt) or 0)


def _campaign(uow: UnitOfWork, campaign_id: int) -> CouponCampaign:
    campaign = uow.session.get(CouponCampaign, campaign_id)
    if campaign is None:
        raise NotFoundError(_("That campaign does not exist."))
    now = uow.now()
    if (
        not campaign.active
        or campaign.ended_at is not None
        or (campaign.ends_at is not None and campaign.ends_at <= now)
    ):
        raise ValidationError(
            _("The campaign {campaign_name} has ended.").format(campaign_name=campaign.name)
        )
    if not campaign.single_use_codes:
        raise ValidationError(
            _(
                "The campaign {campaign_name} has a shared code: write it into the message instead."
            ).format(campaign_name=campaign.name)
        )
    return campaign


@requires(PROMOTION_PERMISSION)
def promotion_audience(
    uow: UnitOfWork, actor: UserDTO, campaign_id: int | None = None
) -> PromotionAudience:
    """How many customers a promotion would reach, and the campaign's unused codes."""
    with uow:
        authorize(uow, actor, PROMOTION_PERMISSION)
        recipients = len(_audience(uow))
        if campaign_id is None:
            return PromotionAudience(recipients)
        _campaign(uow, campaign_id)
        return PromotionAudience(recipients, _unused_count(uow, campaign_id))


@requires(PROMOTION_PERMISSION)
def promotion_campaigns(uow: UnitOfWork, actor: UserDTO) -> list[CampaignChoice]:
    """Running campaigns with single-use codes, with how many codes are still unhanded."""
    with uow:
        authorize(uow, actor, PROMOTION_PERMISSION)
        now = uow.now()
        campaigns = uow.session.execute(
            select(CouponCampaign.id, CouponCampaign.name)
            .where(
                CouponCampaign.active.is_(True),
                CouponCampaign.ended_at.is_(None),
                CouponCampaign.single_use_codes.is_(True),
                or_(CouponCampaign.ends_at.is_(None), CouponCampaign.ends_at > now),
            )
            .order_by(CouponCampaign.name, CouponCampaign.id)
        ).all()
        return [CampaignChoice(c.id, c.name, _unused_count(uow, c.id)) for c in campaigns]


def _personalise(body: str, name: str, code: str | None) -> str:
    text = body.replace(NAME_PLACEHOLDER, name or "customer")
    if code is not None:
        if CODE_PLACEHOLDER in text:
            text = text.replace(CODE_PLACEHOLDER, code)
        else:
            text += f"\n\nYour personal code: {code}"
    return text + PROMOTION_FOOTER


@requires(PROMOTION_PERMISSION)
def send_promotion(
    uow: UnitOfWork, actor: UserDTO, subject: str, body: str, campaign_id: int | None = None
) -> int:
    """Queue a promotion to every customer who opted in; return how many emails were queued.

    ``{name}`` in the body becomes the customer's name; with a campaign, ``{code}`` becomes the
    customer's own unused code (appended when the body has no ``{code}``).

    Raises:
        ValidationError: a bad subject or body, nobody opted in, an ended or shared-code
            campaign, or fewer unused codes than customers.
        NotFoundError: the campaign does not exist.
        ConflictError: another promotion took some of the campaign's codes at the same time.
    """
    subject, body = check_message(subject, body)
    try:
        with uow:
            user = authorize(uow, actor, PROMOTION_PERMISSION)
            audience = _audience(uow)
            if not audience:
                raise ValidationError(_("No customer has agreed to receive offers by email."))
            codes: list[tuple[int, str]] | list[tuple[None, None]] = [(None, None)] * len(audience)
            if campaign_id is not None:
                campaign = _campaign(uow, campaign_id)
                codes = _unused_codes(uow, campaign_id, len(audience))
                if len(codes) < len(audience):
                    raise ValidationError(
                        _(
                            "The campaign {campaign_name} has {count} unused codes for "
                            "{count2} customers who opted in: generate more codes first."
                        ).format(
                            campaign_name=campaign.name, count=len(codes), count2=len(audience)
                        )
                    )
            now = uow.now()
            rows = [
                {
                    "to_address": email,
                    "to_name": name[:200],
                    "customer_account_id": customer_id,
                    "coupon_code_id": code_id,
                    "subject": subject,
                    "body": _personalise(body, name, code),
                    "kind": "promotion",
                    "status": OutboxStatus.PENDING.value,
                    "attempts": 0,
                    "next_attempt_at": now,
                    "last_error": "",
                    "created_at": now,
                }
                for (customer_id, email, name), (code_id, code) in zip(audience, codes, strict=True)
            ]
            uow.session.execute(insert(OutboxEmail), rows)
            uow.audit(
                AuditRecord(
                    action="outbox.promotion_sent",
                    user_id=user.id,
                    object_kind="campaign" if campaign_id is not None else "",
                    object_id=campaign_id,
                    after={"subject": subject, "recipients": len(rows)},
                )
            )
            uow.commit()
            return len(rows)
    except IntegrityError as exc:
        raise ConflictError(
            _("Another promotion took codes of this campaign at the same time: try again.")
        ) from exc


@requires(OPT_IN_PERMISSION)
def set_opt_in(uow: UnitOfWork, actor: UserDTO, customer_account_id: int, opted_in: bool) -> bool:
    """Record whether a customer agrees to receive offers; return whether it changed.

    Opting out also cancels the customer's promotions still waiting in the outbox (they stay
    listed as failed with the reason), and is audited with who recorded it.

    Raises:
        NotFoundError: the account does not exist.
    """
    with uow:
        user = authorize(uow, actor, OPT_IN_PERMISSION)
        account = uow.session.get(CustomerAccount, customer_account_id)
        if account is None:
            raise NotFoundError(_("That customer account does not exist."))
        customer = uow.session.get(Customer, account.customer_id) if account.customer_id else None
        if customer is None:
            raise NotFoundError(_("That customer account has no customer."))
        if customer.marketing_opt_in == opted_in:
            return False
        # The customer's row holds the consent (the account shows it): one source of truth.
        customer.marketing_opt_in = opted_in
        customer.opt_changed_at = uow.now()
        cancelled = 0
        if not opted_in:
            cancelled = _cancel_promotions(uow, customer_account_id)
        uow.audit(
            AuditRecord(
                action="customer.marketing_opt_in",
                user_id=user.id,
                object_kind="customer_account",
                object_id=customer_account_id,
                before={"marketing_opt_in": not opted_in},
                after={"marketing_opt_in": opted_in, "promotions_cancelled": cancelled},
            )
        )
        uow.flush()
        uow.commit()
        return True


def _cancel_promotions(uow: UnitOfWork, customer_account_id: int) -> int:
    result = uow.session.execute(
        update(OutboxEmail)
        .where(
            OutboxEmail.customer_account_id == customer_account_id,
            OutboxEmail.kind == "promotion",
            OutboxEmail.status == OutboxStatus.PENDING.value,
        )
        .values(status=OutboxStatus.FAILED.value, next_attempt_at=None, last_error=OPTED_OUT)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


@requires(OUTBOX_PERMISSION)
def list_outbox(
    uow: UnitOfWork, actor: UserDTO, flt: OutboxFilter | None = None
) -> list[OutboxRowDTO]:
    """A page of the outbox, newest first (keyset paging on ``before_id``)."""
    flt = flt or OutboxFilter()
    with uow:
        authorize(uow, actor, OUTBOX_PERMISSION)
        stmt = select(OutboxEmail)
        if flt.status:
            stmt = stmt.where(OutboxEmail.status == flt.status)
        limit = max(1, min(flt.limit, PAGE_MAX))
        rows = uow.session.scalars(newest_first(stmt, OutboxEmail.id, flt.before_id, limit))
        return [_row_dto(row) for row in rows]


@requires(OUTBOX_PERMISSION)
def outbox_counts(uow: UnitOfWork, actor: UserDTO) -> OutboxCounts:
    """How many emails are waiting, sent and failed."""
    with uow:
        authorize(uow, actor, OUTBOX_PERMISSION)
        rows = uow.session.execute(
            select(OutboxEmail.status, func.count()).group_by(OutboxEmail.status)
        ).all()
        counts = {str(status): int(count) for status, count in rows}
        return OutboxCounts(
            pending=counts.get("pending", 0),
            sent=counts.get("sent", 0),
            failed=counts.get("failed", 0),
        )


@requires(OUTBOX_PERMISSION)
def outbox_message(uow: UnitOfWork, actor: UserDTO, email_id: int) -> OutboxMessageDTO:
    """One email with its body.

    Raises:
        NotFoundError: no such email.
    """
    with uow:
        authorize(uow, actor, OUTBOX_PERMISSION)
        row = uow.session.get(OutboxEmail, email_id)
        if row is None:
            raise NotFoundError(_("That email is no longer in the outbox."))
        return OutboxMessageDTO(_row_dto(row), row.body)


@requires(OUTBOX_PERMISSION)
def retry_emails(uow: UnitOfWork, actor: UserDTO, ids: Sequence[int]) -> int:
    """Try failed (or waiting) emails again now, with a fresh set of attempts; audited.

    Promotions to customers who have since opted out stay failed.
    """
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return 0
    with uow:
        user = authorize(uow, actor, OUTBOX_PERMISSION)
        opted_out = select(CustomerAccount.id).where(CustomerAccount.marketing_opt_in.is_(False))
        result = uow.session.execute(
            update(OutboxEmail)
            .where(
                OutboxEmail.id.in_(wanted),
                OutboxEmail.status != OutboxStatus.SENT.value,
                or_(
                    OutboxEmail.kind != "promotion",
                    OutboxEmail.customer_account_id.not_in(opted_out),
                ),
            )
            .values(
                status=OutboxStatus.PENDING.value,
                attempts=0,
                next_attempt_at=uow.now(),
                last_error="",
            )
            .execution_options(synchronize_session=False)
        )
        changed = int(result.rowcount)  # type: ignore[attr-defined]
        if changed:
            uow.audit(
                AuditRecord(
                    action="outbox.retry",
                    user_id=user.id,
                    object_kind="email_outbox",
                    after={"ids": wanted[:100], "count": changed},
                )
            )
            uow.commit()
        return changed
