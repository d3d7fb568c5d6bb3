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
`db`).
"""

from __future__ import annotations

import re
import unicodedata
from typing import NoReturn
from urllib.parse import quote

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
    shown = [
        f"{quote(key, safe='')}={quote(one, safe=_SAFE) if key in _SHOWN else _MASK}"
        for key, value in url.query.items()
        for one in (value if isinstance(value, tuple) else (value,))
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
    if backend == "sqlite":
        if not url.database or url.database == ":memory:":
            raise InvalidInputError("The SQLite store needs a file: sqlite:///FILE.")
        if url.query:
            raise InvalidInputError(
                f"The SQLite URL takes no options (got {', '.join(sorted(url.query))}): "
                "sqlite:///FILE."
            )
        return url.set(drivername="sqlite+pysqlite")
    if backend in ("postgresql", "postgres"):  # postgres:// as Heroku and others write it
        if not url.database:
            raise InvalidInputError("The PostgreSQL URL must name a database.")
        _check_no_part_twice(url)
        return url.set(drivername="postgresql+psycopg")
    raise InvalidInputError(f"Unsupported database {backend!r}: use sqlite or postgresql.")


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
