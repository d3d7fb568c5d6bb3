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

from homecare.domain.identity import holds_identity_number
from homecare.errors import InvalidInputError, PersonalDataInAccessLogError
from homecare.settings import BEARER_RULE, is_bearer_token

__all__ = [
    "MIN_SECRET_LENGTH",
    "PERSONAL",
    "TOKENS_VARIABLE",
    "ApiToken",
    "TokenRing",
    "parse_tokens",
]

TOKENS_VARIABLE = "HOMECARE_API_TOKENS"
MIN_SECRET_LENGTH = 16
_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_BASE_PERMISSIONS = ("read", "drain")
PERSONAL = "personal"


@dataclass(frozen=True)
class ApiToken:
    """A named secret; `can_drain` allows `/buffer/items`, whose fetch acknowledges (D3);
    `can_see_personal` lets the console show names, personnummer, SD numbers and pause
    reason texts (D8; every view is recorded either way, R17)."""

    name: str
    secret: str = field(repr=False)
    can_drain: bool = False
    can_see_personal: bool = False

    def __post_init__(self) -> None:
        if holds_identity_number(self.name):  # the name is the reader in the access log
            raise PersonalDataInAccessLogError(
                "An API token's name is its reader in the access log (R17), which holds no "
                "personal data: a name shaped like a personnummer is refused."
            )
        if not _NAME.fullmatch(self.name):
            raise InvalidInputError(
                f"API token name {self.name[:64]!r}: use 1-64 letters, digits, '_', '.' or '-'."
            )
        if any(c.isspace() or c == "," for c in self.secret):
            raise InvalidInputError(
                f"API token {self.name!r}: the secret must not contain spaces or commas."
            )
        if len(self.secret) < MIN_SECRET_LENGTH or not is_bearer_token(self.secret):
            raise InvalidInputError(  # the poll token's rule: a client must be able to send it
                f"API token {self.name!r}: the secret must be at least {MIN_SECRET_LENGTH} "
                f"characters of {BEARER_RULE} (e.g. `python -c 'import secrets; "
                "print(secrets.token_urlsafe(32))'`)."
            )


def parse_tokens(text: str) -> tuple[ApiToken, ...]:
    """`city=SECRET:drain,ops=OTHER:read+personal` -> tokens; the permission defaults to `read`.

    A permission is `read` or `drain`, optionally followed by `+personal`
    (the console then shows names, personnummer, SD numbers and pause reason texts;
    every console view is logged, with or without it).
    """
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
        secret, colon, permission = rest.partition(":")
        if ":" in permission:  # `SECRET:drain:read` was the secret `SECRET:drain`, read
            raise InvalidInputError(
                f"{TOKENS_VARIABLE}: token {name.strip()[:64]!r} has more than one ':' (a secret "
                "here holds no ':'; one permission follows it: NAME=SECRET:drain)."
            )
        permission = permission if colon else "read"
        base, plus, extra = permission.partition("+")
        if base not in _BASE_PERMISSIONS or (plus and extra != PERSONAL):
            raise InvalidInputError(
                f"{TOKENS_VARIABLE}: token {name.strip()[:64]!r} has an unknown permission "
                "(expected ':drain' or ':read', optionally with '+personal'; a secret here "
                "holds no ':')."
            )
        tokens.append(
            ApiToken(name.strip(), secret, can_drain=base == "drain", can_see_personal=bool(plus))
        )
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
        self._by_name = {t.name: t for t in tokens}

    def named(self, name: str) -> ApiToken | None:
        """The token called `name` (the console's session names its token)."""
        return self._by_name.get(name)

    def identify(self, presented: str | None) -> ApiToken | None:
        if presented is None:
            return None
        candidate = presented.encode()
        found: ApiToken | None = None
        for token in self._tokens:
            if hmac.compare_digest(token.secret.encode(), candidate) and found is None:
                found = token
        return found
