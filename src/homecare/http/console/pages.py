"""Rendering a console page: language, the signed-in viewer, security headers, error states.

Every page is rendered through `Renderer.page`; a store that fails while a
page is read gives the error page (503), never a page that looks empty, so
the console never says "everything delivered" for a month it could not read.
As the API's views do (`homecare.http.current`), a page, once signed in, first
checks that the cipher key opens the store (a wrong key: the key's own 503 page,
D8), then projects what no worker will, so that it shows the current log (R4,
R5); its answer says the lag left in the `Homecare-Lag` header.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import quote
from uuid import UUID

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from homecare._es.error_map import mapped
from homecare.application.reads import Reading
from homecare.bootstrap import Homecare
from homecare.domain.privacy import SubjectKind
from homecare.errors import CipherKeyError, InvalidInputError, NotFoundError, StorageError
from homecare.http.console.i18n import LANG_COOKIE, LANGUAGES, choose_language, render
from homecare.http.console.session import COOKIE, open_session
from homecare.http.current import LAG_HEADER, KeyCheck, project_first
from homecare.http.tokens import ApiToken, TokenRing
from homecare.privacy import Channel

__all__ = [
    "PersonalDataHook",
    "PersonalDataRecorder",
    "PersonalDataView",
    "Renderer",
    "console_base",
    "each",
]

logger = logging.getLogger("homecare.http.console")
T = TypeVar("T")

SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


@dataclass(frozen=True)
class PersonalDataView:
    """One view of a data subject's personal data through the console (R17), masked or
    not: who saw whose what, when and where. `fields` names what the page showed of
    them (`name`, `personnummer` only to a token with `+personal`). Carries ids only,
    never the personal data itself."""

    viewer: str
    subject: str  # "customer" | "staff"
    subject_id: UUID
    fields: tuple[str, ...]
    page: str
    at: datetime


PersonalDataHook = Callable[[PersonalDataView], None]
PersonalDataRecorder = Callable[[Sequence[PersonalDataView]], None]
"""Records one page's views at once (the default: one access-log write per page)."""


def each(hook: PersonalDataHook) -> PersonalDataRecorder:
    """A host's hook, told of one page's views one by one."""

    def record(views: Sequence[PersonalDataView]) -> None:
        for view in views:
            hook(view)

    return record


def log_personal_data_view(view: PersonalDataView) -> None:
    """One log line, ids only; the default hook also records the view in the access log
    (R17, `homecare.http.console.access`)."""
    logger.info(
        "personal data shown: viewer=%s subject=%s:%s fields=%s page=%s",
        view.viewer,
        view.subject,
        view.subject_id,
        ",".join(view.fields),
        view.page,
    )


def _kind(error: BaseException) -> str:
    return f"{type(error).__module__}.{type(error).__qualname__}"


def once_each(request: Request) -> None:
    """Every query parameter at most once (as the API): a repeated one is refused, never
    half-used. Raises InvalidInputError, which a page shows as a 422 page."""
    names = [name for name, _ in request.query_params.multi_items()]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise InvalidInputError(
            f"Given more than once: {', '.join(repeated)}; send each parameter once."
        )


def console_base(request: Request) -> str:
    """The console's URL path, under the host's mount point."""
    return f"{request.scope.get('root_path', '')}/console"


class Renderer:
    def __init__(
        self,
        homecare: Homecare,
        ring: TokenRing,
        recorder: PersonalDataRecorder,
        clock: Callable[[], datetime],
    ) -> None:
        self.homecare = homecare
        self.ring = ring
        self.recorder = recorder
        self.clock = clock
        self.key = KeyCheck(homecare)

    def now(self) -> datetime:
        return self.clock().astimezone(UTC)

    def viewer(self, request: Request) -> ApiToken:
        """The signed-in token; otherwise a 303 to the sign-in form (which returns here)."""
        token = open_session(self.ring, request.cookies.get(COOKIE), self.now())
        if token is None:
            base = console_base(request)
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise HTTPException(
                303,
                "Sign in first.",
                headers={"Location": f"{base}/sign-in?next={quote(target, safe='')}"}
                | SECURITY_HEADERS,
            )
        return token

    def language(self, request: Request) -> str:
        return choose_language(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE))

    def html(
        self,
        request: Request,
        template: str,
        context: dict[str, Any],
        *,
        status: int = 200,
        viewer: ApiToken | None = None,
    ) -> HTMLResponse:
        language = self.language(request)
        base = console_base(request)
        query = {k: v for k, v in request.query_params.items() if k != "lang"}
        here = request.url.path + "?" + "&".join(f"{quote(k)}={quote(v)}" for k, v in query.items())
        body = render(
            language,
            template,
            {
                "base": base,
                "viewer": viewer,
                "here": here.rstrip("?") if not query else here,
                "languages": LANGUAGES,
                **context,
            },
        )
        response = HTMLResponse(body, status_code=status, headers=SECURITY_HEADERS)
        if request.query_params.get("lang") in LANGUAGES:
            response.set_cookie(
                LANG_COOKIE,
                language,
                max_age=365 * 24 * 3600,
                path=base,
                samesite="strict",
                httponly=True,
                secure=request.url.scheme == "https",
            )
        return response

    def page(
        self,
        request: Request,
        viewer: ApiToken,
        template: str,
        read: Callable[[Reading], dict[str, Any]],
        *,
        what: str,
    ) -> Response:
        """Render `template` with what `read` returns; its failures become error pages.

        First the key (a wrong one: 503, the `key` page) and the catch-up
        (`homecare.http.current`); `read` then loads through a `Reading` of the viewer's
        that records nothing itself: it records what the page shows of each subject
        through `record` (R17)."""
        try:
            once_each(request)
            with mapped():  # a library error met outside the library's boundaries
                self.key.check()
                lag = project_first(self.homecare)
                context = self.read(viewer, what, read)
        except NotFoundError as error:
            return self.error(request, viewer, 404, "not_found", what, error.code)
        except InvalidInputError as error:
            return self.error(request, viewer, 422, "invalid", what, error.message)
        except StorageError as error:
            logger.error(
                "console %s: the store failed (%s, %s)",
                request.url.path,
                error.code,
                _kind(error.__cause__ or error),
            )
            kind = "key" if isinstance(error, CipherKeyError) else "store"
            return self.error(request, viewer, 503, kind, what, error.code)
        except Exception as error:  # a bug: an error page, never a page that looks empty
            frames = "".join(traceback.format_tb(error.__traceback__))
            logger.error("console %s: unexpected %s\n%s", request.url.path, _kind(error), frames)
            return self.error(request, viewer, 500, "store", what, "internal_error")
        response = self.html(request, template, context, viewer=viewer)
        response.headers[LAG_HEADER] = str(lag)
        return response

    def read(
        self, viewer: ApiToken, what: str, read: Callable[[Reading], dict[str, Any]]
    ) -> dict[str, Any]:
        with self.homecare.app.reading(
            reader=viewer.name,
            purpose=f"console {what}",
            what="view",
            channel=Channel.CONSOLE,
            record=False,
        ) as access:
            return read(access)

    def error(
        self,
        request: Request,
        viewer: ApiToken | None,
        status: int,
        kind: str,
        what: str,
        detail: str,
    ) -> HTMLResponse:
        context = {"kind": kind, "what": what, "detail": detail}
        return self.html(request, "error.html", context, status=status, viewer=viewer)

    def shown(
        self,
        viewer: ApiToken,
        page: str,
        subjects: Iterable[tuple[UUID, SubjectKind]],
        fields: tuple[str, ...],
    ) -> list[PersonalDataView]:
        """The views of `subjects` on `page`, each showing `fields` of them, for `record`."""
        at = self.now()
        return [
            PersonalDataView(viewer.name, kind.value, i, fields, page, at) for i, kind in subjects
        ]

    def record(self, views: Sequence[PersonalDataView]) -> None:
        """R17: record what a page shows, masked or not, before it is shown (inside `read`:
        a failure to record is the page's error page, nothing shown)."""
        if views:
            self.recorder(views)
