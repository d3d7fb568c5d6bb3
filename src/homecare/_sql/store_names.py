"""How a message names a store, and the command it tells an operator to run on it.

Why one place: a store is a URL and, on PostgreSQL, a schema (`HOMECARE_DB_SCHEMA`).
Messages that showed the URL alone sent an operator to the wrong store: "No homecare
store at .../fixf" about schema `zz` while a store stood in `public`, and a suggested
`homecare --db ... db init` that, run as shown, would have created one in `public`.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from homecare._sql.store_url import redact_url
from homecare.errors import StoreNotInitialisedError

__all__ = ["StoreName", "no_store"]


@dataclass(frozen=True)
class StoreName:
    """A store as messages name it: `url` as given (shown with its secrets masked,
    `redact_url`), and the PostgreSQL `schema` when one is set."""

    url: str
    schema: str | None = None

    def __str__(self) -> str:
        """`URL`, or `URL (PostgreSQL schema NAME)`."""
        shown = redact_url(self.url)
        return f"{shown} (PostgreSQL schema {self.schema})" if self.schema else shown

    @property
    def command(self) -> str:
        """`homecare --db URL`, after `HOMECARE_DB_SCHEMA=NAME` when a schema is set: the
        start of a command line that reaches this store, quoted for a POSIX shell."""
        command = f"homecare --db {shlex.quote(redact_url(self.url))}"
        if self.schema:
            return f"HOMECARE_DB_SCHEMA={shlex.quote(self.schema)} {command}"
        return command


def no_store(store: StoreName, detail: str = "") -> StoreNotInitialisedError:
    """The error for a place with no homecare store (`detail`: why, e.g. " (no such file)")."""
    return StoreNotInitialisedError(
        f"No homecare store at {store}{detail}: create one with `{store.command} db init`."
    )
