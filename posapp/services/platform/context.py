"""What every feature facade runs on: the database, the publisher, this register and the clock.

A facade (``posapp.services.sales.SalesApi``, ``posapp.services.stock.StockApi``, …) receives a
:class:`ServiceContext` and opens a unit of work from it per call: :meth:`ServiceContext.uow` for
an action that writes, :meth:`ServiceContext.read_uow` for a read. It never receives the
``posapp.services.backend.Backend`` that holds the facades, so no feature imports the top floor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from posapp.events import Publisher, null_publisher
from posapp.models.base import utcnow
from posapp.services.platform.uow import Clock, UnitOfWork

if TYPE_CHECKING:
    from posapp.services.platform.db import Database


class ServiceContext:
    """Makes units of work for one register of the shop.

    Args:
        database: The open database (its write and read session factories).
        publisher: Where committed events go.
        register: This register's name (recorded with each action).
        clock: The time source of every unit of work (tests and the demo data inject one).
    """

    def __init__(
        self,
        database: Database,
        publisher: Publisher = null_publisher,
        *,
        register: str = "register",
        clock: Clock = utcnow,
    ) -> None:
        self.database = database
        self.publisher = publisher
        self.register = register
        self.clock = clock

    def uow(self) -> UnitOfWork:
        """A unit of work for a user action that writes (BEGIN IMMEDIATE on SQLite)."""
        return UnitOfWork(
            self.database.write_sessions, self.publisher, clock=self.clock, register=self.register
        )

    def read_uow(self) -> UnitOfWork:
        """A unit of work that only reads (never takes SQLite's write lock)."""
        return UnitOfWork(
            self.database.read_sessions, self.publisher, clock=self.clock, register=self.register
        )
