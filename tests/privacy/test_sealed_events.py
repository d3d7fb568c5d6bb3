"""R16, D8: personal fields of events are sealed with their subject's data key.

On both stores, with and without a store cipher key: the raw store (the SQLite
file with its WAL read from disk; every PostgreSQL table) holds none of a
customer's name, personnummer or pause reason text, nor a staff
member's name or a decline's details, while the facade reads them back in
clear. A culled subject's fields decode to the culled markers, never an error;
events stored before sealing (clear fields) still decode.
"""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest

from homecare.application import HomecareApplication
from homecare.bootstrap import Homecare, connect
from homecare.domain import Assignment, Customer, Pause, PersonalIdentityNumber, Staff
from homecare.domain.privacy import CULLED
from homecare.errors import RuleViolationError
from tests.domain.pnr import VALID, VALID_STAFF
from tests.privacy.conftest import KEY_A
from tests.scenario import ACTOR, T0, Pair, pair
from tests.storage.test_encryption import found, raw_database

DAY = timedelta(days=1)
REASON = "Inlagd på Danderyds sjukhus, avdelning 12"
CHANGED = "Flyttad till Karolinska, avdelning 7"
DECLINER = "Dottern Lisa Tolvansson"
WHY = "Lisa hälsade på, mamma ville vila"
CLEAR = ["Tolvan Tolvansson", "Anna Andersson", REASON, CHANGED]

with_and_without_key = pytest.mark.parametrize("cipher_key", [None, KEY_A], ids=["clear", "key"])


def personal_world(hc: Homecare) -> tuple[Pair, UUID, UUID]:
    """Tolvan (customer) with a pause and its change, Anna (staff), a declined visit."""
    w = pair(hc.app)
    pause = w.scenario.pause(
        "customer", w.customer, T0 + timedelta(days=5), reason_text=REASON, at=T0
    )
    visit = w.visit("planned", start=T0 + timedelta(days=1))
    return w, pause, visit


def change_and_decline(app: HomecareApplication, pause: UUID, visit: UUID) -> None:
    app.change_pause(pause, reason_text=CHANGED, actor=ACTOR, at=T0 + timedelta(hours=1))
    app.record_declined_visit(
        visit,
        declined_at=T0 + timedelta(hours=1),
        declined_by=DECLINER,
        reason=WHY,
        actor=ACTOR,
        at=T0 + timedelta(hours=2),
    )


def nothing_in_clear(raw: bytes) -> None:
    assert found(VALID, raw) == []
    assert found(VALID_STAFF, raw) == []
    for text in [*CLEAR, DECLINER, WHY]:
        assert text.encode() not in raw, text


@with_and_without_key
def test_the_raw_store_holds_no_personal_field_and_the_facade_reads_them_clear(
    store_url: str, cipher_key: str | None
) -> None:
    with connect(store_url, cipher_key=cipher_key) as hc:
        w, pause, visit = personal_world(hc)
    # a fresh store object: no owner or key cached, the pause's customer is found anew
    with connect(store_url, cipher_key=cipher_key) as hc:
        change_and_decline(hc.app, pause, visit)
        nothing_in_clear(raw_database(store_url))  # no projection has run: events and keys
        customer = hc.app.get(Customer, w.customer)
        assert (customer.personnummer.value, customer.name) == (VALID, "Tolvan Tolvansson")
        assert customer.organisation == "Team Norr"
        staff = hc.app.get(Staff, w.staff)
        assert staff.personnummer is not None
        assert (staff.name, staff.personnummer.value, staff.sd_number) == (
            "Anna Andersson",
            VALID_STAFF,
            "SD-1",
        )
        assert hc.app.get(Pause, pause).reason_text == CHANGED
        assert hc.app.get(Pause, pause, version=1).reason_text == REASON
        declined = hc.app.get(Assignment, visit)
        assert (declined.declined_by, declined.decline_reason) == (DECLINER, WHY)
        hc.catch_up()  # projections read the log's pages, opened in one batch
        assert CHANGED in str(hc.pauses.dump())


@with_and_without_key
def test_a_culled_subject_decodes_to_the_culled_markers(
    store_url: str, cipher_key: str | None
) -> None:
    with connect(store_url, cipher_key=cipher_key) as hc:
        w, pause, visit = personal_world(hc)
        change_and_decline(hc.app, pause, visit)
        hc.app.change_pause(pause, ends_at=T0 + timedelta(days=9), actor=ACTOR, at=T0 + DAY)
        hc.cull(w.customer, actor="dataskydd", at=T0 + 2 * DAY)  # after commands kept copies
        with pytest.raises(RuleViolationError):  # nothing personal is written once culled
            hc.app.change_pause(pause, reason_text="ny text", actor=ACTOR, at=T0 + 3 * DAY)
        customer = hc.app.get(Customer, w.customer)
        assert customer.personnummer == PersonalIdentityNumber.culled()
        assert customer.name == CULLED.text
        assert customer.organisation == "Team Norr"  # the provider's unit: not sealed
        assert hc.app.get(Pause, pause).reason_text == CULLED.text
        declined = hc.app.get(Assignment, visit)
        assert (declined.declined_by, declined.decline_reason) == (CULLED.text, CULLED.text)
        assert hc.app.get(Staff, w.staff).name == "Anna Andersson"  # another subject
        events = [event for _, event in hc.log.decoded(hc.log.page(0, 1000))]
        registered = next(e for e in events if isinstance(e, Customer.Registered))
        assert registered.personnummer.is_culled


def test_events_stored_before_sealing_still_decode(store_url: str) -> None:
    with connect(store_url) as hc:
        before = HomecareApplication(
            hc.settings.eventsourcing_environment(),
            connect_kwargs=None if hc.settings.is_sqlite else hc.settings.postgres_connect_kwargs(),
        )
        try:
            w, pause, _ = personal_world_on(before)
        finally:
            before.close()
        assert b"Tolvan Tolvansson" in raw_database(store_url)  # stored in clear
        assert hc.app.get(Customer, w.customer).personnummer.value == VALID
        assert hc.app.get(Pause, pause).reason_text == REASON
        hc.app.change_pause(pause, reason_text=CHANGED, actor=ACTOR, at=T0 + timedelta(hours=1))
        assert hc.app.get(Pause, pause).reason_text == CHANGED
        hc.catch_up()
        assert CHANGED in str(hc.pauses.dump())


def personal_world_on(app: HomecareApplication) -> tuple[Pair, UUID, UUID]:
    w = pair(app)
    pause = w.scenario.pause(
        "customer", w.customer, T0 + timedelta(days=5), reason_text=REASON, at=T0
    )
    return w, pause, w.visit("planned", start=T0 + timedelta(days=1))
