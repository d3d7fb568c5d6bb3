"""D9: a `HOMECARE_*` variable that names no setting is refused, never silently ignored.

`HOMECARE_CIPHER_KY=...` used to leave the store unencrypted without a word, and
`HOMECARE_DATABSE_URL=...` to open `sqlite:///homecare.db` in the working directory.
Now reading the settings refuses it in one line (`unknown_setting`), naming the
variable and, where one is close, the variable meant; and every name the repository
itself sets (the settings, the secrets' `_FILE`, the tools' `HOMECARE_TEST_*`) is taken.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from eventsourcing.cipher import AESCipher

from homecare import InvalidInputError, Settings, UnknownSettingError
from homecare._settings_sources import TOOLS_PREFIX, known_variables
from homecare.cli.app import app as cli_app
from tests.cli.conftest import assert_one_line_error, separate_streams_runner
from tests.conftest import init_sqlite

ROOT = Path(__file__).resolve().parents[1]
KEY = AESCipher.create_key(16)
HOMECARE = str(Path(sys.executable).with_name("homecare"))
REFUSED_EXAMPLES = {
    # named in docs/configuration.md or the README as refused, not as settings
    "HOMECARE_CIPHER_KY",
    "HOMECARE_STORE_ULR",
    "HOMECARE_POOL_SIZE_FILE",
    "HOMECARE_POSTGRES_ENABLE_DB_FUNCTIONS",
    "HOMECARE_PERSISTENCE_MODULE",
}


@pytest.fixture(autouse=True)
def no_homecare_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only what a test sets (the tools' HOMECARE_TEST_* stay: they are never refused)."""
    for name in list(os.environ):
        if name.upper().startswith("HOMECARE_") and not name.upper().startswith(TOOLS_PREFIX):
            monkeypatch.delenv(name)


def _refused() -> UnknownSettingError:
    with pytest.raises(UnknownSettingError) as caught:
        Settings.load(database_url="sqlite:///x.db")
    assert caught.value.code == "unknown_setting"
    assert isinstance(caught.value, InvalidInputError)  # caught as any bad setting is
    assert "\n" not in str(caught.value)
    return caught.value


@pytest.mark.parametrize(
    ("variable", "meant"),
    [
        ("HOMECARE_CIPHER_KY", "HOMECARE_CIPHER_KEY"),
        ("HOMECARE_DATABSE_URL", "HOMECARE_DATABASE_URL"),
        ("HOMECARE_DB_URL", "HOMECARE_DATABASE_URL"),
        ("homecare_pool_sze", "HOMECARE_POOL_SIZE"),  # read in any case: refused in any case
        ("HOMECARE_API_TOKEN_FILE", "HOMECARE_API_TOKENS_FILE"),
        ("HOMECARE_CIPHER_KEYFILE", "HOMECARE_CIPHER_KEY_FILE"),
    ],
)
def test_a_misspelt_variable_is_refused_naming_the_one_meant(
    monkeypatch: pytest.MonkeyPatch, variable: str, meant: str
) -> None:
    monkeypatch.setenv(variable, KEY)
    message = str(_refused())
    assert message.startswith(f"Unknown variable {variable} (did you mean {meant}?): ")
    assert "docs/configuration.md" in message
    assert KEY not in message  # the value may be a secret: never shown


def test_a_variable_like_no_setting_is_named_without_a_guess(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HOMECARE_STORE_ULR", "sqlite:///elsewhere.db")
    message = str(_refused())
    assert "HOMECARE_STORE_ULR" in message
    assert "did you mean" not in message
    assert "elsewhere" not in message


def test_a_FILE_variable_of_a_setting_that_is_no_secret_says_so(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "size").write_text("3", encoding="utf-8")
    monkeypatch.setenv("HOMECARE_POOL_SIZE_FILE", str(tmp_path / "size"))
    assert "only a secret is read from a file: set HOMECARE_POOL_SIZE itself" in str(_refused())


def test_every_unknown_variable_is_named_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOMECARE_LOCK_TIMEOUTS", "3")
    monkeypatch.setenv("HOMECARE_X\x1b[31m", "1")  # a name no message may print as it is
    message = str(_refused())
    assert message.startswith("Unknown variables HOMECARE_LOCK_TIMEOUTS (did you mean ")
    assert "'HOMECARE_X\\x1b[31m'" in message
    assert "\x1b" not in message


def test_the_refusal_comes_before_any_value_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """The misspelling may be why a value looks wrong: it is what is said first."""
    monkeypatch.setenv("HOMECARE_POOL_SIZE", "many")
    monkeypatch.setenv("HOMECARE_CIPHER_KY", KEY)
    assert "HOMECARE_CIPHER_KY" in str(_refused())


def test_an_empty_unknown_variable_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    """As an empty setting's variable does (docs/configuration.md)."""
    monkeypatch.setenv("HOMECARE_CIPHER_KY", "")
    assert Settings.load(database_url="sqlite:///x.db").cipher_key is None


def test_an_explicit_argument_that_names_no_setting_is_refused_the_same_way() -> None:
    with pytest.raises(UnknownSettingError) as caught:
        Settings(database_url="sqlite:///x.db", cipher_keys=KEY)
    assert str(caught.value) == (
        "Unknown setting 'cipher_keys' (did you mean cipher_key?) (as given): homecare has "
        "no setting of this name."
    )


# -- nothing legitimate is refused -----------------------------------------------


def test_every_setting_its_FILE_variables_and_the_tools_variables_are_taken(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Each variable that sets something, set at once (a value each that is valid)."""
    (tmp_path / "tokens").write_text("city=0123456789abcdef:drain", encoding="utf-8")
    values = {
        "HOMECARE_DATABASE_URL": "postgresql+psycopg://u@h/db",
        "HOMECARE_CIPHER_KEY": KEY,
        "HOMECARE_POOL_SIZE": "2",
        "HOMECARE_MAX_OVERFLOW": "3",
        "HOMECARE_CONNECT_TIMEOUT": "4",
        "HOMECARE_LOCK_TIMEOUT": "5",
        "HOMECARE_API_TOKENS_FILE": str(tmp_path / "tokens"),
        "HOMECARE_POLL_TOKEN": "0123456789abcdef",
        "HOMECARE_DB_SCHEMA": "homecare",
        "HOMECARE_LAG_THRESHOLD": "6",
        "HOMECARE_STALL_SECONDS": "7",
        "HOMECARE_SATURDAY_IS_HOLIDAY": "false",
        "HOMECARE_RETENTION_YEARS": "5",
        "HOMECARE_RETENTION_KEEP_BIRTH_DAYS": "5,15",
        "HOMECARE_CULLING_LEGAL_BASIS": "SoL",
        "HOMECARE_TEST_POSTGRES_URL": "postgresql://postgres@127.0.0.1:5432/postgres",
        "HOMECARE_TEST_WORKERS": "0",
        "HOMECARE_TEST_SOMETHING_NEW": "1",
    }
    paired = {"HOMECARE_API_TOKENS", "HOMECARE_CIPHER_KEY_FILE", "HOMECARE_POLL_TOKEN_FILE"}
    setting_variables = {name for name in values if not name.startswith(TOOLS_PREFIX)}
    # every variable of a setting is set here, or its pair (a secret is set one way)
    assert setting_variables | paired == set(known_variables(Settings.model_fields))
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    settings = Settings.load()
    assert (settings.pool_size, settings.lag_threshold, settings.retention_years) == (2, 6, 5)


def _names_used_by_the_repository() -> set[str]:
    """Every HOMECARE_* name written outside the test modules (the library, scripts, bench,
    CI, the docs), and every one the tests read from the environment (their harness)."""
    shipped = [
        *(ROOT / "src").rglob("*.py"),
        *(ROOT / "scripts").iterdir(),
        *(ROOT / "bench").rglob("*.py"),
        *(ROOT / ".ci").iterdir(),
        *(ROOT / "docs").rglob("*.md"),
        ROOT / "README.md",
        ROOT / "pyproject.toml",
        *(ROOT / "tests").rglob("conftest.py"),
    ]
    names: set[str] = set()
    for path in shipped:
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            names |= set(re.findall(r"\bHOMECARE_[A-Z0-9_]*[A-Z0-9]\b", text))
    read = re.compile(r"(?:environ\.get\(|environ\[|getenv\()\s*[\"'](HOMECARE_[A-Z0-9_]+)[\"']")
    for path in (ROOT / "tests").rglob("*.py"):
        names |= set(read.findall(path.read_text(encoding="utf-8")))
    return names


def test_no_HOMECARE_name_the_repository_uses_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """So CI (HOMECARE_TEST_POSTGRES_URL), the scripts and the documented examples work;
    the names the docs give as refused are refused."""
    names = _names_used_by_the_repository()
    assert {"HOMECARE_TEST_POSTGRES_URL", "HOMECARE_TEST_WORKERS", "HOMECARE_CIPHER_KEY"} <= names
    assert names >= REFUSED_EXAMPLES, "the docs no longer give these examples"
    known = set(known_variables(Settings.model_fields))
    for name in sorted(names - REFUSED_EXAMPLES):
        assert name in known or name.startswith(TOOLS_PREFIX), name
    for name in sorted(REFUSED_EXAMPLES):
        with monkeypatch.context() as env:
            env.setenv(name, "1")
            assert name in str(_refused())


# -- one line from every entry point -------------------------------------------------


def test_a_cli_command_refuses_it_in_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = init_sqlite(tmp_path / "s.db")
    monkeypatch.setenv("HOMECARE_CIPHER_KY", KEY)
    for command in (["buffer", "month", "2026-03"], ["db", "current"]):
        result = separate_streams_runner().invoke(cli_app, ["--db", url, *command])
        assert_one_line_error(
            result, "unknown_setting: Unknown variable HOMECARE_CIPHER_KY", "HOMECARE_CIPHER_KEY?"
        )
        assert KEY not in result.stderr


def test_serve_and_poll_refuse_it_in_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = init_sqlite(tmp_path / "s.db")
    monkeypatch.setenv("HOMECARE_API_TOKENS", "city=0123456789abcdef:drain")
    monkeypatch.setenv("HOMECARE_POL_TOKEN", "0123456789abcdef")
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    serve = separate_streams_runner().invoke(cli_app, ["--db", url, "serve", "--port", str(port)])
    assert_one_line_error(serve, "unknown_setting", "HOMECARE_POL_TOKEN (did you mean")
    poll = ["poll", "--url", "http://127.0.0.1:9", "--state", str(tmp_path / "s.json"), "--once"]
    result = separate_streams_runner().invoke(cli_app, poll)
    assert_one_line_error(result, "unknown_setting", "HOMECARE_POLL_TOKEN?")


def test_the_worker_refuses_it_in_one_line_and_exits_1(tmp_path: Path) -> None:
    url = init_sqlite(tmp_path / "w.db")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOMECARE_")}
    done = subprocess.run(
        [HOMECARE, "--db", url, "worker"],
        env={**env, "HOMECARE_LOCK_TIMEOT": "3"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines() == [
        "homecare: error: unknown_setting: Unknown variable HOMECARE_LOCK_TIMEOT (did you "
        "mean HOMECARE_LOCK_TIMEOUT?): it names no homecare setting; rename or unset it "
        "(docs/configuration.md lists the settings)."
    ]
