"""The auditor's tools: a customer's history, replay verification (D6) and as-of state.

- `history` (`_history.py`): every event that touched a customer, its contracts,
  orders, pauses and visits, in log order, with who and when (D1).
- `verify` (`_verify.py`, comparing in `_compare.py`): rebuilds every projection
  from the events alone into a scratch SQLite store and compares it row by row
  with the live one (D6).
- `as_of` (`_as_of.py`): a customer's pauses and visits as they were at an
  instant, with the integration status they had then (the buffer replayed up to
  that instant).

Memory stays flat whatever the log's length: the log is read in pages (through
`homecare._es.log`), the rebuild writes a page per transaction, and tables are
compared as two sorted streams. Each public function is a boundary of the one
error map (`homecare._es.error_map`): a storage error leaves it as `StorageError`,
events stored under another key as `CipherKeyError`.
"""

from homecare.audit._as_of import AssignmentThen, CustomerAsOf, DecisionThen, PauseThen, as_of
from homecare.audit._history import HistoryEntry, history
from homecare.audit._report import ColumnDifference, RowDifference, VerifyReport
from homecare.audit._verify import VerifyProgress, verify

__all__ = [
    "AssignmentThen",
    "ColumnDifference",
    "CustomerAsOf",
    "DecisionThen",
    "HistoryEntry",
    "PauseThen",
    "RowDifference",
    "VerifyProgress",
    "VerifyReport",
    "as_of",
    "history",
    "verify",
]
