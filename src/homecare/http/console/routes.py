"""The console's routes: GET pages that only read (and record each view, R17), and sign-in.

Every page first checks the session (`Renderer.viewer`: a 303 to the sign-in
form without one). Only GET is routed for pages, so POST, PUT and DELETE are
405 and nothing can be written through the console; the sign-in and sign-out
forms are POSTs that set or clear the cookie and touch no store. HEAD is 405
on a page too (its GET records the view, R17; `homecare.http.requests`): only
the sign-in form and the redirects, marked `answers_head`, answer it.

No `from __future__ import annotations`: FastAPI reads the handlers'
annotations at run time.
"""

import re
from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import parse_qs, unquote
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from homecare.application.reads import Reading
from homecare.bootstrap import Homecare
from homecare.domain.citydays import STOCKHOLM
from homecare.domain.identity import redacted
from homecare.domain.month import Month
from homecare.domain.payment_run import CALENDAR_YEARS, FIRST_YEAR, LAST_YEAR
from homecare.domain.privacy import SubjectKind
from homecare.errors import InvalidInputError
from homecare.http.console import pause_views, views
from homecare.http.console.pages import SECURITY_HEADERS, Renderer, console_base, once_each
from homecare.http.console.session import COOKIE, LIFETIME, seal_session
from homecare.http.requests import answers_head
from homecare.privacy import subjects_in
from homecare.projections.pause_overview import month_bounds, previous_month

__all__ = ["console_router"]

PersonPage = views.CustomerPage | views.StaffPage

_MONTH = re.compile(r"(19[0-9]{2}|[2-9][0-9]{3})-(0[1-9]|1[0-2])")
_MAX_FORM = 4096
ITEMS = ("buffer_items",)  # dates, statuses and reasons of the subject's items (R4, R5)
RECORD = {  # what a person page shows of its subject to every viewer (R5, D6)
    "customer": ("decisions", "visits", "held_items", "history"),
    "staff": ("reportable", "held_items"),
}
UNMASKED = {  # and what only to a viewer allowed personal data (D8)
    "customer": ("name", "personnummer"),
    "staff": ("name", "personnummer", "sd_number"),
}


def _month(text: str) -> tuple[int, int]:
    found = _MONTH.fullmatch(text.strip())
    if not found:
        raise InvalidInputError(f"Malformed month {redacted(text, 20)}: expected YYYY-MM.")
    return int(found.group(1)), int(found.group(2))


def _uuid(text: str, what: str) -> UUID:
    try:
        return UUID(text.strip())
    except ValueError:
        raise InvalidInputError(f"Malformed {what} id: expected a UUID.") from None


def _flag(text: str | None, what: str) -> bool:
    """A checkbox: absent or empty is off; 1/on/true on, 0/off/false off; else refused."""
    value = (text or "").strip().lower()
    if value in {"", "0", "off", "false"}:
        return False
    if value in {"1", "on", "true"}:
        return True
    raise InvalidInputError(f"Malformed {what}: expected 1 or 0.")


def _date(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInputError(f"Malformed {what}: expected YYYY-MM-DD.") from None


def _safe_next(base: str, target: str | None) -> str:
    """Only a path inside the console (no other host, no scheme) is followed after sign-in.

    A `.` or `..` segment (also percent-encoded) would lead the browser out of
    the console after it resolves the path, so such a target is not followed.
    """
    if target and target.startswith(base + "/") and "//" not in target and "\\" not in target:
        segments = unquote(target.split("?", 1)[0]).split("/")
        if not any(segment in {".", ".."} for segment in segments):
            return target
    return base + "/"


def console_router(homecare: Homecare, renderer: Renderer) -> APIRouter:
    router = APIRouter(prefix="/console", include_in_schema=False)
    r = renderer

    def today() -> date:
        return r.now().astimezone(STOCKHOLM).date()

    @router.get("/sign-in", name="console_sign_in_form")
    @answers_head  # a form or a redirect: nothing read, nothing recorded
    def sign_in_form(request: Request, next: str | None = None) -> Response:
        target = _safe_next(console_base(request), next)
        return r.html(request, "sign_in.html", {"next": target, "failed": False})

    @router.post("/sign-in", name="console_sign_in")
    async def sign_in(request: Request) -> Response:
        body = await request.body()
        form = parse_qs(body[:_MAX_FORM].decode("utf-8", "replace"), max_num_fields=4)
        base = console_base(request)
        target = _safe_next(base, next(iter(form.get("next", [])), None))
        token = r.ring.identify((form.get("token") or [""])[0].strip() or None)
        if token is None or len(body) > _MAX_FORM:
            context = {"next": target, "failed": True}
            return r.html(request, "sign_in.html", context, status=401)
        response = RedirectResponse(target, status_code=303, headers=SECURITY_HEADERS)
        response.set_cookie(
            COOKIE,
            seal_session(token, r.now()),
            max_age=int(LIFETIME.total_seconds()),
            path=base,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
        return response

    @router.post("/sign-out", name="console_sign_out")
    def sign_out(request: Request) -> Response:
        base = console_base(request)
        response = RedirectResponse(f"{base}/sign-in", status_code=303, headers=SECURITY_HEADERS)
        response.delete_cookie(COOKIE, path=base, httponly=True, samesite="strict")
        return response

    @router.get("/", name="console_home")
    @answers_head  # a form or a redirect: nothing read, nothing recorded
    def home(request: Request) -> Response:
        viewer = r.viewer(request)
        try:
            once_each(request)
        except InvalidInputError as error:
            return r.error(request, viewer, 422, "invalid", "month", error.message)
        day = today()
        target = f"{console_base(request)}/month/{day.year:04d}-{day.month:02d}"
        return RedirectResponse(target, status_code=303, headers=SECURITY_HEADERS)

    @router.get("/month", name="console_month_picker")
    @answers_head  # a form or a redirect: nothing read, nothing recorded
    def month_picker(request: Request, month: str = "") -> Response:
        viewer = r.viewer(request)
        try:
            once_each(request)
        except InvalidInputError as error:
            return r.error(request, viewer, 422, "invalid", "month", error.message)
        if not month.strip():
            day = today()
            month = f"{day.year:04d}-{day.month:02d}"
        try:
            year, number = _month(month)
        except InvalidInputError as error:
            return r.error(request, viewer, 422, "invalid", "month", error.message)
        target = f"{console_base(request)}/month/{year:04d}-{number:02d}"
        return RedirectResponse(target, status_code=303, headers=SECURITY_HEADERS)

    @router.get("/month/{month}", name="console_month")
    def month_page(request: Request, month: str) -> Response:
        viewer = r.viewer(request)

        def read(access: Reading) -> dict[str, Any]:
            year, number = _month(month)
            items = homecare.buffer.month(year, number)  # raises on a store failure
            deadline = views.deadline(homecare, year, number, r.now())
            r.record(r.shown(viewer, "month", subjects_in(items), ITEMS))  # R17
            return {
                "month": date(year, number, 1),
                "previous": views.month_link(year, number, -1),
                "next": views.month_link(year, number, 1),
                "items": items,
                "deadline": deadline,
                "calendar_years": CALENDAR_YEARS,
                "nav": "month",
            }

        return r.page(request, viewer, "month.html", read, what="month")

    @router.get("/problems", name="console_problems")
    def problems_page(request: Request) -> Response:
        viewer = r.viewer(request)

        def read(access: Reading) -> dict[str, Any]:
            groups = views.problem_groups(homecare)
            r.record(r.shown(viewer, "problems", subjects_in(groups), ITEMS))  # R17
            return {"groups": groups, "fix_link": views.fix_link, "nav": "problems"}

        return r.page(request, viewer, "problems.html", read, what="problems")

    @router.get("/pauses", name="console_pauses")
    def pauses_page(request: Request) -> Response:
        viewer = r.viewer(request)

        def read(access: Reading) -> dict[str, Any]:
            q = request.query_params
            first, last = month_bounds(today().year, today().month)
            if q.get("from"):
                first = _date(q["from"], "first day")
            if q.get("to"):
                last = _date(q["to"], "last day")
            elif q.get("from"):
                last = month_bounds(first.year, first.month)[1]
            if last < first or (last - first).days > 366:
                raise InvalidInputError("The period must run forwards and span at most a year.")
            if first.year < FIRST_YEAR or last.year > LAST_YEAR:
                # the previous/next month links would name a month that does not exist
                raise InvalidInputError(
                    f"The period must lie in the years {FIRST_YEAR}-{LAST_YEAR}, as months do."
                )
            filters = pause_views.PauseFilters(
                period_from=first,
                period_to=last,
                customer=_uuid(q["customer"], "customer") if q.get("customer") else None,
                organisation=q.get("organisation") or None,
                level=q.get("level") or None,
                status=q.get("status") or None,
                ended=_flag(q.get("ended"), "ended"),
            )
            now = r.now()
            personal = viewer.can_see_personal
            shown = pause_views.pause_rows(homecare, filters, now, personal=personal)
            customers = list(dict.fromkeys(row.customer_id for row in shown.rows))
            calendars = pause_views.calendars(homecare, customers, first, last, now)
            fields = ("pauses", "reason_text", "days") if personal else ("pauses", "days")
            r.record(r.shown(viewer, "pauses", subjects_in(shown.rows), fields))  # R17
            before = previous_month(first)
            after = views.month_link(first.year, first.month, 1)
            return {
                "filters": filters,
                "rows": shown.rows,
                "hidden_texts": shown.hidden_texts,
                "calendars": calendars,
                "previous": before,
                "following": Month.parse(after).days if after else None,
                "nav": "pauses",
            }

        return r.page(request, viewer, "pauses.html", read, what="pauses")

    @router.get("/visits/{assignment_id}", name="console_visit")
    def visit(request: Request, assignment_id: str) -> Response:
        viewer = r.viewer(request)

        def read(access: Reading) -> dict[str, Any]:
            page = views.visit_page(homecare, access, _uuid(assignment_id, "visit"))
            a = page.assignment
            subjects = [(a.customer_id, SubjectKind.CUSTOMER), (a.staff_id, SubjectKind.STAFF)]
            r.record(r.shown(viewer, "visit", subjects, ("visit",)))  # R17: times, activities
            return {"page": page, "fix_link": views.fix_link, "nav": None}

        return r.page(request, viewer, "visit.html", read, what="visit")

    def person_page(
        request: Request, kind: str, raw_id: str, load: Callable[..., PersonPage]
    ) -> Response:
        """A customer's or a staff member's page (`{kind}.html`, NotFoundError for an
        unknown id); every view is recorded (R17), masked or not: besides the name and
        personnummer (shown with `+personal` only) the page shows the subject's record,
        and a staff page the held visits of the customers it names."""
        viewer = r.viewer(request)

        def read(access: Reading) -> dict[str, Any]:
            subject_id = _uuid(raw_id, kind)
            page = load(homecare, access, subject_id, personal=viewer.can_see_personal)
            subject = [(subject_id, SubjectKind(kind))]
            others = [s for s in subjects_in(page.held) if s not in subject]
            who = UNMASKED[kind] if page.person.unmasked else ()
            shown = r.shown(viewer, kind, subject, who + RECORD[kind])
            r.record(shown + r.shown(viewer, kind, others, ITEMS))
            return {"page": page, "fix_link": views.fix_link, "nav": None}

        return r.page(request, viewer, f"{kind}.html", read, what=kind)

    @router.get("/customers/{customer_id}", name="console_customer")
    def customer(request: Request, customer_id: str) -> Response:
        return person_page(request, "customer", customer_id, views.customer_page)

    @router.get("/staff/{staff_id}", name="console_staff")
    def staff(request: Request, staff_id: str) -> Response:
        return person_page(request, "staff", staff_id, views.staff_page)

    return router
