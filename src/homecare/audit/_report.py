"""What `verify` reports (D6): whether the rebuild equals the live store, and where not."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class ColumnDifference(BaseModel):
    """One column of a row that differs; personal data shows as withheld (D8)."""

    model_config = ConfigDict(frozen=True)

    column: str
    live: str
    rebuilt: str


class RowDifference(BaseModel):
    """A row that differs, or is on one side only: `missing` (rebuilt only), `extra` (live only)."""

    model_config = ConfigDict(frozen=True)

    table: str
    key: dict[str, str]
    problem: Literal["differs", "missing", "extra"]
    columns: list[ColumnDifference]

    def describe(self) -> str:
        """One line for an operator: the table, the row's key and what differs."""
        key = ", ".join(f"{k}={v}" for k, v in self.key.items())
        if self.problem == "missing":
            return f"{self.table} [{key}]: missing from the live store (the rebuild has it)"
        if self.problem == "extra":
            return f"{self.table} [{key}]: in the live store but not in the rebuild"
        changes = "; ".join(f"{c.column}: live {c.live}, rebuilt {c.rebuilt}" for c in self.columns)
        return f"{self.table} [{key}]: {changes}"


class VerifyReport(BaseModel):
    """D6: whether every projection rebuilt from the events equals the live one."""

    model_config = ConfigDict(frozen=True)

    identical: bool
    events: int
    rows: int
    tables: list[str]
    differences: list[RowDifference]
    differences_total: int

    def describe(self) -> list[str]:
        """The report as lines: "identical: ..." or "DIFFERENT: ..." and the differences kept."""
        if self.identical:
            return [
                f"identical: {self.rows} rows in {len(self.tables)} tables equal a rebuild "
                f"from {self.events} events"
            ]
        rows = (
            "1 row differs"
            if self.differences_total == 1
            else f"{self.differences_total} rows differ"
        )
        lines = [f"DIFFERENT: {rows} from a rebuild from the events"]
        lines += [d.describe() for d in self.differences]
        if self.differences_total > len(self.differences):
            lines.append(f"... and {self.differences_total - len(self.differences)} more")
        return lines
