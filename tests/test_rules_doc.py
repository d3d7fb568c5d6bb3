"""docs/rules.md stays true: every rule of the brief is there (R1-R17, D1-D11), every
linked path exists, and every `name` in backticks after a link is found in that file."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "rules.md"
RULES = [f"R{n}" for n in range(1, 18)] + [f"D{n}" for n in range(1, 12)]
LINK = re.compile(r"\[[^\]]*\]\(([^)#\s]+)(?:#[^)]*)?\)")
TICKED = re.compile(r"`([^`]+)`")


def _links(text: str) -> list[tuple[str, str]]:
    """(target, the text after the link up to the next link or table cell) per link."""
    found = []
    for line in text.splitlines():
        matches = list(LINK.finditer(line))
        for here, after in zip(matches, [*matches[1:], None], strict=False):
            tail = line[here.end() : after.start() if after else len(line)]
            found.append((here.group(1), tail.split("|")[0]))
    return found


def _local(target: str) -> bool:
    return "://" not in target and not target.startswith("mailto:")


def test_every_rule_has_a_row_and_a_section() -> None:
    text = DOC.read_text(encoding="utf-8")
    for rule in RULES:
        assert re.search(rf"^\| \[{rule}\]\(#", text, re.M), f"{rule} has no row"
        assert re.search(rf"^### {rule}\. ", text, re.M), f"{rule} has no section"


def test_every_table_anchor_names_a_section() -> None:
    text = DOC.read_text(encoding="utf-8")
    headings = re.findall(r"^### (.+)$", text, re.M)
    anchors = {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}
    for anchor in re.findall(r"\]\(#([^)]+)\)", text):
        assert anchor in anchors, f"#{anchor} is no heading of docs/rules.md"


def test_every_linked_path_exists() -> None:
    targets = {t for t, _ in _links(DOC.read_text(encoding="utf-8")) if _local(t)}
    assert targets, "docs/rules.md links nothing"
    missing = sorted(t for t in targets if not (DOC.parent / t).exists())
    assert not missing, f"docs/rules.md links paths that do not exist: {missing}"


def test_every_cited_name_is_in_its_file() -> None:
    missing: list[str] = []
    for target, tail in _links(DOC.read_text(encoding="utf-8")):
        path = DOC.parent / target
        if not _local(target) or not path.is_file() or path.suffix != ".py":
            continue
        source = path.read_text(encoding="utf-8")
        for name in TICKED.findall(tail):
            for part in name.removesuffix("()").split("."):
                if not re.fullmatch(r"\w+", part) or not re.search(
                    rf"\b(def|class)\s+{part}\b|^{part}\s*[:=]|^\s+{part}\s*[:=]",
                    source,
                    re.M,
                ):
                    missing.append(f"{target}: {name}")
    assert not missing, f"names cited in docs/rules.md not found: {missing}"


@pytest.mark.parametrize("doc", ["README.md", "docs/architecture.md"])
def test_rules_md_is_linked(doc: str) -> None:
    assert "rules.md" in (ROOT / doc).read_text(encoding="utf-8")
