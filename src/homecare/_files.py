"""Files homecare writes on an operator's behalf: owner-only, never through a symbolic
link, and whole or not at all.

Why one place: `homecare privacy export --out FILE` opened FILE with
`O_CREAT | O_TRUNC` and mode 0600, but a mode applies only to a file being
created: an existing file kept its permissions (0644: the full personnummer
readable by every local user), a symbolic link at the path was followed (the
export written wherever it pointed), and a failure halfway left half a file.
Every file a command writes goes through here instead:

- `write_private(path, text)`: the text written to a new temporary file in the
  same folder (`tempfile.mkstemp`: created exclusively, mode 0600, so nothing
  there is followed or reused), synced, then renamed over `path` (a rename
  replaces a name, never what a link points to) and the folder synced. The
  file at `path` is then a new one, owner-only, whatever was there before.
- `append_private(path)`: a file opened for appending, created 0600, refused
  when `path` is a symbolic link (`O_NOFOLLOW`).
- `create_private(path)`: an empty file created 0600 unless one is there (a new
  SQLite store: SQLite gives its WAL and shared-memory files the store file's
  permissions).
- `check_target(path)`: the refusals, for a caller that checks before it reads
  anything: a symbolic link, something that is not a regular file, no folder.

Refusals are `UnsafeTargetError` (a ValueError saying why); failures of the
system are OSError. Callers turn both into their own errors.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path
from typing import TextIO

__all__ = ["UnsafeTargetError", "append_private", "check_target", "create_private", "write_private"]

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class UnsafeTargetError(ValueError):
    """A path a file is not written to; the message says why (for an operator)."""


def check_target(path: Path) -> None:
    """UnsafeTargetError when `path` is a symbolic link (never followed), is there but is
    not a regular file (a folder, a device), or is in no folder."""
    try:
        found = os.lstat(path)
    except FileNotFoundError:
        found = None
    if found is not None and stat.S_ISLNK(found.st_mode):
        raise UnsafeTargetError(
            "it is a symbolic link (not followed: give the path of a regular file)"
        )
    if found is not None and not stat.S_ISREG(found.st_mode):
        raise UnsafeTargetError("it is a folder or another kind of file, not a regular file")
    if not Path(path).absolute().parent.is_dir():
        raise UnsafeTargetError("no such folder")


def write_private(path: Path, text: str) -> None:
    """`text` (UTF-8) as the whole of a new owner-only file at `path` (module doc)."""
    path = Path(path)
    check_target(path)
    folder = path.absolute().parent
    descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        check_target(path)  # a link put there meanwhile is refused, not replaced
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _sync(folder)


def append_private(path: Path) -> TextIO:
    """`path` opened for appending text (UTF-8), created owner-only; a symbolic link or
    something not a regular file is UnsafeTargetError."""
    check_target(Path(path))
    try:
        descriptor = os.open(
            path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | _NOFOLLOW | _CLOEXEC, 0o600
        )
    except OSError as error:
        if os.path.islink(path):  # made a link since the check: O_NOFOLLOW refused it
            raise UnsafeTargetError("it is a symbolic link (not followed)") from None
        raise error from None
    return os.fdopen(descriptor, "a", encoding="utf-8")


def create_private(path: Path) -> bool:
    """Create `path` empty and owner-only unless something is there; True if created.
    A symbolic link at `path` is UnsafeTargetError (it is not followed)."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
    except FileExistsError:
        if os.path.islink(path):
            raise UnsafeTargetError("it is a symbolic link (not followed)") from None
        return False
    os.close(descriptor)
    return True


def _sync(folder: Path) -> None:
    """The folder's entry of a renamed file on disk (a no-op where folders cannot be)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
