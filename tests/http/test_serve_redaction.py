"""D8: a personnummer (or a token) typed into a URL never reaches `homecare serve`'s logs.

The reviewer's case: `/console/customers/19121212-1212`, `/console/month/19121212-1212`
and `/buffer/month/19121212-1212` were answered with pages that redact the number, but
uvicorn's access log wrote the request line in full:
`"GET /console/customers/19121212-1212 HTTP/1.1" 422`. Every handler `serve` sets up
now has homecare's `RedactingFilter` (text and JSON logs), tested on the logging
configuration itself and end to end with a real `homecare serve` process.
"""

from __future__ import annotations

import io
import json
import logging
import logging.config
import signal
from pathlib import Path

import httpx
import pytest
import uvicorn

from homecare.bootstrap import connect
from homecare.cli.serve import redacted_config
from homecare.logs import NOT_SHOWN, PERSONNUMMER, RedactingFilter, redact
from tests.conftest import init_sqlite
from tests.http.conftest import CITY, fill
from tests.http.server import bound_socket, wait_for
from tests.http.test_cli import TOKENS_TEXT, _answers, cli

NUMBER = "19121212-1212"
FORMS = [
    NUMBER,
    "191212121212",
    "121212-1212",
    "121212+1212",
    "19121212%2D1212",
    "1912%201212-1212",
    "%31%39%31%32%31%32%31%32-%31%32%31%32",
    "".join(chr(0xFF10 + int(d)) if d.isdigit() else d for d in NUMBER),  # fullwidth digits
]
PATHS = [
    "/console/customers/{}",
    "/console/month/{}",
    "/buffer/month/{}",
    "/console/staff/{}?lang=sv",
    "/buffer/items?after={}&limit=5",
    "/console/sign-in?next=%2Fconsole%2Fcustomers%2F{}",
]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("path", PATHS)
def test_D8_a_personnummer_in_a_path_or_query_is_redacted(path: str, form: str) -> None:
    logged = redact(path.format(form))
    assert logged.count(PERSONNUMMER) == 1, logged
    assert "1212" not in logged.replace("%2F", "/")
    assert logged.split("/")[1] == path.split("/")[1]  # the rest stays readable


@pytest.mark.parametrize(
    "text",
    [
        "/buffer/items?after=3.1b7e0d2c&limit=20",
        "/console/customers/12345678-1234-1234-1234-123456789012",  # a UUID, not a number
        "/console/month/2026-03",
        "/health",
        "127.0.0.1:53412",
        "HTTP/1.1",
    ],
)
def test_what_is_no_personnummer_is_logged_as_it_is(text: str) -> None:
    assert redact(text) == text


def test_a_token_in_a_query_is_redacted_and_digits_spread_out_are_not_shown() -> None:
    assert redact("/buffer/items?token=s3cret-value&limit=5") == (
        "/buffer/items?token=<redacted>&limit=5"
    )
    assert redact("/x?access_token=a&API_KEY=b&password=c") == (
        "/x?access_token=<redacted>&API_KEY=<redacted>&password=<redacted>"
    )
    assert redact("number 1912 1212-1212 given") == NOT_SHOWN


def test_uvicorns_access_log_configured_by_serve_writes_no_number() -> None:
    """The configuration `serve` gives uvicorn (text logs), applied as uvicorn does."""
    config = redacted_config(uvicorn.config.LOGGING_CONFIG)
    assert uvicorn.config.LOGGING_CONFIG.get("filters") is None  # uvicorn's left as it is
    logging.config.dictConfig(config)
    stream = io.StringIO()
    access = logging.getLogger("uvicorn.access")
    (handler,) = access.handlers
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    access.info(
        '%s - "%s %s HTTP/%s" %d',
        "127.0.0.1:5000",
        "GET",
        f"/console/customers/{NUMBER}?token=abc",
        "1.1",
        422,
    )
    line = stream.getvalue()
    assert f'"GET /console/customers/{PERSONNUMMER}?token=<redacted> HTTP/1.1" 422' in line
    assert NUMBER not in line


def test_the_filter_keeps_numbers_and_redacts_a_message_without_arguments() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%s %d %s", ("a", 7, None), None)
    RedactingFilter().filter(record)
    assert record.args == ("a", 7, None)
    bare = logging.LogRecord("x", logging.INFO, __file__, 1, f"GET /c/{NUMBER}", None, None)
    RedactingFilter().filter(bare)
    assert bare.getMessage() == f"GET /c/{PERSONNUMMER}"


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_D8_homecare_serve_logs_no_personnummer_typed_into_a_url(
    tmp_path: Path, log_format: str
) -> None:
    db = init_sqlite(tmp_path / "homecare.db")
    with connect(db) as hc:
        fill(hc, 1, customers=1)
    probe = bound_socket()
    port = probe.getsockname()[1]
    probe.close()
    server = cli(
        "serve",
        "--port",
        str(port),
        "--db",
        db,
        "--log-format",
        log_format,
        env={"HOMECARE_API_TOKENS": TOKENS_TEXT},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(f"{url}/health") or server.poll() is not None, "serve")
        for path in ("/console/customers/{}", "/console/month/{}", "/buffer/month/{}"):
            for form in (NUMBER, "191212121212", "19121212%2D1212"):
                httpx.get(url + path.format(form), headers=CITY)
        httpx.get(f"{url}/buffer/items?after={NUMBER}&token=s3cret-in-a-url", headers=CITY)
    finally:
        server.send_signal(signal.SIGTERM)
        stdout, stderr = server.communicate(timeout=60)
    logged = stdout + stderr
    assert "/buffer/month/<personnummer>" in logged  # the requests were logged, redacted
    for leaked in ("1212-1212", "191212121212", "%2D1212", "s3cret-in-a-url"):
        assert leaked not in logged, leaked
    if log_format == "json":
        lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
        assert any("/console/customers/<personnummer>" in e["message"] for e in lines)
