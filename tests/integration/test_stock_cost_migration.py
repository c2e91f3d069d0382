"""Migration 0021 values the stock and the sales already in a database at the products' costs."""

from __future__ import annotations

from posapp.services.platform.db import Database
from posapp.services.platform.migrate import current_revision, head_revision
from posapp.services.platform.migrate import upgrade_database as upgrade
from tests.integration.migration_support import upgrade_all_but

AT = "2024-01-01 00:00:00+00:00"
_PRODUCT = (
    "INSERT INTO products (sku, sku_key, name, description, price_minor, cost_minor, "
    "tax_rate_bp, tax_included, sold_by_weight, active, created_at, changed_at, version) "
    "VALUES ('{sku}', '{sku}', '{sku}', '', 200, {cost}, 0, true, {weighed}, true, "
    f"'{AT}', '{AT}', 1)"
)
_LINE = (
    "INSERT INTO order_lines (order_id, line_no, product_id, sku, name, quantity, returned_qty, "
    "list_price_minor, unit_price_minor, discount_minor, order_discount_minor, "
    "coupon_discount_minor, tax_rate_bp, tax_included, tax_minor, total_minor) "
    "VALUES (1, {no}, {product}, 'X', 'X', {qty}, {returned}, 200, 200, 0, 0, 0, 0, true, 0, 400)"
)


def _old_database(bare: Database) -> None:
    upgrade_all_but(bare.engine, "0021")
    with bare.engine.begin() as conn:
        run = conn.exec_driver_sql
        run(
            "INSERT INTO stores (code, name, kind, address, phone, active, created_at) "
            f"VALUES ('N', 'North', 'store', '', '', true, '{AT}')"
        )
        run(
            "INSERT INTO users (username, username_key, full_name, role, active, "
            "failed_attempts, created_at, changed_at, version) "
            f"VALUES ('root', 'root', '', 'admin', true, 0, '{AT}', '{AT}', 1)"
        )
        run(_PRODUCT.format(sku="UNIT", cost=90, weighed="false"))
        run(_PRODUCT.format(sku="CHEESE", cost=1990, weighed="true"))
        run(_PRODUCT.format(sku="FREE", cost=0, weighed="false"))
        for product, on_hand in ((1, 40), (2, 455), (3, 7)):
            run(
                "INSERT INTO stock_levels (store_id, product_id, on_hand, reorder_point, "
                f"reorder_qty, changed_at) VALUES (1, {product}, {on_hand}, 0, 0, '{AT}')"
            )
        run(
            "INSERT INTO orders (sale_uuid, number, store_id, register, cashier_id, status, "
            "pickup, subtotal_minor, discount_minor, coupon_minor, tax_minor, total_minor, "
            "paid_minor, refunded_minor, note, placed_at, created_at) VALUES "
            "('0123456789abcdef0123456789abcdef', 'N-1', 1, 'r', 1, 'partly_refunded', false, "
            f"800, 0, 0, 0, 800, 800, 200, '', '{AT}', '{AT}')"
        )
        run(_LINE.format(no=1, product=1, qty=2, returned=1))
        run(_LINE.format(no=2, product=2, qty=250, returned=0))
        run(
            "INSERT INTO order_returns (return_uuid, order_id, user_id, with_receipt, refund_to, "
            "amount_minor, reason, created_at) VALUES "
            f"('fedcba9876543210fedcba9876543210', 1, 1, true, 'original', 200, '', '{AT}')"
        )
        run(
            "INSERT INTO order_return_lines (return_id, order_line_id, quantity, amount_minor, "
            "restock) VALUES (1, 1, 1, 200, true)"
        )


def test_levels_and_sold_lines_get_the_products_costs(bare: Database) -> None:
    _old_database(bare)
    upgrade(bare.engine)
    assert current_revision(bare.engine) == head_revision()
    with bare.engine.begin() as conn:
        run = conn.exec_driver_sql
        levels = run("SELECT product_id, value_minor FROM stock_levels ORDER BY product_id").all()
        # 40 × 0.90; 0.455 kg × 19.90/kg = 9.0545 → 9.05; a product without a cost is worth 0
        assert [tuple(r) for r in levels] == [(1, 3600), (2, 905), (3, 0)]
        lines = run("SELECT line_no, cost_minor FROM order_lines ORDER BY line_no").all()
        assert [tuple(r) for r in lines] == [(1, 180), (2, 498)]  # 0.25 kg × 19.90 = 4.975
        assert run("SELECT cost_minor FROM order_return_lines").scalar_one() == 90
        assert run("SELECT sum(value_minor) FROM stock_movements").scalar_one() is None
