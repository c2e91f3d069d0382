"""What every part of the register asks of the register view: its sale, its messages, its window.

The view (:class:`posapp.ui.register.RegisterView`) offers this small surface to the parts it
hands its keys to (the flow, the gift card keys); each part's own Protocol adds what only it
needs, so none of them imports the view and calls go one way, view → part → screen methods.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from posapp.services.platform.dto import UserDTO
    from posapp.services.sales import SalesApi
    from posapp.ui.register.cart import Cart


class SaleScreen(Protocol):
    """The register view as its parts see it: the sale, the cashier, messages and refresh."""

    @property
    def sales(self) -> SalesApi:
        """The sales facade."""
        ...

    @property
    def user(self) -> UserDTO:
        """The logged-in cashier."""
        ...

    @property
    def cart(self) -> Cart:
        """The current sale."""
        ...

    def say(self, text: str, level: str = "info") -> None:
        """Show a message above the cart."""
        ...

    def refresh(self, select: int | None = None) -> None:
        """Show the cart after a change."""
        ...
