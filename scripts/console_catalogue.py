"""Regenerate the console's Swedish catalogue from the templates (a maintainer's tool).

    .venv/bin/python scripts/console_catalogue.py

Extracts every marked string from src/homecare/http/console/templates with
Babel, keeps the Swedish already in console.po, and writes the file back
sorted; strings without Swedish are listed and make it exit 1. The test
tests/http/console/test_catalogue.py checks the same completeness in CI.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "src/homecare/http/console/templates"
PO = ROOT / "src/homecare/http/console/locale/sv/LC_MESSAGES/console.po"
STAMP = datetime(2026, 11, 30, tzinfo=UTC)  # fixed: a rerun without changes changes nothing
OPTIONS = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}


def extracted() -> Catalog:
    catalog = Catalog(
        locale="sv",
        domain="console",
        project="homecare",
        version="console",
        header_comment="# Swedish messages of the homecare console (see docs/console.md).\n"
        "# msgids are the English text; regenerate with scripts/console_catalogue.py.",
        last_translator="homecare developers",
        language_team="homecare developers",
        msgid_bugs_address="-",
        creation_date=STAMP,
        revision_date=STAMP,
        fuzzy=False,
    )
    for _file, _line, message, _comments, _context in extract_from_dir(
        TEMPLATES, method_map=[("**.html", "jinja2")], options_map={"**.html": OPTIONS}
    ):
        catalog.add(message)
    return catalog


def _translated(string: object) -> bool:
    if isinstance(string, tuple):
        return all(string)
    return bool(string)


def main() -> int:
    fresh = extracted()
    if PO.exists():
        with PO.open("rb") as handle:
            old = read_po(handle, locale="sv", domain="console")
        for message in fresh:
            known = old.get(message.id)
            if message.id and known is not None:
                message.string = known.string
    missing = [m.id for m in fresh if m.id and not _translated(m.string)]
    with PO.open("wb") as handle:
        write_po(handle, fresh, omit_header=False, no_location=True, sort_output=True, width=100)
    for message_id in missing:
        print(f"no Swedish for: {message_id!r}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
