"""The monthly review of the access log (R17, logguppföljning): who read whom, and
which readers read unusually much.

The rule for "unusual", per reader over one Stockholm calendar month, counting
reads (entries), not distinct subjects:
- `reads >= threshold` (default 500): a volume worth a look whatever others do; or
- `reads > factor * median` (default factor 3) of the month's readers' reads,
  when at least 3 readers read that month (with fewer a median says nothing).
The review names the rule that flagged each reader (`why`). Pure: the counts
come from `AccessLog.review`.
"""

from __future__ import annotations

from collections import defaultdict
from statistics import median
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from homecare.domain.month import Month
from homecare.domain.privacy import SubjectKind

__all__ = [
    "DEFAULT_FACTOR",
    "DEFAULT_THRESHOLD",
    "MIN_READERS_FOR_MEDIAN",
    "AccessReview",
    "PairCount",
    "ReaderVolume",
    "review",
]

DEFAULT_THRESHOLD = 500
DEFAULT_FACTOR = 3.0
MIN_READERS_FOR_MEDIAN = 3


class PairCount(BaseModel):
    """How often one reader read one subject in the month."""

    model_config = ConfigDict(frozen=True)

    reader: str
    subject_id: UUID
    subject_kind: SubjectKind
    reads: int


class ReaderVolume(BaseModel):
    """One reader's month: reads, distinct subjects, and why it is unusual (None: it is not)."""

    model_config = ConfigDict(frozen=True)

    reader: str
    reads: int
    subjects: int
    why: str | None = None


class AccessReview(BaseModel):
    """The month's review: pairs by reader then subject, readers by reads (most first)."""

    model_config = ConfigDict(frozen=True)

    month: str
    reads: int
    pairs: list[PairCount]
    readers: list[ReaderVolume]
    unusual: list[ReaderVolume]
    median_reads: float | None
    rule: str


def review(
    month: Month,
    pairs: list[PairCount],
    *,
    threshold: int = DEFAULT_THRESHOLD,
    factor: float = DEFAULT_FACTOR,
) -> AccessReview:
    reads: dict[str, int] = defaultdict(int)
    subjects: dict[str, int] = defaultdict(int)
    for pair in pairs:
        reads[pair.reader] += pair.reads
        subjects[pair.reader] += 1
    middle = median(reads.values()) if len(reads) >= MIN_READERS_FOR_MEDIAN else None
    readers = [
        ReaderVolume(
            reader=name,
            reads=count,
            subjects=subjects[name],
            why=_why(count, middle, threshold, factor),
        )
        for name, count in sorted(reads.items(), key=lambda item: (-item[1], item[0]))
    ]
    return AccessReview(
        month=str(month),
        reads=sum(reads.values()),
        pairs=sorted(pairs, key=lambda p: (p.reader, str(p.subject_id))),
        readers=readers,
        unusual=[reader for reader in readers if reader.why],
        median_reads=None if middle is None else float(middle),
        rule=(
            f"unusual: {threshold} reads or more in the month, or more than {factor:g} times "
            f"the median of the month's readers (when {MIN_READERS_FOR_MEDIAN} or more read)"
        ),
    )


def _why(count: int, middle: float | None, threshold: int, factor: float) -> str | None:
    if count >= threshold:
        return f"{count} reads: at or above the threshold of {threshold}"
    if middle is not None and count > factor * middle:
        return f"{count} reads: more than {factor:g} x the median ({middle:g})"
    return None
