"""Figures and their place in docs/benchmarks.md.

Each run writes its tables into marked blocks of the document, one block per
(kind, label, store): `<!-- bench:main:before:sqlite -->` ... `<!-- /bench -->`.
A block is replaced when the same kind, label and store is run again and added
at the end otherwise, so a "before" and an "after" run stand side by side, and
the prose around the blocks (what each benchmark means) is kept as written.
"""

from __future__ import annotations

import os
import platform
import re
import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path


@dataclass
class Figure:
    """A measured figure (`ours`, one value per run) beside its baseline, same run.

    `floors` are further raw baselines (name -> values per run) shown under it
    with the figure's ratio to each; `extra` are plain values (e.g. peak RSS MB).
    """

    name: str
    unit: str
    ours: list[float] = field(default_factory=list)
    baseline: list[float] = field(default_factory=list)
    target: float | None = None
    floors: dict[str, list[float]] = field(default_factory=dict)
    extra: dict[str, list[float]] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.ours)

    @property
    def baseline_median(self) -> float:
        return statistics.median(self.baseline)

    @property
    def ratio(self) -> float:
        return self.median / self.baseline_median if self.baseline else float("nan")


def machine() -> str:
    """One line: the machine, the versions and the load average now."""
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"eventsourcing {version('eventsourcing')}, SQLAlchemy {version('sqlalchemy')}, "
        f"psycopg {version('psycopg')}; load average {load} (1, 5, 15 min)"
    )


def table(figures: list[Figure]) -> list[str]:
    """The markdown table of `figures`: ours, baseline, ratio, target."""
    lines = [
        "| figure | ours | baseline | ratio | target | met |",
        "|---|---|---|---|---|---|",
    ]
    for f in figures:
        target = f"≥ {f.target:,.0f}" if f.target else "-"
        met = "-" if not f.target else ("yes" if f.median >= f.target else "**no**")
        lines.append(
            f"| {f.name} | {f.median:,.0f} {f.unit} | {f.baseline_median:,.0f} | "
            f"{f.ratio:.2f} | {target} | {met} |"
        )
        for key, values in f.floors.items():
            floor = statistics.median(values)
            lines.append(f"| ↳ floor: {key} | | {floor:,.0f} | {f.median / floor:.2f} | | |")
        for key, values in f.extra.items():
            lines.append(f"| ↳ {key} | {statistics.median(values):,.0f} | | | | |")
    return lines


def stamp(command: str) -> str:
    return f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: `{command}`; {machine()}."


def write_blocks(path: Path, blocks: dict[str, list[str]]) -> None:
    """Replace (or append) each named block of the document at `path`."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    for key, lines in blocks.items():
        body = f"<!-- bench:{key} -->\n" + "\n".join(lines) + "\n<!-- /bench -->"
        pattern = re.compile(rf"<!-- bench:{re.escape(key)} -->.*?<!-- /bench -->", re.S)
        if pattern.search(text):
            text = pattern.sub(lambda _m, body=body: body, text)
        else:
            text = text.rstrip("\n") + "\n\n" + body + "\n"
    path.write_text(text)
