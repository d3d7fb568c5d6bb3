"""The benchmarks' scale builder and replay cannot rot silently (bench/scale.py, bench/replay.py).

A tiny seed from the demo, cloned three times into a new SQLite store by bulk
insert: a normal catch-up of the cloned log and the benchmark's replay must
agree (audit verify compares them row by row, D6), the clones must be new
customers, and the raw floors must read the same log.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.fixture(scope="module")
def bench_modules() -> object:
    sys.path.insert(0, str(BENCH))
    try:
        import replay
        import scale

        yield scale, replay
    finally:
        sys.path.remove(str(BENCH))


def test_cloned_log_replays_to_what_catch_up_projects(
    tmp_path: Path, bench_modules: tuple[object, object]
) -> None:
    from homecare.audit import verify
    from homecare.bootstrap import connect
    from homecare.outbox import tables as t

    scale, replay = bench_modules
    seed = scale.make_seed(customers=4, days=2)  # type: ignore[attr-defined]
    url = scale.seed_store(tmp_path)  # type: ignore[attr-defined]
    made = scale.build(url, seed, len(seed) * 3)  # type: ignore[attr-defined]
    assert made == len(seed) * 3
    with connect(url) as hc:
        assert hc.log.end() == made
        hc.catch_up()
        report = verify(hc)
        assert report.identical, report.describe()
        assert report.events == made
        with hc.database.engine.connect() as conn:
            customers = conn.execute(select(func.count()).select_from(t.customers)).scalar()
        assert customers == 3 * 4
    replayed = replay.replay(url)  # type: ignore[attr-defined]
    assert replayed.events == made
    assert replayed.samples[-1][0] == made
    floors = replay.read_floors(url)  # type: ignore[attr-defined]
    assert floors["events"] == made
