"""The command facade: the only way to change the domain (D1).

A thin `eventsourcing.Application` (wired in `homecare._es.application`): each
command loads aggregates, lets them check their rules, and saves every
resulting event in one atomic `save`, so a batch is all-or-nothing (R1). Time
and actor are passed in; the facade reads no clock either. Library errors are
translated at its boundary into `homecare.errors` (`homecare._es.error_map`:
every public method of the three modules passes through it).

One module per job: `people` (customers, decisions, contracts, orders, staff),
`visits` (plan, perform, correct, decline, attest, confirm) and `pauses`
(create, change, cancel, which pause applies), `culling` (the record of a
culling, R16). `HomecareApplication` is all four, with `reads` (`get`,
`get_as_of`, `reading`: each read of personal data is recorded in the access
log, R17) and the pauses' queries (`pauses_of_order`, `paused_by`: recorded too).
Every public method is either a command (returning ids or records without
personal data) or a recorded read: `tests/privacy/test_facade_reads.py` lists
them all, so a new one is classified when it is added.
"""

from homecare._es.error_map import UNREADABLE_EVENTS
from homecare.application.culling import CullingCommands
from homecare.application.pauses import PauseCommands, PauseQueries
from homecare.application.people import PeopleCommands
from homecare.application.reads import ReadQueries
from homecare.application.visits import VisitCommands
from homecare.domain.confirmation import VisitReport

__all__ = ["UNREADABLE_EVENTS", "HomecareApplication", "VisitReport"]


class HomecareApplication(
    PauseQueries, ReadQueries, PeopleCommands, VisitCommands, PauseCommands, CullingCommands
):
    """Commands and queries by id over the event-sourced domain."""

    name = "homecare"
