"""One message catalogue: every string the templates mark has its Swedish, and it compiles."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from babel.messages.pofile import read_po

from homecare.http.console.i18n import choose_language, environment, translations

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "scripts/console_catalogue.py"


def _script() -> object:
    spec = importlib.util.spec_from_file_location("console_catalogue", SCRIPT)
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_marked_string_has_swedish_and_the_catalogue_has_no_leftovers() -> None:
    script = _script()
    extracted = {m.id for m in script.extracted() if m.id}  # type: ignore[attr-defined]
    with script.PO.open("rb") as handle:  # type: ignore[attr-defined]
        catalogue = read_po(handle, locale="sv")
    stored = {m.id: m.string for m in catalogue if m.id}
    assert len(extracted) > 100
    assert extracted == set(stored), "run scripts/console_catalogue.py"
    for message_id, string in stored.items():
        assert string, f"no Swedish for {message_id!r}"
        assert all(string), f"no Swedish for {message_id!r}"
        ids = message_id if isinstance(message_id, tuple) else (message_id,)
        strings = string if isinstance(string, tuple) else (string,)
        wanted = set(re.findall(r"%\(\w+\)[sd]", ids[0]))
        assert all(set(re.findall(r"%\(\w+\)[sd]", s)) == wanted for s in strings), message_id


def test_the_catalogue_compiles_and_translates() -> None:
    assert translations("sv").gettext("Everything delivered") == "Allt är levererat"
    assert translations("en").gettext("Everything delivered") == "Everything delivered"
    assert translations("sv").ngettext("%(num)d pause", "%(num)d pauses", 2) == "%(num)d uppehåll"


def test_swedish_is_the_default_and_english_is_chosen_by_query_or_cookie() -> None:
    assert choose_language(None, None) == "sv"
    assert choose_language("en", None) == "en"
    assert choose_language(None, "en") == "en"
    assert choose_language("sv", "en") == "sv"
    assert choose_language("de", "xx") == "sv"
    assert environment("sv").globals["lang"] == "sv"
