"""D8 and R17 in the console, both stores: what a token without `+personal` sees, and that
every page showing a subject's data records the view, masked or not.

Formerly the pause overview showed every signed-in token the pauses' reason
texts (free text, often a hospital stay) and recorded nothing; the masked
customer page showed the birth date (`19400307-****`) and the whole history,
unrecorded; the masked staff page the SD number; the month, problems and visit
pages recorded nothing, though the HTTP views of the same rows do. Now a token
without `+personal` sees no name, no part of a personnummer, no SD number and
no reason text, and each page records one access-log entry per subject shown.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from homecare.bootstrap import Homecare
from homecare.domain.privacy import SubjectKind
from homecare.http import create_app
from homecare.privacy import Channel
from tests.http.console.conftest import NOW, PERSONAL, READ, TOKENS, Console, text_of
from tests.http.server import serving
from tests.scenario import Customer, Scenario, local, pnr

REASON = "Bruten höft, Södersjukhuset"
PAUSES = "/console/pauses?from=2026-03-01&to=2026-03-31&ended=1"
CUSTOMER, STAFF = SubjectKind.CUSTOMER, SubjectKind.STAFF


def _world(hc: Homecare) -> tuple[Customer, UUID, UUID, UUID]:
    """A customer with an ended pause in March (R12) and a visit held back by its staff
    member's missing SD number (R5)."""
    world = Scenario(hc.app)
    staff, customer = world.staff(sd_number=False), world.customer()
    held = world.visit(customer, staff, day=date(2026, 3, 3))
    world.pause("customer", customer.id, local(2026, 3, 10), local(2026, 3, 12), reason_text=REASON)
    other = world.staff()
    hc.catch_up()
    return customer, staff, held, other


def _logged(hc: Homecare) -> list[tuple[str, UUID, SubjectKind, str, str, Channel]]:
    return [
        (e.reader, e.subject_id, e.subject_kind, e.what, e.purpose, e.channel)
        for e in hc.access.entries()
    ]


def test_r17_d8_the_pause_overview_hides_reason_texts_and_records_each_customer(
    hc: Homecare,
) -> None:
    customer, *_ = _world(hc)
    with serving(create_app(hc, TOKENS, clock=lambda: NOW)) as url:  # the default hook
        console = Console(hc, url)
        with console.signed_in(READ) as client:
            masked = text_of(client.get(PAUSES).text)
        assert "Sjukhusvistelse: texten dold" in masked
        assert REASON not in masked
        assert _logged(hc) == [
            ("ops", customer.id, CUSTOMER, "view", "console pauses", Channel.CONSOLE)
        ]
        with console.signed_in(PERSONAL) as client:
            shown = text_of(client.get(f"{PAUSES}&lang=en").text)
        assert f"Hospital stay: {REASON}" in shown
        assert [e[0] for e in _logged(hc)] == ["ops", "nurse"]


def test_d8_r17_a_masked_customer_page_shows_no_part_of_the_number_and_is_recorded(
    console: Console,
) -> None:
    customer, staff, _, _ = _world(console.hc)
    with console.signed_in(READ) as client:
        page = text_of(client.get(f"/console/customers/{customer.id}").text)
    assert "Customer 0" not in page
    assert pnr(0)[:6] not in page  # not even the birth date
    assert "****" not in page
    assert "Personnummer dolt (din token visar inte personuppgifter)" in page
    assert "CustomerRegistered" in page  # the history (D6), recorded below
    assert [(v.viewer, v.subject, v.subject_id, v.fields, v.page) for v in console.views] == [
        ("ops", "customer", customer.id, ("decisions", "visits", "held_items", "history"),
         "customer"),
        ("ops", "staff", staff, ("buffer_items",), "customer"),  # its held item's fix link
    ]  # fmt: skip


def test_d8_r17_a_masked_staff_page_shows_neither_number_and_is_recorded(
    console: Console,
) -> None:
    *_, other = _world(console.hc)
    with console.signed_in(READ) as client:
        page = text_of(client.get(f"/console/staff/{other}").text)
    assert "SD0002" not in page
    assert pnr(502)[:6] not in page
    assert "SD-nummer dolt (din token visar inte personuppgifter)" in page
    assert [(v.subject, v.subject_id, v.fields) for v in console.views] == [
        ("staff", other, ("reportable", "held_items"))
    ]
    console.views.clear()
    with console.signed_in(PERSONAL) as client:
        page = text_of(client.get(f"/console/staff/{other}").text)
    assert "SD0002" in page
    assert [v.fields for v in console.views] == [
        ("name", "personnummer", "sd_number", "reportable", "held_items")
    ]


def test_r17_every_page_that_shows_a_subjects_data_records_whom_it_shows(
    console: Console,
) -> None:
    customer, staff, held, _ = _world(console.hc)
    pages = {
        "/console/month/2026-03": [(customer.id, "customer"), (staff, "staff")],
        "/console/problems": [(customer.id, "customer"), (staff, "staff")],
        PAUSES: [(customer.id, "customer")],
        f"/console/visits/{held}": [(customer.id, "customer"), (staff, "staff")],
        "/console/month/2026-05": [],  # nothing shown, nothing recorded
        "/console/customers/0f8fad5b-d9cb-469f-a165-70867728950e": [],  # 404
    }
    with console.signed_in(READ) as client:
        for path, expected in pages.items():
            console.views.clear()
            client.get(path)
            assert [(v.subject_id, v.subject) for v in console.views] == expected, path
            assert all(v.viewer == "ops" for v in console.views), path
