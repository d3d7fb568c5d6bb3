"""D10: what a text field may hold (`homecare.domain.fields`)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from homecare.domain.fields import REASON_TEXT_MAX, require_optional_text, require_text
from homecare.errors import InvalidInputError


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("Anna \u202eanna", "bidirectional control (U+202E)"),
        ("\u202aAnna", "bidirectional control (U+202A)"),
        ("An\u2067na\u2069", "bidirectional control (U+2067)"),
        ("An\u2028na", "line or paragraph separator (U+2028)"),
        ("An\u2029na", "line or paragraph separator (U+2029)"),
        ("An\x1bna", "control character (U+001B)"),
        ("An\ud800na", "lone surrogate (U+D800)"),
    ],
)
def test_D10_characters_that_change_what_is_shown_are_refused(text: str, why: str) -> None:
    with pytest.raises(
        InvalidInputError, match=rf"name holds a {re.escape(why)}.* at character \d+\."
    ):
        require_text(text, "name", 200)


@pytest.mark.parametrize("text", ["\u200b", " \u200b\u200d ", "\u3000", "\u0301\u20dd", "\ufeff"])
def test_D10_text_with_nothing_visible_is_empty(text: str) -> None:
    with pytest.raises(InvalidInputError, match="name must not be empty"):
        require_text(text, "name", 200)
    assert require_optional_text(text, "name", 200) is None


@pytest.mark.parametrize(
    "text",
    [
        "Zoë",  # a combining or precomposed letter
        "Ali\u200dce",  # a zero width joiner inside a name (needed in some scripts)
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  # Persian with a ZWNJ
        "\u05e9\u05dc\u05d5\u05dd",  # Hebrew: right to left without any override
        "Anna\u200e",  # a left-to-right mark is a mark, not an override
    ],
)
def test_D10_real_names_are_kept_as_given(text: str) -> None:
    assert require_text(text, "name", 200) == text


def test_D10_free_text_may_span_lines_but_not_separators() -> None:
    assert require_text("one\ntwo\tthree", "reason_text", REASON_TEXT_MAX, multiline=True)
    with pytest.raises(InvalidInputError, match=re.escape("U+2028")):
        require_text("one\u2028two", "reason_text", REASON_TEXT_MAX, multiline=True)


@given(st.text(max_size=40))
def test_D10_accepted_text_is_visible_and_safe(text: str) -> None:
    try:
        checked = require_text(text, "name", 200)
    except InvalidInputError:
        return
    assert checked == checked.strip()
    assert checked
    assert not any(c in checked for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    assert not any(c in checked for c in "\u2028\u2029\x00\x1b")
