"""D9: a secret's `_FILE` variable reads a regular file of at most 64 KiB, never blocking.

`HOMECARE_CIPHER_KEY_FILE=/dev/zero` read without end (a MemoryError, shown as an
internal_error), and a named pipe hung the process for ever; the same for
HOMECARE_API_TOKENS_FILE and HOMECARE_POLL_TOKEN_FILE. Now each file a secret is read
from is refused, in one line naming its variable and never its content, unless it is a
regular file (a symbolic link to one is followed: /run/secrets are often links) of at
most 64 KiB of UTF-8 text.
"""

from __future__ import annotations

import errno
import os
import threading
from pathlib import Path

import pytest

from homecare import InvalidInputError, Settings
from homecare._settings_files import SECRET_FILE_LIMIT, read_secret_file
from homecare._settings_sources import TOOLS_PREFIX
from homecare.cli.app import app as cli_app
from tests.cli.conftest import assert_one_line_error, separate_streams_runner

SECRETS = ("HOMECARE_CIPHER_KEY_FILE", "HOMECARE_API_TOKENS_FILE", "HOMECARE_POLL_TOKEN_FILE")
secrets = pytest.mark.parametrize("variable", SECRETS)


@pytest.fixture(autouse=True)
def no_homecare_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("HOMECARE_") and not name.upper().startswith(TOOLS_PREFIX):
            monkeypatch.delenv(name)


def _refused(monkeypatch: pytest.MonkeyPatch, variable: str, path: Path | str) -> str:
    monkeypatch.setenv(variable, str(path))
    with pytest.raises(InvalidInputError) as caught:
        Settings.load(database_url="sqlite:///x.db")
    message = str(caught.value)
    assert caught.value.code == "invalid_input"
    assert "\n" not in message
    assert message.startswith(f"{variable}: ")
    return message


@secrets
def test_a_device_is_refused_not_read_without_end(
    monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    message = _refused(monkeypatch, variable, "/dev/zero")
    assert message == (
        f"{variable}: '/dev/zero' is a character device, not a regular file: name the file "
        "holding the secret."
    )


@secrets
def test_a_named_pipe_is_refused_at_once_not_waited_on(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str
) -> None:
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    messages: list[str] = []
    reader = threading.Thread(
        target=lambda: messages.append(_refused(monkeypatch, variable, pipe)), daemon=True
    )
    reader.start()
    reader.join(timeout=10)
    if reader.is_alive():  # it waits for a writer: be one, so that the thread ends
        os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(timeout=10)
        pytest.fail("the settings waited on a named pipe")
    assert messages == [
        f"{variable}: {str(pipe)!r} is a named pipe, not a regular file: "
        "name the file holding the secret."
    ]


@secrets
def test_a_folder_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str
) -> None:
    assert "is a folder, not a regular file" in _refused(monkeypatch, variable, tmp_path)


@secrets
def test_a_file_over_the_limit_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str
) -> None:
    (tmp_path / "big").write_text("a" * (SECRET_FILE_LIMIT + 1), encoding="utf-8")
    message = _refused(monkeypatch, variable, tmp_path / "big")
    assert "holds more than 64 KiB" in message
    assert "aaaa" not in message


def test_a_file_at_the_limit_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    tokens = "city=0123456789abcdef:drain,"
    text = (tokens * (SECRET_FILE_LIMIT // len(tokens) + 1))[: SECRET_FILE_LIMIT - 1] + "\n"
    (tmp_path / "tokens").write_text(text, encoding="utf-8")
    monkeypatch.setenv("HOMECARE_API_TOKENS_FILE", str(tmp_path / "tokens"))
    tokens_read = Settings.load(database_url="sqlite:///x.db").api_tokens
    assert tokens_read is not None
    assert tokens_read.get_secret_value() == text[:-1]


@secrets
def test_a_file_not_in_UTF_8_is_refused_without_its_content(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str
) -> None:
    (tmp_path / "latin1").write_bytes("hemlig-nyckel-åäö".encode("latin-1"))
    message = _refused(monkeypatch, variable, tmp_path / "latin1")
    assert message.endswith("is not UTF-8 text: write the secret as text.")
    assert "hemlig" not in message


@secrets
def test_a_missing_file_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str
) -> None:
    message = _refused(monkeypatch, variable, tmp_path / "nothere")
    assert message.endswith(": there is no such file.")


@secrets
def test_a_file_this_user_may_not_read_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str
) -> None:
    (tmp_path / "key").write_text("secret", encoding="utf-8")
    (tmp_path / "key").chmod(0)
    if os.access(tmp_path / "key", os.R_OK):
        pytest.skip("this user reads any file (root): the next test pretends")
    assert "permission denied" in _refused(monkeypatch, variable, tmp_path / "key")


@pytest.mark.parametrize(
    ("code", "why"),
    [
        (errno.EACCES, "permission denied: this process's user may not read it"),
        (errno.ELOOP, "its symbolic links loop"),
        (errno.EIO, "it cannot be read (EIO)"),
    ],
)
def test_a_file_that_cannot_be_opened_is_one_line_saying_why(
    monkeypatch: pytest.MonkeyPatch, code: int, why: str
) -> None:
    """Whoever runs the tests (root reads any file), as the system would say it."""

    def refuse(path: str, flags: int) -> int:
        raise OSError(code, os.strerror(code), path)

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(InvalidInputError) as caught:
        read_secret_file("HOMECARE_CIPHER_KEY_FILE", "/run/secrets/key")
    assert str(caught.value) == f"HOMECARE_CIPHER_KEY_FILE: cannot read '/run/secrets/key': {why}."


def test_a_symbolic_link_to_a_regular_file_is_followed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """As /run/secrets/... often are (Kubernetes mounts them as links)."""
    (tmp_path / "token").write_text("0123456789abcdef\n", encoding="utf-8")
    (tmp_path / "link").symlink_to(tmp_path / "token")
    monkeypatch.setenv("HOMECARE_POLL_TOKEN_FILE", str(tmp_path / "link"))
    token = Settings.load(database_url="sqlite:///x.db").poll_token
    assert token is not None
    assert token.get_secret_value() == "0123456789abcdef"


@pytest.mark.parametrize(("target", "why"), [("/dev/zero", "a character device"), ("gone", "")])
def test_a_symbolic_link_to_anything_else_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, target: str, why: str
) -> None:
    (tmp_path / "link").symlink_to(target)
    message = _refused(monkeypatch, "HOMECARE_CIPHER_KEY_FILE", tmp_path / "link")
    assert f"is {why}, not a regular file" in message if why else "no such file" in message


@pytest.mark.parametrize(
    ("kind", "why"),
    [
        ("device", "is a character device"),
        ("pipe", "is a named pipe"),
        ("folder", "is a folder"),
        ("latin1", "is not UTF-8 text"),
        ("big", "holds more than 64 KiB"),
        ("missing", "there is no such file"),
    ],
)
def test_the_cli_refuses_a_file_it_will_not_read_in_one_coded_line(
    tmp_path: Path, kind: str, why: str
) -> None:
    """A device was an internal_error (MemoryError) after reading all the memory it could,
    and a named pipe hung the command."""
    paths = {"device": Path("/dev/zero"), "folder": tmp_path, "missing": tmp_path / "x"}
    path = paths.get(kind, tmp_path / kind)
    if kind == "pipe":
        os.mkfifo(path)
    elif kind == "latin1":
        path.write_bytes("åäö".encode("latin-1"))
    elif kind == "big":
        path.write_text("a" * (SECRET_FILE_LIMIT + 1), encoding="utf-8")
    result = separate_streams_runner({"HOMECARE_CIPHER_KEY_FILE": str(path)}).invoke(
        cli_app, ["--db", f"sqlite:///{tmp_path}/x.db", "db", "current"]
    )
    assert_one_line_error(result, "invalid_input: HOMECARE_CIPHER_KEY_FILE: ", why)
