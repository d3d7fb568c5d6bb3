"""R17 with D8 (issue 15): the access log's `reader` and `purpose` hold no personal data.

- With a cipher key they are sealed with the store's key: a grep of the raw store
  (SQLite file and WAL; PostgreSQL tables' rows and files) finds no reader name or
  purpose, while `entries`, `review` and their CLI commands show the same as without
  a key. Without a key they are stored as given (the grep finds them: it can fail).
- A reader or purpose holding a digit run shaped like a personnummer or
  samordningsnummer is refused (`personal_data_in_access_log`) on every path:
  facade, audit, export, CLI, an API token's name; valid or not.

Both stores.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import insert, select

from homecare import audit
from homecare._es.sealing import Sealer
from homecare.bootstrap import Homecare, connect
from homecare.domain.common import stockholm_day
from homecare.domain.customer import Customer
from homecare.domain.month import Month
from homecare.domain.privacy import SubjectKind
from homecare.domain.staff import Staff
from homecare.errors import CipherKeyError, InvalidInputError, PersonalDataInAccessLogError
from homecare.http import ApiToken, create_app
from homecare.http.tokens import parse_tokens
from homecare.privacy import Access, AccessLog, Channel, access_log, export
from tests.cli.conftest import Cli, assert_one_line_error
from tests.privacy.conftest import KEY_A, KEY_B
from tests.privacy.test_raw_store import _raw
from tests.scenario import Scenario

KARIN, ULLA, OLLE = "Karin Läsarsdotter", "Ulla Granskarsson", "Olle Nattläsare"
CALL, COMPLAINT, CHECK = "telefonsamtal om matlådor", "klagomål om sen hemtjänst", "månadskontroll"
CITY_SECRET = "city-drain-secret-0123456789abcdef"
CITY_TOKEN = "stadens-hamtning"
SECRETS = [KARIN, ULLA, OLLE, CALL, COMPLAINT, CHECK, "the city's poll"]
"""The token's name is also in the city's fetch log (`homecare_city_fetches`, a system's
name for watching it): checked in the access log's own rows only."""

NUMBERS = ["19121212-1212", "191212121212", "121212-1212", "1212121212", "121212+1212"]
NUMBERS += ["701063-2391", "19701063-2391", "1912 1212-1212", "121212 - 1212"]
NUMBERS += ["19121212-1213"]  # a wrong check digit: the shape alone is refused

with_and_without_key = pytest.mark.parametrize("cipher_key", [None, KEY_A], ids=["clear", "key"])


def env(cipher_key: str | None) -> dict[str, str]:
    return {"HOMECARE_CIPHER_KEY": cipher_key} if cipher_key else {}


def _month(hc: Homecare) -> Month:
    return Month.of(stockholm_day(hc.access.entries()[0].at))


def _reads(hc: Homecare, url: str, cipher_key: str | None) -> tuple[UUID, UUID]:
    """Reads by Karin (facade, twice), Ulla (audit), Olle (CLI) and the city (HTTP)."""
    s = Scenario(hc.app)
    c, k = s.customer(), s.staff()
    s.visit(c, k, day=date(2026, 3, 2))
    hc.catch_up()
    with hc.database.write_engine.begin() as conn:
        conn.execute(access_log.delete())  # the setup's own reads are not the scenario's
    hc.app.get(Customer, c.id, reader=KARIN, purpose=CALL)
    hc.app.get(Staff, k, reader=KARIN, purpose=CALL)
    audit.history(hc, c.id, reader=ULLA, purpose=COMPLAINT)
    cli = Cli(url, env=env(cipher_key))
    cli.ok("--reader", OLLE, "--purpose", CHECK, "buffer", "month", "2026-03")
    client = TestClient(create_app(hc, [ApiToken(CITY_TOKEN, CITY_SECRET, can_drain=True)]))
    assert client.get("/buffer/items", headers={"Authorization": f"Bearer {CITY_SECRET}"}).json()
    return c.id, k


@with_and_without_key
def test_entries_and_review_are_the_same_with_a_key_and_the_raw_store_holds_no_reader_or_purpose(
    store_url: str, cipher_key: str | None
) -> None:
    with connect(store_url, cipher_key=cipher_key) as hc:
        c, k = _reads(hc, store_url, cipher_key)
        shown = [
            (e.reader, e.subject_id, e.what, e.purpose, e.channel) for e in hc.access.entries()
        ]
        assert shown == [
            (KARIN, c, "customer", CALL, Channel.FACADE),
            (KARIN, k, "staff", CALL, Channel.FACADE),
            (ULLA, c, "history", COMPLAINT, Channel.AUDIT),
            (OLLE, c, "buffer_month", CHECK, Channel.CLI),
            (OLLE, k, "buffer_month", CHECK, Channel.CLI),
            (CITY_TOKEN, c, "fetch", "the city's poll", Channel.HTTP),
            (CITY_TOKEN, k, "fetch", "the city's poll", Channel.HTTP),
        ]
        review = hc.access.review(_month(hc), threshold=2)  # grouped by reader, sealed or not
        assert [(r.reader, r.reads, r.subjects, bool(r.why)) for r in review.readers] == [
            (KARIN, 2, 2, True),
            (OLLE, 2, 2, True),
            (CITY_TOKEN, 2, 2, True),
            (ULLA, 1, 1, False),
        ]
        assert review.reads == 7
        raw = _raw(store_url)
        found = [text for text in SECRETS if text.encode() in raw]
        assert found == ([] if cipher_key else SECRETS)  # without a key: there as given
        with hc.database.engine.connect() as conn:
            rows = repr(conn.execute(select(access_log)).all())
        assert all((text in rows) is not bool(cipher_key) for text in [*SECRETS, CITY_TOKEN])


@with_and_without_key
def test_the_cli_shows_the_readers_and_purposes_opened(
    store_url: str, cipher_key: str | None
) -> None:
    with connect(store_url, cipher_key=cipher_key) as hc:
        c, _ = _reads(hc, store_url, cipher_key)
        month = str(_month(hc))
    cli = Cli(store_url, env=env(cipher_key))
    entries = cli.json("privacy", "access-log", "--subject", str(c), "--json")
    assert [(e["reader"], e["purpose"]) for e in entries] == [
        (KARIN, CALL),
        (ULLA, COMPLAINT),
        (OLLE, CHECK),
        (CITY_TOKEN, "the city's poll"),
    ]
    review = cli.json("privacy", "review", "--month", month, "--threshold", "2", "--json")
    assert [(r["reader"], r["reads"]) for r in review["unusual"]] == [
        (KARIN, 2),
        (OLLE, 2),
        (CITY_TOKEN, 2),
    ]
    table = cli.ok("privacy", "review", "--month", month).stdout
    assert all(name in table for name in (KARIN, ULLA, OLLE, CITY_TOKEN))


def _one_read(log: AccessLog) -> None:
    log.record(
        [
            Access(
                reader=KARIN,
                subject_id=UUID(int=1),
                subject_kind=SubjectKind.CUSTOMER,
                what="customer",
                purpose=CALL,
                channel=Channel.FACADE,
                at=datetime(2026, 3, 2, 9, tzinfo=UTC),
            )
        ]
    )


def test_sealed_entries_without_their_key_are_refused_not_shown(store_url: str) -> None:
    with connect(store_url, cipher_key=KEY_A) as hc:
        _one_read(hc.access)
        assert [e.reader for e in hc.access.entries()] == [KARIN]
    for other in (None, KEY_B):
        with connect(store_url, cipher_key=other) as hc:
            log = AccessLog(hc.database, Sealer.for_key(other))
            with pytest.raises(CipherKeyError):
                log.entries()
            with pytest.raises(CipherKeyError):
                log.review(Month(2026, 3))


def test_rows_recorded_before_sealing_are_shown_as_stored(store_url: str) -> None:
    """A row written clear (before migration 0007: `sealed` false) reads back under a key."""
    with connect(store_url, cipher_key=KEY_A) as hc:
        row = {"reader": OLLE, "subject_id": UUID(int=2), "subject_kind": "customer"}
        row |= {"what": "customer", "purpose": CHECK, "channel": "facade"}
        with hc.database.write_engine.begin() as conn:
            conn.execute(insert(access_log).values(at=datetime(2026, 3, 3, tzinfo=UTC), **row))
        _one_read(hc.access)
        assert [(e.reader, e.purpose) for e in hc.access.entries()] == [
            (OLLE, CHECK),
            (KARIN, CALL),
        ]
        assert [r.reader for r in hc.access.review(Month(2026, 3)).readers] == [KARIN, OLLE]


# -- refused: a reader or purpose shaped like a personnummer ---------------------------


def _refused(error: pytest.ExceptionInfo[InvalidInputError], number: str) -> None:
    assert error.value.code == "personal_data_in_access_log"
    digits = "".join(ch for ch in number if ch.isdigit())
    assert digits[-4:] not in str(error.value)  # the message never echoes the number
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("number", NUMBERS)
@pytest.mark.parametrize("field", ["reader", "purpose"])
def test_the_facade_refuses_a_reader_or_purpose_holding_a_personnummer(
    hc: Homecare, field: str, number: str
) -> None:
    c = Scenario(hc.app).customer()
    text = f"samtal om {number}" if field == "purpose" else number
    with pytest.raises(PersonalDataInAccessLogError) as caught:
        hc.app.get(Customer, c.id, **{field: text})
    _refused(caught, number)
    with pytest.raises(PersonalDataInAccessLogError):
        audit.history(hc, c.id, **{field: text})
    with pytest.raises(PersonalDataInAccessLogError):
        export(hc, c.id, **({"reader": "karin"} | {field: text}))
    assert hc.access.entries() == []


@pytest.mark.parametrize("number", NUMBERS)
def test_the_model_refuses_every_shape_so_no_path_can_write_one(number: str) -> None:
    fields = {"subject_id": UUID(int=1), "subject_kind": "customer", "what": "customer"}
    fields |= {"channel": "facade"}
    for reader, purpose in ((number, CALL), (KARIN, f"ärende {number}")):
        with pytest.raises(ValidationError, match="personnummer"):
            Access(reader=reader, purpose=purpose, **fields)


@pytest.mark.parametrize(
    "text", ["  ", "eva\x85", "eva\u0000", "x" * 129], ids=["blank", "c1", "nul", "long"]
)
def test_a_blank_or_controlled_or_long_reader_is_refused(hc: Homecare, text: str) -> None:
    c = Scenario(hc.app).customer()
    with pytest.raises(InvalidInputError, match="reader") as caught:
        hc.app.get(Customer, c.id, reader=text)
    assert caught.value.code == "invalid_input"


@pytest.mark.parametrize(
    "text",
    [
        "complaint 2026-17",
        "homecare buffer month",
        "ärende 123456",
        "2026-03-02 09:15",
        "tel 08-123 45",
    ],
)
def test_short_numbers_dates_and_case_numbers_are_accepted(hc: Homecare, text: str) -> None:
    c = Scenario(hc.app).customer()
    hc.app.get(Customer, c.id, reader="karin", purpose=text)
    assert [e.purpose for e in hc.access.entries()][-1] == text


@pytest.mark.parametrize("number", NUMBERS[:6])  # the shapes are the model's (above)
@pytest.mark.parametrize("option", ["--reader", "--purpose"])
def test_the_cli_refuses_them_in_one_line_with_the_code(
    store_url: str, option: str, number: str
) -> None:
    cli = Cli(store_url)
    with connect(store_url) as hc:
        c = Scenario(hc.app).customer()
    result = cli(option, number, "audit", "history", "--customer", str(c.id))
    assert_one_line_error(result, "personal_data_in_access_log")
    assert number not in result.stderr
    exported = cli("privacy", "export", "--customer", str(c.id), option, number)  # its own
    assert_one_line_error(exported, "personal_data_in_access_log")
    assert exported.stdout == ""
    with connect(store_url) as hc:
        assert hc.access.entries() == []


@pytest.mark.parametrize("number", NUMBERS[:6])
def test_an_api_token_named_like_a_personnummer_is_refused_when_configured(number: str) -> None:
    with pytest.raises(PersonalDataInAccessLogError) as caught:
        ApiToken(number, CITY_SECRET)
    _refused(caught, number)
    with pytest.raises(PersonalDataInAccessLogError):
        parse_tokens(f"{number}={CITY_SECRET}:drain")
