"""``posapp giftcard balance CODE``: what a gift card holds, from the command line.

    posapp giftcard balance GC-7KQ2-M9XD-4HT8-PW3C

The command line is trusted like a shell on the machine (no staff log-in), as for
``posapp settings``: it reads the whole code. A code with look-alike (0, 1, I, L, O),
invisible or foreign characters, or no card with it, is refused in one line (exit 2).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from posapp.cli.kit import EXIT_OK, Commands, command, group, open_backend

if TYPE_CHECKING:
    from posapp.config import AppConfig


def register_cli(commands: Commands) -> None:
    """Add ``giftcard balance`` to the top-level commands."""
    cards = group(commands, "giftcard", "gift cards: a card's balance")
    balance = command(
        cards,
        "balance",
        balance_command,
        "show what a gift card holds and until when",
        "Show the gift card's balance, what was loaded on it and its expiry. Case, spaces and "
        "dashes in CODE do not matter.",
    )
    balance.add_argument("code", metavar="CODE", help="the code printed on the receipt")


def balance_command(args: argparse.Namespace, config: AppConfig) -> int:
    """Print one card's balance."""
    from datetime import timedelta  # noqa: PLC0415 - loaded when the command runs

    from posapp.money import format_money  # noqa: PLC0415
    from posapp.services.customers import card_balance  # noqa: PLC0415

    with open_backend(config) as backend:
        card = card_balance(backend.read_uow(), None, args.code)
    if card.expires_at is None:
        until = "never expires"
    else:
        # Stored as the first moment it no longer works; said as the last day it does.
        last = (card.expires_at.astimezone() - timedelta(microseconds=1)).date().isoformat()
        until = f"EXPIRED after {last}" if card.expired else f"valid until {last}"
    print(
        f"{card.code}: balance {format_money(card.balance_minor)} "
        f"(loaded {format_money(card.loaded_minor)}), {until}."
    )
    return EXIT_OK
