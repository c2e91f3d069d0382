"""The register: ring up a sale, take payment, park and resume, and the till page.

The package's face (see docs/ARCHITECTURE.md).
"""

from posapp.ui.register.dialogs import ApprovalDialog, text_dialog
from posapp.ui.register.offline_banner import OfflineBanner
from posapp.ui.register.offline_hint import OfflineSignInHint
from posapp.ui.register.payment import PaymentDialog
from posapp.ui.register.pickers import CustomerPicker
from posapp.ui.register.receipts import ReceiptSink, save_and_open_receipt
from posapp.ui.register.till_view import TillView
from posapp.ui.register.view import RegisterView

__all__ = [
    "ApprovalDialog",
    "CustomerPicker",
    "OfflineBanner",
    "OfflineSignInHint",
    "PaymentDialog",
    "ReceiptSink",
    "RegisterView",
    "TillView",
    "save_and_open_receipt",
    "text_dialog",
]
