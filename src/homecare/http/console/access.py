"""R17: the console's views of personal data recorded in the store's access log.

The default `on_personal_data` hook of `build_console`: each page that shows a
subject's personal data unmasked becomes one access-log entry (reader: the
token's name, what: `view`, purpose: `console <page>`, channel: `console`),
and the log line of `log_personal_data_view` as before. A host that passes its
own hook replaces both. Recording is a write: a console over a store that
cannot be written fails the page rather than show personal data unlogged.
"""

from __future__ import annotations

from homecare.domain.privacy import SubjectKind
from homecare.http.console.pages import PersonalDataHook, PersonalDataView, log_personal_data_view
from homecare.privacy import AccessLog, Channel, reads

__all__ = ["access_log_hook"]


def access_log_hook(log: AccessLog) -> PersonalDataHook:
    """A hook that records each view in the store's access log `log` (`Homecare.access`,
    which seals reader and purpose with the store's key) and logs its line."""

    def record(view: PersonalDataView) -> None:
        log_personal_data_view(view)
        subject = (view.subject_id, SubjectKind(view.subject))
        log.record(
            reads(
                [subject],
                reader=view.viewer,
                what="view",
                purpose=f"console {view.page}",
                channel=Channel.CONSOLE,
                at=view.at,
            )
        )

    return record
