"""R17: the review's rule for unusual volumes, on counts alone (no store)."""

from __future__ import annotations

from uuid import uuid4

from homecare.domain.month import Month
from homecare.domain.privacy import SubjectKind
from homecare.privacy.review import PairCount, review

MARCH = Month(2026, 3)


def pairs(**reads: int) -> list[PairCount]:
    return [
        PairCount(reader=name, subject_id=uuid4(), subject_kind=SubjectKind.STAFF, reads=n)
        for name, n in reads.items()
    ]


def test_with_fewer_than_three_readers_only_the_threshold_counts() -> None:
    found = review(MARCH, pairs(a=1, b=400), threshold=500)
    assert found.median_reads is None
    assert found.unusual == []
    found = review(MARCH, pairs(a=1, b=500), threshold=500)
    assert [(r.reader, r.why) for r in found.unusual] == [
        ("b", "500 reads: at or above the threshold of 500")
    ]


def test_far_above_the_median_is_more_than_factor_times_it() -> None:
    assert review(MARCH, pairs(a=2, b=2, c=6), factor=3).unusual == []
    assert [r.reader for r in review(MARCH, pairs(a=2, b=2, c=7), factor=3).unusual] == ["c"]
    assert "3 times the median" in review(MARCH, []).rule
