"""Who may call the API: named bearer tokens from the configuration.

Why tokens from configuration and not users in the store: the caller is one
system (the city's poller) and a few operators' tools; a provider rotates a
secret by editing one variable and restarting. Secrets are compared in
constant time against every configured token (no early exit, so the time
taken says nothing about which token or how much of it matched), and never
appear in a repr, a log line or an error.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from homecare.errors import InvalidInputError

__all__ = ["MIN_SECRET_LENGTH", "TOKENS_VARIABLE", "ApiToken", "TokenRing", "parse_tokens"]

TOKENS_VARIABLE = "HOMECARE_API_TOKENS"
MIN_SECRET_LENGTH = 16
_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_PERMISSIONS = {"drain": True, "read": False}


@dataclass(frozen=True)
class ApiToken:
    """A named secret; `can_drain` allows `/buffer/items`, whose fetch acknowledges (D3)."""

    name: str
    secret: str = field(repr=False)
    can_drain: bool = False

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise InvalidInputError(
                f"API token name {self.name[:64]!r}: use 1-64 letters, digits, '_', '.' or '-'."
            )
        if len(self.secret) < MIN_SECRET_LENGTH or not self.secret.isprintable():
            raise InvalidInputError(
                f"API token {self.name!r}: the secret must be at least {MIN_SECRET_LENGTH} "
                "printable characters (e.g. `python -c 'import secrets; "
                "print(secrets.token_urlsafe(32))'`)."
            )
        if any(c.isspace() or c == "," for c in self.secret):
            raise InvalidInputError(
                f"API token {self.name!r}: the secret must not contain spaces or commas."
            )


def parse_tokens(text: str) -> tuple[ApiToken, ...]:
    """`city=SECRET:drain,ops=OTHER:read` -> tokens; the permission defaults to `read`."""
    tokens: list[ApiToken] = []
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        name, equals, rest = entry.partition("=")
        if not equals:
            raise InvalidInputError(
                f"{TOKENS_VARIABLE}: an entry without '=' (expected NAME=SECRET:drain or "
                "NAME=SECRET:read)."
            )
        secret, permission = rest, "read"
        if ":" in rest:
            secret, permission = rest.rsplit(":", 1)
        if permission not in _PERMISSIONS:
            raise InvalidInputError(
                f"{TOKENS_VARIABLE}: token {name.strip()[:64]!r} has an unknown permission "
                "(expected ':drain' or ':read')."
            )
        tokens.append(ApiToken(name.strip(), secret, _PERMISSIONS[permission]))
    TokenRing(tokens)
    return tuple(tokens)


class TokenRing:
    """The configured tokens; `identify` finds the one presented, in constant time."""

    def __init__(self, tokens: Sequence[ApiToken]) -> None:
        if not tokens:
            raise InvalidInputError(
                f"No API tokens configured: set {TOKENS_VARIABLE}, e.g. "
                "'city=<secret>:drain,ops=<secret>:read'."
            )
        names = [t.name for t in tokens]
        if len(set(names)) != len(names):
            raise InvalidInputError("Two API tokens share a name.")
        if len({t.secret for t in tokens}) != len(tokens):
            raise InvalidInputError("Two API tokens share a secret.")
        self._tokens = tuple(tokens)

    def identify(self, presented: str | None) -> ApiToken | None:
        if presented is None:
            return None
        candidate = presented.encode()
        found: ApiToken | None = None
        for token in self._tokens:
            if hmac.compare_digest(token.secret.encode(), candidate) and found is None:
                found = token
        return found
