"""Issue 11, item 6 (D8): a wrong, missing or unexpected cipher key is one clear error,
`CipherKeyError` (code `wrong_cipher_key`), everywhere: the facade, the projections,
the city's fetch, `/health` (never "ok"), `/buffer/items` (503, not 500) and the CLI
(one line, not a traceback). On both stores."""

from __future__ import annotations

import httpx
import pytest
from eventsourcing.cipher import AESCipher

from homecare.bootstrap import Homecare, connect
from homecare.errors import CipherKeyError, StorageError
from homecare.http import create_app
from tests.cli.conftest import Cli, assert_one_line_error
from tests.domain.pnr import VALID, assert_not_shown
from tests.http.conftest import CITY, TOKENS
from tests.http.server import serving
from tests.scenario import Scenario

K1 = AESCipher.create_key(32)
K2 = AESCipher.create_key(32)
CASES = [(K1, K2), (K1, None), (None, K1)]
IDS = ["wrong key", "no key on an encrypted store", "a key on a clear store"]


def written(store_url: str, key: str | None) -> None:
    """Two confirmed visits, projected: events and buffer items written with `key`."""
    with connect(store_url, cipher_key=key) as hc:
        world = Scenario(hc.app)
        staff, customer = world.staff(), world.customer()
        world.visit(customer, staff)
        world.visit(customer, staff)
        hc.catch_up()
        assert len(hc.buffer.fetch().items) == 2


def assert_clear(error: BaseException) -> None:
    assert isinstance(error, CipherKeyError)
    assert isinstance(error, StorageError)
    assert error.code == "wrong_cipher_key"
    assert "cipher key" in str(error)
    assert_not_shown(str(error), VALID)


@pytest.mark.parametrize(("written_with", "opened_with"), CASES, ids=IDS)
def test_every_read_says_wrong_cipher_key(
    store_url: str, written_with: str | None, opened_with: str | None
) -> None:
    written(store_url, written_with)
    with connect(store_url, cipher_key=opened_with) as hc:
        for read in (hc.check_cipher_key, hc.buffer.fetch, lambda: hc.buffer.fetch(after="1")):
            with pytest.raises(CipherKeyError) as caught:
                read()
            assert_clear(caught.value)


@pytest.mark.parametrize(("written_with", "opened_with"), CASES[:2], ids=IDS[:2])
def test_the_projection_says_wrong_cipher_key(
    store_url: str, written_with: str | None, opened_with: str | None
) -> None:
    written(store_url, written_with)
    with connect(store_url, cipher_key=written_with) as hc:
        Scenario(hc.app).customer()  # a new event, not projected yet
    with connect(store_url, cipher_key=opened_with) as hc, pytest.raises(CipherKeyError) as caught:
        hc.catch_up()
    assert_clear(caught.value)


def test_the_right_key_is_fine(store_url: str) -> None:
    with connect(store_url, cipher_key=K1) as hc:
        hc.check_cipher_key()  # an empty store: nothing to read yet
    written(store_url, K1)
    with connect(store_url, cipher_key=K1) as hc:
        hc.check_cipher_key()


def test_health_is_not_ok_and_the_fetch_is_503_with_a_wrong_key(store_url: str) -> None:
    written(store_url, K1)
    with connect(store_url, cipher_key=K2) as hc, serving(create_app(hc, TOKENS)) as url:
        health = httpx.get(f"{url}/health", timeout=30)
        fetched = httpx.get(f"{url}/buffer/items", headers=CITY, timeout=30)
    assert health.status_code == 503
    assert health.json()["status"] == "unavailable"
    assert health.json()["problem"] == "wrong_cipher_key"
    assert health.json()["store_reachable"] is True
    assert fetched.status_code == 503
    assert fetched.json()["code"] == "wrong_cipher_key"


def test_buffer_fetch_in_the_cli_is_one_line_with_a_wrong_key(store_url: str) -> None:
    written(store_url, K1)
    result = Cli(store_url, env={"HOMECARE_CIPHER_KEY": K2})("buffer", "fetch")
    assert_one_line_error(result, "wrong_cipher_key")


def test_health_with_the_right_key_is_ok(hc: Homecare) -> None:
    with serving(create_app(hc, TOKENS)) as url:
        health = httpx.get(f"{url}/health", timeout=30).json()
    assert (health["status"], health["problem"]) == ("ok", None)


@pytest.mark.parametrize(
    "command",
    [
        ("buffer", "month", "2026-03"),
        ("pauses", "list", "--from", "2026-03-01", "--to", "2026-03-31"),
        ("status",),
        ("buffer", "problems"),
    ],
)
def test_every_cli_view_of_a_caught_up_store_refuses_a_wrong_key(
    store_url: str, command: tuple[str, ...]
) -> None:
    """Nothing left to catch up, so no event is decoded: the view still refuses the key
    in one line instead of showing its items with blank sealed fields and exit 0."""
    written(store_url, K1)
    result = Cli(store_url, env={"HOMECARE_CIPHER_KEY": K2})(*command)
    assert_one_line_error(result, "wrong_cipher_key")
