"""The gift cards system as one object for the edges (``backend.giftcards``).

Selling, reloading, spending and refunding a card happen inside a sale or a return
(``backend.sales``); this facade answers the register's and the command line's questions.
"""

from __future__ import annotations

from posapp.services.customers.giftcards import queries
from posapp.services.platform.facade import Facade, reads


class GiftCardsApi(Facade):
    """A card's balance, and the shop's limits for selling one."""

    balance = reads(queries.card_balance)
    limits = reads(queries.card_limits)
