"""R16 in the console's two languages: a culled customer's and staff member's name,
personnummer and pause reason text show the localised marker ("gallrad" in Swedish,
"culled" in English), and every withdrawn status the translated label ("Återkallad" /
"Withdrawn"), on the customer, staff, month, visit and pause pages. Both stores."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from homecare.domain.privacy import CULLED
from homecare.http.console.i18n import translations
from tests.http.console.conftest import PERSONAL, READ, Console, text_of
from tests.scenario import Scenario, local

NAME, STAFF_NAME, NO_NUMBER_NAME = "Anna Andersson", "Sven Svensson", "Nils Nummerlös"
REASON = "Bruten höft, Södersjukhuset"


def _culled_pages(console: Console, secret: str, lang: str) -> dict[str, str]:
    """A customer with a held and a queued visit and a pause, culled with their staff."""
    world = Scenario(console.hc.app, at=datetime(2026, 3, 1, 8, tzinfo=UTC))
    staff = world.staff(name=STAFF_NAME, sd_number=False)
    no_number = world.staff(name=NO_NUMBER_NAME, personnummer=False)
    customer = world.customer(name=NAME)
    held = world.visit(customer, staff, day=date(2026, 3, 3))
    world.pause("customer", customer.id, local(2026, 4, 6), local(2026, 4, 8), reason_text=REASON)
    console.hc.catch_up()
    for subject, kind in ((customer.id, "customer"), (staff, "staff"), (no_number, "staff")):
        console.hc.cull(subject, kind=kind, actor="arkivarie", at=world.tick())
    console.hc.catch_up()
    urls = {
        "customer": f"/console/customers/{customer.id}",
        "staff": f"/console/staff/{staff}",
        "no_number": f"/console/staff/{no_number}",
        "month": "/console/month/2026-03",
        "visit": f"/console/visits/{held}",
        "pauses": "/console/pauses?from=2026-04-01&to=2026-04-30",
    }
    with console.signed_in(secret) as client:
        return {
            k: text_of(client.get(f"{u}{'&' if '?' in u else '?'}lang={lang}").text)
            for k, u in urls.items()
        }


def test_r16_swedish_pages_say_gallrad_and_aterkallad_never_the_english_codes(
    console: Console,
) -> None:
    pages = _culled_pages(console, PERSONAL, "sv")
    assert "Namn gallrad Personnummer gallrad" in pages["customer"]
    assert "Namn gallrad Personnummer gallrad" in pages["staff"]
    assert "Namn gallrad Personnummer saknas" in pages["no_number"]
    assert "Sjukhusvistelse: gallrad" in pages["pauses"]
    assert "Återkallad" in pages["customer"]
    assert "Återkallad" in pages["month"]
    assert "Integrationsstatus Återkallad" in pages["visit"]
    for name, page in pages.items():
        assert "culled" not in page.lower(), name
        assert "withdrawn" not in page.lower(), name
        assert all(p not in page for p in (NAME, STAFF_NAME, NO_NUMBER_NAME, REASON)), name


def test_r16_english_pages_say_culled_and_withdrawn(console: Console) -> None:
    pages = _culled_pages(console, PERSONAL, "en")
    assert "Name culled Personnummer culled" in pages["customer"]
    assert "Name culled Personnummer culled" in pages["staff"]
    assert "Name culled Personnummer missing" in pages["no_number"]
    assert "Hospital stay: culled" in pages["pauses"]
    assert "Withdrawn" in pages["customer"]
    assert "Withdrawn" in pages["month"]
    assert "Integration status Withdrawn" in pages["visit"]
    for name, page in pages.items():
        assert "gallrad" not in page.lower(), name
        assert "återkallad" not in page.lower(), name


@pytest.mark.parametrize(("lang", "marker"), [("sv", CULLED.swedish), ("en", CULLED.text)])
def test_r16_d8_a_masked_view_shows_a_culled_number_as_culled_not_stars(
    console: Console, lang: str, marker: str
) -> None:
    pages = _culled_pages(console, READ, lang)
    assert f"Personnummer {marker}" in pages["customer"]
    assert "****" not in pages["customer"]
    assert NAME not in pages["customer"]
    assert console.views  # the pages still show the subjects' records: recorded (R17)
    assert not any("personnummer" in v.fields or "name" in v.fields for v in console.views)


def test_the_catalogues_culled_is_the_domains_swedish_term() -> None:
    assert translations("sv").gettext(CULLED.text) == CULLED.swedish
    assert translations("en").gettext(CULLED.text) == CULLED.text
