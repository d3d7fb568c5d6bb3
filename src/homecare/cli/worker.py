"""`homecare worker`: the process that keeps every projection current (issue 13)."""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer

from homecare import logs
from homecare.bootstrap import connect
from homecare.cli.output import State
from homecare.errors import InvalidInputError
from homecare.status import check_readable
from homecare.worker import Worker, WorkerOptions

__all__ = ["worker"]


def worker(
    ctx: typer.Context,
    log_format: Annotated[
        str, typer.Option("--log-format", help="text or json (one object per line).")
    ] = "text",
    idle_max: Annotated[
        float, typer.Option(help="Longest wait between looks at the log when idle (s).", min=0.01)
    ] = 1.0,
    retry_max: Annotated[
        float,
        typer.Option(help="Longest wait between retries after a storage error (s).", min=0.1),
    ] = 30.0,
) -> None:
    """Keep every projection (the buffer, the read models) caught up until stopped.

    Holds the store's lease: a second worker waits. Wakes on new events
    (PostgreSQL LISTEN/NOTIFY; SQLite polls), retries storage errors with
    backoff, and on SIGTERM or SIGINT finishes the page in hand and exits 0.
    """
    if log_format not in logs.FORMATS:
        raise InvalidInputError(f"--log-format must be text or json, got {log_format[:20]!r}.")
    logs.configure(log_format)
    stop = threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stop.set())
    state = ctx.obj if isinstance(ctx.obj, State) else State(None)
    first = WorkerOptions()  # the first waits: no longer than the longest asked for
    options = WorkerOptions(
        idle_min=min(first.idle_min, idle_max),
        idle_max=idle_max,
        retry_initial=min(first.retry_initial, retry_max),
        retry_max=retry_max,
    )
    with connect(state.database_url) as hc:
        check_readable(hc)  # a wrong cipher key: one line, before taking the lease
        Worker(hc, options).run(stop)
