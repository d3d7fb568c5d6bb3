"""R17: by default the console's views of personal data are entries in the store's access log.

The default recorder of `build_console`: each subject a page shows, masked or
not, becomes one access-log entry (reader: the token's name, what: `view`,
purpose: `console <page>`, channel: `console`), one write per page, and a log
line of ids per view (`log_personal_data_view`). A host that passes its own
`on_personal_data` hook replaces both. Recording is a write: a console over a
store that fails to write shows its error page rather than the data unlogged;
a store that may only be read (issue 11) logs each entry as a warning instead
(`AccessLog.record_reads`).
"""

from __future__ import annotations

from collections.abc import Sequence

from homecare.domain.privacy import SubjectKind
from homecare.http.console.pages import (
    PersonalDataHook,
    PersonalDataRecorder,
    PersonalDataView,
    log_personal_data_view,
)
from homecare.privacy import AccessLog, Channel, reads

__all__ = ["access_log_hook", "access_log_recorder"]


def access_log_recorder(log: AccessLog) -> PersonalDataRecorder:
    """Records one page's views in the store's access log `log` (`Homecare.access`, which
    seals reader and purpose with the store's key) in one write, and logs their lines."""

    def record(views: Sequence[PersonalDataView]) -> None:
        entries = [
            entry
            for view in views
            for entry in reads(
                [(view.subject_id, SubjectKind(view.subject))],
                reader=view.viewer,
                what="view",
                purpose=f"console {view.page}",
                channel=Channel.CONSOLE,
                at=view.at,
            )
        ]
        for view in views:
            log_personal_data_view(view)
        log.record_reads(entries)

    return record


def access_log_hook(log: AccessLog) -> PersonalDataHook:
    """The same for one view at a time (a host composing its own hook with the log's)."""
    recorder = access_log_recorder(log)
    return lambda view: recorder([view])
