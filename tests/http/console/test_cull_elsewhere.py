"""R16 in the console: a running server shows a customer and a staff member culled by
ANOTHER process (a second `connect()`, as the CLI's `homecare privacy cull` is) from its
next page on, with no restart: the cull generation drops its cached keys. Both stores."""

from __future__ import annotations

from homecare.bootstrap import connect
from homecare.domain.privacy import CULLED
from tests.http.console.conftest import PERSONAL, Console, text_of
from tests.scenario import Scenario

NAME = "Anna Andersson"
STAFF_NAME = "Sven Svensson"


def test_the_console_shows_a_cull_by_another_process_at_once(
    console: Console, store_url: str
) -> None:
    world = Scenario(console.hc.app)
    customer = world.customer(name=NAME).id
    staff = world.staff(name=STAFF_NAME)
    console.hc.catch_up()
    with console.signed_in(PERSONAL) as client:
        assert NAME in text_of(client.get(f"/console/customers/{customer}").text)
        assert STAFF_NAME in text_of(client.get(f"/console/staff/{staff}").text)
        with connect(store_url) as other:
            other.cull(customer, actor="eva", at=world.tick())
            other.cull(staff, kind="staff", actor="eva", at=world.tick())
        page = text_of(client.get(f"/console/customers/{customer}").text)
        staff_page = text_of(client.get(f"/console/staff/{staff}").text)
    assert NAME not in page
    assert CULLED.swedish in page  # the default language's term for the marker (R16)
    assert CULLED.text not in page
    assert STAFF_NAME not in staff_page
    assert CULLED.swedish in staff_page
    assert CULLED.text not in staff_page
