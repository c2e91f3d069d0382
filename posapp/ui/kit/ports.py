"""What the UI needs from the services, as a protocol the services' ``Backend`` satisfies."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from posapp.services.platform.dto import DemoLogin, StoreDTO, UserDTO

if TYPE_CHECKING:  # the login window paints before SQLAlchemy is imported
    from posapp.services.platform.uow import UnitOfWork


class AppBackend(Protocol):
    """The slice of :class:`posapp.services.backend.Backend` that the app shell uses.

    The UI types against this protocol instead of importing ``Backend``, so tests can pass a
    small fake. Use cases run as ``service(backend.uow(), user, ...)``: :meth:`uow` for actions
    that write, :meth:`read_uow` for reads (the UI never touches the session itself).
    """

    def uow(self) -> UnitOfWork:
        """A unit of work for a user action that writes."""
        ...

    def read_uow(self) -> UnitOfWork:
        """A unit of work that only reads."""
        ...

    @property
    def register(self) -> str:
        """This register's name."""
        ...

    @property
    def database_description(self) -> str:
        """The SQLite path or the PostgreSQL host."""
        ...

    def login(self, username: str, password: str) -> UserDTO:
        """Check credentials (raises ``AuthenticationError`` when they do not match)."""
        ...

    def demo_logins(self) -> list[DemoLogin]:
        """The demo log-ins to offer on the login screen."""
        ...

    def user_count(self) -> int:
        """How many staff users exist."""
        ...

    def stores(self) -> list[StoreDTO]:
        """Every active store and warehouse, storefronts first."""
        ...
