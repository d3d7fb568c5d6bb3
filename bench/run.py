"""Benchmarks against the raw tools underneath, on SQLite and PostgreSQL (issue 8).

    python bench/run.py                       # both stores, 5 runs each, full size
    python bench/run.py --quick --stores sqlite

Prints a table and writes docs/benchmarks.md: each figure is the median of
`--runs` runs, next to its baseline measured in the same run and the ratio.
Run on demand; never part of the test suite's pass/fail.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from replay import floors_of, replay_of
from report import Figure, stamp, table, write_blocks
from sqlalchemy import bindparam, select
from stores import fresh_store
from workload import ACTOR, attested_visits, build_provider, confirmed_log, settled

from homecare.bootstrap import connect
from homecare.domain import Assignment
from homecare.outbox import tables as t


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
                at = settled(group)
                if per_shift == 1:
                    app.confirm_assignment(ids[0], actor=ACTOR, at=at)
                elif batch:
                    app.confirm_assignments(ids, actor=ACTOR, at=at)
                else:
                    staff_id = group[1].staff_id  # type: ignore[attr-defined]
                    app.confirm_shift(staff_id, group[0].day, actor=ACTOR, at=at)  # type: ignore[attr-defined]

        ours = timed(confirm_ours)
        stored_batches = []
        for group in raw_groups:
            events = []
            for aggregate in group:
                if isinstance(aggregate, Assignment):
                    aggregate.confirm(actor=ACTOR, at=settled(group))
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
                conn.execute(t.delivery.update().values(delivered_position=0, served_position=0))
                conn.execute(t.acknowledgements.delete())  # each drain acknowledges anew

            def drain(batch: int = batch) -> None:  # the city's fetch: the stored bytes
                cursor = None
                while (page := hc.buffer.fetch_page(after=cursor, limit=batch)).count:
                    cursor = page.cursor

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


# -- rebuild and the whole run -------------------------------------------------


def rebuild_figure(url: str, events: int, runs: int, target: float) -> Figure:
    """The audit replay of the log at `url` against its floors (bench/replay.py)."""
    figure = Figure(f"rebuild of {events:,} events (audit replay)", "events/s", target=target)
    for _ in range(runs):
        replayed = replay_of(url, write_floor=True)
        floors = floors_of(url)
        write = replayed.write_seconds or float("nan")
        figure.ours.append(replayed.rate)
        figure.baseline.append(events / (floors["decode"] + write))
        figure.floors.setdefault("read rows of the handled topics (SQL)", []).append(
            events / floors["read"]
        )
        figure.floors.setdefault("read + orjson decode from the row", []).append(
            events / floors["decode"]
        )
        figure.floors.setdefault(
            f"write the {replayed.rows_written:,} rebuilt rows (executemany, SQLite)", []
        ).append(events / write)
        figure.extra.setdefault("events per CPU second of the replaying process", []).append(
            replayed.cpu_rate
        )
        figure.extra.setdefault("events per CPU second of both processes", []).append(
            events / (replayed.cpu_seconds + replayed.writer_cpu_seconds)
        )
        figure.extra.setdefault("peak RSS MB", []).append(replayed.peak_mb)
        figure.extra.setdefault("peak RSS MB of the writing process", []).append(
            replayed.writer_peak_mb
        )
        figure.extra.setdefault("floor peak RSS MB", []).append(floors["peak_mb"])
    return figure


def store_figures(store: str, args: argparse.Namespace) -> list[Figure]:
    """Every figure of one store, each the median of `args.runs` runs."""
    half = 0.5 if store == "postgres" else 1.0
    confirm_visits = 200 if args.quick else 1000
    log_visits = 2000 if args.quick else 20_000
    figures = {
        "confirm_one": Figure("confirm, one visit per command", "events/s"),
        "confirm_shift": Figure("confirm, a whole shift (10) per command", "events/s"),
        "confirm_batch": Figure(
            "confirm, 100 selected visits per command", "events/s", target=10_000 * half
        ),
        "catch_up": Figure("projection catch-up", "events/s", target=30_000 * half),
        "drain_20": Figure("drain, batch 20, acknowledging", "items/s", target=20_000 * half),
        "drain_500": Figure("drain, batch 500, acknowledging", "items/s", target=100_000 * half),
    }
    for run in range(args.runs):
        print(f"[{store}] run {run + 1}/{args.runs}", flush=True)
        for key, visits, per_shift in (
            ("confirm_one", confirm_visits, 1),
            ("confirm_shift", confirm_visits, 10),
            ("confirm_batch", confirm_visits * 5, 100),
        ):
            ours, raw = bench_confirm(store, visits, per_shift, batch=per_shift == 100)
            figures[key].ours.append(ours)
            figures[key].baseline.append(raw)
        for key, (ours, raw) in bench_catch_up_and_drain(store, log_visits).items():
            figures[key].ours.append(ours)
            figures[key].baseline.append(raw)
    rebuild_events = args.rebuild_events or (50_000 if args.quick else 1_000_000)
    with fresh_store(store) as url:
        with connect(url) as hc:
            provider = build_provider(hc.app, customers=2000, staff=200)
            made = confirmed_log(hc.app, provider, max(1, rebuild_events * 10 // 51))
        print(f"[{store}] rebuild log: {made:,} events", flush=True)
        rebuild = rebuild_figure(url, made, args.rebuild_runs or args.runs, 100_000 * half)
    return [*figures.values(), rebuild]


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
        "--label", default="after", help="the column's name: after (main, the default) or before"
    )
    parser.add_argument("--scale", action="store_true", help="the scale run only (bench/scale.py)")
    parser.add_argument("--scale-events", type=int, default=None, help="default 5,000,000")
    parser.add_argument("--seed-customers", type=int, default=200)
    parser.add_argument("--seed-days", type=int, default=7)
    parser.add_argument("--seed-cache", default=None, help="a pickle file for the seed")
    parser.add_argument(
        "--out", default=str(Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md")
    )
    args = parser.parse_args()
    command = "python bench/run.py " + " ".join(_shown(sys.argv[1:]))
    if args.scale:
        from scale_run import scale_blocks

        blocks = scale_blocks(args, command)
    else:
        blocks = {}
        for store in args.stores.split(","):
            lines = [
                f"### {store} ({args.label})",
                "",
                stamp(command),
                "",
                *table(store_figures(store, args)),
            ]
            blocks[f"main:{args.label}:{store}"] = lines
            write_blocks(Path(args.out), {f"main:{args.label}:{store}": lines})
    for lines in blocks.values():
        print("\n".join(lines))
    write_blocks(Path(args.out), blocks)


def _shown(argv: list[str]) -> list[str]:
    """The command line as the document shows it: without `--out` and its path."""
    kept: list[str] = []
    skip = False
    for arg in argv:
        if skip or arg.startswith("--out"):
            skip = arg == "--out"
            continue
        kept.append(arg)
    return kept


if __name__ == "__main__":
    main()
