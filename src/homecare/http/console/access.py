"""R17: the console's views of personal data recorded in the store's access log.

The default `on_personal_data` hook of `build_console`: each page that shows a
subject's personal data unmasked becomes one access-log entry (reader: the
token's name, what: `view`, purpose: `console <page>`, channel: `console`),
and the log line of `log_personal_data_view` as before. A host that passes its
own hook replaces both. Recording is a write: a console over a store that
cannot be written fails the page rather than show personal data unlogged.
"""

from __future__ import annotations

from homecare._sql.database import Database
from homecare.domain.privacy import SubjectKind
from homecare.http.console.pages import PersonalDataHook, PersonalDataView, log_personal_data_view
from homecare.privacy import Access, AccessLog, Channel

__all__ = ["access_log_hook"]


def access_log_hook(database: Database) -> PersonalDataHook:
    """A hook that records each view in `database`'s access log (and logs its line)."""
    log = AccessLog(database)

    def record(view: PersonalDataView) -> None:
        log_personal_data_view(view)
        log.record(
            [
                Access(
                    reader=view.viewer,
                    subject_id=view.subject_id,
                    subject_kind=SubjectKind(view.subject),
                    what="view",
                    purpose=f"console {view.page}",
                    channel=Channel.CONSOLE,
                    at=view.at,
                )
            ]
        )

    return record
