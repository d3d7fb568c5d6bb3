"""One PostgreSQL URL -> the libpq keywords both sides connect with (D9).

Why here: the event store (eventsourcing's psycopg pool) and the read side
(SQLAlchemy's engine) must reach the same database with the same options, so
both get the keywords computed once, from the whole URL (user and password
percent-decoded, the query's `host=` for a Unix socket, `sslmode=`, ...).

libpq also reads `PG*` variables (PGHOST, PGOPTIONS, PGSSLMODE, ...) for every
keyword a connection does not name. D9 says nothing underneath reads its own
variables, so a keyword whose variable is set and that the URL does not name
is pinned to libpq's built-in default; a variable that cannot be pinned so
(PGSERVICE, the protocol versions) is refused with a line that says to put
the option in the URL instead.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from sqlalchemy.engine import URL

from homecare.errors import InvalidInputError, StorageError

__all__ = ["postgres_connect_kwargs"]

# Keywords with no built-in default for which libpq takes "" as "not set".
_EMPTY_MEANS_UNSET = frozenset(
    {
        "user",
        "password",
        "passfile",
        "dbname",
        "host",
        "hostaddr",
        "client_encoding",
        "application_name",
        "sslcert",
        "sslkey",
        "sslrootcert",
        "sslcrl",
        "sslcrldir",
        "requirepeer",
        "require_auth",
    }
)


def postgres_connect_kwargs(
    url: URL, *, connect_timeout: int, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """libpq keywords for `url` (a `postgresql+psycopg` URL), none left to `PG*` variables.

    `connect_timeout` is in seconds. Raises InvalidInputError for an option libpq
    does not know, a repeated one, or a `PG*` variable that cannot be overridden;
    StorageError when psycopg cannot load a libpq (install `homecare[postgres]`).
    """
    try:
        from psycopg.conninfo import make_conninfo
    except ImportError as error:
        raise StorageError(
            "PostgreSQL needs psycopg with a libpq: pip install 'homecare[postgres]' "
            f"(psycopg's binary), or psycopg[c] against the system's libpq ({error})."
        ) from None

    _cargs, params = url.get_dialect()().create_connect_args(url)
    kwargs: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, tuple | list):
            raise InvalidInputError(f"The database URL repeats the option {key!r}: give it once.")
        kwargs[key] = value
    kwargs.setdefault("connect_timeout", connect_timeout)
    try:
        make_conninfo(**kwargs)  # libpq checks every keyword and value form
    except Exception as error:
        raise InvalidInputError(
            f"The database URL has an option PostgreSQL does not know: "
            f"{str(error).strip().splitlines()[0]}"
        ) from None
    kwargs |= _pinned(kwargs, os.environ if environ is None else environ)
    return kwargs


def _pinned(named: Mapping[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    from psycopg.pq import Conninfo

    pinned: dict[str, Any] = {}
    for option in Conninfo.get_defaults():
        keyword = option.keyword.decode()
        variable = option.envvar.decode() if option.envvar else None
        if not variable or keyword in named or not environ.get(variable):
            continue
        if option.compiled is not None:
            pinned[keyword] = option.compiled.decode()
        elif keyword in _EMPTY_MEANS_UNSET:
            pinned[keyword] = ""
        else:
            raise InvalidInputError(
                f"{variable} is set in the environment, but homecare takes its database "
                f"options from the URL only (D9): unset {variable} and put "
                f"{keyword}=... in the database URL's query instead."
            )
    return pinned
