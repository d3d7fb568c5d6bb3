"""Privacy by design (issue 15): the access log and its review (R17), export (art. 15).

Which subject an id names, for every privacy command: `resolve_subject`
(a malformed id is `invalid_input`; an unknown one, or one of another kind, `not_found`).

Per-subject keys and culling (R16) live in the private layer
(`homecare._sql.subject_keys`, `homecare._sql.scrub`), since the projections and
the outbox seal and open personal fields too; the marker a culled field shows
and the retention rule are in the domain (`homecare.domain.privacy`,
`homecare.domain.retention`). Overview: docs/privacy.md.

Layer: between the facade (`homecare.application`) and the outbox, so that the
facade, the audit, the CLI and HTTP can record reads.
"""

from __future__ import annotations

from homecare.privacy.access_log import (
    Access,
    AccessEntry,
    AccessLog,
    Channel,
    access_log,
    reads,
    refusal,
)
from homecare.privacy.export import Exportable, export
from homecare.privacy.resolve import Subject, resolve_subject
from homecare.privacy.review import AccessReview, PairCount, ReaderVolume, review
from homecare.privacy.subjects import subjects_in

__all__ = [
    "Access",
    "AccessEntry",
    "AccessLog",
    "AccessReview",
    "Channel",
    "Exportable",
    "PairCount",
    "ReaderVolume",
    "Subject",
    "access_log",
    "export",
    "reads",
    "refusal",
    "resolve_subject",
    "review",
    "subjects_in",
]
