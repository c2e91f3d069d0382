"""Customer accounts: deposits, withdrawals, transfers, PINs, statements, order payments.

The package's face (see docs/ARCHITECTURE.md); the edges use ``Backend.accounts``.
"""

from posapp.services.accounts.api import AccountsApi
from posapp.services.accounts.core import shop as shop_ledger_account
from posapp.services.accounts.dto import (
    MOVEMENT_LABELS,
    STATUS_LABELS,
    AccountDraft,
    AccountDTO,
    AccountFilter,
    AccountRow,
    MovementDTO,
    MovementKind,
    MovementPage,
    MovementResult,
    StatementDTO,
    StatementLine,
    WithdrawalRules,
    movement_label,
    state_word,
)
from posapp.services.accounts.ledger import Leg, post
from posapp.services.accounts.manage import (
    ApprovalRequiredError,
    WrongPinError,
    deposit,
    get_account,
    open_account,
    pay_from_account,
    refund_to_account,
    statement,
    till_cash_delta,
)
from posapp.services.accounts.numbers import display
from posapp.services.accounts.validation import (
    PIN_MAX,
    clean_email,
    clean_holder_name,
    clean_phone,
    phone_digits,
)

__all__ = [
    "MOVEMENT_LABELS",
    "PIN_MAX",
    "STATUS_LABELS",
    "AccountDTO",
    "AccountDraft",
    "AccountFilter",
    "AccountRow",
    "AccountsApi",
    "ApprovalRequiredError",
    "Leg",
    "MovementDTO",
    "MovementKind",
    "MovementPage",
    "MovementResult",
    "StatementDTO",
    "StatementLine",
    "WithdrawalRules",
    "WrongPinError",
    "clean_email",
    "clean_holder_name",
    "clean_phone",
    "deposit",
    "display",
    "get_account",
    "movement_label",
    "open_account",
    "pay_from_account",
    "phone_digits",
    "post",
    "refund_to_account",
    "shop_ledger_account",
    "state_word",
    "statement",
    "till_cash_delta",
]
