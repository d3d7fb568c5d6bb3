"""Every console page is structured for assistive technology and readable in its colours:
a language, landmarks, one h1, labelled fields, scoped table headers, WCAG AA contrast."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

from tests.http.console.conftest import Console
from tests.scenario import Scenario

BASE = Path(__file__).resolve().parents[3] / "src/homecare/http/console/templates/base.html"


class _Structure(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.label_depth = 0
        self.unlabelled_inside: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "label":
            self.label_depth += 1
        if tag in {"input", "select"} and self.label_depth:
            found["_wrapped"] = "yes"
        self.tags.append((tag, found))

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.label_depth -= 1


def _check(html: str, path: str) -> None:
    page = _Structure()
    page.feed(html)
    tags = page.tags
    html_tag = next(a for t, a in tags if t == "html")
    assert html_tag.get("lang") in {"sv", "en"}, path
    assert sum(t == "h1" for t, _ in tags) == 1, path
    assert any(t == "main" and a.get("id") == "main" for t, a in tags), path
    assert any(t == "a" and a.get("href") == "#main" for t, a in tags), path  # skip link
    labelled = {a.get("for") for t, a in tags if t == "label"}
    for tag, attrs in tags:
        if tag == "select" or (tag == "input" and attrs.get("type") not in {"hidden", "submit"}):
            assert attrs.get("_wrapped") or attrs.get("id") in labelled, (path, attrs)
        if tag == "th":
            assert attrs.get("scope") in {"col", "row"}, (path, attrs)
        if tag == "nav":
            assert attrs.get("aria-label"), (path, attrs)


def test_every_page_has_a_language_landmarks_one_heading_and_labelled_fields(
    console: Console,
) -> None:
    world = Scenario(console.hc.app)
    customer, staff = world.customer(), world.staff(sd_number=False)
    visit = world.visit(customer, staff, day=date(2026, 3, 3))
    console.hc.catch_up()
    pages = [
        "/console/month/2026-03",
        "/console/month/2026-04",
        "/console/problems",
        "/console/pauses?from=2026-03-01&ended=1",
        f"/console/visits/{visit}",
        f"/console/customers/{customer.id}",
        f"/console/staff/{staff}",
        "/console/customers/0f8fad5b-d9cb-469f-a165-70867728950e",
        "/console/month/2026-13",
    ]
    with console.client() as anonymous:
        _check(anonymous.get("/console/sign-in").text, "sign-in")
    with console.signed_in() as client:
        for path in pages:
            for lang in ("sv", "en"):
                _check(client.get(f"{path}{'&' if '?' in path else '?'}lang={lang}").text, path)


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_text_colours_meet_wcag_aa_contrast_on_their_backgrounds() -> None:
    css = BASE.read_text()
    colours = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-f]{6})", css))
    pairs = [
        ("ink", "#ffffff"),
        ("muted", "#ffffff"),
        ("link", "#ffffff"),
        ("ok", "ok-bg"),
        ("warn", "warn-bg"),
        ("bad", "bad-bg"),
        ("#ffffff", "#1f3a5f"),  # the header
    ]
    for fore, back in pairs:
        fg, bg = colours.get(fore, fore), colours.get(back, back)
        assert _contrast(fg, bg) >= 4.5, (fore, back, round(_contrast(fg, bg), 2))
    assert "#1f3a5f" in css  # the header colour checked above is the one in use
