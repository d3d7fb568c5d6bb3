"""Logging for the long-running commands (`homecare serve`, `homecare worker`).

Every layer logs through a named logger under `homecare` (`homecare.worker`,
`homecare.projections`, `homecare.http`, ...); the library itself configures
nothing (a host configures logging its own way). `configure("json")` prints
one JSON object per line (time in UTC, level, logger, message, and the
exception's type) for a log collector; `configure("text")` a plain line.

Nothing personal in a log line (D8): every handler these commands set up has a
`RedactingFilter`, which replaces what is shaped like a personnummer in a
record's arguments (a request's path and query as uvicorn's access log writes
them: `GET /console/customers/19121212-1212` is logged as
`GET /console/customers/<personnummer>`, also percent-encoded) and the value of a
query parameter named like a secret (`?token=...`), so a number or token typed
into a URL never reaches a log file.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from urllib.parse import unquote_plus

from homecare.domain.identity import holds_identity_number

__all__ = [
    "FORMATS",
    "NOT_SHOWN",
    "PERSONNUMMER",
    "JsonFormatter",
    "RedactingFilter",
    "StderrHandler",
    "configure",
    "redact",
    "redacting",
]

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


_DELIMITERS = re.compile(r"""([/?&=;#,\s"'()<>\[\]|]+)""")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_SECRET_PARAMETER = re.compile(
    r"(?i)((?:^|[?&;])[^=&;#\s]*(?:token|secret|passw|api[_-]?key|auth|session)[^=&;#\s]*=)"
    r"[^&;#\s]*"
)
PERSONNUMMER = "<personnummer>"
"""What a personnummer-shaped part of a log line becomes."""
NOT_SHOWN = "<not shown: it holds a personnummer>"
"""What a text whose digits form one only across parts becomes, whole."""


def redact(text: str) -> str:
    """`text` with every part between delimiters (`/ ? & = ; # ,`, whitespace, quotes,
    brackets) that holds a personnummer-shaped run (`holds_identity_number`, after
    percent-decoding twice) replaced by `<personnummer>`, and the value of a query
    parameter named like a secret (token, secret, password, api key, auth, session) by
    `<redacted>`. A UUID is left as it is (its digit groups can look like a number)."""
    text = _SECRET_PARAMETER.sub(r"\1<redacted>", text)
    parts = _DELIMITERS.split(text)
    for index in range(0, len(parts), 2):  # the parts between the delimiters
        part = parts[index]
        if not part or not any(char.isdigit() or char == "%" for char in part):
            continue
        if _UUID.fullmatch(part):
            continue
        if holds_identity_number(part) or holds_identity_number(_decoded(part)):
            parts[index] = PERSONNUMMER
    cleaned = "".join(parts)
    if holds_identity_number(_UUID.sub("/", _decoded(cleaned))):  # spread: "1912 1212-1212"
        return NOT_SHOWN
    return cleaned


def _decoded(part: str) -> str:
    return unquote_plus(unquote_plus(part))


class RedactingFilter(logging.Filter):
    """Redacts a record's arguments (`redact`), or its message when it has none, before
    any handler formats it; numbers stay numbers (uvicorn's access formatter expects
    its status code as one). Never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(_redacted_argument(value) for value in record.args)
        elif not record.args and isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def _redacted_argument(value: object) -> object:
    if value is None or isinstance(value, int | float):
        return value
    text = value if isinstance(value, str) else str(value)
    cleaned = redact(text)
    return value if cleaned == text and not isinstance(value, str) else cleaned


def redacting(handler: logging.Handler) -> logging.Handler:
    """`handler` with a `RedactingFilter` (once)."""
    if not any(isinstance(f, RedactingFilter) for f in handler.filters):
        handler.addFilter(RedactingFilter())
    return handler


def configure(log_format: str = "text", level: int = logging.INFO) -> None:
    """Send the `homecare` loggers (and uvicorn's) to stderr in `log_format`, redacted
    (`RedactingFilter`)."""
    handler = redacting(StderrHandler())
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for name in ("homecare", "uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.setLevel(level)
        logger.propagate = False
