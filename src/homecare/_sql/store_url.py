"""The database URL as given -> the URL the store opens, and the URL an operator is shown.

Why one place: the settings parse the URL once (`parse_url`), and every message
that names the store (errors, logs, `homecare db`, the worker) shows it through
`redact_url`, so one module knows which parts are secret and which parts a
query option would repeat.

Shown as `***`: the password of the user part, and the value of every query
option that is not one of libpq's keywords known to hold no secret (`_SHOWN`):
`password`, `sslpassword`, `oauth_client_secret`, the SCRAM keys, a misspelt
option, one a later libpq adds.

Refused (InvalidInputError, one line, no secret): an unparsable URL, a backend
other than SQLite and PostgreSQL, a control character or an invisible one anywhere,
white space at either end of the URL or of its user, host or database (the
suggested `db init` would create a file whose name ends with a space), options on
SQLite, and on PostgreSQL a query option naming a part the URL already has
(`/db?dbname=other`: libpq would connect to `other` while every message named
`db`). The query is read as typed (`_PARTS`), since make_url drops an option without a
value and keeps the last of a repeated one: an option without a value, an empty one (a
bare '?', '&&'), a repeated one, ';' between options and a '#' (a fragment, which
no store reads) anywhere after the host are refused too (`sqlite:///q?x.db` opened `q`).
"""

from __future__ import annotations

import re
import unicodedata
from typing import NoReturn
from urllib.parse import parse_qsl, quote, unquote_plus

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from homecare.errors import InvalidInputError

__all__ = ["parse_url", "redact_url"]

_SHOWN = frozenset(
    {
        "application_name",
        "channel_binding",
        "client_encoding",
        "connect_timeout",
        "dbname",
        "fallback_application_name",
        "gssdelegation",
        "gssencmode",
        "gsslib",
        "host",
        "hostaddr",
        "keepalives",
        "keepalives_count",
        "keepalives_idle",
        "keepalives_interval",
        "krbsrvname",
        "load_balance_hosts",
        "max_protocol_version",
        "min_protocol_version",
        "oauth_client_id",
        "oauth_issuer",
        "oauth_scope",
        "options",
        "passfile",
        "port",
        "replication",
        "require_auth",
        "requirepeer",
        "service",
        "ssl_max_protocol_version",
        "ssl_min_protocol_version",
        "sslcert",
        "sslcertmode",
        "sslcompression",
        "sslcrl",
        "sslcrldir",
        "sslkey",
        "sslmode",
        "sslnegotiation",
        "sslrootcert",
        "sslsni",
        "target_session_attrs",
        "tcp_user_timeout",
        "user",
    }
)
"""libpq's keywords whose values are no secret (libpq 18); any other option's value is masked."""
_MASK = "***"
_SAFE = "/:,@+-._~ "


def redact_url(text: str) -> str:
    """`text` for a message: its secrets masked (see the module); never raises."""
    if _authority(text).count("@") > 1:  # a password with a raw '@': parsers disagree
        return _redact_text(text)
    try:
        url = make_url(text)
    except (ArgumentError, ValueError):
        return _redact_text(text)
    base = url.set(query={}).render_as_string(hide_password=True)
    shown = [  # every option as given, those without a value too (make_url drops them)
        f"{quote(key, safe='')}={quote(value, safe=_SAFE) if key in _SHOWN else _MASK}"
        if value
        else f"{quote(key, safe='')}="
        for key, value in parse_qsl(_query(text) or "", keep_blank_values=True)
    ]
    return f"{base}?{'&'.join(shown)}" if shown else base


def _authority(text: str) -> str:
    """The part of a URL between `://` and the path, query or fragment ('' if none)."""
    _scheme, found, rest = text.partition("://")
    return re.split(r"[/?#]", rest, maxsplit=1)[0] if found else ""


def _redact_text(text: str) -> str:
    """A malformed URL: the user part and every query value not known to be harmless masked."""
    head, question, query = text.partition("?")
    if "@" in head and "://" in head:
        scheme, rest = head.split("://", 1)
        head = f"{scheme}://{_MASK}@{rest.rsplit('@', 1)[1]}"

    def masked(match: re.Match[str]) -> str:
        key = match.group(1)
        return match.group(0) if key in _SHOWN else f"{key}={_MASK}"

    return head + question + re.sub(r"([^&=;]*)=([^&;]*)", masked, query)


def parse_url(text: str) -> URL:
    """The SQLAlchemy URL of `text`, driver made explicit (sqlite+pysqlite, postgresql+psycopg).

    Raises InvalidInputError for what the module refuses."""
    _check_visible(text)
    if _authority(text).count("@") > 1:
        raise InvalidInputError(
            f"The database URL {redact_url(text)!r} has more than one '@' before its host: "
            "write an '@' in the user or password as %40."
        )
    try:
        url = make_url(text)
    except (ArgumentError, ValueError):
        raise InvalidInputError(
            f"Malformed database URL {redact_url(text)!r}: expected "
            "sqlite:///FILE or postgresql+psycopg://USER@HOST:PORT/DBNAME."
        ) from None
    _check_ends(text, url)
    backend = url.get_backend_name()
    query = _query(text)
    if backend == "sqlite":
        if not url.database or url.database == ":memory:":
            raise InvalidInputError("The SQLite store needs a file: sqlite:///FILE.")
        if query is not None:
            got = ", ".join(repr(key[:40]) for key, _ in _pairs(query)) or "a bare '?'"
            raise InvalidInputError(
                f"The SQLite URL takes no options (got {got}): sqlite:///FILE (a '?' in the "
                "file's name is written %3F)."
            )
        _check_no_fragment(text, "file's name")
        return url.set(drivername="sqlite+pysqlite")
    if backend in ("postgresql", "postgres"):  # postgres:// as Heroku and others write it
        if not url.database:
            raise InvalidInputError("The PostgreSQL URL must name a database.")
        _check_no_fragment(text, "database's name")
        if query is not None:
            _check_query(query)
        _check_no_part_twice(url)
        return url.set(drivername="postgresql+psycopg")
    raise InvalidInputError(f"Unsupported database {backend!r}: use sqlite or postgresql.")


# SQLAlchemy's own reading of a URL (`sqlalchemy.engine.url._parse_url`, 1.4 to 2.1):
# where it finds the database and the query, read here as typed (make_url drops an option
# without a value, `?bogus` or `?sslmode=`, and keeps only the last of a repeated one).
_PARTS = re.compile(
    r"""
    (?P<name>[\w\+]+)://
    (?:(?P<username>[^:/]*)(?::(?P<password>[^@]*))?@)?
    (?:(?:\[(?P<ipv6host>[^/\?]+)\]|(?P<ipv4host>[^/:\?]+))?(?::(?P<port>[^/\?]*))?)?
    (?:/(?P<database>[^\?]*))?
    (?:\?(?P<query>.*))?
    """,
    re.X,
)


def _part(text: str, name: str) -> str | None:
    found = _PARTS.match(text)
    return None if found is None else found.group(name)


def _query(text: str) -> str | None:
    """The URL's query as typed ('' for a bare '?'; None: no '?')."""
    return _part(text, "query")


def _pairs(query: str) -> list[tuple[str, str]]:
    return parse_qsl(query, keep_blank_values=True)


def _check_no_fragment(text: str, part: str) -> None:
    if "#" in (_part(text, "database") or ""):
        raise InvalidInputError(
            f"The database URL holds a '#' in its {part} (in a URL, the start of a fragment, "
            "which no store reads): write it as %23."
        )


def _check_query(query: str) -> None:
    """Every option given once, as `KEY=VALUE`, separated by '&' (configuration.md)."""
    if "#" in query:
        raise InvalidInputError(
            "The database URL's options hold a '#' (in a URL, the start of a fragment, which "
            "no store reads): write a '#' in a value as %23."
        )
    if ";" in query:
        raise InvalidInputError(
            "The database URL's options hold a ';': separate options with '&', and write a "
            "';' in a value as %3B."
        )
    seen: set[str] = set()
    for part in query.split("&"):
        key, equals, value = part.partition("=")
        name = repr(unquote_plus(key)[:40])
        if not key:
            raise InvalidInputError(
                "The database URL has an empty option (a bare '?', '&&', '&' at either end, "
                "or '=' with no name): remove it."
            )
        if not equals or not value:
            raise InvalidInputError(
                f"The database URL's option {name} has no value: give one "
                f"({unquote_plus(key)[:40]}=...), or leave the option out."
            )
        if unquote_plus(key) in seen:
            raise InvalidInputError(f"The database URL repeats the option {name}: give it once.")
        seen.add(unquote_plus(key))


def _check_visible(text: str) -> None:
    if text != text.strip():
        _refuse_space("URL", text)
    for index, char in enumerate(text):
        if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp"):
            raise InvalidInputError(
                f"The database URL holds an invisible or control character "
                f"(U+{ord(char):04X}) at character {index}: type the URL again."
            )


def _check_ends(text: str, url: URL) -> None:
    parts = {"user": url.username, "host": url.host, "database": url.database}
    for name, value in parts.items():
        if value and value != value.strip():
            _refuse_space(f"URL's {name}", text)


def _refuse_space(part: str, text: str) -> NoReturn:
    raise InvalidInputError(
        f"The database {part} begins or ends with white space, which no message would "
        f"show ({redact_url(text)!r}): remove it."
    )


def _check_no_part_twice(url: URL) -> None:
    # The parts of a PostgreSQL URL that a libpq keyword in its query can also name.
    parts = {
        "dbname": ("database", url.database),
        "host": ("host", url.host),
        "port": ("port", url.port),
        "user": ("user", url.username),
        "password": ("password", url.password),
    }
    for keyword, (part, value) in parts.items():
        if keyword in url.query and value:
            raise InvalidInputError(
                f"The database URL names its {part} twice, in the URL and as ?{keyword}= "
                f"(libpq would use the option and every message the URL's): give it once."
            )
