"""What each console page shows, on both stores: R4 month and its empty and error states,
R5 problems with fix links, R9/R12 pauses, R2 a visit, D6 a customer's history, D8 masking."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy.exc
from sqlalchemy import text

from homecare.domain.payment_run import CALENDAR_YEARS, LAST_PAID_MONTH
from homecare.errors import StorageError
from tests.http.console.conftest import PERSONAL, Console, text_of
from tests.scenario import Scenario, pnr

EMPTY_SV = "Allt är levererat"
EMPTY_EN = "Everything delivered"


def _held_world(console: Console) -> dict[str, Any]:
    """One delivered-to-be visit and one held visit (staff without an SD number), in March."""
    world = Scenario(console.hc.app)
    good, no_sd = world.staff(), world.staff(sd_number=False)
    first, second = world.customer(), world.customer()
    fine = world.visit(first, good, day=date(2026, 3, 2))
    held = world.visit(second, no_sd, day=date(2026, 3, 3))
    console.hc.catch_up()
    return {"world": world, "fine": fine, "held": held, "no_sd": no_sd, "customer": second}


def test_r4_the_month_lists_what_is_not_delivered_and_steps_back_and_forth(
    console: Console,
) -> None:
    ids = _held_world(console)
    with console.signed_in() as client:
        page = client.get("/console/month/2026-03")
        assert page.status_code == 200
        shown = text_of(page.text)
        assert "Integrationsbuffert: mars 2026" in shown
        assert "2 poster ej levererade" in shown
        assert str(ids["held"])[:8] in shown
        assert "Personalkontot saknar SD-nummer" in shown
        assert "Stoppad" in shown
        assert "I kö" in shown
        assert EMPTY_SV not in shown
        assert 'href="/console/month/2026-02"' in page.text
        assert 'href="/console/month/2026-04"' in page.text
        april = text_of(client.get("/console/month/2026-04").text)
        assert EMPTY_SV in april
        assert "Varje post för april 2026 har nått staden." in april


def test_r4_the_month_is_empty_once_fixed_and_fetched(console: Console) -> None:
    ids = _held_world(console)
    console.hc.app.update_staff(
        ids["no_sd"], sd_number="SD9999", actor="ops", at=datetime(2026, 3, 4, tzinfo=UTC)
    )
    console.hc.catch_up()
    first = console.hc.buffer.fetch(limit=20)
    console.hc.buffer.fetch(after=first.cursor, limit=20)  # acknowledges the first batch
    with console.signed_in() as client:
        shown = text_of(client.get("/console/month/2026-03").text)
    assert EMPTY_SV in shown
    assert "ej levererad" not in shown


def test_a_month_with_only_queued_items_is_not_empty(console: Console) -> None:
    world = Scenario(console.hc.app)
    world.visit(world.customer(), world.staff(), day=date(2026, 3, 9))
    console.hc.catch_up()
    with console.signed_in() as client:
        shown = text_of(client.get("/console/month/2026-03").text)
    assert "1 post ej levererad" in shown
    assert "I kö" in shown
    assert EMPTY_SV not in shown


def test_the_empty_state_in_english_and_the_language_is_remembered(console: Console) -> None:
    with console.signed_in() as client:
        english = client.get("/console/month/2026-05?lang=en")
        assert EMPTY_EN in text_of(english.text)
        assert '<html lang="en">' in english.text
        again = client.get("/console/month/2026-05")  # the cookie keeps English
        assert EMPTY_EN in text_of(again.text)
        assert EMPTY_SV not in text_of(again.text)
        swedish = client.get("/console/month/2026-05?lang=sv")
        assert EMPTY_SV in text_of(swedish.text)
        assert '<html lang="sv">' in swedish.text


@pytest.mark.parametrize(
    "failure",
    [
        StorageError("The store is unavailable."),
        sqlalchemy.exc.OperationalError("SELECT", {}, Exception("connection refused")),
    ],
)
def test_a_month_the_store_could_not_read_is_an_error_never_the_empty_state(
    console: Console, monkeypatch: pytest.MonkeyPatch, failure: Exception
) -> None:
    def broken(_conn: object, _read: object) -> list[Any]:
        raise failure

    monkeypatch.setattr(console.hc.buffer, "_read", broken)  # below `month`'s boundary
    with console.signed_in() as client:
        for lang, empty in (("en", EMPTY_EN), ("sv", EMPTY_SV)):
            page = client.get(f"/console/month/2026-04?lang={lang}")
            assert page.status_code == 503
            assert empty not in text_of(page.text)
            assert 'role="alert"' in page.text
            assert ("Lagret kunde inte läsas" if lang == "sv" else "could not be read") in (
                text_of(page.text)
            )


def test_a_month_whose_table_is_gone_is_an_error_never_the_empty_state(console: Console) -> None:
    with console.hc.database.write_engine.begin() as conn:
        conn.execute(text("DROP TABLE homecare_buffer_items"))
    with console.signed_in() as client:
        page = client.get("/console/month/2026-04")
    assert page.status_code == 503
    assert EMPTY_SV not in text_of(page.text)


def test_the_other_empty_states_problems_and_pauses(console: Console) -> None:
    with console.signed_in() as client:
        problems = text_of(client.get("/console/problems").text)
        assert "Inga stoppade poster" in problems
        pauses = text_of(client.get("/console/pauses").text)
        assert "Inga uppehåll matchar under perioden." in pauses


def test_r5_problems_grouped_by_reason_each_linking_to_the_record_to_fix(
    console: Console,
) -> None:
    ids = _held_world(console)
    world: Scenario = ids["world"]
    no_decision = world.customer(decision=False)
    world.visit(no_decision, world.staff(), day=date(2026, 3, 5))
    console.hc.catch_up()
    with console.signed_in() as client:
        page = client.get("/console/problems")
        shown = text_of(page.text)
        assert "Personalkontot saknar SD-nummer (1)" in shown
        assert "Kunden saknar beslut som gäller besöksdagen (1)" in shown
        assert "Redigera personalkontot och ange SD-nummer" in shown
        assert f'href="/console/staff/{ids["no_sd"]}"' in page.text
        assert f'href="/console/customers/{no_decision.id}"' in page.text
        staff = text_of(client.get(f"/console/staff/{ids['no_sd']}").text)
        assert "SD-nummer saknas" in staff
        assert str(ids["held"])[:8] in staff


def test_r2_a_visit_shows_its_integration_status_and_reasons(console: Console) -> None:
    ids = _held_world(console)
    with console.signed_in() as client:
        held = text_of(client.get(f"/console/visits/{ids['held']}").text)
        queued = text_of(client.get(f"/console/visits/{ids['fine']}").text)
    assert "Integrationsstatus Stoppad" in held
    assert "Personalkontot saknar SD-nummer" in held
    assert "Integrationsstatus I kö" in queued


def test_d6_a_customers_history_and_d8_masked_personal_data(console: Console) -> None:
    ids = _held_world(console)
    customer = ids["customer"].id
    with console.signed_in() as client:
        page = text_of(client.get(f"/console/customers/{customer}").text)
    assert "CustomerRegistered" in page
    assert "AssignmentConfirmed" in page
    assert "Customer 1" not in page  # the name
    assert pnr(1).replace("-", "") not in page.replace("-", "")
    assert pnr(1)[:8] not in page  # no part of it: the birth date is the person's too
    assert "Personnummer dolt (din token visar inte personuppgifter)" in page
    assert [(v.viewer, v.subject, v.subject_id, v.fields) for v in console.views] == [
        ("ops", "customer", customer, ("decisions", "visits", "held_items", "history")),
        ("ops", "staff", ids["no_sd"], ("buffer_items",)),  # its held item's fix link
    ]  # R17: the history and the rest are the customer's data, masked or not


def test_a_personal_token_sees_personal_data_and_each_view_is_recorded(console: Console) -> None:
    ids = _held_world(console)
    customer = ids["customer"].id
    with console.signed_in(PERSONAL) as client:
        page = text_of(client.get(f"/console/customers/{customer}").text)
        staff = text_of(client.get(f"/console/staff/{ids['no_sd']}").text)
    assert "Customer 1" in page
    assert pnr(1).replace("-", "") in page
    assert "Staff 2" in staff
    customer_fields = ("name", "personnummer", "decisions", "visits", "held_items", "history")
    staff_fields = ("name", "personnummer", "sd_number", "reportable", "held_items")
    assert [(v.viewer, v.subject, v.subject_id, v.fields) for v in console.views] == [
        ("nurse", "customer", customer, customer_fields),
        ("nurse", "staff", ids["no_sd"], ("buffer_items",)),
        ("nurse", "staff", ids["no_sd"], staff_fields),
        ("nurse", "customer", customer, ("buffer_items",)),  # the visit it holds back
    ]
    assert all(pnr(1) not in repr(v) and "Customer 1" not in repr(v) for v in console.views)


def test_unknown_and_malformed_ids_and_months_are_clear_pages(console: Console) -> None:
    with console.signed_in() as client:
        missing = client.get("/console/customers/0f8fad5b-d9cb-469f-a165-70867728950e")
        assert missing.status_code == 404
        assert "Hittades inte" in text_of(missing.text)
        malformed = client.get("/console/visits/not-a-uuid")
        assert malformed.status_code == 422
        assert "Ogiltig adress" in text_of(malformed.text)
        month = client.get("/console/month/2026-13")
        assert month.status_code == 422
        assert EMPTY_SV not in text_of(month.text)
        picked = client.get("/console/month?month=2026-02")
        assert picked.status_code == 303
        assert picked.headers["location"] == "/console/month/2026-02"


def test_the_first_and_last_months_link_only_to_months_that_exist(console: Console) -> None:
    with console.signed_in() as client:
        last = client.get("/console/month/9998-12")
        assert last.status_code == 200
        assert 'rel="next"' not in last.text
        assert 'href="/console/month/9998-11"' in last.text
        first = client.get("/console/month/1900-01")
        assert first.status_code == 200
        assert 'rel="prev"' not in first.text
        assert 'href="/console/month/1900-02"' in first.text
        pauses = client.get("/console/pauses?from=9998-12-01")
        assert pauses.status_code == 200
        assert 'rel="next"' not in pauses.text


def test_r14_a_month_whose_run_cannot_be_told_says_so(console: Console) -> None:
    """2100-12's run falls on 2101-01-06 (Trettondedag jul), a year whose holidays the
    calendar does not know: the page said 18:00; now it says the run is unknown and still
    shows the month's items (R4)."""
    with console.signed_in() as client:
        page = client.get(f"/console/month/{LAST_PAID_MONTH.next()}")
        english = client.get(f"/console/month/{LAST_PAID_MONTH.next()}?lang=en")
        known = client.get(f"/console/month/{LAST_PAID_MONTH}?lang=en")
    assert page.status_code == 200
    assert "kan inte anges" in text_of(page.text)
    assert f"{CALENDAR_YEARS[0]}-{CALENDAR_YEARS[1]}" in text_of(page.text)
    assert "Tid kvar" not in text_of(page.text)
    assert "cannot be told" in text_of(english.text)
    assert "cannot be told" not in text_of(known.text)
    assert "Time left" in text_of(known.text)


def test_r14_the_payment_run_and_the_time_left_beside_the_month(console: Console) -> None:
    _held_world(console)
    with console.signed_in() as client:
        march = text_of(client.get("/console/month/2026-03").text)
        assert "Ersättningskörning (R14)" in march
        assert "Ersättningskörningen för mars 2026 sker 2026-04-06 10:00." in march
        assert "Annandag påsk" in march  # Easter Monday 2026: a holiday, so 10:00
        assert "Tid kvar: 3 dygn 23 timmar." in march  # NOW: 2026-04-02 11:00 Stockholm time
        assert "Posterna nedan är i fara" in march
        may = text_of(client.get("/console/month/2026-05?lang=en").text)
        assert "The payment run for May 2026 is 2026-06-06 10:00." in may
        assert "A holiday: lördag (Saturday); Nationaldagen (National Day)" in may
        assert "Time left: 64 days 23 hours." in may  # to 2026-06-06 10:00


def test_r14_after_the_run_the_month_says_what_arrived_in_time(console: Console) -> None:
    world = Scenario(console.hc.app)
    world.visit(world.customer(), world.staff(), day=date(2026, 2, 10))
    console.hc.catch_up()
    with console.signed_in() as client:
        february = text_of(client.get("/console/month/2026-02").text)
    assert "Den har passerats" in february  # the run of 2026-03-06 is before NOW
    assert "Besök i februari 2026" in february
    assert "Levererade i tid" in february
    assert EMPTY_SV not in february  # one visit is still queued


def test_r9_r12_pauses_filters_ended_on_request_and_the_citys_days(console: Console) -> None:
    from tests.scenario import local

    world = Scenario(console.hc.app, at=datetime(2026, 3, 1, 8, tzinfo=UTC))
    north, south = world.customer("Team Norr"), world.customer("Team Söder")
    ended = world.pause("customer", north.id, local(2026, 3, 3, 12), local(2026, 3, 5, 12))
    later = world.pause("order", south.order, local(2026, 4, 6), local(2026, 4, 8))
    console.hc.catch_up()
    period = "/console/pauses?from=2026-04-01&to=2026-04-30"
    with console.signed_in() as client:
        april = client.get(period)
        shown = text_of(april.text)
        assert "Uppehåll: 1 apr. 2026 \u2013 30 apr. 2026" in shown
        assert "1 uppehåll" in shown
        assert "Order" in shown
        assert "Team Söder" in shown
        assert 'href="/console/pauses?from=2026-03-01&amp;to=2026-03-31"' in april.text
        # Before the city fetches it holds neither day (6 and 7 April), and the page says why.
        assert "2 dagar skiljer sig; meddelandet ligger i kö" in shown
        march = text_of(client.get("/console/pauses?from=2026-03-01&to=2026-03-31").text)
        assert str(ended)[:8] not in march
        assert "Inga uppehåll matchar" in march
        march = client.get("/console/pauses?from=2026-03-01&to=2026-03-31&ended=1")
        assert "Avslutad (inaktiv)" in text_of(march.text)
        level = text_of(client.get(period + "&level=customer").text)
        assert "Inga uppehåll matchar" in level
        organisation = text_of(client.get(period + "&organisation=Team+Norr").text)
        assert "Inga uppehåll matchar" in organisation
        bad = client.get(period + "&level=planet")
        assert bad.status_code == 422
        assert "Ogiltig adress" in text_of(bad.text)
        first = console.hc.buffer.fetch(limit=100)
        console.hc.buffer.fetch(after=first.cursor, limit=100)  # the city's receipt
        after = text_of(client.get(period).text)
    assert "skiljer sig" not in after.replace("En inramad dag skiljer sig", "")
    assert str(later)[:8] not in after  # the table shows customers, not pause ids


@pytest.mark.parametrize(
    "period",
    ["from=9999-12-01", "from=9999-11-15&to=9999-12-31", "from=0001-01-01", "from=1899-12-01"],
)
def test_a_pause_period_at_the_calendars_edge_names_the_years_allowed(
    console: Console, period: str
) -> None:
    """The month links must not overflow: the page names 1900-9998, not a month never asked."""
    with console.signed_in() as client:
        page = client.get(f"/console/pauses?{period}")
    assert page.status_code == 422
    assert "1900-9998" in text_of(page.text)


@pytest.mark.parametrize("ended", ["zz", "2", "yes please"])
def test_a_malformed_ended_flag_is_refused_not_ignored(console: Console, ended: str) -> None:
    """Every bad input is an input error (issue 11 item 6): `ended=zz` was read as off."""
    with console.signed_in() as client:
        page = client.get(f"/console/pauses?from=2026-03-01&ended={ended}")
        shown = client.get("/console/pauses?from=2026-03-01&ended=1")
    assert page.status_code == 422
    assert "Ogiltig adress" in text_of(page.text)
    assert shown.status_code == 200


def test_r16_a_withdrawn_visit_says_so_on_its_page_and_the_month(console: Console) -> None:
    """A culled customer's queued visit is withdrawn: the visit page and the month show
    'Återkallad' (withdrawn), not the raw code."""
    ids = _held_world(console)
    world = ids["world"]
    console.hc.cull(ids["customer"].id, actor="arkivarie", at=world.tick())
    with console.signed_in() as client:
        page = text_of(client.get(f"/console/visits/{ids['held']}").text)
        month = text_of(client.get("/console/month/2026-03").text)
    assert "Integrationsstatus Återkallad" in page
    assert "Återkallad" in month
    assert "withdrawn" not in page + month
