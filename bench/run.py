"""Benchmarks against the raw tools underneath, on SQLite and PostgreSQL (issue 8).

    python bench/run.py                       # both stores, 5 runs each, full size
    python bench/run.py --quick --stores sqlite

Prints a table and writes docs/benchmarks.md: each figure is the median of
`--runs` runs, next to its baseline measured in the same run and the ratio.
Run on demand; never part of the test suite's pass/fail.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import bindparam, select
from sqlalchemy.engine import make_url
from stores import fresh_store
from workload import ACTOR, T0, attested_visits, build_provider, confirmed_log

from homecare.bootstrap import connect
from homecare.domain import Assignment
from homecare.outbox import tables as t
from homecare._sql.database import Database, metadata
from homecare._es.runner import ProjectionRunner, catch_up_together


@dataclass
class Figure:
    name: str
    unit: str
    ours: list[float] = field(default_factory=list)
    baseline: list[float] = field(default_factory=list)
    target: float | None = None
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


def timed(work: Callable[[], Any]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


# -- confirm -----------------------------------------------------------------


def bench_confirm(
    store: str, visits: int, per_shift: int, *, batch: bool = False
) -> tuple[float, float]:
    """Events/s confirming through the facade, and raw recorder inserts of as many events.

    One command per group of `per_shift` visits: `confirm_assignment` for one,
    `confirm_shift` for a shift, or `confirm_assignments` of the whole group when
    `batch` (the selected-visits confirmation, many customers in one command).
    The baseline inserts the same events, one transaction per group.
    """
    with fresh_store(store) as url, connect(url) as hc:
        app = hc.app
        provider = build_provider(app, customers=50, staff=20)
        groups = list(attested_visits(provider, visits * 2, per_shift=per_shift))
        for group in groups:
            app.save(*group)
        ours_groups, raw_groups = groups[: len(groups) // 2], groups[len(groups) // 2 :]
        n_ours = sum(len(g) - 1 for g in ours_groups)

        def confirm_ours() -> None:
            for group in ours_groups:
                ids = [a.id for a in group if isinstance(a, Assignment)]
                if per_shift == 1:
                    app.confirm_assignment(ids[0], actor=ACTOR, at=T0)
                elif batch:
                    app.confirm_assignments(ids, actor=ACTOR, at=T0)
                else:
                    staff_id = group[1].staff_id  # type: ignore[attr-defined]
                    app.confirm_shift(staff_id, group[0].day, actor=ACTOR, at=T0)  # type: ignore[attr-defined]

        ours = timed(confirm_ours)
        stored_batches = []
        for group in raw_groups:
            events = []
            for aggregate in group:
                if isinstance(aggregate, Assignment):
                    aggregate.confirm(actor=ACTOR, at=T0)
                    events += [app.mapper.to_stored_event(e) for e in aggregate.collect_events()]
            stored_batches.append(events)
        n_raw = sum(len(b) for b in stored_batches)

        def insert_raw() -> None:
            for batch in stored_batches:
                app.recorder.insert_events(batch)

        raw = timed(insert_raw)
        return n_ours / ours, n_raw / raw


# -- catch-up, drain -----------------------------------------------------------


def bench_catch_up_and_drain(store: str, visits: int) -> dict[str, tuple[float, float]]:
    with fresh_store(store) as url, connect(url) as hc:
        provider = build_provider(hc.app, customers=200, staff=40)
        events = confirmed_log(hc.app, provider, visits)

        def read_raw() -> None:
            position = 0
            while notes := hc.app.recorder.select_notifications(
                start=position, limit=1000, inclusive_of_start=False
            ):
                position = notes[-1].id

        raw_read = timed(read_raw)
        catch_up = timed(hc.catch_up)
        results = {"catch_up": (events / catch_up, events / raw_read)}
        items = hc.buffer.dump()["homecare_buffer_items"]
        released = sum(1 for i in items if i["position"] is not None)
        for batch in (20, 500):
            with hc.database.write_engine.begin() as conn:
                conn.execute(t.delivery.update().values(delivered_position=0))

            def drain(batch: int = batch) -> None:
                cursor = None
                while (result := hc.buffer.fetch(after=cursor, limit=batch)).items:
                    cursor = result.cursor

            def plain(batch: int = batch) -> None:
                query = (
                    select(t.items.c.position, t.items.c.payload)
                    .where(t.items.c.position > bindparam("after"))
                    .order_by(t.items.c.position)
                    .limit(batch)
                )
                with hc.database.engine.connect() as conn:
                    after = 0
                    while rows := conn.execute(query, {"after": after}).all():
                        after = rows[-1][0]

            results[f"drain_{batch}"] = (released / timed(drain), released / timed(plain))
        return results


# -- rebuild -------------------------------------------------------------------


def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _rebuild_child(url: str, mode: str, queue: Any) -> None:
    with connect(url) as hc, tempfile.TemporaryDirectory() as folder:
        events = hc.app.recorder.max_notification_id() or 0
        start = time.perf_counter()
        if mode == "decode":
            position = 0
            while notes := hc.app.recorder.select_notifications(
                start=position, limit=2000, inclusive_of_start=False
            ):
                for note in notes:
                    hc.app.mapper.to_domain_event(note)
                position = notes[-1].id
        else:
            scratch = Database(make_url(f"sqlite+pysqlite:///{folder}/scratch.db"))
            with scratch.write_engine.begin() as conn:
                metadata.create_all(conn)
            runners = [
                ProjectionRunner(
                    scratch,
                    hc.app.recorder,
                    hc.app.mapper,
                    type(r.projection)(*_projection_args(r.projection, scratch)),
                    page_size=2000,
                )
                for r in hc.runners
            ]
            catch_up_together(runners)
        elapsed = time.perf_counter() - start
        queue.put((events / elapsed, _peak_rss_mb()))


def _projection_args(projection: Any, database: Database) -> tuple[Any, ...]:
    if hasattr(projection, "sealer"):
        return (projection.sealer, projection.format)
    return (database,)


def bench_rebuild(url: str) -> tuple[float, float, float, float]:
    context = multiprocessing.get_context("spawn")
    results = []
    for mode in ("rebuild", "decode"):
        queue = context.Queue()
        child = context.Process(target=_rebuild_child, args=(url, mode, queue))
        child.start()
        results.append(queue.get())
        child.join()
    (ours, ours_rss), (raw, raw_rss) = results
    return ours, raw, ours_rss, raw_rss


# -- report --------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", default="sqlite,postgres")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--rebuild-events", type=int, default=None)
    parser.add_argument(
        "--rebuild-runs", type=int, default=None, help="runs of the rebuild (default: --runs)"
    )
    parser.add_argument(
        "--out", default=str(Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md")
    )
    args = parser.parse_args()
    confirm_visits = 200 if args.quick else 1000
    log_visits = 2000 if args.quick else 20_000
    rebuild_events = args.rebuild_events or (50_000 if args.quick else 1_000_000)

    tables: dict[str, list[Figure]] = {}
    for store in args.stores.split(","):
        half = 0.5 if store == "postgres" else 1.0
        figures = {
            "confirm_one": Figure("confirm, one visit per command", "events/s"),
            "confirm_shift": Figure("confirm, a whole shift (10) per command", "events/s"),
            "confirm_batch": Figure(
                "confirm, 100 selected visits per command", "events/s", target=10_000 * half
            ),
            "catch_up": Figure("projection catch-up", "events/s", target=30_000 * half),
            "drain_20": Figure("drain, batch 20, acknowledging", "items/s", target=20_000 * half),
            "drain_500": Figure(
                "drain, batch 500, acknowledging", "items/s", target=100_000 * half
            ),
            "rebuild": Figure(
                f"rebuild of {rebuild_events:,} events", "events/s", target=100_000 * half
            ),
        }
        for run in range(args.runs):
            print(f"[{store}] run {run + 1}/{args.runs}", flush=True)
            ours, raw = bench_confirm(store, confirm_visits, per_shift=1)
            figures["confirm_one"].ours.append(ours)
            figures["confirm_one"].baseline.append(raw)
            ours, raw = bench_confirm(store, confirm_visits, per_shift=10)
            figures["confirm_shift"].ours.append(ours)
            figures["confirm_shift"].baseline.append(raw)
            ours, raw = bench_confirm(store, confirm_visits * 5, per_shift=100, batch=True)
            figures["confirm_batch"].ours.append(ours)
            figures["confirm_batch"].baseline.append(raw)
            for key, (ours, raw) in bench_catch_up_and_drain(store, log_visits).items():
                figures[key].ours.append(ours)
                figures[key].baseline.append(raw)
        with fresh_store(store) as url:
            with connect(url) as hc:
                provider = build_provider(hc.app, customers=2000, staff=200)
                made = confirmed_log(hc.app, provider, max(1, rebuild_events * 10 // 51))
                figures["rebuild"].name = f"rebuild of {made:,} events"
                print(f"[{store}] rebuild log: {made:,} events", flush=True)
            for _ in range(args.rebuild_runs or args.runs):
                ours, raw, rss, raw_rss = bench_rebuild(url)
                figures["rebuild"].ours.append(ours)
                figures["rebuild"].baseline.append(raw)
                figures["rebuild"].extra.setdefault("peak RSS MB", []).append(rss)
                figures["rebuild"].extra.setdefault("baseline peak RSS MB", []).append(raw_rss)
        tables[store] = list(figures.values())
    report = render(tables, args)
    print(report)
    Path(args.out).write_text(report)


def render(tables: dict[str, list[Figure]], args: argparse.Namespace) -> str:
    from importlib.metadata import version

    import eventsourcing  # noqa: F401

    lines = [
        "# Benchmarks",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `python bench/run.py"
        f"{' --quick' if args.quick else ''} --runs {args.runs}"
        f"{f' --rebuild-runs {args.rebuild_runs}' if args.rebuild_runs else ''}"
        f" --stores {args.stores}`.",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, "
        f"eventsourcing {version('eventsourcing')}, SQLAlchemy {version('sqlalchemy')}, "
        f"psycopg {version('psycopg')}.",
        "Each figure is the median of the runs; the baseline is measured in the same run;",
        "ratio = ours / baseline (1.0 = as fast as the raw tool; the goal is ≥ 0.5).",
        "",
    ]
    for store, figures in tables.items():
        lines += [
            f"## {store}",
            "",
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
            for key, values in f.extra.items():
                lines.append(f"| ↳ {key} | {statistics.median(values):,.0f} | | | | |")
        lines.append("")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
