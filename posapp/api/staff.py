"""The staff's stock and order endpoints (issue #22): a store's stock levels, and orders moved on.

Each needs an API token with its scope (``stock:read``, ``orders:write``) and runs as the token's
user through the same facades as the app, so the role decides as it does at the till: a cashier's
token may make an order ready or hand it over, cancelling needs the VOID permission. Every call
is audited with the token's user (:mod:`posapp.api.auth`), and each move by its use case.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from posapp.api.auth import backend_of, caller_with
from posapp.api.problems import problem, status_of
from posapp.services.platform.errors import NotFoundError, ServiceError
from posapp.services.platform.ids import ID_MAX
from posapp.services.staff import ApiCaller
from posapp.services.stock import StockFilter

router = APIRouter(prefix="/api/v1", tags=["stock and orders (staff)"])

StockReader = Annotated[ApiCaller, Depends(caller_with("stock:read"))]
OrderMover = Annotated[ApiCaller, Depends(caller_with("orders:write"))]
PAGE_MAX = 500
SEARCH_MAX = 100


class StockLevelOut(BaseModel):
    """One product's stock at the store (``on_hand`` in steps of ``unit``: thousandths of kg)."""

    product_id: int
    sku: str
    name: str
    unit: str
    on_hand: int
    reorder_point: int
    reorder_qty: int
    low: bool


class StockPage(BaseModel):
    """A page of a store's stock levels, by product name."""

    store_id: int
    items: list[StockLevelOut]
    total: int
    next_offset: int | None


@router.get(
    "/stores/{store_id}/stock",
    summary="A store's stock levels",
    response_model=StockPage,
    responses={404: {"description": "No store or warehouse has this id."}},
)
def store_stock(
    request: Request,
    caller: StockReader,
    store_id: Annotated[int, Path(ge=1, le=ID_MAX)],
    q: Annotated[str, Query(max_length=SEARCH_MAX, description="name or SKU contains")] = "",
    low_only: bool = False,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=PAGE_MAX)] = 100,
) -> StockPage:
    """The stock of a store or warehouse: what is on hand and when to reorder, a page at a time."""
    stock = backend_of(request).stock
    if store_id not in {store.id for store in stock.list_stores(caller.user)}:
        raise NotFoundError(f"No store or warehouse has the id {store_id}.")
    ids = stock.stock_level_ids(caller.user, store_id, StockFilter(search=q, low_only=low_only))
    page = ids[offset : offset + limit]
    rows = stock.stock_rows(caller.user, store_id, page)
    end = offset + len(page)
    return StockPage(
        store_id=store_id,
        items=[
            StockLevelOut(
                product_id=row.product_id,
                sku=row.sku,
                name=row.name,
                unit=row.unit,
                on_hand=row.on_hand,
                reorder_point=row.reorder_point,
                reorder_qty=row.reorder_qty,
                low=row.reorder_point > 0 and row.on_hand <= row.reorder_point,
            )
            for row in rows
        ],
        total=len(ids),
        next_offset=end if end < len(ids) else None,
    )


class Transition(BaseModel):
    """Where the order goes.

    ``ready`` for pickup, ``collect``-ed, handed over (``fulfil``), or ``cancel``-led (``note``
    is then the reason, required).
    """

    model_config = ConfigDict(extra="forbid")
    action: Literal["ready", "collect", "fulfil", "cancel"]
    note: str = Field(default="", max_length=500)


class OrderState(BaseModel):
    """The order's status after the move."""

    order_id: int
    status: str


@router.post(
    "/orders/{order_id}/transitions",
    summary="Move an order on",
    response_model=OrderState,
    responses={
        404: {"description": "No order has this id."},
        409: {"description": "The order's status does not allow the move (or it is not paid)."},
    },
)
def move_order(
    request: Request,
    caller: OrderMover,
    order_id: Annotated[int, Path(ge=1, le=ID_MAX)],
    move: Transition,
) -> OrderState | JSONResponse:
    """Make an order ready, mark it collected or handed over, or cancel it (with a reason)."""
    sales = backend_of(request).sales
    try:
        if move.action == "cancel":
            status = sales.cancel_order(caller.user, order_id, move.note)
        else:
            status = sales.advance_order(caller.user, order_id, move.action, move.note)
    except ServiceError as exc:
        code = status_of(exc)
        # A move the order's status does not allow is the state of things: 409, not 400.
        return problem(409 if code == 400 else code, str(exc))  # noqa: PLR2004
    return OrderState(order_id=order_id, status=status)
