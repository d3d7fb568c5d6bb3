"""What the poller keeps on disk: the state file (cursor, server URL, the message ids
last received), replaced atomically, and the file of received items, synced per batch.

Both are owner-only and never written through a symbolic link (`homecare._files`):
the state file was written to a temporary file of a name known in advance
(`.NAME.PID.tmp`) opened as it was, so a link planted there was followed."""

from __future__ import annotations

import json
import os
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from homecare._files import UnsafeTargetError, append_private, write_private
from homecare.poller.options import REMEMBER, Item, PollError, is_cursor

__all__ = ["Recorder", "State"]


@dataclass
class State:
    """The state file's content: the server's URL, the cursor saved, and the last `keep`
    message ids received (to skip them after a resume, D10)."""

    path: Path
    url: str
    cursor: str | None = None
    keep: int = REMEMBER
    seen: deque[str] = field(default_factory=deque)

    def __post_init__(self) -> None:
        self.seen = deque(self.seen, maxlen=self.keep)
        self._seen = set(self.seen)

    def unseen(self, items: list[Item]) -> list[Item]:
        """The items whose message_id was not received before (nor earlier in `items`)."""
        fresh: list[Item] = []
        ids: set[str] = set()
        for item in items:
            if item["message_id"] not in self._seen and item["message_id"] not in ids:
                fresh.append(item)
                ids.add(item["message_id"])
        return fresh

    def remember(self, items: Iterable[Item]) -> None:
        if self.keep == 0:
            return
        for item in items:
            if len(self.seen) == self.keep:
                self._seen.discard(self.seen[0])
            self.seen.append(item["message_id"])
            self._seen.add(item["message_id"])

    @classmethod
    def load(cls, path: Path, url: str, keep: int = REMEMBER) -> State:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls(path, url, keep=keep)
        except OSError as error:
            raise PollError(f"Cannot read the state file {path}: {error.strerror}.") from None
        try:
            data = json.loads(text)
            cursor, saved_url = data["cursor"], data["url"]
            seen = data.get("seen", [])
            if not (cursor is None or is_cursor(cursor)) or not isinstance(saved_url, str):
                raise TypeError
            if not isinstance(seen, list) or not all(isinstance(m, str) for m in seen):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            raise PollError(
                f"The state file {path} is not a poller's state: restore it, or remove it to "
                "start from the beginning (everything is sent again)."
            ) from None
        if saved_url != url:
            raise PollError(
                f"The state file {path} holds the cursor of {saved_url}, not of {url}: "
                "give each server its own --state file."
            )
        return cls(path, url, cursor, keep, deque(seen[-keep:] if keep else []))

    def save(self) -> None:
        try:
            self._save()
        except (OSError, UnsafeTargetError) as error:
            why = str(error) if isinstance(error, UnsafeTargetError) else error.strerror
            raise PollError(
                f"Cannot write the state file {self.path}: {why}; the last cursor saved is kept."
            ) from None

    def _save(self) -> None:
        data = {
            "url": self.url,
            "cursor": self.cursor,
            "saved_at": datetime.now(UTC).isoformat(),
            "seen": list(self.seen),
        }
        write_private(self.path, json.dumps(data) + "\n")


class Recorder:
    """Appends `MESSAGE_ID POSITION` per received item; synced per batch."""

    def __init__(self, path: Path | None) -> None:
        try:
            self._file = append_private(Path(path)) if path is not None else None
        except UnsafeTargetError as error:
            raise PollError(f"Cannot append to {path}: {error}.") from None
        except OSError as error:
            raise PollError(f"Cannot append to {path}: {error.strerror}.") from None

    def record(self, items: list[Item]) -> None:
        if self._file is None:
            return
        self._file.writelines(f"{i['message_id']} {i['position']}\n" for i in items)
        self._file.flush()
        os.fsync(self._file.fileno())

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._file is not None:
            self._file.close()
