"""Random, replayable shop operations through the real services (for crash and load workers).

Cash sales sometimes sell a gift card or are paid partly with one (issue #19), so the crash,
fault and load suites check the gift card invariants on a shop that uses them.

:meth:`Operations.plan` draws an operation and describes it as a JSON-able dict holding every
id the services need to make it idempotent (sale and payment UUIDs, ledger keys, stock batch
UUIDs, return UUIDs); :meth:`Operations.run` performs it and can be called again with the same
dict after a crash: the services then return the first result instead of doing it twice.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from posapp.models import GiftCard, Order, OrderLine, OrderStatus, Product, StockLevel
from posapp.services.accounts.movements import deposit, withdraw
from posapp.services.backend import Backend
from posapp.services.coupons.redemption import CouponRefused
from posapp.services.platform.dto import UserDTO
from posapp.services.sales.dto import (
    BasketItem,
    DraftLine,
    GiftCardLine,
    PaymentDraft,
    PaymentKind,
    SaleDraft,
)
from posapp.services.sales.order_dto import ReturnLineRequest, ReturnRequest
from posapp.services.sales.pricing import PriceLine, price_cart
from posapp.services.sales.returns import return_items
from posapp.services.stock import actions as stock
from posapp.services.stock.dto import StockLine
from tests.reliability.world import ACCOUNT_PIN, World

Op = dict[str, Any]

# Refusals a busy shop produces on its own; anything else a worker meets is a bug.
EXPECTED_REFUSALS = frozenset(
    {
        "InsufficientStockError",
        "CouponRefused",
        "InsufficientFundsError",
        "DailyLimitError",
        "GiftCardRefused",  # a card another register spent meanwhile (issue #19)
    }
)
WEIGHTS = {
    "sale": 50,
    "deposit": 10,
    "withdraw": 8,
    "transfer": 10,
    "restock": 6,
    "return": 6,
}
LOW_STOCK = 60


@dataclass(frozen=True, slots=True)
class _Item:
    id: int
    category_id: int | None
    price_minor: int
    tax_rate_bp: int
    tax_included: bool


class Operations:
    """Plans and runs operations for one register (one worker)."""

    def __init__(self, backend: Backend, world: World, rng: random.Random) -> None:
        self.backend = backend
        self.world = world
        self.rng = rng
        # Gift cards (#19) draw from their own generator, seeded from the main one without
        # consuming it, so the other operations a seed plans stay what they were.
        self.card_rng = random.Random(hash(rng.getstate()[1]))
        staff = world.staff(backend)
        self.cashier: UserDTO = staff["cashier"]
        self.manager: UserDTO = staff["manager"]
        with backend.read_uow() as uow:
            rows = uow.session.execute(
                select(
                    Product.id,
                    Product.category_id,
                    Product.price_minor,
                    Product.tax_rate_bp,
                    Product.tax_included,
                ).where(Product.id.in_(world.products.values()))
            ).all()
        self.items = {row[0]: _Item(*row) for row in rows}

    # --- planning -------------------------------------------------------------------------

    def plan(self) -> Op:
        """Draw the next operation."""
        planners = {
            "sale": self._plan_sale,
            "deposit": self._plan_deposit,
            "withdraw": self._plan_withdraw,
            "transfer": self._plan_transfer,
            "restock": self.plan_restock,
            "return": self._plan_return,
        }
        kind = self.rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
        return planners[kind]()

    def _plan_sale(self) -> Op:
        ids = self.rng.sample(sorted(self.items), self.rng.randint(1, 3))
        lines = [[pid, self.rng.randint(1, 3)] for pid in ids]
        account = self.rng.choice(self.world.accounts) if self.rng.random() < 0.3 else None
        code = self.rng.choice(self.world.coupon_codes) if self.rng.random() < 0.35 else None
        total = self.sale_total(lines, code, account[0] if account else None)
        if total is None:  # the coupon was refused at quoting: sell without it
            code, total = None, self.sale_total(lines, None, None)
        assert total is not None
        op: Op = {
            "kind": "sale",
            "sale_uuid": uuid.uuid4().hex,
            "payment_uuid": uuid.uuid4().hex,
            "lines": lines,
            "coupon": code,
            "account": list(account) if account else None,
            "total": total,
            "tendered": -(-total // 500) * 500,
        }
        return op if account else self._with_gift_card(op)

    def _with_gift_card(self, op: Op) -> Op:
        """Sometimes sell a gift card on the cash sale, or pay part of it with a card (#19)."""
        draw = self.card_rng.random()
        if draw < 0.15:
            card = self.card_rng.randint(5, 50) * 100
            total = op["total"] + card
            return op | {"gift_card_line": card, "total": total, "tendered": -(-total // 500) * 500}
        if draw < 0.4:
            with self.backend.read_uow() as uow:
                found = uow.session.execute(
                    select(GiftCard.code, GiftCard.balance_minor)
                    .where(GiftCard.balance_minor > 0)
                    .order_by(func.random())
                    .limit(1)
                ).first()
            if found is not None:
                spend = min(op["total"], int(found[1]), self.card_rng.randint(1, 40) * 100)
                cash = op["total"] - spend
                return op | {
                    "gift_card": [str(found[0]), spend],
                    "gift_payment_uuid": uuid.uuid4().hex,
                    "tendered": -(-cash // 500) * 500,
                }
        return op

    def sale_total(
        self, lines: list[list[int]], code: str | None, customer: int | None
    ) -> int | None:
        """A sale's total (``lines``: [product id, quantity]); None if the coupon is refused."""
        price_lines = [
            PriceLine(
                no,
                qty,
                self.items[pid].price_minor,
                self.items[pid].tax_rate_bp,
                self.items[pid].tax_included,
            )
            for no, (pid, qty) in enumerate(lines, start=1)
        ]
        cart = price_cart(price_lines)
        if code is None:
            return cart.total_minor
        basket = [
            BasketItem(
                line.line_no,
                lines[line.line_no - 1][0],
                self.items[lines[line.line_no - 1][0]].category_id,
                lines[line.line_no - 1][1],
                line.before_coupon_minor,
            )
            for line in cart.lines
        ]
        try:
            quote = self.backend.sales.quote_coupon(self.cashier, code, basket, customer)
        except CouponRefused:
            return None
        return price_cart(price_lines, coupon_shares=quote.shares()).total_minor

    def _plan_deposit(self) -> Op:
        account_id, _number = self.rng.choice(self.world.accounts)
        amount = self.rng.randint(1, 200) * 100
        return {"kind": "deposit", "key": uuid.uuid4().hex, "account": account_id, "amount": amount}

    def _plan_withdraw(self) -> Op:
        account_id, _number = self.rng.choice(self.world.accounts)
        amount = self.rng.randint(1, 100) * 100
        return {
            "kind": "withdraw",
            "key": uuid.uuid4().hex,
            "account": account_id,
            "amount": amount,
        }

    def _plan_transfer(self) -> Op:
        ends = [self.world.store_id, self.world.warehouse_id]
        self.rng.shuffle(ends)
        pids = self.rng.sample(sorted(self.items), self.rng.randint(1, 2))
        return {
            "kind": "transfer",
            "batch": uuid.uuid4().hex,
            "from": ends[0],
            "to": ends[1],
            "lines": [[pid, self.rng.randint(1, 20)] for pid in pids],
        }

    def plan_restock(self) -> Op:
        """A delivery of the product that is lowest anywhere."""
        with self.backend.read_uow() as uow:
            low = uow.session.execute(
                select(StockLevel.store_id, StockLevel.product_id)
                .order_by(StockLevel.on_hand, StockLevel.product_id)
                .limit(1)
            ).one()
        return {
            "kind": "receive",
            "batch": uuid.uuid4().hex,
            "store": int(low[0]),
            "lines": [[int(low[1]), 200]],
        }

    def _plan_return(self) -> Op:
        with self.backend.read_uow() as uow:
            order_id = uow.session.scalar(
                select(Order.id)
                .where(Order.status == OrderStatus.FULFILLED.value)
                .order_by(func.random())
                .limit(1)
            )
            lines = (
                []
                if order_id is None
                else uow.session.execute(
                    select(OrderLine.id, OrderLine.quantity - OrderLine.returned_qty).where(
                        OrderLine.order_id == order_id
                    )
                ).all()
            )
        if order_id is None:
            return self._plan_sale()
        return {
            "kind": "return",
            "return_uuid": uuid.uuid4().hex,
            "order": int(order_id),
            "lines": [[int(i), int(q)] for i, q in lines if q > 0],
        }

    def needs_stock(self) -> bool:
        """Whether some level of the storefront is low (the worker then receives first)."""
        with self.backend.read_uow() as uow:
            lowest = uow.session.scalar(select(func.min(StockLevel.on_hand)))
        return lowest is not None and int(lowest) < LOW_STOCK

    # --- running --------------------------------------------------------------------------

    def run(self, op: Op) -> tuple[dict[str, str], bool]:
        """Perform ``op``; return the acknowledged ids and whether it was a replay."""
        runner = getattr(self, f"_run_{op['kind']}")
        result = runner(op)
        assert isinstance(result, tuple)
        return result

    def _run_sale(self, op: Op) -> tuple[dict[str, str], bool]:
        account = op["account"]
        payments: tuple[PaymentDraft, ...] = ()
        gift = op.get("gift_card")
        cash = op["total"]
        if gift is not None:  # part paid by a gift card, the rest in cash
            payments = (
                PaymentDraft(
                    uuid.UUID(hex=op["gift_payment_uuid"]),
                    PaymentKind.GIFT_CARD,
                    gift[1],
                    gift_card_code=gift[0],
                ),
            )
            cash -= gift[1]
        if account is None and cash > 0:
            payment = PaymentDraft(
                uuid.UUID(hex=op["payment_uuid"]), PaymentKind.CASH, cash, op["tendered"]
            )
            payments += (payment,)
        elif account is not None:
            payment = PaymentDraft(
                uuid.UUID(hex=op["payment_uuid"]),
                PaymentKind.ACCOUNT,
                op["total"],
                account_number=account[1],
                pin=ACCOUNT_PIN,
            )
            payments += (payment,)
        card_line = op.get("gift_card_line")
        draft = SaleDraft(
            sale_uuid=uuid.UUID(hex=op["sale_uuid"]),
            lines=tuple(
                DraftLine(no, pid, qty) for no, (pid, qty) in enumerate(op["lines"], start=1)
            ),
            payments=payments,
            coupon_codes=(op["coupon"],) if op["coupon"] else (),
            customer_account_id=account[0] if account else None,
            expected_total_minor=op["total"],
            gift_cards=(GiftCardLine(card_line),) if card_line else (),
        )
        placed = self.backend.sales.place_order(self.cashier, draft)
        if placed.total_minor != op["total"] or placed.status != OrderStatus.FULFILLED.value:
            msg = f"sale {op['sale_uuid']} came back as {placed}"
            raise AssertionError(msg)
        return {"sale_uuid": op["sale_uuid"]}, placed.replayed

    def _run_deposit(self, op: Op) -> tuple[dict[str, str], bool]:
        result = deposit(
            self.backend.uow(),
            self.cashier,
            account_id=op["account"],
            amount_minor=op["amount"],
            key=uuid.UUID(hex=op["key"]),
            store_id=self.world.store_id,
        )
        return {"ledger_key": op["key"]}, result.replayed

    def _run_withdraw(self, op: Op) -> tuple[dict[str, str], bool]:
        result = withdraw(
            self.backend.uow(),
            self.cashier,
            account_id=op["account"],
            amount_minor=op["amount"],
            pin=ACCOUNT_PIN,
            key=uuid.UUID(hex=op["key"]),
            store_id=self.world.store_id,
        )
        return {"ledger_key": op["key"]}, result.replayed

    def _run_transfer(self, op: Op) -> tuple[dict[str, str], bool]:
        result = stock.transfer_stock(
            self.backend.uow(),
            self.manager,
            op["from"],
            op["to"],
            [StockLine(pid, qty) for pid, qty in op["lines"]],
            request_id=uuid.UUID(hex=op["batch"]),
        )
        return {"batch": op["batch"]}, result.replayed

    def _run_receive(self, op: Op) -> tuple[dict[str, str], bool]:
        result = stock.receive_stock(
            self.backend.uow(),
            self.manager,
            op["store"],
            [StockLine(pid, qty) for pid, qty in op["lines"]],
            reference="REL-DELIVERY",
            request_id=uuid.UUID(hex=op["batch"]),
        )
        return {"batch": op["batch"]}, result.replayed

    def _run_return(self, op: Op) -> tuple[dict[str, str], bool]:
        result = return_items(
            self.backend.uow(),
            self.cashier,
            ReturnRequest(
                uuid.UUID(hex=op["return_uuid"]),
                op["order"],
                tuple(ReturnLineRequest(i, q) for i, q in op["lines"]),
                reason="Changed their mind",
            ),
        )
        return {"return_uuid": op["return_uuid"]}, result.replayed
