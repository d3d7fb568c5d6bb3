"""The audit's scratch folders: private, locked while used, swept once their run is gone.

Why: `verify` and `as_of` replay the log into a scratch SQLite store in a
temporary folder: a copy of what the projections hold (ids, times, activities,
SD numbers, organisations, personnummer and payloads; the last two sealed, with a
key of the run's own, where the store has a cipher key: `_common.scratch_sealer`).
The folder is removed when the run ends, but a run killed outright (kill -9, the
out-of-memory killer) cleans up nothing, and the copy stayed in the temporary
directory, out of reach of culling (R16) and as large as the read side.

So each folder (`tempfile.mkdtemp`: mode 0700, its owner's only) holds a file
`lock` that its run keeps locked (`flock`, exclusive) for as long as it uses the
folder; the kernel lets go of the lock however the process ends. Every run first
removes the scratch folders (`homecare-scratch-*` in the temporary directory) of
its user whose lock it can take: their run is over. A folder whose lock is held,
of another user, not a folder (a symbolic link), or without a lock (an older
version's; a run killed before it had locked it, when no data had been written):
left alone. The lock is taken on a file under another name and only then renamed
`lock`, so a sweep never finds a lock that is not yet held. Where there is no
`flock` (not POSIX, or a file system without locks), nothing is swept.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover (not POSIX)
    fcntl = None  # type: ignore[assignment]

__all__ = ["PREFIX", "scratch_folder", "sweep"]

PREFIX = "homecare-scratch-"
"""How every scratch folder's name begins (then the job: `verify-`, `as-of-`)."""
_LOCK = "lock"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


@contextlib.contextmanager
def scratch_folder(job: str) -> Iterator[Path]:
    """A new private folder for one run of `job`, locked while the block runs and
    removed when it ends; the folders of runs that ended without removing theirs are
    removed first (`sweep`). OSError if the folder cannot be made."""
    folder = Path(tempfile.gettempdir())
    sweep(folder)
    made = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{job}-", dir=folder))
    held = None
    try:
        held = _lock(made)
        yield made
    finally:
        # removed while still locked: a sweep cannot take the lock of a folder half gone
        shutil.rmtree(made, ignore_errors=True)
        if held is not None:
            os.close(held)


def sweep(folder: Path) -> list[Path]:
    """Remove this user's scratch folders in `folder` whose run is over (module doc);
    the folders removed. Never raises for a folder it cannot look at or remove."""
    if fcntl is None:  # pragma: no cover (not POSIX)
        return []
    removed = []
    try:
        candidates = [p for p in folder.iterdir() if p.name.startswith(PREFIX)]
    except OSError:
        return []
    for candidate in candidates:
        with contextlib.suppress(OSError):
            if _is_over(candidate):
                shutil.rmtree(candidate)
                removed.append(candidate)
    return removed


def _is_over(candidate: Path) -> bool:
    """Whether `candidate` is this user's scratch folder and its run is over: its lock
    could be taken (then it is let go at once: the folder is being removed)."""
    found = os.lstat(candidate)
    if not stat.S_ISDIR(found.st_mode) or found.st_uid != os.getuid():
        return False
    try:
        descriptor = os.open(candidate / _LOCK, os.O_RDONLY | _NOFOLLOW)
    except FileNotFoundError:
        return False
    try:
        assert fcntl is not None
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(descriptor)
    return True


def _lock(folder: Path) -> int | None:
    """The descriptor holding `folder`'s lock (kept open while the folder is used); None
    where there is no flock. Locked under a temporary name, then renamed (module doc)."""
    if fcntl is None:  # pragma: no cover (not POSIX)
        return None
    pending = folder / f".{_LOCK}-pending"
    descriptor = os.open(pending, os.O_RDWR | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # a file system without locks: this folder is never swept
        os.close(descriptor)
        return None
    try:
        os.replace(pending, folder / _LOCK)
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor
