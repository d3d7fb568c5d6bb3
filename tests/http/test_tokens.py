"""Access control's configuration: the token format, its errors, and matching without leaks."""

from __future__ import annotations

import inspect
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

import homecare.errors
from homecare.cli.app import app as cli_app
from homecare.errors import HomecareError, InvalidInputError
from homecare.http import ApiToken, create_app_from_environment, parse_tokens
from homecare.http.errors import status_for
from homecare.http.tokens import TokenRing
from homecare.settings import Settings, is_bearer_token

A = "a" * 16
B = "b-secret=with=signs+0123/"  # no ":": the permission follows the first one


def test_the_documented_format() -> None:
    tokens = parse_tokens(f"city={A}:drain, ops={B}:read ,audit=audit-secret-000000")
    assert tokens == (
        ApiToken("city", A, can_drain=True),
        ApiToken("ops", B, can_drain=False),
        ApiToken("audit", "audit-secret-000000", can_drain=False),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "No API tokens configured"),
        (" , ", "No API tokens configured"),
        (f"city{A}", "without '='"),
        (f"city={A}:write", "unknown permission"),
        ("city=short:drain", "at least 16"),
        (f"={A}:drain", "token name"),
        (f"ci ty={A}:drain", "token name"),
        (f"city={A}:drain,city={B}:read", "share a name"),
        (f"city={A}:drain,ops={A}:read", "share a secret"),
        (f"city={A} {A}:drain", "spaces or commas"),
    ],
)
def test_configuration_errors_are_clear_and_never_quote_the_secret(text: str, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message) as caught:
        parse_tokens(text)
    assert A not in str(caught.value)
    assert "short" not in str(caught.value)


def test_a_secret_is_never_in_a_repr() -> None:
    token = ApiToken("city", A, can_drain=True)
    assert A not in repr(token)
    assert A not in str(parse_tokens(f"city={A}:drain"))


def test_identify_finds_the_presented_token_and_nothing_else() -> None:
    ring = TokenRing([ApiToken("city", A, True), ApiToken("ops", B)])
    assert ring.identify(A) == ApiToken("city", A, True)
    assert ring.identify(B) == ApiToken("ops", B)
    for wrong in [None, "", A[:-1], A + "a", A.upper(), "å" * 16, B + "\x00"]:
        assert ring.identify(wrong) is None


def test_create_app_refuses_to_start_without_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOMECARE_API_TOKENS", raising=False)
    with pytest.raises(InvalidInputError, match="No API tokens configured: set HOMECARE_API"):
        create_app_from_environment("sqlite:///never-opened.db")


def test_every_library_error_has_an_http_status() -> None:
    classes = [
        cls
        for _, cls in inspect.getmembers(homecare.errors, inspect.isclass)
        if issubclass(cls, HomecareError) and cls is not HomecareError
    ]
    assert len(classes) >= 15
    for cls in classes:
        error = cls.__new__(cls)
        assert status_for(error) in {404, 409, 422, 503}, cls.__name__


@pytest.mark.parametrize(
    "text",
    [
        "a=S3CRET-0123456789:drain:read",
        "a=S3CRET-0123456789:read:drain",
        "a=S3CRET:0123456789:read",
        "a=S3CRET:0123456789",
    ],
)
def test_a_token_with_more_than_one_colon_is_refused(text: str) -> None:
    """`a=SECRET:drain:read` was the secret `SECRET:drain` with read permission."""
    with pytest.raises(InvalidInputError, match="':'") as caught:
        parse_tokens(text)
    assert "S3CRET" not in str(caught.value)


def test_a_token_list_says_which_permission_each_secret_has() -> None:
    city, ops = parse_tokens("city=SECRET-0123456789=:drain,ops=OTHER-0123456789+/")
    assert (city.secret, city.can_drain) == ("SECRET-0123456789=", True)
    assert (ops.secret, ops.can_drain) == ("OTHER-0123456789+/", False)


SENDABLE = "abcdefghijklmnop"  # 16 characters; each case below adds one that is not


@pytest.mark.parametrize(
    "secret",
    [
        f"{SENDABLE}éé",  # UTF-8: curl sends the bytes, the server compared another text
        f"{SENDABLE}\u2013",  # an en dash pasted from a document
        f"{SENDABLE}\x7f",  # DEL: a control character
        f"{SENDABLE}\x1b",
    ],
)
def test_a_secret_an_http_client_cannot_send_is_refused_as_the_poll_token_is(
    secret: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`city=abcdefghijklmnopéé:drain` started the server, and no request could carry it
    (curl: 401, httpx: UnicodeEncodeError) while `homecare poll` refused the same token:
    one rule (`homecare.settings.is_bearer_token`), at start-up, never quoting it."""
    with pytest.raises(InvalidInputError, match="visible ASCII") as caught:
        parse_tokens(f"city={secret}:drain")
    assert SENDABLE not in str(caught.value)
    with pytest.raises(InvalidInputError, match="visible ASCII"):
        Settings(poll_token=secret)  # the poll token's rule, the same words
    monkeypatch.setenv("HOMECARE_API_TOKENS", f"city={secret}:drain")
    monkeypatch.delenv("HOMECARE_API_TOKENS_FILE", raising=False)
    with pytest.raises(InvalidInputError, match="visible ASCII"):
        create_app_from_environment("sqlite:///never-opened.db")  # before the store


def test_serve_refuses_an_unsendable_secret_in_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOMECARE_API_TOKENS", f"city={SENDABLE}éé:drain")
    monkeypatch.delenv("HOMECARE_API_TOKENS_FILE", raising=False)
    result = CliRunner().invoke(cli_app, ["--db", "sqlite:///never.db", "serve", "--port", "1"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "homecare: error: invalid_input: API token 'city': the secret must be at least 16 "
        "characters of visible ASCII text: no space, control or non-ASCII character (e.g. "
        "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`)."
    ]
    assert not (tmp_path / "never.db").exists()


def test_every_secret_the_ring_accepts_is_sendable_and_matched() -> None:
    """What parse_tokens accepts, an HTTP client can send and the ring identifies."""
    secret = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in ",:")
    (token,) = parse_tokens(f"city={secret}:drain")
    assert is_bearer_token(token.secret)
    request = httpx.Request("GET", "http://x/", headers={"Authorization": f"Bearer {secret}"})
    sent = request.headers["Authorization"].removeprefix("Bearer ")
    assert TokenRing([token]).identify(sent) == token
