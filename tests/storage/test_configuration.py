"""D9 on real stores: the environment of the library underneath changes nothing.

eventsourcing looks every setting up first as HOMECARE_<NAME>, then <NAME>, in
the process environment, and used to let both win over what `connect()`
passed. Here every name it reads is set, both ways, to a value that would
change where or how events are stored, and the store behaves exactly as
configured through `homecare.Settings`. Reading the settings refuses the
HOMECARE_<NAME> ones (none is a homecare setting, but the cipher key), so the
settings are read first and the store is opened with them in that environment.
"""

from __future__ import annotations

import importlib
import inspect
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from eventsourcing.cipher import AESCipher
from eventsourcing.persistence import OperationalError

from homecare import Customer, HomecareError, Settings, StorageError, UnknownSettingError, connect
from tests.conftest import ACTOR, T0
from tests.storage.test_encryption import VALID, found, raw_event_states

K1 = AESCipher.create_key(16)
K2 = AESCipher.create_key(32)
LIBRARY_MODULES = (
    "eventsourcing.application",
    "eventsourcing.persistence",
    "eventsourcing.postgres",
    "eventsourcing.sqlite",
    "eventsourcing.popo",
    "eventsourcing.cipher",
    "eventsourcing.cryptography",
    "eventsourcing.compressor",
)


def library_setting_names() -> set[str]:
    """Every setting name eventsourcing reads: its classes' *_TOPIC/... constants and
    every literal passed to `env.get(...)`, from the installed source."""
    names: set[str] = set()
    for module_name in LIBRARY_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:  # eventsourcing.cryptography without the cryptography package
            source_file = importlib.util.find_spec(module_name)
            assert source_file is not None
            assert source_file.origin is not None
            source = Path(source_file.origin).read_text(encoding="utf-8")
        else:
            source = inspect.getsource(module)
            for cls in vars(module).values():
                if isinstance(cls, type) and cls.__module__ == module_name:
                    for attr, value in vars(cls).items():
                        if attr.isupper() and isinstance(value, str) and value.isupper():
                            names.add(value)
        names |= set(re.findall(r"env\.get\(\s*\"([A-Z][A-Z0-9_]+)\"", source))
    return names


HOSTILE = {
    "PERSISTENCE_MODULE": "eventsourcing.popo",
    "INFRASTRUCTURE_FACTORY": "eventsourcing.popo",
    "FACTORY_TOPIC": "eventsourcing.popo",
    "POSTGRES_DBNAME": "elsewhere",
    "POSTGRES_HOST": "/nonexistent",
    "POSTGRES_PORT": "1",
    "POSTGRES_USER": "nobody",
    "POSTGRES_PASSWORD": "wrong",
    "POSTGRES_ENABLE_DB_FUNCTIONS": "y",
    "POSTGRES_SCHEMA": "elsewhere",
    "CIPHER_TOPIC": "eventsourcing.cipher:AESCipher",
    "CIPHER_KEY": K1,
    "COMPRESSOR_TOPIC": "eventsourcing.compressor:ZlibCompressor",
    "IS_SNAPSHOTTING_ENABLED": "y",
    "CREATE_TABLE": "y",
    "SINGLE_ROW_TRACKING": "n",
    "ORIGINATOR_ID_TYPE": "text",
    "AGGREGATE_CACHE_MAXSIZE": "100",
    "POSTGRES_LOCK_TIMEOUT": "0",
}


def test_D9_the_enumeration_finds_the_settings_that_hurt() -> None:
    """The control for the test below: it really sets the dangerous names."""
    names = library_setting_names()
    assert {
        "POSTGRES_ENABLE_DB_FUNCTIONS",
        "CIPHER_KEY",
        "CIPHER_TOPIC",
        "SQLITE_DBNAME",
        "POSTGRES_DBNAME",
        "PERSISTENCE_MODULE",
        "INFRASTRUCTURE_FACTORY",
        "COMPRESSOR_TOPIC",
        "POSTGRES_SCHEMA",
        "AGGREGATE_CACHE_MAXSIZE",
    } <= names
    assert len(names) >= 35


def test_D9_settings_name_every_library_setting_for_each_store() -> None:
    """Nothing is left to the library's defaults, which another release may change."""
    from homecare.settings import Settings

    legacy = {"INFRASTRUCTURE_FACTORY", "FACTORY_TOPIC"}  # read only without PERSISTENCE_MODULE
    sqlite = Settings.load(database_url="sqlite:///x.db").eventsourcing_environment()
    postgres = Settings.load(database_url="postgresql://u@h/d").eventsourcing_environment()
    for name in library_setting_names() - legacy:
        store_specific = name.startswith(("SQLITE_", "POSTGRES_"))
        assert name in sqlite or (store_specific and name in postgres), name
        assert name in postgres or (store_specific and name in sqlite), name


@contextmanager
def hostile_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Every library setting, with and without the HOMECARE_ prefix, set to harm, in a
    working directory of its own (`tmp_path / "cwd"`), until the block ends."""
    workdir = tmp_path / "cwd"
    workdir.mkdir(exist_ok=True)
    with monkeypatch.context() as env:
        env.chdir(workdir)
        for name in library_setting_names():
            value = HOSTILE.get(name, "bogus!")
            if name == "SQLITE_DBNAME":
                value = str(tmp_path / "elsewhere.db")
            env.setenv(name, value)
            env.setenv(f"HOMECARE_{name}", value)
        yield


def customer_of(hc_url: str, key: str) -> str:
    with connect(hc_url, cipher_key=key) as hc:
        return hc.app.register_customer(
            personnummer=VALID, name="Tolvan", organisation="Norr", actor=ACTOR, at=T0
        ).hex


def test_D9_an_explicit_cipher_key_wins_over_HOMECARE_CIPHER_KEY(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue's example: K1 in the environment, K2 passed: written and reopened with K2."""
    from uuid import UUID

    monkeypatch.setenv("HOMECARE_CIPHER_KEY", K1)
    customer = UUID(customer_of(store_url, K2))
    with connect(store_url, cipher_key=K2) as hc:
        assert hc.app.get(Customer, customer).name == "Tolvan"
    with connect(store_url, cipher_key=K1) as hc, pytest.raises(StorageError):
        hc.app.get(Customer, customer)
    monkeypatch.delenv("HOMECARE_CIPHER_KEY")
    with connect(store_url, cipher_key=K2) as hc:
        assert hc.app.get(Customer, customer).name == "Tolvan"


def test_D9_every_library_setting_in_the_environment_changes_nothing(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from uuid import UUID

    # Read first: with HOMECARE_<library name> set, reading the settings is refused (below).
    monkeypatch.setenv("HOMECARE_LOCK_TIMEOUT", "1")  # ours: read through Settings (D9)
    settings = Settings.load(database_url=store_url, cipher_key=K2)
    assert settings.lock_timeout == 1
    with hostile_environment(monkeypatch, tmp_path), connect(settings=settings) as hc:
        customer = hc.app.register_customer(
            personnummer=VALID, name="Tolvan", organisation="Norr", actor=ACTOR, at=T0
        )
        assert hc.app.recorder.max_notification_id() == 1
        if not store_url.startswith("sqlite"):
            assert_gap_safety_lock_is_taken(hc, store_url)
            assert_no_database_functions_and_one_schema(hc, store_url)
        assert hc.catch_up() > 0
    # The same store, in the configured place, encrypted with K2 and nothing else.
    assert found(VALID, raw_event_states(store_url)) == []
    with connect(store_url, cipher_key=K2) as hc:
        assert hc.app.get(Customer, UUID(str(customer))).name == "Tolvan"
        assert hc.catch_up() == 0  # the projections were written to this store too
    with connect(store_url) as hc, pytest.raises(StorageError):
        hc.app.get(Customer, customer)
    assert sorted(p.name for p in (tmp_path / "cwd").iterdir()) == []
    assert not (tmp_path / "elsewhere.db").exists()


def test_D9_a_library_setting_with_the_HOMECARE_prefix_is_refused_not_ignored(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An operator who sets HOMECARE_POSTGRES_ENABLE_DB_FUNCTIONS expects it to do
    something; it names no homecare setting, so reading the settings says so."""
    with hostile_environment(monkeypatch, tmp_path), pytest.raises(UnknownSettingError) as error:
        connect(store_url, cipher_key=K2)
    message = str(error.value)
    assert "HOMECARE_POSTGRES_ENABLE_DB_FUNCTIONS" in message
    assert "HOMECARE_PERSISTENCE_MODULE" in message
    # ours, read through Settings: named only as the one meant (HOMECARE_CIPHER_TOPIC?)
    assert "HOMECARE_CIPHER_KEY" not in message.replace("HOMECARE_CIPHER_KEY?", "")
    assert "(did you mean HOMECARE_LOCK_TIMEOUT?)" in message  # HOMECARE_POSTGRES_LOCK_TIMEOUT
    assert "\n" not in message
    assert K1 not in message
    assert sorted(p.name for p in (tmp_path / "cwd").iterdir()) == []


def assert_gap_safety_lock_is_taken(hc: object, store_url: str) -> None:
    """Inserting takes LOCK TABLE ... EXCLUSIVE: it waits behind a ROW SHARE lock,
    which an insert through the database functions (no table lock) would not."""
    from homecare import Homecare

    assert isinstance(hc, Homecare)
    plain = store_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain) as blocker:
        blocker.execute("LOCK TABLE homecare_events IN ROW SHARE MODE")
        with pytest.raises(HomecareError):
            hc.app.register_customer(
                personnummer=VALID, name="Late", organisation="Norr", actor=ACTOR, at=T0
            )
        blocker.rollback()
    hc.app.register_customer(
        personnummer=VALID, name="Later", organisation="Norr", actor=ACTOR, at=T0
    )


def assert_no_database_functions_and_one_schema(hc: object, store_url: str) -> None:
    """The insert function exists (the recorder always creates it) but is not used;
    the events are where and as configured: public schema, uuid originator ids."""
    from homecare import Homecare

    assert isinstance(hc, Homecare)
    assert hc.app.recorder.datastore.enable_db_functions is False  # type: ignore[attr-defined]
    plain = store_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain) as conn:
        column = conn.execute(
            "SELECT table_schema, data_type FROM information_schema.columns "
            "WHERE table_name = 'homecare_events' AND column_name = 'originator_id'"
        ).fetchall()
        schemas = conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname = 'elsewhere'"
        ).fetchall()
    assert column == [("public", "uuid")]
    assert schemas == []


@pytest.mark.postgres
def test_D9_a_unix_socket_url_reaches_the_events_and_the_read_side(
    postgres_database: str,
) -> None:
    """`?host=/var/run/postgresql`: both sides connect through the socket (no server
    address), and the URL's other options (application_name) reach both too."""
    socket_dir = "/var/run/postgresql"
    if not Path(socket_dir).is_dir():
        pytest.skip(f"no PostgreSQL socket directory at {socket_dir}")
    user_and_db = re.sub(r"@[^/]*/", "@/", postgres_database)
    url = f"{user_and_db}?host={socket_dir}&application_name=hc_socket_probe"
    with connect(url) as hc:
        with hc.app.recorder.datastore.get_connection() as conn:  # type: ignore[attr-defined]
            row = conn.execute(
                "SELECT inet_server_addr() AS addr, current_setting('application_name') AS app"
            ).fetchone()
        assert (row["addr"], row["app"]) == (None, "hc_socket_probe")
        with hc.database.engine.connect() as conn:
            addr, app = conn.exec_driver_sql(
                "SELECT inet_server_addr(), current_setting('application_name')"
            ).one()
        assert (addr, app) == (None, "hc_socket_probe")
        hc.app.register_customer(
            personnummer=VALID, name="Tolvan", organisation="Norr", actor=ACTOR, at=T0
        )
        assert hc.catch_up() > 0


@pytest.mark.postgres
def test_D9_sslmode_in_the_url_reaches_the_event_store(postgres_database: str) -> None:
    """The server here has no TLS: `sslmode=require` must fail on both sides (the event
    store used to ignore the query and connect in plain text)."""
    from homecare.application import HomecareApplication
    from homecare.settings import Settings

    settings = Settings.load(database_url=f"{postgres_database}?sslmode=require", connect_timeout=1)
    with pytest.raises(OperationalError):  # the recorder connects as it starts
        HomecareApplication(
            settings.eventsourcing_environment(),
            connect_kwargs=settings.postgres_connect_kwargs(),
        )
    plain = Settings.load(database_url=f"{postgres_database}?sslmode=disable")
    HomecareApplication(
        plain.eventsourcing_environment(), connect_kwargs=plain.postgres_connect_kwargs()
    ).close()
    with pytest.raises(StorageError):
        connect(settings=settings)


@pytest.mark.postgres
def test_D9_a_user_name_with_special_characters_reaches_both_sides(
    postgres_database: str,
) -> None:
    role = f"hc user@:/?#% {os.getpid()}"
    password = "p@ss:w/rd?#% "
    admin = postgres_database.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            psycopg.sql.SQL("CREATE ROLE {} LOGIN SUPERUSER PASSWORD {}").format(
                psycopg.sql.Identifier(role), psycopg.sql.Literal(password)
            )
        )
    try:
        from urllib.parse import quote

        host_db = postgres_database.split("@", 1)[1]
        url = f"postgresql+psycopg://{quote(role, safe='')}:{quote(password, safe='')}@{host_db}"
        with connect(url) as hc:
            pool_kwargs = dict(hc.app.recorder.datastore.pool.kwargs)  # type: ignore[attr-defined]
            pool_kwargs.pop("row_factory")
            assert pool_kwargs == hc.settings.postgres_connect_kwargs()
            assert (pool_kwargs["user"], pool_kwargs["password"]) == (role, password)
            with hc.app.recorder.datastore.get_connection() as conn:  # type: ignore[attr-defined]
                assert conn.execute("SELECT current_user AS u").fetchone()["u"] == role
            with hc.database.engine.connect() as conn:
                assert conn.exec_driver_sql("SELECT current_user").scalar_one() == role
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(psycopg.sql.SQL("DROP OWNED BY {}").format(psycopg.sql.Identifier(role)))
            conn.execute(psycopg.sql.SQL("DROP ROLE {}").format(psycopg.sql.Identifier(role)))


@pytest.mark.postgres
def test_D9_pool_sizes_are_settings_of_both_sides(
    postgres_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOMECARE_POOL_SIZE", "2")
    monkeypatch.setenv("HOMECARE_MAX_OVERFLOW", "3")
    with connect(postgres_database) as hc:
        pool = hc.app.recorder.datastore.pool  # type: ignore[attr-defined]
        assert (pool.min_size, pool.max_size) == (2, 5)
        assert hc.database.engine.pool.size() == 2  # type: ignore[attr-defined]
        assert hc.database.engine.pool._max_overflow == 3  # type: ignore[attr-defined]


@pytest.mark.postgres
def test_D9_libpq_variables_do_not_redirect_either_side(
    postgres_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGOPTIONS", "-c search_path=elsewhere")
    monkeypatch.setenv("PGAPPNAME", "from_pgappname")
    monkeypatch.setenv("PGTARGETSESSIONATTRS", "read-only")
    with connect(postgres_database) as hc:
        with hc.app.recorder.datastore.get_connection() as conn:  # type: ignore[attr-defined]
            row = conn.execute(
                "SELECT current_setting('search_path') AS p, "
                "current_setting('application_name') AS a"
            ).fetchone()
        assert row["p"] == '"$user", public'
        assert row["a"] != "from_pgappname"
        with hc.database.engine.connect() as conn:
            path = conn.exec_driver_sql("SELECT current_setting('search_path')").scalar_one()
        assert path == '"$user", public'
        hc.app.register_customer(
            personnummer=VALID, name="Tolvan", organisation="Norr", actor=ACTOR, at=T0
        )
        assert hc.catch_up() > 0


def test_D9_no_homecare_setting_shares_a_name_with_the_library_but_the_cipher_key() -> None:
    """A HOMECARE_<NAME> of ours that eventsourcing also reads would be set by
    operators for one and silently mean the other; only CIPHER_KEY is shared, on
    purpose, and it reaches the library only through Settings."""
    from homecare.settings import Settings

    ours = {name.upper() for name in Settings.model_fields}
    assert ours & library_setting_names() == {"CIPHER_KEY"}
