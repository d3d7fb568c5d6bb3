"""The secrets' `HOMECARE_<NAME>_FILE` variables: a secret read from a file, safely.

A part of `homecare.settings.Settings` kept apart so that reading a file an
operator names is done in one place. The file is opened without blocking
(`O_NONBLOCK`: a named pipe with no writer is not waited on) and then looked at
through the open descriptor (`fstat`: no gap between the look and the read in
which the path could change): only a regular file is read, a symbolic link to one
included (`/run/secrets/...` are often links), and at most `SECRET_FILE_LIMIT`
bytes of it. So `/dev/zero` is refused at once instead of filling the memory,
and a named pipe instead of hanging the process.
"""

from __future__ import annotations

import errno
import os
import stat
from typing import Any

from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from homecare._settings_sources import ENV_PREFIX, SECRETS, environ_name, shown
from homecare.errors import InvalidInputError

__all__ = ["SECRET_FILE_LIMIT", "SecretFiles", "read_secret_file"]

SECRET_FILE_LIMIT = 64 * 1024
"""Bytes a secret file may hold: a key is 44, a token list of a hundred clients about 6 KiB."""
_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
)
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)
_FAILURES = {
    errno.ENOENT: "there is no such file",
    errno.EACCES: "permission denied: this process's user may not read it",
    errno.EPERM: "permission denied: this process's user may not read it",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.ELOOP: "its symbolic links loop",
    errno.ENAMETOOLONG: "the path is too long",
    errno.ENXIO: "it is not a regular file (a socket?)",
}


class SecretFiles(PydanticBaseSettingsSource):
    """`HOMECARE_CIPHER_KEY_FILE=/run/secrets/key`: the secret is the file's text.

    One trailing newline is dropped. Setting both a secret's variable and its
    `_FILE` variable is refused: which one is meant cannot be guessed. An empty
    file is refused (a secret not yet written, a mount that failed), not read as
    "not set"; so is a file `read_secret_file` will not read.
    """

    def __init__(self, settings_cls: type[BaseSettings], explicit: set[str]) -> None:
        super().__init__(settings_cls)
        self._explicit = explicit

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # pragma: no cover - __call__ does the work

    def __call__(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for name in SECRETS:
            if name in self._explicit:
                continue  # an explicit argument wins; the environment is not consulted
            variable = f"{ENV_PREFIX}{name.upper()}"
            file_variable = environ_name(f"{variable}_FILE")
            if file_variable is None:
                continue
            set_too = environ_name(variable)
            if set_too is not None:
                raise InvalidInputError(
                    f"Both {shown(set_too)} and {shown(file_variable)} are set: keep one."
                )
            path = os.environ[file_variable]
            text = read_secret_file(file_variable, path)
            found[name] = text.removesuffix("\n").removesuffix("\r")
            if not found[name]:
                raise InvalidInputError(
                    f"{shown(file_variable)}: {_path(path)} is empty: write the secret into it, "
                    f"or unset {shown(file_variable)}."
                )
        return found


def read_secret_file(variable: str, path: str) -> str:
    """The whole text (UTF-8) of the regular file at `path` (a symbolic link to one
    followed), at most `SECRET_FILE_LIMIT` bytes, read without ever blocking on it.

    Raises InvalidInputError in one line naming `variable` (the `_FILE` variable that
    named `path`) and the path, never the content: no such file, one this process may
    not read, a folder, a named pipe, a device or a socket, a file over the limit, or
    one that is not UTF-8 text.
    """
    try:
        descriptor = os.open(path, _FLAGS)
    except OSError as error:
        raise _unreadable(variable, path, error) from None
    try:
        found = os.fstat(descriptor)
        if not stat.S_ISREG(found.st_mode):
            kind = next((name for is_kind, name in _KINDS if is_kind(found.st_mode)), "")
            raise InvalidInputError(
                f"{shown(variable)}: {_path(path)} is {kind or 'another kind of file'}, not a "
                "regular file: name the file holding the secret."
            )
        data = b"" if found.st_size > SECRET_FILE_LIMIT else _read(descriptor)
    except OSError as error:
        raise _unreadable(variable, path, error) from None
    finally:
        os.close(descriptor)
    if found.st_size > SECRET_FILE_LIMIT or len(data) > SECRET_FILE_LIMIT:
        raise InvalidInputError(
            f"{shown(variable)}: {_path(path)} holds more than {SECRET_FILE_LIMIT // 1024} KiB, "
            "more than any secret: name the file holding the secret alone."
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInputError(
            f"{shown(variable)}: {_path(path)} is not UTF-8 text: write the secret as text."
        ) from None


def _read(descriptor: int) -> bytes:
    """Up to one byte more than the limit: enough to tell that a file is over it (a file
    in /proc says its size is 0, and a file may grow while it is read)."""
    chunks: list[bytes] = []
    left = SECRET_FILE_LIMIT + 1
    while left > 0:
        chunk = os.read(descriptor, left)
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _unreadable(variable: str, path: str, error: OSError) -> InvalidInputError:
    fallback = errno.errorcode.get(error.errno or 0, type(error).__name__)
    why = _FAILURES.get(error.errno or 0, f"it cannot be read ({fallback})")
    return InvalidInputError(f"{shown(variable)}: cannot read {_path(path)}: {why}.")


def _path(path: str) -> str:
    """The path as an operator would find it, quoted; cut if long."""
    return repr(path) if len(path) <= 200 else f"{path[:200]!r}..."
