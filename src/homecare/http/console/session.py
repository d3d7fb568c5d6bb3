"""The console's sign-in: a read token typed once, then a signed cookie.

Why a stdlib HMAC keyed with the token's own secret (and not itsdangerous or
Starlette's SessionMiddleware): those need one more secret to configure,
store and rotate. Here the cookie says only *which* token signed in and until
when, `NAME.EXPIRES.SIGNATURE`, signed with HMAC-SHA256 under a key derived
from that token's secret. So

- the cookie never carries a secret, and cannot be forged without one;
- removing or rotating a token in HOMECARE_API_TOKENS ends its sessions at
  once (the signature no longer checks), with nothing else to revoke;
- the permissions come from the token as configured now, not from the cookie.

The cookie is HttpOnly (no script reads it), SameSite=Strict (no other site
can make the browser send it, so no cross-site request runs signed in),
Secure when served over HTTPS, scoped to the console's path, and expires
after a working day.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

from homecare.http.tokens import ApiToken, TokenRing

__all__ = ["COOKIE", "LIFETIME", "open_session", "seal_session"]

COOKIE = "homecare_console"
LIFETIME = timedelta(hours=8)
_PURPOSE = b"homecare-console-session-v1"


def _key(token: ApiToken) -> bytes:
    """A key for this purpose only, derived from the token's secret."""
    return hmac.new(token.secret.encode(), _PURPOSE, hashlib.sha256).digest()


def _signature(token: ApiToken, body: str) -> str:
    digest = hmac.new(_key(token), body.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def seal_session(token: ApiToken, now: datetime) -> str:
    """The cookie value for `token`, valid for LIFETIME from `now` (UTC-aware)."""
    name = base64.urlsafe_b64encode(token.name.encode()).rstrip(b"=").decode()
    body = f"{name}.{int((now + LIFETIME).timestamp())}"
    return f"{body}.{_signature(token, body)}"


def open_session(ring: TokenRing, value: str | None, now: datetime) -> ApiToken | None:
    """The token a cookie was signed for, if the signature checks and it has not expired."""
    if not value or len(value) > 512:
        return None
    parts = value.split(".")
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    try:
        name = base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    token = ring.named(name)
    if token is None:
        return None
    body = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(_signature(token, body), parts[2]):
        return None
    if datetime.fromtimestamp(int(parts[1]), UTC) <= now:
        return None
    return token
