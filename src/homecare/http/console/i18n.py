"""One message catalogue for the console, Swedish by default, English on request.

The templates are written in English (the msgids) and marked for gettext
(`{% trans %}`, `_()`); `locale/sv/LC_MESSAGES/console.po` holds the Swedish.
Why a .po compiled at start rather than a committed .mo: the .po is the one
file a translator edits and a reviewer reads in a diff; Babel reads it and
compiles it in memory (a few milliseconds), so no build step and no binary
file in the repository can fall out of step with it. English needs no
catalogue: it is the msgids themselves.

The language is `?lang=sv|en` (remembered in a cookie), else the cookie,
else Swedish.
"""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from functools import cache
from importlib.resources import files
from typing import Any

from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from babel.units import format_unit
from jinja2 import Environment, PackageLoader, select_autoescape

from homecare.domain.citydays import STOCKHOLM
from homecare.domain.privacy import CULLED, is_culled

__all__ = ["DEFAULT", "LANGUAGES", "LANG_COOKIE", "choose_language", "environment", "translations"]

DEFAULT = "sv"
LANGUAGES = ("sv", "en")
LANG_COOKIE = "homecare_console_lang"
DOMAIN = "console"


@cache
def translations(language: str) -> NullTranslations:
    """The compiled catalogue of `language` (English: the msgids as they are)."""
    if language == "en":
        return NullTranslations()
    source = files("homecare.http.console").joinpath(
        "locale", language, "LC_MESSAGES", f"{DOMAIN}.po"
    )
    with source.open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def choose_language(query: str | None, cookie: str | None) -> str:
    for candidate in (query, cookie):
        if candidate in LANGUAGES:
            return candidate
    return DEFAULT


@cache
def environment(language: str) -> Environment:
    """A Jinja2 environment per language, its gettext bound to that catalogue."""
    env = Environment(
        loader=PackageLoader("homecare.http.console", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.globals["lang"] = language
    env.filters["month_name"] = lambda d: format_date(d, "LLLL yyyy", locale=language)
    env.filters["day"] = lambda d: _day(d, language)
    env.filters["local"] = lambda t: _local(t, language)
    env.filters["duration"] = lambda d: _duration(d, language)
    env.tests["culled"] = is_culled  # R16: the marker; _macros.html `personal` shows it
    env.tests["culled_text"] = lambda text: text == CULLED.text  # a culled pause reason text
    return env


def _day(value: date | None, language: str) -> str:
    return "" if value is None else format_date(value, "medium", locale=language)


def _duration(value: timedelta, language: str) -> str:
    """Time left in its two largest units, rounded down: "3 dygn 23 timmar", "5 hours 2 minutes"."""
    minutes = max(int(value.total_seconds()) // 60, 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [(days, "day"), (hours, "hour")] if days else [(hours, "hour"), (minutes, "minute")]
    shown = [
        format_unit(n, f"duration-{unit}", length="long", locale=language) for n, unit in parts if n
    ]
    return " ".join(shown) or format_unit(0, "duration-minute", length="long", locale=language)


def _local(value: datetime | None, language: str) -> str:
    """An instant as Stockholm wall-clock time (D5)."""
    if value is None:
        return ""
    return format_datetime(value, "yyyy-MM-dd HH:mm", tzinfo=STOCKHOLM, locale=language)


def render(language: str, template: str, context: dict[str, Any]) -> str:
    return environment(language).get_template(template).render(context)
