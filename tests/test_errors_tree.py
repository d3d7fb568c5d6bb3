"""The error tree is written twice, at the top of `homecare/errors.py` and in
docs/architecture.md: both name every public error, and they are the same tree."""

from __future__ import annotations

import re
from pathlib import Path

import homecare.errors as errors

ROOT = Path(__file__).resolve().parents[1]


def _module_tree() -> list[str]:
    doc = errors.__doc__ or ""
    lines = doc.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("HomecareError"))
    tree = []
    for line in lines[start:]:
        if not line.strip():
            break
        tree.append(line.rstrip()[4:])
    return tree


def _docs_tree() -> list[str]:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    block = re.search(r"```\n(HomecareError.*?)```", text, re.S)
    assert block is not None, "docs/architecture.md has no error tree"
    return [line.rstrip() for line in block.group(1).splitlines()]


def _names(tree: list[str]) -> set[str]:
    builtin = {"ValueError", "LookupError", "RuntimeError"}  # the (base) beside a name
    found = {m.group(0) for line in tree for m in re.finditer(r"\b[A-Z]\w+Error\b", line)}
    return found - builtin


def test_the_module_tree_names_every_public_error() -> None:
    assert _names(_module_tree()) == set(errors.__all__)


def test_the_docs_tree_is_the_modules() -> None:
    assert _docs_tree() == _module_tree()
