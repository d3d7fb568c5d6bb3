"""Logging for the long-running commands (`homecare serve`, `homecare worker`).

Every layer logs through a named logger under `homecare` (`homecare.worker`,
`homecare.projections`, `homecare.http`, ...); the library itself configures
nothing (a host configures logging its own way). `configure("json")` prints
one JSON object per line (time in UTC, level, logger, message, and the
exception's type) for a log collector; `configure("text")` a plain line.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

__all__ = ["FORMATS", "JsonFormatter", "StderrHandler", "configure"]

FORMATS = ("text", "json")


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A handler that writes to `sys.stderr` as it is when a record is emitted, not as it
    was when the handler was made: a command run in-process (a host's tests, typer's
    CliRunner) swaps stderr and closes its own afterwards, and a handler bound to that
    one would fail on every later record."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        """Ignored: the stream is always the current stderr."""


class JsonFormatter(logging.Formatter):
    """One JSON object per record: ts, level, logger, message (and error, if any)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = record.exc_info[0].__name__
        return json.dumps(entry, ensure_ascii=False)


def configure(log_format: str = "text", level: int = logging.INFO) -> None:
    """Send the `homecare` loggers (and uvicorn's) to stderr in `log_format`."""
    handler = StderrHandler()
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for name in ("homecare", "uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.setLevel(level)
        logger.propagate = False
