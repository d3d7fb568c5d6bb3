"""R17: by default each console view of personal data is an entry in the store's access log."""

from __future__ import annotations

from datetime import date

from homecare.bootstrap import Homecare
from homecare.domain.privacy import SubjectKind
from homecare.http import create_app
from homecare.privacy import Channel
from tests.http.console.conftest import NOW, PERSONAL, READ, TOKENS, Console
from tests.http.server import serving
from tests.scenario import Scenario


def test_r17_views_of_personal_data_are_in_the_access_log_masked_or_not(
    hc: Homecare,
) -> None:
    world = Scenario(hc.app)
    staff, customer = world.staff(), world.customer()
    world.visit(customer, staff, day=date(2026, 3, 2))
    hc.catch_up()
    with serving(create_app(hc, TOKENS, clock=lambda: NOW)) as url:  # the default hook
        console = Console(hc, url)
        with console.signed_in(READ) as client:  # masked, but the customer's record shown
            assert client.get(f"/console/customers/{customer.id}").status_code == 200
        with console.signed_in(PERSONAL) as client:
            assert client.get(f"/console/customers/{customer.id}").status_code == 200
            assert client.get(f"/console/staff/{staff}").status_code == 200
    entries = hc.access.entries()
    assert [
        (e.reader, e.subject_id, e.subject_kind, e.what, e.purpose, e.channel, e.at)
        for e in entries
    ] == [
        ("ops", customer.id, SubjectKind.CUSTOMER, "view", "console customer", Channel.CONSOLE,
         NOW),
        ("nurse", customer.id, SubjectKind.CUSTOMER, "view", "console customer", Channel.CONSOLE,
         NOW),
        ("nurse", staff, SubjectKind.STAFF, "view", "console staff", Channel.CONSOLE, NOW),
    ]  # fmt: skip
