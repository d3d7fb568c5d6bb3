"""R17: every facade method that returns a subject's personal data records the read.

The reviewer's case: `paused_by(...)` and `pauses_of_order(...)` return Pause aggregates
with their reason texts (the customer's) and recorded nothing, while `get(Pause, id)`
recorded one entry. The second test lists every public method the facade defines, so
a new one is classified (a command, a read that records, or one that returns no
personal data) when it is added.
"""

from __future__ import annotations

import inspect

from homecare.application import HomecareApplication
from homecare.bootstrap import Homecare
from homecare.domain.pause import Pause
from tests.privacy.test_read_paths import _forget, logged
from tests.scenario import Scenario, local

REASON = "Sjukhus efter fall"

RECORDED_READS = {"get", "get_as_of", "reading", "pauses_of_order", "paused_by"}
"""Return aggregates holding personal data: each records (`reader=`, `purpose=`)."""
NO_PERSONAL_DATA = {
    # commands: they return ids, nothing, or a record without personal data
    "register_customer", "register_decision", "open_contract", "place_order",
    "register_staff", "update_staff", "plan_assignment", "record_performance",
    "correct_assignment", "record_declined_visit", "attest_assignments",
    "confirm_assignment", "confirm_assignments", "confirm_shift", "create_pause",
    "change_pause", "cancel_pause", "save", "forget_decoded",
    # R16's record (ids, reason, legal basis, who culled and when) and a pause's id
    "record_culling", "culling_of", "pause_covering",
    # wiring
    "access_log", "notification_channel", "construct_env", "construct_factory",
    "construct_mapper", "construct_event_store", "construct_transcoder",
    "register_transcodings", "name",
}  # fmt: skip


def test_R17_paused_by_and_pauses_of_order_record_the_reads_as_get_does(hc: Homecare) -> None:
    s = Scenario(hc.app)
    c = s.customer()
    pause = s.pause("customer", c.id, local(2026, 3, 10), local(2026, 3, 12), reason_text=REASON)
    _forget(hc)
    app = hc.app
    inside = local(2026, 3, 11)
    by_customer = app.paused_by(at=inside, customer_id=c.id, reader="karin", purpose="call")
    by_order = app.paused_by(at=inside, order_id=c.order)
    of_order = app.pauses_of_order(c.order, reader="karin", purpose="planning")
    assert [p.reason_text for p in (*by_customer, *by_order, *of_order)] == [REASON] * 3
    app.get(Pause, pause, reader="karin", purpose="call")
    assert logged(hc) == [
        ("karin", c.id, "customer", "pause", "call", "facade"),
        ("host", c.id, "customer", "pause", "host application", "facade"),
        ("karin", c.id, "customer", "pause", "planning", "facade"),
        ("karin", c.id, "customer", "pause", "call", "facade"),
    ]
    assert app.paused_by(at=local(2026, 4, 1), customer_id=c.id) == []  # nothing shown
    assert len(logged(hc)) == 4


def test_R17_every_public_method_of_the_facade_is_classified() -> None:
    own = {
        name
        for cls in HomecareApplication.__mro__
        if cls.__module__.startswith("homecare")
        for name in vars(cls)
        if not name.startswith("_")
    }
    assert own == RECORDED_READS | NO_PERSONAL_DATA
    for name in RECORDED_READS - {"reading"}:
        parameters = inspect.signature(getattr(HomecareApplication, name)).parameters
        assert {"reader", "purpose"} <= set(parameters), name
