"""The console refuses without a valid sign-in, and no route writes anything (both stores)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import unquote

import pytest

from homecare.bootstrap import Homecare
from homecare.http.console.session import COOKIE, LIFETIME, open_session, seal_session
from homecare.http.tokens import ApiToken, TokenRing
from tests.http.console.conftest import NOW, PERSONAL, READ, TOKENS, Console, text_of
from tests.scenario import Scenario

PAGES = [
    "/console/",
    "/console/month",
    "/console/month/2026-03",
    "/console/problems",
    "/console/pauses",
    "/console/visits/{visit}",
    "/console/customers/{customer}",
    "/console/staff/{staff}",
]


def _populate(hc: Homecare) -> dict[str, Any]:
    world = Scenario(hc.app)
    customer = world.customer()
    staff = world.staff(sd_number=False)
    visit = world.visit(customer, staff)
    hc.catch_up()
    return {"visit": visit, "customer": customer.id, "staff": staff}


def _state(hc: Homecare) -> tuple[int, object, object]:
    hc.catch_up()
    return hc.app.recorder.max_notification_id() or 0, hc.buffer.dump(), hc.pauses.dump()


def test_every_page_redirects_to_sign_in_without_a_session(console: Console) -> None:
    ids = _populate(console.hc)
    with console.client() as client:
        for page in PAGES:
            path = page.format(**ids)
            response = client.get(path)
            assert response.status_code == 303, path
            location = response.headers["location"]
            assert location.startswith("/console/sign-in?next="), path
            assert unquote(location.split("next=", 1)[1]) == path
            assert "Allt är levererat" not in response.text


@pytest.mark.parametrize(
    "cookie",
    [
        "garbage",
        "b3Bz.9999999999.AAAA",  # "ops" with a made-up signature
        seal_session(ApiToken("ops", "another-secret-0123456789"), NOW),  # not our secret
        seal_session(ApiToken("gone", "gone-secret-0123456789"), NOW),  # no such token now
        seal_session(TOKENS[1], NOW - LIFETIME - timedelta(seconds=1)),  # expired
    ],
)
def test_a_forged_foreign_or_expired_cookie_is_refused(console: Console, cookie: str) -> None:
    with console.client() as client:
        client.cookies.set(COOKIE, cookie)
        response = client.get("/console/problems")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/console/sign-in")


def test_the_session_names_the_token_and_never_carries_its_secret() -> None:
    ring = TokenRing(TOKENS)
    value = seal_session(TOKENS[1], NOW)
    assert READ not in value
    assert open_session(ring, value, NOW) == TOKENS[1]
    assert open_session(ring, value, NOW + LIFETIME) is None
    rotated = TokenRing([ApiToken("ops", "a-new-secret-after-rotation-01")])
    assert open_session(rotated, value, NOW) is None


def test_sign_in_sets_a_strict_httponly_cookie_and_returns_to_the_page(console: Console) -> None:
    with console.client() as client:
        response = client.post(
            "/console/sign-in", data={"token": READ, "next": "/console/problems"}
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/console/problems"
        cookie = response.headers["set-cookie"]
        assert cookie.startswith(f"{COOKIE}=")
        for attribute in ("HttpOnly", "SameSite=strict", "Path=/console", "Max-Age=28800"):
            assert attribute.lower() in cookie.lower()
        assert READ not in cookie
        assert client.get("/console/problems").status_code == 200


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/buffer/items",
        "/console/../buffer/items",
        "/console/%2e%2e/buffer/items",
        "/console/./../x",
    ],
)
def test_sign_in_never_sends_the_browser_elsewhere(console: Console, target: str) -> None:
    with console.client() as client:
        response = client.post("/console/sign-in", data={"token": READ, "next": target})
    assert response.headers["location"] == "/console/"


def test_a_wrong_token_is_refused_with_the_form_again(console: Console) -> None:
    with console.client() as client:
        response = client.post("/console/sign-in", data={"token": "wrong-token-0123456789"})
        assert response.status_code == 401
        assert "set-cookie" not in response.headers
        assert "Den token är inte giltig" in text_of(response.text)
        assert client.get("/console/problems").status_code == 303


def test_sign_out_ends_the_session(console: Console) -> None:
    with console.signed_in() as client:
        assert client.get("/console/problems").status_code == 200
        response = client.post("/console/sign-out")
        assert response.status_code == 303
        assert client.get("/console/problems").status_code == 303


def test_no_console_route_accepts_post_put_or_delete_and_nothing_changes(
    console: Console,
) -> None:
    ids = _populate(console.hc)
    before = _state(console.hc)
    routes = [*PAGES, "/console/sign-in", "/console/sign-out"]
    with console.signed_in(PERSONAL) as client:
        for page in routes:
            path = page.format(**ids)
            for method in ("POST", "PUT", "DELETE", "PATCH"):
                if (method, path) in {("POST", "/console/sign-in"), ("POST", "/console/sign-out")}:
                    continue  # the forms: they set or clear the cookie, nothing else
                response = client.request(method, path, data={"token": READ})
                assert response.status_code == 405, (method, path)
    assert _state(console.hc) == before


def test_reading_every_page_changes_nothing(console: Console) -> None:
    ids = _populate(console.hc)
    before = _state(console.hc)
    with console.signed_in(PERSONAL) as client:
        for page in PAGES:
            response = client.get(page.format(**ids), follow_redirects=True)
            assert response.status_code == 200, page
            assert response.headers["cache-control"] == "no-store"
            assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert _state(console.hc) == before


def test_the_personal_permission_in_the_token_format() -> None:
    from homecare.errors import InvalidInputError
    from homecare.http import parse_tokens

    secret = "s" * 16
    assert parse_tokens(f"ops={secret}:read+personal") == (
        ApiToken("ops", secret, can_drain=False, can_see_personal=True),
    )
    assert parse_tokens(f"ops={secret}:drain+personal")[0].can_drain
    assert not parse_tokens(f"ops={secret}:read")[0].can_see_personal
    for wrong in ("read+write", "personal", "read+", "+personal"):
        with pytest.raises(InvalidInputError, match="unknown permission"):
            parse_tokens(f"ops={secret}:{wrong}")


@pytest.mark.parametrize(
    "path",
    [
        "/console/?lang=en&lang=sv",
        "/console/month?month=2026-03&month=2026-04",
        "/console/month/2026-03?lang=en&lang=sv",
        "/console/pauses?ended=1&ended=1",
        "/console/problems?x=1&x=2",
    ],
)
def test_a_repeated_parameter_is_a_page_and_only_after_sign_in(console: Console, path: str) -> None:
    with console.client() as client:
        assert client.get(path).status_code == 303  # no session: the sign-in form first
    with console.signed_in() as client:
        page = client.get(path)
    assert page.status_code == 422
    assert page.headers["content-type"].startswith("text/html")
    assert "Ogiltig adress" in text_of(page.text)
