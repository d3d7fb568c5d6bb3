"""What `privacy cull` and `cull-again` say about scrubbing (R16): one warning line in
the CLI's style, agreeing with the `scrubbed` the command shows.

Why: the scrub (`homecare._sql.scrub`) logs why it could not finish through the
`homecare.privacy` logger, which the CLI does not configure, so Python's last-resort
handler printed it raw beside the command's own warning. `scrub_notes()` keeps those
records for the command instead, and `culled(results, scrubbed)` marks the results
of a batch whose one scrub failed, so the JSON says `"scrubbed": false` too.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import typer

from homecare.application.shredding import CullResult

__all__ = ["SCRUB_WARNING", "culled", "scrub_notes", "warn_unscrubbed"]

SCRUB_WARNING = (
    "homecare: warning: the culled data could not be scrubbed from disk yet (a reader or an "
    "old transaction held it): run the cull again."
)
_LOGGER = "homecare.privacy"


class _Notes(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


_notes: list[_Notes] = []


@contextmanager
def scrub_notes() -> Iterator[None]:
    """While a command culls: the scrub's log records kept (for `warn_unscrubbed`),
    not printed raw on stderr."""
    logger = logging.getLogger(_LOGGER)
    handler, propagate = _Notes(), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    _notes.append(handler)
    try:
        yield
    finally:
        _notes.remove(handler)
        logger.removeHandler(handler)
        logger.propagate = propagate


def culled(results: list[CullResult], scrubbed: bool) -> list[CullResult]:
    """A batch's results (each culled with `scrub=False`) as its one scrub left them."""
    if scrubbed:
        return results
    return [r.model_copy(update={"scrubbed": False}) for r in results]


def warn_unscrubbed(results: list[CullResult]) -> None:
    """One warning line on stderr when a result is not scrubbed (why, when the scrub
    said; called within `scrub_notes()`), nothing otherwise."""
    if all(r.scrubbed for r in results):
        return
    why = _notes[-1].messages[-1] if _notes and _notes[-1].messages else None
    line = SCRUB_WARNING if why is None else f"{SCRUB_WARNING[:-1]} ({why})."
    typer.echo(line, err=True)
