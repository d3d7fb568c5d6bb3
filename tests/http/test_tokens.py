"""Access control's configuration: the token format, its errors, and matching without leaks."""

from __future__ import annotations

import inspect

import pytest

import homecare.errors
from homecare.errors import HomecareError, InvalidInputError
from homecare.http import ApiToken, create_app_from_environment, parse_tokens
from homecare.http.errors import status_for
from homecare.http.tokens import TokenRing

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
