"""Lambda `reconciliation`: the weekly check of every member's books and each program's
liability (对账). Started by its schedule (or `loyalty-local reconcile`); fans out through its
own queue, one parallel-Scan page per message (partial batch failures)."""

from loyalty.api.reconciliation_events import handler
from loyalty.services.settings import require_settings

require_settings("TABLE_NAME", "SWEEP_QUEUE_URL")

__all__ = ["handler"]
