"""`homecare serve` (the endpoint the city polls) and `homecare poll` (a poller like the city's).

Both need the `http` extra; without it they say so in one line. Imports are
made inside the commands so that the rest of the CLI works without it.
"""

from __future__ import annotations

import copy
import logging
import signal
import socket
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from homecare._sql.store_url import redact_url
from homecare.errors import HomecareError
from homecare.logs import StderrHandler, redacting

__all__ = ["redacted_config", "register"]


def register(app: typer.Typer) -> None:
    """Add the HTTP commands to the CLI."""
    app.command("serve")(serve)
    app.command("poll")(poll)


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8080,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Store URL, as the CLI's --db (giving both differently: error) "
            "[default: $HOMECARE_DATABASE_URL, else sqlite:///homecare.db].",
            show_default=False,
        ),
    ] = None,
    catch_up_on_fetch: Annotated[
        bool, typer.Option(help="Project new events before every fetch (no worker running).")
    ] = False,
    log_format: Annotated[
        str, typer.Option("--log-format", help="text, or json (one object per line).")
    ] = "text",
) -> None:
    """Serve the integration buffer over HTTP; tokens from HOMECARE_API_TOKENS.

    Plain HTTP: terminate TLS in front (a reverse proxy); see docs/integration.md.
    """
    try:
        import uvicorn

        from homecare.http import create_app_from_environment
    except ImportError as error:
        _fail(f"serve needs the http extra ({error.name} is missing): pip install 'homecare[http]'")
    if log_format not in ("text", "json"):
        _fail(f"invalid_input: --log-format must be text or json, got {log_format[:20]!r}.")
    _check_listen(host, port)
    try:
        app = create_app_from_environment(
            _one_database(ctx, db), catch_up_on_fetch=catch_up_on_fetch
        )
    except HomecareError as error:
        _fail(f"{error.code}: {error.message}")
    log_config: Any = redacted_config(uvicorn.config.LOGGING_CONFIG)
    if log_format == "json":
        from homecare import logs

        logs.configure("json")  # homecare's and uvicorn's loggers, one JSON object a line
        log_config = None
    else:
        _log_to_stderr("homecare")
    # uvicorn shuts down gracefully on SIGTERM/SIGINT, then re-raises the signal to
    # the handler it found: a no-op one lets `homecare serve` exit 0 after a clean stop.
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: None)
    try:
        uvicorn.run(
            app,
            host=host,
            port=port,
            proxy_headers=True,
            server_header=False,
            log_config=log_config,
        )
    except SystemExit as stopped:  # uvicorn could not start (it logged why)
        if stopped.code not in (None, 0):
            _fail(f"serve_failed: the server did not start on {host[:80]!r} port {port}.")
        raise


def redacted_config(config: dict[str, Any]) -> dict[str, Any]:
    """uvicorn's logging configuration with homecare's `RedactingFilter` on every handler:
    a personnummer typed into a URL (`/console/customers/19121212-1212`), or a token in
    a query, is never written to the access log (D8; docs/privacy.md)."""
    found = copy.deepcopy(config)
    found.setdefault("filters", {})["homecare_redact"] = {"()": "homecare.logs.RedactingFilter"}
    for handler in found.get("handlers", {}).values():
        handler["filters"] = [*handler.get("filters", []), "homecare_redact"]
    return found


def _check_listen(host: str, port: int) -> None:
    """Bind (and release) the address first: a host or port that cannot be listened on
    is one line (invalid_input) before the store is opened, not a server log."""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except (OSError, OverflowError, UnicodeError, ValueError, TypeError) as error:
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        _fail(f"invalid_input: cannot listen on {host[:80]!r} port {port}: {reason}")


def poll(
    url: Annotated[str, typer.Option(help="The server's base URL, e.g. https://host/homecare.")],
    token: Annotated[
        str | None,
        typer.Option(
            help="A bearer token allowed to drain [default: $HOMECARE_POLL_TOKEN, or the "
            "file named by $HOMECARE_POLL_TOKEN_FILE].",
            show_default=False,
        ),
    ] = None,
    every: Annotated[float, typer.Option(help="Seconds between polls.", min=0)] = 300.0,
    limit: Annotated[int, typer.Option(help="Items per fetch.", min=1, max=500)] = 20,
    state: Annotated[Path, typer.Option(help="Where the cursor is kept.")] = Path(
        "homecare-poll-state.json"
    ),
    once: Annotated[bool, typer.Option(help="Drain once, print counts, exit.")] = False,
    received: Annotated[
        Path | None, typer.Option(help="Append 'MESSAGE_ID POSITION' per received item.")
    ] = None,
    retries: Annotated[int, typer.Option(help="Retries of one failed request.", min=0)] = 8,
    backoff: Annotated[float, typer.Option(help="First retry after (s), then doubled.")] = 1.0,
    backoff_max: Annotated[float, typer.Option(help="Longest wait between retries (s).")] = 60.0,
    timeout: Annotated[float, typer.Option(help="Seconds per request.", min=0.1)] = 30.0,
    wait_ready: Annotated[
        float,
        typer.Option(
            metavar="SECONDS",
            min=0,
            help="First wait up to this long for the server's /health to answer "
            "(a server just started); 0 does not wait.",
        ),
    ] = 0.0,
) -> None:
    """Poll a homecare server as the city does: fetch until a short batch, then wait.

    Stops cleanly on Ctrl-C or SIGTERM (the batch in hand is saved first).
    """
    try:
        from homecare import poller
    except ImportError as error:
        _fail(f"poll needs the http extra ({error.name} is missing): pip install 'homecare[http]'")
    secret = _poll_token(token)
    _log_to_stderr("homecare.poller")
    try:
        stats = poller.poll(
            url,
            secret,
            every=every,
            limit=limit,
            state_file=state,
            once=once,
            received=received,
            backoff=poller.Backoff(initial=backoff, maximum=backoff_max, attempts=retries),
            timeout=timeout,
            wait_ready=wait_ready,
        )
    except poller.PollError as error:
        _fail(f"{error.code}: {error}")
    except KeyboardInterrupt:  # a second Ctrl-C while a request was in flight
        raise typer.Exit(130) from None
    typer.echo(stats.summary())


def _poll_token(given: str | None) -> str:
    """`--token`, else HOMECARE_POLL_TOKEN(_FILE): through Settings, which checks either (D9)."""
    from homecare.settings import Settings

    try:
        configured = Settings.load(poll_token=given).poll_token
    except HomecareError as error:
        _fail(f"{error.code}: {error.message}")
    if configured is None:
        _fail("invalid_input: no token: give --token or set HOMECARE_POLL_TOKEN.")
    return configured.get_secret_value()


def _one_database(ctx: typer.Context, own: str | None) -> str | None:
    """The store named by `serve --db` or the CLI's global --db (the same choice, given
    before or after the command); both given and different is one line naming both
    (passwords masked), as two settings that disagree are: neither wins silently."""
    given = _context_database(ctx)
    if own is not None and given is not None and own != given:
        _fail(
            f"invalid_input: --db was given twice with different values, "
            f"{redact_url(given)!r} before the command and {redact_url(own)!r} after it: "
            "give it once."
        )
    return own if own is not None else given


def _context_database(ctx: typer.Context) -> str | None:
    """The CLI's global --db, from `ctx.obj` (a mapping or an object with `db`)."""
    obj: Any = ctx.obj
    for key in ("db", "database_url"):
        value = obj.get(key) if isinstance(obj, dict) else getattr(obj, key, None)
        if isinstance(value, str) and value:
            return value
    return None


def _log_to_stderr(name: str) -> None:
    """`name`'s records on stderr, redacted (`homecare.logs.RedactingFilter`): a console
    page's error names its path, which may hold a personnummer typed into the URL."""
    logger = logging.getLogger(name)
    if not logger.handlers:
        handler = StderrHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    for each in logger.handlers:
        redacting(each)


def _fail(message: str) -> NoReturn:
    """One line on stderr and exit status 1, as every homecare command fails."""
    typer.echo(f"homecare: error: {message}", err=True)
    raise typer.Exit(1)
