"""Which cipher key a store is written with, checked before anything is written (D8, D10).

Why: a process given another key, none for a store written encrypted, or one for a
store written in clear, could write: its events, data keys and access-log rows
then open with its key alone, and every later read with the store's own key (each
catch-up, view, audit and fetch) failed for good, since the log is append-only.
Now every write path asks `StoreKey.require` first (through `Database.before_write`)
and a wrong key is refused (CipherKeyError, `wrong_cipher_key`) before anything is
written; reads were already refused by what they open.

How a key is proven, cheapest first:
1. The store key row: a row of `homecare_subject_keys` reserved for the store
   (`STORE_KEY_ID`, kind `store`) holding a random key wrapped as every data key is
   (`homecare._sql.key_table`): it opens with the key that wrote it and no other;
   written in clear, it is refused by a key, and the other way round.
2. A store without that row (written before it, or nothing written yet): what it
   holds, each opened with this key (`probes`): a live data key here, the newest
   event and the newest buffer item (the probes `connect()` adds).
3. A store holding nothing sealed yet is claimed for this key: the row is written
   first, in the caller's transaction when there is one (then it commits with the
   caller's rows), and read back in it, so that of two processes with different
   keys writing a new store at once, the second finds the first's row and is refused.

A key once proven is not read again by this process (a store's key does not change
under it); a failure is never remembered. One indexed read, once per connection to
a store: the per-command path pays nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from sqlalchemy import Connection, select

from homecare._sql.database import Database
from homecare._sql.key_table import KeyTable, subject_keys
from homecare.errors import CipherKeyError

__all__ = ["NOT_THE_STORES", "STORE_KEY_ID", "STORE_KIND", "Probe", "StoreKey"]

NOT_THE_STORES = (
    "Nothing was written: the cipher key is not this store's (another key, none for a "
    "store written encrypted, or one for a store written in clear). HOMECARE_CIPHER_KEY "
    "must be the key the store was written with."
)

STORE_KEY_ID = UUID("5d6c3a0e-8f1b-4c52-9a7e-0c0de5ea1ed0")
"""The reserved row of `homecare_subject_keys` that proves the store's key (no subject)."""
STORE_KIND = "store"

Probe = Callable[[], bool]
"""Opens something the store holds with this key: True when it opened something,
False when there was nothing to open; CipherKeyError when it could not."""


class StoreKey:
    """The check of one store's cipher key (the module doc); `table` wraps with the key."""

    def __init__(self, database: Database, table: KeyTable) -> None:
        self._database = database
        self._table = table
        self._probes: list[Probe] = [self._a_data_key]
        self._proven = False

    @property
    def proven(self) -> bool:
        """Whether this key was proven the store's (never read again then)."""
        return self._proven

    def add_probe(self, probe: Probe) -> None:
        """Open something else the store holds, for a store without the key row."""
        self._probes.append(probe)

    def require(self, conn: Connection | None = None) -> None:
        """Before a write into `conn`'s transaction (None: one of its own): CipherKeyError
        unless the key is the store's; a store holding nothing sealed is claimed for it."""
        if self._proven:
            return
        try:
            if self.check(conn):
                return
            if conn is not None:
                self._claim(conn)  # commits with the caller's rows, or not: checked again
                return
            with self._database.write_engine.begin() as own:
                self._claim(own)
        except CipherKeyError:
            raise CipherKeyError(NOT_THE_STORES) from None
        self._prove()

    def check(self, conn: Connection | None = None) -> bool:
        """Read only: CipherKeyError when the store holds something this key does not open;
        True when something opened with it (the key row, else a probe), False when the
        store holds nothing sealed. Reads again each call (`require` does not)."""
        if conn is None:
            with self._database.engine.connect() as own:
                stored = self._stored(own)
        else:
            stored = self._stored(conn)
        if stored is not None:
            self._table.unwrap(STORE_KEY_ID, stored)
            return self._prove()
        proven = False
        for probe in self._probes:
            proven = probe() or proven  # every probe: any one that fails refuses
        return self._prove() if proven else False

    def _claim(self, conn: Connection) -> None:
        self._table.insert(conn, STORE_KEY_ID, STORE_KIND)  # a row already there stays
        stored = self._stored(conn)
        if stored is not None:
            self._table.unwrap(STORE_KEY_ID, stored)

    def _stored(self, conn: Connection) -> bytes | None:
        found = conn.execute(
            select(subject_keys.c.data_key).where(subject_keys.c.subject_id == STORE_KEY_ID)
        ).scalar()
        return None if found is None else bytes(found)

    def _a_data_key(self) -> bool:
        """Probe: one live data key of a subject unwraps with this key."""
        with self._database.engine.connect() as conn:
            row = conn.execute(
                select(subject_keys.c.subject_id, subject_keys.c.data_key)
                .where(
                    subject_keys.c.data_key.is_not(None),
                    subject_keys.c.subject_id != STORE_KEY_ID,
                )
                .limit(1)
            ).first()
        if row is None:
            return False
        self._table.unwrap(row.subject_id, bytes(row.data_key))
        return True

    def _prove(self) -> bool:
        self._proven = True
        return True
